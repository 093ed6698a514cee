// Synthetic, reproducible call streams: many principals in many tenants, Zipf-like tool popularity
// (globally and per principal), a few argument shapes per tool with repeating values, and bursts.
// Everything is generated before timing starts; generation is seeded so every run sees the same calls.

export interface BenchCall {
  tool: string;
  args: Record<string, unknown>;
  principal: string;
  tenant: string;
  time: number;
  /** ms since the previous call of the stream (used to replay the stream with time moving forward). */
  dt?: number;
}

/** xorshift32: small, fast, seedable. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Zipf(s) over ranks 0..n-1 by inverse CDF on a precomputed table. */
export class Zipf {
  private readonly cdf: Float64Array;
  constructor(n: number, s: number) {
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 1; k <= n; k++) sum += 1 / k ** s;
    let acc = 0;
    for (let k = 1; k <= n; k++) {
      acc += 1 / k ** s / sum;
      this.cdf[k - 1] = acc;
    }
  }
  sample(r: Rng): number {
    const u = r.next();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const VERBS = ["read", "list", "search", "get", "write", "send", "create", "update", "delete", "run"];
const NOUNS = ["file", "dir", "issue", "email", "event", "page", "row", "ticket", "message", "repo", "user", "invoice"];
const KEYS = ["path", "query", "to", "id", "limit", "recursive", "body", "title", "channel", "cc"];

/** 120 tool names, each with one usual argument shape and a rare second one. */
export const TOOLS: { name: string; keys: string[]; alt: string[] }[] = (() => {
  const r = new Rng(7);
  const out: { name: string; keys: string[]; alt: string[] }[] = [];
  for (const n of NOUNS) {
    for (const v of VERBS) {
      const k = 1 + r.int(3);
      const keys: string[] = [];
      while (keys.length < k) {
        const key = KEYS[r.int(KEYS.length)]!;
        if (!keys.includes(key)) keys.push(key);
      }
      const alt = [...keys, KEYS.find((x) => !keys.includes(x))!];
      out.push({ name: `${n}.${v}`, keys, alt });
    }
  }
  return out;
})();

function value(key: string, entity: number, r: Rng): unknown {
  const fresh = r.next() < 0.01; // most values repeat per principal; a few are new
  const v = fresh ? r.int(1e9) : r.int(2);
  switch (key) {
    case "limit":
      return fresh ? 1 + r.int(1000) : [10, 20, 50][v % 3];
    case "recursive":
      return v % 2 === 0;
    case "cc":
      return [`u${entity}-${v}@example.com`];
    case "to":
      return `contact-${v}@partner${entity % 50}.example.com`;
    case "path":
      return `/home/u${entity}/work/${v}/notes.md`;
    default:
      return `${key}-${v}`;
  }
}

export interface StreamOptions {
  /** Tracked principals. */
  entities: number;
  /** Principals per tenant. */
  perTenant?: number;
  seed?: number;
  /** First timestamp (ms). Default: Monday 2026-01-05 09:00 UTC. */
  start?: number;
  /** Mean gap between consecutive calls in the whole stream (ms). Default: each principal calls about
   * every 5 minutes on average, the cadence of the warm-up history (24 calls in 2 hours). */
  gapMs?: number;
  /** Probability that a call starts a burst of `burstLength` calls by the same principal. */
  burstChance?: number;
  burstLength?: number;
}

export const DEFAULT_START = Date.UTC(2026, 0, 5, 9, 0, 0);

const globalTools = new Zipf(TOOLS.length, 1.1);
const HABITS = 6;
const personal = new Zipf(HABITS, 1.4);

/** A principal's habitual tools, drawn by global popularity; fixed per principal index. */
function habits(entity: number): number[] {
  const r = new Rng(entity * 2654435761 + 1);
  const out: number[] = [];
  while (out.length < HABITS) {
    const t = globalTools.sample(r);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

const habitCache = new Map<number, number[]>();
function habitsOf(entity: number): number[] {
  let h = habitCache.get(entity);
  if (!h) {
    h = habits(entity);
    if (habitCache.size > 200_000) habitCache.clear();
    habitCache.set(entity, h);
  }
  return h;
}

/** Drops the generator's caches, so that heap figures measure only the subjects' state. */
export function clearStreamCaches(): void {
  habitCache.clear();
}

export function names(entity: number, perTenant: number): { principal: string; tenant: string } {
  return { principal: `user-${entity}@example.com`, tenant: `tenant-${Math.floor(entity / perTenant)}` };
}

/** One call by `entity` at `time`. */
export function makeCall(entity: number, time: number, perTenant: number, r: Rng): BenchCall {
  const h = habitsOf(entity);
  const ti = r.next() < 0.005 ? globalTools.sample(r) : h[personal.sample(r)]!;
  const tool = TOOLS[ti]!;
  const keys = r.next() < 0.01 ? tool.alt : tool.keys;
  const args: Record<string, unknown> = {};
  for (const k of keys) args[k] = value(k, entity, r);
  const { principal, tenant } = names(entity, perTenant);
  return { tool: tool.name, args, principal, tenant, time };
}

/**
 * The measured stream: `length` calls over `entities` principals chosen uniformly (so every tracked
 * principal is touched, as in a large deployment), with bursts of one principal's calls.
 */
export function measuredStream(o: StreamOptions & { length: number }): BenchCall[] {
  const r = new Rng(o.seed ?? 42);
  const per = o.perTenant ?? 2000;
  const gap = o.gapMs ?? 300_000 / o.entities;
  const burstChance = o.burstChance ?? 0.002;
  const burstLength = o.burstLength ?? 25;
  let t = o.start ?? DEFAULT_START;
  const out: BenchCall[] = [];
  while (out.length < o.length) {
    const e = r.int(o.entities);
    const n = r.next() < burstChance ? burstLength : 1;
    for (let i = 0; i < n && out.length < o.length; i++) {
      const dt = n > 1 ? 50 : gap * 2 * r.next();
      t += dt;
      const c = makeCall(e, t, per, r);
      c.dt = dt;
      out.push(c);
    }
  }
  // Through JSON, as a gateway receives them: flat strings, one set of objects per call.
  return JSON.parse(JSON.stringify(out)) as BenchCall[];
}

/**
 * Warm-up history: `rounds` calls per principal spread evenly over `spanMs`, so that every principal
 * is past the learning thresholds when measuring starts. Calls are produced one at a time (1 000 000
 * principals x rounds would not fit in memory as objects).
 */
export function* historyStream(o: StreamOptions & { rounds: number; spanMs: number }): Generator<BenchCall> {
  const r = new Rng((o.seed ?? 42) ^ 0x5bd1e995);
  const per = o.perTenant ?? 2000;
  const start = (o.start ?? DEFAULT_START) - o.spanMs;
  const step = o.spanMs / o.rounds;
  for (let round = 0; round < o.rounds; round++) {
    const base = start + round * step;
    const spread = step / Math.max(1, o.entities);
    for (let e = 0; e < o.entities; e++) {
      yield makeCall(e, Math.round(base + e * spread), per, r);
    }
  }
}
