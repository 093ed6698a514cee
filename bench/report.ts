// Targets from the project's benchmark goals, and the printed table.
import type { Figure } from "./measure.js";

interface Stats {
  median: Figure;
  cpu: Figure;
  p99: Figure;
  singleMedian: Figure;
}
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
  module: {
    wasmBytes: Figure;
    compileInstantiateMs: Figure;
    compileMs: Figure;
    instantiateMs: Figure;
    createDetectorMs: Figure;
    createDetectorSmallMs: Figure;
  };
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
    out.push({
      name: "public check() median",
      target: "<= 1000 ns/call at 100 000 entities",
      actual: { value: pub, unit: "ns/call" },
      atEntities: at100k.entities,
      met: pub <= 1000,
    });
    const x = at100k.perCall.priorArt.median.value / pub;
    out.push({
      name: "speed-up over prior art",
      target: ">= 20x (prior-art median / public check() median)",
      actual: { value: Number(x.toFixed(2)), unit: "x" },
      atEntities: at100k.entities,
      met: x >= 20,
    });
    const f = pub / at100k.perCall.floor.median.value;
    out.push({
      name: "distance from the floor",
      target: "<= 5x (public check() median / floor median)",
      actual: { value: Number(f.toFixed(2)), unit: "x" },
      atEntities: at100k.entities,
      met: f <= 5,
    });
  }
  if (largest) {
    const b = largest.memory.wasmBytesPerEntity.value;
    const within = largest.memory.arenaBytes.value <= largest.memory.budgetBytes.value;
    out.push({
      name: "WASM memory per tracked entity",
      target: "<= 1024 bytes/entity at 1 000 000 entities, budget never exceeded",
      actual: { value: b, unit: "bytes/entity" },
      atEntities: largest.entities,
      met: b <= 1024 && within,
      note: within ? "arena within budget" : "arena exceeds budget",
    });
  }
  out.push({
    name: ".wasm size",
    target: "<= 65536 bytes",
    actual: r.module.wasmBytes,
    met: r.module.wasmBytes.value <= 65536,
  });
  out.push({
    name: "compile + instantiate",
    target: "<= 5 ms",
    actual: r.module.compileInstantiateMs,
    met: r.module.compileInstantiateMs.value <= 5,
  });
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

const ns = (f: Figure): string =>
  f.value >= 10_000 ? `${(f.value / 1000).toFixed(1)} µs` : `${f.value.toFixed(0)} ns`;
const pad = (s: string, n: number): string => s.padStart(n);

export function printReport(r: ResultsLike & { targets: Target[] }): void {
  const m = r.machine;
  const p = (s: string) => process.stdout.write(`${s}\n`);
  p(
    `\ntoolwatch benchmarks (${r.mode}) — ${String(m.cpu)}, ${String(m.cores)} cores, Node ${String(m.node)}, ${String(m.date)}`,
  );
  p(`load average at start ${JSON.stringify(m.loadAvgStart)}, at end ${JSON.stringify(m.loadAvgEnd)}\n`);
  p("per call: median of 16-call batch means (p99 of single calls) / process CPU time per call");
  p(
    `${pad("entities", 9)} | ${pad("raw ABI", 26)} | ${pad("public check()", 26)} | ${pad("prior art", 26)} | ${pad("floor", 22)} | ${pad("×prior", 7)} | ${pad("×floor", 7)} | ${pad("B/entity", 8)} | ${pad("warn%", 5)}`,
  );
  for (const s of r.sizes) {
    const c = s.perCall;
    const cell = (x: Stats, w: number) => pad(`${ns(x.median)} (${ns(x.p99)}) / ${ns(x.cpu)}`, w);
    const total = s.actions.allow + s.actions.warn + s.actions.block;
    p(
      `${pad(s.entities.toLocaleString("en-US"), 9)} | ${cell(c.raw, 26)} | ${cell(c.public, 26)} | ${cell(c.priorArt, 26)} | ${cell(c.floor, 22)} | ` +
        `${pad((c.priorArt.median.value / c.public.median.value).toFixed(1), 7)} | ${pad((c.public.median.value / c.floor.median.value).toFixed(1), 7)} | ` +
        `${pad(s.memory.wasmBytesPerEntity.value.toFixed(0), 8)} | ${pad(((100 * (s.actions.warn + s.actions.block)) / total).toFixed(1), 5)}`,
    );
  }
  const md = r.module;
  p(
    `\nmodule: ${md.wasmBytes.value} bytes, compile ${md.compileMs.value.toFixed(2)} ms, instantiate ${md.instantiateMs.value.toFixed(2)} ms, compile+instantiate ${md.compileInstantiateMs.value.toFixed(2)} ms, new detector ${md.createDetectorMs.value.toFixed(1)} ms (64 MiB budget) / ${md.createDetectorSmallMs.value.toFixed(2)} ms (1 MiB)`,
  );
  p(`snapshot: ${JSON.stringify(r.snapshot)}`);
  const g = r.gateway as Record<string, unknown>;
  p(
    g.available
      ? `gateway (ms, ${String(g.calls)} calls): direct ${JSON.stringify(g.directMs)}\n  proxy ${JSON.stringify(g.proxyMs)} added ${JSON.stringify(g.proxyAddedMs)}\n  plugin pre-invoke ${JSON.stringify(g.pluginPreInvokeMs)} pre+post ${JSON.stringify(g.pluginPerToolCallMs)}`
      : `gateway: ${String(g.note)}`,
  );
  p("\ntargets");
  for (const t of r.targets) {
    const mark = t.met === null ? "n/a " : t.met ? "met " : "MISS";
    const a = t.actual ? `${t.actual.value} ${t.actual.unit}` : "—";
    p(
      `  [${mark}] ${t.name}: ${a} (target ${t.target}${t.atEntities !== undefined ? `; measured at ${t.atEntities} entities` : ""})${t.note ? ` — ${t.note}` : ""}`,
    );
  }
}

/** The same figures as Markdown, for BENCHMARKS.md. */
export function markdown(r: ResultsLike & { targets: Target[] }): string {
  const m = r.machine;
  const L: string[] = [];
  L.push(
    `Machine: ${String(m.cpu)}, ${String(m.cores)} cores, Node ${String(m.node)} (V8 ${String(m.v8)}), ${String(m.platform)}; run ${String(m.date)} (${r.mode}); load average at start ${JSON.stringify(m.loadAvgStart)}, at end ${JSON.stringify(m.loadAvgEnd)}.`,
  );
  L.push("");
  L.push(
    "Per call: median of 16-call batch means (mitata), with the p99 of calls timed one at a time in brackets; then the process CPU time per call.",
  );
  L.push("");
  L.push(
    "| entities | raw ABI | public check() | prior art (TS) | floor (Map) | prior art ÷ check() | check() ÷ floor | WASM bytes/entity | prior-art JS heap/entity | warned+blocked | own baseline | load avg (start → end) |",
  );
  L.push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const s of r.sizes) {
    const c = s.perCall;
    const cell = (x: Stats) => `${ns(x.median)} (${ns(x.p99)}); ${ns(x.cpu)} CPU`;
    const total = s.actions.allow + s.actions.warn + s.actions.block;
    L.push(
      `| ${s.entities.toLocaleString("en-US")} | ${cell(c.raw)} | ${cell(c.public)} | ${cell(c.priorArt)} | ${cell(c.floor)} | ` +
        `${(c.priorArt.median.value / c.public.median.value).toFixed(1)}× | ${(c.public.median.value / c.floor.median.value).toFixed(1)}× | ` +
        `${s.memory.wasmBytesPerEntity.value.toFixed(0)} | ${s.memory.priorArtHeapBytesPerEntity.value.toFixed(0)} | ${((100 * (s.actions.warn + s.actions.block)) / total).toFixed(1)}% | ${((100 * s.actions.ownBaseline) / total).toFixed(0)}% | ${s.loadAvg.start[0]} → ${s.loadAvg.end[0]} |`,
    );
  }
  const md = r.module;
  L.push("");
  L.push(
    `Module: ${md.wasmBytes.value} bytes; compile ${md.compileMs.value.toFixed(3)} ms, instantiate ${md.instantiateMs.value.toFixed(3)} ms, compile + instantiate ${md.compileInstantiateMs.value.toFixed(3)} ms; a new detector (config, arena zeroed) ${md.createDetectorMs.value.toFixed(1)} ms with the default 64 MiB budget, ${md.createDetectorSmallMs.value.toFixed(2)} ms with 1 MiB.`,
  );
  const big = r.sizes[r.sizes.length - 1];
  if (big) {
    const mm = big.memory as unknown as Record<string, Figure>;
    L.push("");
    L.push(
      `Memory at ${big.entities.toLocaleString("en-US")} entities: WASM memory ${mm.wasmMemoryBytes!.value} bytes (${mm.wasmBytesPerEntity!.value} bytes/entity; arena ${mm.arenaBytes!.value} of a ${mm.budgetBytes!.value}-byte budget; record ${mm.recordBytes!.value} bytes); JS heap grown by toolwatch ${mm.hostHeapToolwatch!.value} bytes, by the prior art ${mm.hostHeapPriorArt!.value} bytes (${mm.priorArtHeapBytesPerEntity!.value} bytes/entity), by the floor's Map ${mm.hostHeapFloor!.value} bytes.`,
    );
  }
  const sn = r.snapshot as Record<string, Figure | boolean | string>;
  L.push("");
  L.push(
    sn.available
      ? `Snapshot at ${(sn.entities as Figure).value} entities: ${(sn.bytes as Figure).value} bytes, save ${(sn.saveMs as Figure).value} ms, restore ${(sn.restoreMs as Figure).value} ms (restored state hash equal: ${String(sn.restoredStateEqual)}).`
      : `Snapshot: ${String(sn.note)}.`,
  );
  const g = r.gateway as Record<string, unknown>;
  L.push("");
  if (g.available) {
    const f = (k: string) => JSON.stringify(g[k]);
    L.push(
      `Gateway (${String(g.calls)} calls, ms): direct ${f("directMs")}; through the proxy ${f("proxyMs")}, added ${f("proxyAddedMs")}; plugin server pre-invoke hook ${f("pluginPreInvokeMs")}, pre + post per tool call ${f("pluginPerToolCallMs")}.`,
    );
  } else {
    L.push(`Gateway: ${String(g.note)}.`);
  }
  L.push("");
  L.push("| target | wanted | measured | met |");
  L.push("|---|---|---|---|");
  for (const t of r.targets) {
    const a = t.actual
      ? `${t.actual.value} ${t.actual.unit}${t.atEntities !== undefined ? ` (at ${t.atEntities.toLocaleString("en-US")} entities)` : ""}`
      : "n/a";
    L.push(`| ${t.name} | ${t.target} | ${a} | ${t.met === null ? "n/a" : t.met ? "yes" : "**no**"} |`);
  }
  return `${L.join("\n")}\n`;
}
