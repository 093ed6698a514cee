// The Redis mode's options (config file `state.redis`, or createGuard's `state.redis`), checked once.
import { ToolwatchError } from "../../core/errors.js";

export interface RedisStateOptions {
  /** One Redis: redis://[user:password@]host:port[/db]. Give this or `cluster`. */
  url?: string;
  /** A Redis Cluster: seed node URLs (redis://[user:password@]host:port, any few of its nodes). Give this or `url`. */
  cluster?: string[];
  /**
   * Acknowledge a call only once its write reached this many replicas (`WAIT n waitTimeoutMs` after each
   * write), so a master lost right after the write loses nothing acknowledged. Default 0 = do not wait.
   */
  waitReplicas?: number;
  /** waitReplicas: how long a write may wait for its replicas, ms (default 200; under commandTimeoutMs). */
  waitTimeoutMs?: number;
  /** Key prefix; replicas that share baselines use the same one (default "toolwatch:"). */
  prefix?: string;
  /** What a call gets when Redis cannot be reached: open = allow, closed = block. Default: the config's failurePolicy. */
  failurePolicy?: "open" | "closed";
  /** Per-command timeout, ms (default 1000). */
  commandTimeoutMs?: number;
  /** Tries per call under write conflicts before the failure policy decides (default 64). */
  maxAttempts?: number;
  /** Records idle this long expire in Redis (default 0 = never; or bound Redis with maxmemory + an LRU policy). */
  ttlSeconds?: number;
  /** Records remembered here with their version, so an uncontended call needs one round trip (default 10000; 0 = read first every call). */
  cacheEntries?: number;
  /**
   * strict (default): every call writes its tenant's record too, so decisions are exactly one process's.
   * batched: calls write only the principal's record; what they teach the tenant is merged into Redis
   * every tenantFlushMs. For tenants too busy for one write per call (docs/STATE.md "Batched tenants").
   */
  tenantSync?: "strict" | "batched";
  /** batched: how often each replica merges its tenant deltas into Redis, ms (default 1000). */
  tenantFlushMs?: number;
}

export interface ResolvedOptions {
  /** One Redis, or (cluster) the first seed node. */
  url: string;
  /** Seed nodes of a Redis Cluster; null = one Redis at `url`. */
  cluster: string[] | null;
  /** Where the state lives, without credentials, for logs. */
  safeUrl: string;
  waitReplicas: number;
  waitTimeoutMs: number;
  prefix: string;
  closed: boolean;
  commandTimeoutMs: number;
  maxAttempts: number;
  ttlSeconds: number;
  cacheEntries: number;
  batched: boolean;
  tenantFlushMs: number;
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return "(unparsable url)";
  }
}

const bad = (msg: string) => new ToolwatchError("INVALID_CONFIG", `state.redis.${msg}`);

function int(v: unknown, name: string, min: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw bad(`${name} must be an integer >= ${min}`);
  return v;
}

function oneOf<T extends string>(v: unknown, name: string, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!allowed.includes(v as T)) throw bad(`${name} must be ${allowed.map((a) => `"${a}"`).join(" or ")}`);
  return v as T;
}

/** Throws ToolwatchError INVALID_CONFIG naming the first bad option. */
export function resolveOptions(o: RedisStateOptions, configPolicy: "open" | "closed" | undefined): ResolvedOptions {
  if (typeof o !== "object" || o === null)
    throw bad("must be an object with a url (one Redis) or cluster (a Redis Cluster's seed nodes)");
  const isUrl = (u: unknown) => typeof u === "string" && /^rediss?:\/\//.test(u);
  if (o.url !== undefined && o.cluster !== undefined)
    throw bad("url and cluster: give one (url for one Redis, cluster for a Redis Cluster's seed nodes), not both");
  if (o.cluster !== undefined) {
    if (!Array.isArray(o.cluster) || o.cluster.length === 0)
      throw bad("cluster must be a non-empty list of redis:// or rediss:// node URLs");
    const i = o.cluster.findIndex((u) => !isUrl(u));
    if (i >= 0) throw bad(`cluster[${i}] must be a redis:// or rediss:// URL`);
    if (new Set(o.cluster.map((u) => u.slice(0, u.indexOf(":")))).size > 1)
      throw bad("cluster: mixes redis:// and rediss:// nodes");
  } else if (!isUrl(o.url)) throw bad("url must be a redis:// or rediss:// URL (or give cluster: a list of node URLs)");
  if (o.prefix !== undefined && typeof o.prefix !== "string") throw bad("prefix must be a string");
  const commandTimeoutMs = int(o.commandTimeoutMs, "commandTimeoutMs", 1, 1000);
  const waitTimeoutMs = int(o.waitTimeoutMs, "waitTimeoutMs", 1, Math.min(200, Math.max(1, commandTimeoutMs - 1)));
  // the WAIT reply must arrive before the command timeout gives up on it
  if (waitTimeoutMs >= commandTimeoutMs)
    throw bad(`waitTimeoutMs (${waitTimeoutMs}) must be below commandTimeoutMs (${commandTimeoutMs})`);
  const url = o.cluster ? o.cluster[0]! : o.url!;
  return {
    url,
    cluster: o.cluster ? [...o.cluster] : null,
    safeUrl: o.cluster
      ? `cluster ${safeUrl(url)}${o.cluster.length > 1 ? ` (+${o.cluster.length - 1} seed nodes)` : ""}`
      : safeUrl(url),
    waitReplicas: int(o.waitReplicas, "waitReplicas", 0, 0),
    waitTimeoutMs,
    prefix: o.prefix ?? "toolwatch:",
    closed: oneOf(o.failurePolicy, "failurePolicy", ["open", "closed"], configPolicy ?? "closed") === "closed",
    commandTimeoutMs,
    maxAttempts: int(o.maxAttempts, "maxAttempts", 1, 64),
    ttlSeconds: int(o.ttlSeconds, "ttlSeconds", 0, 0),
    cacheEntries: int(o.cacheEntries, "cacheEntries", 0, 10000),
    batched: oneOf(o.tenantSync, "tenantSync", ["strict", "batched"], "strict") === "batched",
    tenantFlushMs: int(o.tenantFlushMs, "tenantFlushMs", 1, 1000),
  };
}
