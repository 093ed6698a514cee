// The connection to Redis and the two scripts, with fail-fast settings: a gateway must not hang a tool
// call waiting for a Redis that is down, so nothing queues while disconnected and every command has a
// timeout. Reconnection keeps going in the background.
import type { Redis } from "ioredis";
import { LOAD, COMMIT } from "./lua.js";
import type { RecordKeys } from "./keys.js";

export interface Versioned {
  /** 0 = the key does not exist. */
  version: number;
  /** Empty = no record. */
  bytes: Uint8Array;
}

export interface CallState {
  entity: Versioned;
  tenant: Versioned;
}

export type CommitResult = { ok: true; entityVersion: number; tenantVersion: number } | { ok: false; fresh: CallState; lease: "none" | "mine" | "other" };

/** Redis could not be reached or did not answer in time. */
export class StateUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StateUnavailableError";
  }
}

export interface RedisConnectionOptions {
  url: string;
  /** Per-command timeout, ms (default 1000). */
  commandTimeoutMs?: number;
  /** Delay between reconnection attempts, ms (default 250, growing to 2000). */
  reconnectMs?: number;
}

type ScriptReply = (string | number | Buffer)[];
type ScriptClient = Redis & {
  twLoadBuffer(e: string, t: string): Promise<ScriptReply>;
  twCommitBuffer(e: string, t: string, lease: string, mode: string, ev: string, tv: string, eb: Uint8Array | string, tb: Uint8Array | string,
    ttl: string, writer: string, claim: string): Promise<ScriptReply>;
};

const num = (x: string | number | Buffer): number => (typeof x === "number" ? x : Number(x.toString()));
const bytes = (x: string | number | Buffer): Uint8Array => (Buffer.isBuffer(x) ? new Uint8Array(x.buffer, x.byteOffset, x.length) : new Uint8Array(0));

export class RedisState {
  readonly client: ScriptClient;
  private readonly listeners = new Set<(up: boolean, err?: Error) => void>();

  /** ioredis is imported here, on first use, so local-mode users never load it. */
  static async create(opts: RedisConnectionOptions): Promise<RedisState> {
    const { Redis } = await import("ioredis");
    return new RedisState(Redis, opts);
  }

  private constructor(RedisClass: typeof Redis, opts: RedisConnectionOptions) {
    const base = opts.reconnectMs ?? 250;
    this.client = new RedisClass(opts.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: opts.commandTimeoutMs ?? 1000,
      connectTimeout: Math.max(1000, opts.commandTimeoutMs ?? 1000),
      retryStrategy: (times) => Math.min(base * times, 2000),
    }) as ScriptClient;
    this.client.defineCommand("twLoad", { numberOfKeys: 2, lua: LOAD, readOnly: true });
    this.client.defineCommand("twCommit", { numberOfKeys: 3, lua: COMMIT });
    // without an 'error' listener a refused connection would be an uncaught exception
    this.client.on("error", (err: Error) => this.emit(false, err));
    this.client.on("ready", () => this.emit(true));
  }

  /** Notified on connection loss (with the error) and on every (re)connection. */
  onStatus(fn: (up: boolean, err?: Error) => void): void {
    this.listeners.add(fn);
  }

  private emit(up: boolean, err?: Error): void {
    for (const fn of this.listeners) fn(up, err);
  }

  /** First connection. Resolves false (and keeps retrying in the background) if Redis is not there. */
  async connect(): Promise<boolean> {
    try {
      await this.client.connect();
      return true;
    } catch {
      return false;
    }
  }

  private async run<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      throw new StateUnavailableError(`Redis ${what} failed: ${e.message}`, { cause: e });
    }
  }

  /** Both records of a call, read atomically: one round trip. */
  async load(k: RecordKeys): Promise<CallState> {
    const r = await this.run("read", () => this.client.twLoadBuffer(k.entity, k.tenant));
    return { entity: { version: num(r[0]!), bytes: bytes(r[1]!) }, tenant: { version: num(r[2]!), bytes: bytes(r[3]!) } };
  }

  /**
   * Writes the records if neither changed since `expected` was read (`only`: the other record is not
   * compared or written) and no other writer holds the tenant's lease. An empty array = bytes
   * unchanged. One round trip; a refusal returns the current state.
   */
  async commit(k: RecordKeys, expected: CallState, entity: Uint8Array, tenant: Uint8Array, w: { ttlSeconds: number; writer: string; claim: boolean; only?: "entity" | "tenant" }): Promise<CommitResult> {
    const mode = w.only === "entity" ? "a" : w.only === "tenant" ? "t" : "c";
    const r = await this.run("write", () => this.client.twCommitBuffer(k.entity, k.tenant, k.lease, mode,
      String(expected.entity.version), String(expected.tenant.version), Buffer.from(entity.buffer, entity.byteOffset, entity.length),
      Buffer.from(tenant.buffer, tenant.byteOffset, tenant.length), String(w.ttlSeconds), w.writer, w.claim ? "1" : "0"));
    if (num(r[0]!) === 1) return { ok: true, entityVersion: num(r[1]!), tenantVersion: num(r[2]!) };
    return { ok: false, fresh: { entity: { version: num(r[1]!), bytes: bytes(r[2]!) }, tenant: { version: num(r[3]!), bytes: bytes(r[4]!) } }, lease: (["none", "mine", "other"] as const)[num(r[5]!)] ?? "none" };
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
