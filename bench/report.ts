// Targets from the project's benchmark goals, and the printed table.
import type { Figure } from "./measure.js";

interface Stats { median: Figure; cpu: Figure; single: { p99: Figure } }
interface SizeLike {
  entities: number;
  perCall: Record<"raw" | "public" | "priorArt" | "floor", Stats>;
  memory: { wasmBytesPerEntity: Figure; arenaBytes: Figure; budgetBytes: Figure; priorArtHeapBytesPerEntity: Figure };
  actions: { allow: number; warn: number; block: number; ownBaseline: number };
  loadAvg: { start: number[]; end: number[] };
}
interface ResultsLike {
  mode: string;
  machine: Record<string, unknown>;
  module: { wasmBytes: Figure; compileInstantiateMs: Figure; compileMs: Figure; instantiateMs: Figure; createDetectorMs: Figure; createDetectorSmallMs: Figure };
  sizes: SizeLike[];
  snapshot: Record<string, unknown>;
  gateway: Record<string, unknown>;
}

export interface Target {
  name: string;
  target: string;
  actual: Figure | null;
  atEntities?: number;
  met: boolean | null;
  note?: string;
}

/** The size closest to (not above, when possible) the wanted one. */
function sizeFor(r: ResultsLike, wanted: number): SizeLike | undefined {
  const exact = r.sizes.find((s) => s.entities === wanted);
  if (exact) return exact;
  const below = r.sizes.filter((s) => s.entities <= wanted);
  return below.length ? below[below.length - 1] : r.sizes[r.sizes.length - 1];
}

export function targets(r: ResultsLike): Target[] {
  const out: Target[] = [];
  const at100k = sizeFor(r, 100_000);
  const largest = r.sizes[r.sizes.length - 1];
  if (at100k) {
    const pub = at100k.perCall.public.median.value;
    out.push({ name: "public check() median", target: "<= 1000 ns/call at 100 000 entities", actual: { value: pub, unit: "ns/call" }, atEntities: at100k.entities, met: pub <= 1000 });
    const x = at100k.perCall.priorArt.median.value / pub;
    out.push({ name: "speed-up over prior art", target: ">= 20x (prior-art median / public check() median)", actual: { value: Number(x.toFixed(2)), unit: "x" }, atEntities: at100k.entities, met: x >= 20 });
    const f = pub / at100k.perCall.floor.median.value;
    out.push({ name: "distance from the floor", target: "<= 5x (public check() median / floor median)", actual: { value: Number(f.toFixed(2)), unit: "x" }, atEntities: at100k.entities, met: f <= 5 });
  }
  if (largest) {
    const b = largest.memory.wasmBytesPerEntity.value;
    const within = largest.memory.arenaBytes.value <= largest.memory.budgetBytes.value;
    out.push({ name: "WASM memory per tracked entity", target: "<= 1024 bytes/entity at 1 000 000 entities, budget never exceeded", actual: { value: b, unit: "bytes/entity" }, atEntities: largest.entities, met: b <= 1024 && within, note: within ? "arena within budget" : "arena exceeds budget" });
  }
  out.push({ name: ".wasm size", target: "<= 65536 bytes", actual: r.module.wasmBytes, met: r.module.wasmBytes.value <= 65536 });
  out.push({ name: "compile + instantiate", target: "<= 5 ms", actual: r.module.compileInstantiateMs, met: r.module.compileInstantiateMs.value <= 5 });
  const snap = r.snapshot as { available?: boolean; saveMs?: Figure; restoreMs?: Figure; entities?: Figure };
  for (const k of ["saveMs", "restoreMs"] as const) {
    const v = snap[k];
    out.push({
      name: `snapshot ${k === "saveMs" ? "save" : "restore"}`,
      target: "<= 1000 ms at 1 000 000 entities",
      actual: v ?? null,
      atEntities: snap.entities?.value,
      met: v ? v.value <= 1000 : null,
      ...(v ? {} : { note: "snapshot API not available yet" }),
    });
  }
  return out;
}

const ns = (f: Figure): string => (f.value >= 10_000 ? `${(f.value / 1000).toFixed(1)} µs` : `${f.value.toFixed(0)} ns`);
const pad = (s: string, n: number): string => s.padStart(n);

export function printReport(r: ResultsLike & { targets: Target[] }): void {
  const m = r.machine;
  const p = (s: string) => process.stdout.write(s + "\n");
  p(`\ntoolwatch benchmarks (${r.mode}) — ${String(m.cpu)}, ${String(m.cores)} cores, Node ${String(m.node)}, ${String(m.date)}`);
  p(`load average at start ${JSON.stringify(m.loadAvgStart)}, at end ${JSON.stringify(m.loadAvgEnd)}\n`);
  p("per call: median of batch means (single-call p99) / process CPU time per call");
  p(`${pad("entities", 9)} | ${pad("raw ABI", 26)} | ${pad("public check()", 26)} | ${pad("prior art", 26)} | ${pad("floor", 22)} | ${pad("×prior", 7)} | ${pad("×floor", 7)} | ${pad("B/entity", 8)} | ${pad("warn%", 5)}`);
  for (const s of r.sizes) {
    const c = s.perCall;
    const cell = (x: Stats, w: number) => pad(`${ns(x.median)} (${ns(x.single.p99)}) / ${ns(x.cpu)}`, w);
    const total = s.actions.allow + s.actions.warn + s.actions.block;
    p(
      `${pad(s.entities.toLocaleString("en-US"), 9)} | ${cell(c.raw, 26)} | ${cell(c.public, 26)} | ${cell(c.priorArt, 26)} | ${cell(c.floor, 22)} | ` +
        `${pad((c.priorArt.median.value / c.public.median.value).toFixed(1), 7)} | ${pad((c.public.median.value / c.floor.median.value).toFixed(1), 7)} | ` +
        `${pad(s.memory.wasmBytesPerEntity.value.toFixed(0), 8)} | ${pad(((100 * (s.actions.warn + s.actions.block)) / total).toFixed(1), 5)}`,
    );
  }
  const md = r.module;
  p(`\nmodule: ${md.wasmBytes.value} bytes, compile ${md.compileMs.value.toFixed(2)} ms, instantiate ${md.instantiateMs.value.toFixed(2)} ms, compile+instantiate ${md.compileInstantiateMs.value.toFixed(2)} ms, new detector ${md.createDetectorMs.value.toFixed(1)} ms (64 MiB budget) / ${md.createDetectorSmallMs.value.toFixed(2)} ms (1 MiB)`);
  p(`snapshot: ${JSON.stringify(r.snapshot)}`);
  p(`gateway: ${JSON.stringify(r.gateway)}`);
  p("\ntargets");
  for (const t of r.targets) {
    const mark = t.met === null ? "n/a " : t.met ? "met " : "MISS";
    const a = t.actual ? `${t.actual.value} ${t.actual.unit}` : "—";
    p(`  [${mark}] ${t.name}: ${a} (target ${t.target}${t.atEntities !== undefined ? `; measured at ${t.atEntities} entities` : ""})${t.note ? ` — ${t.note}` : ""}`);
  }
}
