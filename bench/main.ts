// npm run bench [-- --quick] [-- --sizes=1,10000] [-- --out=path] [-- --update]
// Runs every measurement in one process on one machine, prints a table and writes the results JSON and
// Markdown (bench/run.mjs passes --out: build/bench/results.json, or bench/results.json with --update).
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { historyStream, measuredStream, clearStreamCaches, DEFAULT_START } from "./streams.js";
import { newDetector, preEncode, steppers, floorFeed, type Floor, type SubjectName } from "./subjects.js";
import { PriorArtDetector } from "../prior-art/detector.js";
import { timeCalls, fig, gc, heapUsed, load, machine, type CallStats, type Figure } from "./measure.js";
import { moduleFigures } from "./module.js";
import { snapshotFigures } from "./snapshot.js";
import { gatewayFigures } from "./gateway.js";
import { targets, printReport, markdown } from "./report.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const opt = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const SIZES = (opt("sizes") ?? (quick ? "1,1000,5000" : "1,10000,100000,1000000")).split(",").map(Number);
const PER_TENANT = 2000;
// Warm-up calls per principal: past the default minCalls (20), so principals are judged by their own
// baselines. At 1 000 000 principals that would be 24 million warm-up calls per subject; there the
// warm-up is 4 calls each (principals are then judged against their tenant's baseline; the record
// touched per call is the same size either way).
const roundsFor = (n: number): number => (n >= 1_000_000 ? 4 : 24);
const SPAN_MS = 2 * 3600_000; // ...and past the default learning window (1 h)
const STREAM = quick ? 16_384 : 65_536;
const timing = quick
  ? { minCpuTimeNs: 150e6, batch: 16, singleCalls: 5_000 }
  : { minCpuTimeNs: 600e6, batch: 16, singleCalls: 30_000 };

interface SizeResult {
  entities: number;
  tenants: number;
  loadAvg: { start: number[]; end: number[] };
  warmup: { callsPerPrincipal: Figure; calls: Figure; seconds: Figure };
  perCall: Record<SubjectName, CallStats>;
  /** Decisions of the public check() over one pass of the measured stream. */
  actions: { allow: number; warn: number; block: number; ownBaseline: number };
  memory: {
    wasmMemoryBytes: Figure;
    arenaBytes: Figure;
    budgetBytes: Figure;
    recordBytes: Figure;
    wasmBytesPerEntity: Figure;
    trackedEntities: Figure;
    entityEvictions: Figure;
    detectorRecoveries: Figure;
    /** JS heap growth while building each subject's state (after GC). */
    hostHeapToolwatch: Figure;
    hostHeapPriorArt: Figure;
    priorArtHeapBytesPerEntity: Figure;
    hostHeapFloor: Figure;
  };
}

async function runSize(n: number): Promise<{ r: SizeResult; keep?: ReturnType<typeof newDetector> }> {
  const loadStart = load();
  const tenants = Math.max(1, Math.ceil(n / PER_TENANT));
  // Each subject is built, warmed and timed while the others' state does not exist (or, for toolwatch,
  // lives outside the JS heap): a large heap makes every allocation pay in GC, and that cost belongs to
  // the subject that owns the heap.
  clearStreamCaches();
  const h0 = heapUsed();
  const d = newDetector(n, tenants);
  // Warm-up: each principal's history, learned by toolwatch (as operator feedback: no warnings held back)
  // and checked by the prior art (it records every call it does not block).
  const t0 = performance.now();
  let calls = 0;
  const rounds = roundsFor(n);
  for (const c of historyStream({ entities: n, perTenant: PER_TENANT, rounds, spanMs: SPAN_MS })) {
    d.learn(c);
    calls++;
  }
  let warmSeconds = (performance.now() - t0) / 1000;
  clearStreamCaches();
  const hTw = heapUsed();

  const stream = measuredStream({ entities: n, perTenant: PER_TENANT, length: STREAM });
  const encoded = preEncode(d, stream);
  // One pass to record what the stream does to decisions (and to warm every path).
  const actions = { allow: 0, warn: 0, block: 0, ownBaseline: 0 };
  let t = DEFAULT_START;
  for (const c of stream) {
    t += c.dt!;
    c.time = t;
    const dec = d.check(c);
    actions[dec.action]++;
    if (dec.learning.baseline === "own") actions.ownBaseline++;
  }
  const perCall = {} as Record<SubjectName, CallStats>;
  const none = (): { pa: PriorArtDetector; floor: Floor } => ({
    pa: new PriorArtDetector(),
    floor: { map: new Map() },
  });
  const tw = steppers(d, none().pa, none().floor, stream, encoded, t);
  gc();
  perCall.raw = await timeCalls(tw.raw, timing);
  gc();
  perCall.public = await timeCalls(tw.public, timing);

  clearStreamCaches();
  const hPa0 = heapUsed();
  let pa: PriorArtDetector | null = new PriorArtDetector();
  const t1 = performance.now();
  for (const c of historyStream({ entities: n, perTenant: PER_TENANT, rounds, spanMs: SPAN_MS })) pa.check(c);
  warmSeconds += (performance.now() - t1) / 1000;
  clearStreamCaches();
  const hPa = heapUsed();
  perCall.priorArt = await timeCalls(steppers(d, pa, none().floor, stream, encoded, t).priorArt, timing);
  pa = null;

  const hFl0 = heapUsed();
  const floor: Floor = { map: new Map() };
  for (const c of historyStream({ entities: n, perTenant: PER_TENANT, rounds: 1, spanMs: SPAN_MS }))
    floorFeed(floor, c);
  clearStreamCaches();
  const hFl = heapUsed();
  perCall.floor = await timeCalls(steppers(d, none().pa, floor, stream, encoded, t).floor, timing);
  const st = d.stats();
  const r: SizeResult = {
    entities: n,
    tenants,
    loadAvg: { start: loadStart, end: load() },
    warmup: { callsPerPrincipal: fig(rounds, "calls"), calls: fig(calls, "calls"), seconds: fig(warmSeconds, "s") },
    perCall,
    actions,
    memory: {
      wasmMemoryBytes: fig(st.memoryBytes, "bytes"),
      arenaBytes: fig(st.arenaBytes, "bytes"),
      budgetBytes: fig(st.budgetBytes, "bytes"),
      recordBytes: fig(st.recordBytes, "bytes"),
      wasmBytesPerEntity: fig(st.memoryBytes / Math.max(1, st.entities), "bytes/entity"),
      trackedEntities: fig(st.entities, "entities"),
      entityEvictions: fig(st.entityEvictions, "entities"),
      detectorRecoveries: fig(st.recoveries, "recoveries"),
      hostHeapToolwatch: fig(hTw - h0, "bytes"),
      hostHeapPriorArt: fig(hPa - hPa0, "bytes"),
      priorArtHeapBytesPerEntity: fig((hPa - hPa0) / n, "bytes/entity"),
      hostHeapFloor: fig(hFl - hFl0, "bytes"),
    },
  };
  return { r, keep: d };
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadStart = load();
  const mod = moduleFigures(quick ? 10 : 40);
  const sizes: SizeResult[] = [];
  let largest: ReturnType<typeof newDetector> | undefined;
  for (const n of SIZES) {
    largest = undefined; // the previous size's detector: let it go before building the next
    process.stderr.write(`bench: ${n} entities...\n`);
    const { r, keep } = await runSize(n);
    sizes.push(r);
    largest = keep;
    process.stderr.write(
      `bench: ${n} entities: public check ${r.perCall.public.median.value} ns, raw ${r.perCall.raw.median.value} ns, prior art ${r.perCall.priorArt.median.value} ns, floor ${r.perCall.floor.median.value} ns\n`,
    );
  }
  const snapshot = largest ? snapshotFigures(largest, quick ? 3 : 5) : { available: false, note: "no detector" };
  largest = undefined;
  gc();
  const gateway = await gatewayFigures(quick);
  const results = {
    mode: quick ? "quick" : "full",
    machine: { ...machine(), loadAvgStart: loadStart, loadAvgEnd: load() },
    setup: {
      sizes: SIZES,
      principalsPerTenant: PER_TENANT,
      warmupCallsPerPrincipal: SIZES.map(roundsFor),
      warmupSpan: fig(SPAN_MS / 1000, "s"),
      measuredStreamCalls: STREAM,
      perPrincipalMeanGap: fig(300, "s"),
      burst: "0.2% of calls start a burst of 25 calls 50 ms apart by one principal",
      batchCalls: timing.batch,
      minTimePerSubject: fig(timing.minCpuTimeNs / 1e6, "ms"),
    },
    module: mod,
    sizes,
    snapshot,
    gateway,
    targets: [] as ReturnType<typeof targets>,
    durationSeconds: fig(0, "s"),
  };
  results.targets = targets(results);
  results.durationSeconds = fig((performance.now() - started) / 1000, "s");
  const out = opt("out") ?? resolve(process.cwd(), "build/bench/results.json");
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${out.replace(/\.json$/, "")}.md`, markdown(results));
  printReport(results);
  process.stdout.write(`\nwrote ${out}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
