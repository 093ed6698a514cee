// Timing helpers. mitata runs the warm-up, picks batch sizes and collects many samples (each sample
// is the mean of one batch of calls); a second pass times calls one at a time to show the tail.
import { measure } from "mitata";
import { cpus, loadavg, totalmem } from "node:os";

export interface Figure {
  value: number;
  unit: string;
}
export const fig = (value: number, unit: string): Figure => ({
  value: Number.isFinite(value) ? Number(value.toPrecision(6)) : value,
  unit,
});

export interface CallStats {
  /** mitata: median of batch means, each batch a few calls in a row (`batch`): short enough that a
   * preemption by another process hits few samples, long enough to time a 20 ns floor. */
  median: Figure;
  mean: Figure;
  min: Figure;
  batchCalls: Figure;
  /** Calls timed one at a time (timer overhead removed): the tail, GC pauses included. */
  singleMedian: Figure;
  p99: Figure;
  p999: Figure;
  max: Figure;
  singleCalls: Figure;
  /** Process CPU time (user + system) per call over a separate run: less sensitive to other load. */
  cpu: Figure;
}

export interface TimingOptions {
  minCpuTimeNs: number;
  batch: number;
  singleCalls: number;
}

let timerOverhead = -1;
function timerCost(): number {
  if (timerOverhead >= 0) return timerOverhead;
  const n = 200_000;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    d[i] = performance.now() - a;
  }
  d.sort();
  timerOverhead = d[n >> 1]! * 1e6;
  return timerOverhead;
}

export async function timeCalls(fn: () => void, o: TimingOptions): Promise<CallStats> {
  const r = await measure(fn, { min_cpu_time: o.minCpuTimeNs, batch_samples: o.batch, batch_unroll: 1 });
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  let k = 0;
  do {
    for (let j = 0; j < 256; j++) fn();
    k += 256;
  } while (performance.now() - w0 < o.minCpuTimeNs / 2e6);
  const cu = process.cpuUsage(c0);
  const cpuNs = ((cu.user + cu.system) * 1000) / k;
  const over = timerCost();
  const n = o.singleCalls;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    fn();
    d[i] = (performance.now() - a) * 1e6 - over;
  }
  d.sort();
  const q = (p: number) => Math.max(0, d[Math.min(n - 1, Math.floor(p * (n - 1)))]!);
  return {
    median: fig(r.p50, "ns/call"),
    mean: fig(r.avg, "ns/call"),
    min: fig(r.min, "ns/call"),
    batchCalls: fig(r.ticks, "calls"),
    singleMedian: fig(q(0.5), "ns/call"),
    p99: fig(q(0.99), "ns/call"),
    p999: fig(q(0.999), "ns/call"),
    max: fig(q(1), "ns/call"),
    singleCalls: fig(n, "calls"),
    cpu: fig(cpuNs, "ns/call"),
  };
}

/** Median wall time of `fn` over `runs` runs, in ms. */
export function medianMs(runs: number, fn: () => void): number {
  const d: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = performance.now();
    fn();
    d.push(performance.now() - a);
  }
  d.sort((a, b) => a - b);
  return d[d.length >> 1]!;
}

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

export function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

export function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    memoryBytes: fig(totalmem(), "bytes"),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

export const load = (): number[] => loadavg().map((x) => Number(x.toFixed(2)));
