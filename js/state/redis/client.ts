// The connection to Redis and the two scripts, with fail-fast settings: a gateway must not hang a tool
// call waiting for a Redis that is down, so nothing queues while disconnected and every command has a
// timeout. Reconnection keeps going in the background. One Redis or a Redis Cluster: a call's keys share
// a hash tag (keys.ts), so each script and its WAIT go to the one master that owns the tenant's slot.
import type { Redis, Cluster } from "ioredis";
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

export type CommitResult =
  | { ok: true; entityVersion: number; tenantVersion: number }
  | { ok: false; fresh: CallState; lease: "none" | "mine" | "other" };

/** Redis could not be reached or did not answer in time. */
export class StateUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StateUnavailableError";
  }
}

export interface RedisConnectionOptions {
  url: string;
  /** Seed node URLs of a Redis Cluster (then `url` is ignored). */
  cluster?: string[] | null;
  /** Writes count only once this many replicas have them (WAIT); 0 = do not wait. */
  waitReplicas?: number;
  /** WAIT's timeout, ms (default 200). */
  waitTimeoutMs?: number;
  /** Per-command timeout, ms (default 1000). */
  commandTimeoutMs?: number;
  /** Delay between reconnection attempts, ms (default 250, growing to 2000). */
  reconnectMs?: number;
}

/** A write Redis applied but fewer replicas than asked for confirmed in time: it may not survive a failover. */
export class NotReplicatedError extends StateUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = "NotReplicatedError";
  }
}

type ScriptReply = (string | number | Buffer)[];
type ScriptClient = (Redis | Cluster) & {
  twLoadBuffer(e: string, t: string): Promise<ScriptReply>;
  twCommitBuffer(
    e: string,
    t: string,
    lease: string,
    mode: string,
    ev: string,
    tv: string,
    eb: Uint8Array | string,
    tb: Uint8Array | string,
    ttl: string,
    writer: string,
    claim: string,
  ): Promise<ScriptReply>;
};

const num = (x: string | number | Buffer): number => (typeof x === "number" ? x : Number(x.toString()));
const bytes = (x: string | number | Buffer): Uint8Array =>
  Buffer.isBuffer(x) ? new Uint8Array(x.buffer, x.byteOffset, x.length) : new Uint8Array(0);

export class RedisState {
  readonly client: ScriptClient;
  private readonly listeners = new Set<(up: boolean, err?: Error) => void>();
  private readonly waitReplicas: number;
  private readonly waitTimeoutMs: number;
  /** Cluster: longest a command may take, retries included (0 = the client's own timeout bounds it). */
  private readonly deadlineMs: number;
  private readonly closeMs: number;

  /** ioredis is imported here, on first use, so local-mode users never load it. */
  static async create(opts: RedisConnectionOptions): Promise<RedisState> {
    // ioredis is an optional peer dependency of the package: name it when it is missing.
    const io = await import("ioredis").catch((err: { code?: string; message?: string }) => {
      if (!/^Cannot find (package|module) 'ioredis'/.test(err?.message ?? "")) throw err;
      throw new Error("toolwatch's Redis state needs ioredis: npm install ioredis", { cause: err });
    });
    // A CommonJS module: its classes are named exports under Node, but only properties of the default
    // export in a bundle split into chunks (the CLI's); ioredis puts them on both.
    const { Redis, Cluster } = (io.Redis ? io : io.default) as unknown as {
      Redis: typeof io.Redis;
      Cluster: typeof io.Cluster;
    };
    return new RedisState(Redis, Cluster, opts);
  }

  private constructor(RedisClass: typeof Redis, ClusterClass: typeof Cluster, opts: RedisConnectionOptions) {
    const base = opts.reconnectMs ?? 250;
    const commandTimeout = opts.commandTimeoutMs ?? 1000;
    this.waitReplicas = opts.waitReplicas ?? 0;
    this.waitTimeoutMs = opts.waitTimeoutMs ?? 200;
    this.deadlineMs = opts.cluster ? commandTimeout : 0;
    this.closeMs = commandTimeout;
    const common = {
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout,
      connectTimeout: Math.max(1000, commandTimeout),
    };
    if (opts.cluster) {
      const seeds = opts.cluster.map((u) => new URL(u));
      const auth = seeds.find((u) => u.username || u.password);
      this.client = new ClusterClass(
        seeds.map((u) => ({ host: u.hostname, port: Number(u.port || 6379) })),
        {
          lazyConnect: true,
          enableOfflineQueue: false,
          scaleReads: "master",
          // a call must not wait out a failover: a dead master's slots fail fast (the failure policy
          // decides) and the slot map is re-read until a replica has taken over
          maxRedirections: 5,
          retryDelayOnFailover: 50,
          retryDelayOnClusterDown: 50,
          retryDelayOnTryAgain: 50,
          slotsRefreshTimeout: commandTimeout,
          slotsRefreshInterval: 1000,
          clusterRetryStrategy: (times) => Math.min(base * times, 2000),
          redisOptions: {
            ...common,
            ...(auth
              ? {
                  username: decodeURIComponent(auth.username) || undefined,
                  password: decodeURIComponent(auth.password) || undefined,
                }
              : {}),
            ...(seeds[0]!.protocol === "rediss:" ? { tls: {} } : {}),
          },
        },
      ) as ScriptClient;
    } else {
      this.client = new RedisClass(opts.url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        ...common,
        retryStrategy: (times) => Math.min(base * times, 2000),
      }) as ScriptClient;
    }
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
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (!this.deadlineMs) return await f();
      // the cluster client retries a dead master's slots (reconnects, slot map refreshes) past any one
      // command's timeout: the call itself is bounded here
      return await Promise.race([
        f(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no reply within ${this.deadlineMs} ms`)), this.deadlineMs);
        }),
      ]);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      throw new StateUnavailableError(`Redis ${what} failed: ${e.message}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Both records of a call, read atomically: one round trip. */
  async load(k: RecordKeys): Promise<CallState> {
    const r = await this.run("read", () => this.client.twLoadBuffer(k.entity, k.tenant));
    return {
      entity: { version: num(r[0]!), bytes: bytes(r[1]!) },
      tenant: { version: num(r[2]!), bytes: bytes(r[3]!) },
    };
  }

  /**
   * Writes the records if neither changed since `expected` was read (`only`: the other record is not
   * compared or written) and no other writer holds the tenant's lease. An empty array = bytes
   * unchanged. One round trip; a refusal returns the current state.
   */
  async commit(
    k: RecordKeys,
    expected: CallState,
    entity: Uint8Array,
    tenant: Uint8Array,
    w: { ttlSeconds: number; writer: string; claim: boolean; only?: "entity" | "tenant" },
  ): Promise<CommitResult> {
    const mode = w.only === "entity" ? "a" : w.only === "tenant" ? "t" : "c";
    const args = [
      k.entity,
      k.tenant,
      k.lease,
      mode,
      String(expected.entity.version),
      String(expected.tenant.version),
      Buffer.from(entity.buffer, entity.byteOffset, entity.length),
      Buffer.from(tenant.buffer, tenant.byteOffset, tenant.length),
      String(w.ttlSeconds),
      w.writer,
      w.claim ? "1" : "0",
    ] as const;
    let r: ScriptReply;
    if (this.waitReplicas === 0) {
      r = await this.run("write", () => this.client.twCommitBuffer(...args));
    } else {
      // script and WAIT in one pipeline: one round trip, on the connection to the slot's master, so
      // WAIT covers this write (it waits for everything written on that connection so far)
      const [reply, acked] = await this.run("write", async () => {
        const p = this.client.pipeline() as unknown as {
          twCommitBuffer(...a: typeof args): unknown;
          wait(n: number, ms: number): unknown;
          exec(): Promise<[Error | null, unknown][] | null>;
        };
        p.twCommitBuffer(...args);
        p.wait(this.waitReplicas, this.waitTimeoutMs);
        const out = await p.exec();
        const bad = out?.find(([e]) => e);
        if (!out || bad) {
          // a pipeline is not redirected like a single command: re-read the slot map (a failover moved
          // the slot), and this call gets the failure policy
          if (bad && /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN)\b/.test(bad[0]!.message) && "refreshSlotsCache" in this.client)
            this.client.refreshSlotsCache();
          throw bad?.[0] ?? new Error("pipeline not executed");
        }
        return [out[0]![1] as ScriptReply, Number(out[1]![1])];
      });
      r = reply;
      if (num(r[0]!) === 1 && acked < this.waitReplicas) {
        throw new NotReplicatedError(
          `Redis write reached ${acked} of ${this.waitReplicas} replicas within ${this.waitTimeoutMs} ms (waitReplicas)`,
        );
      }
    }
    if (num(r[0]!) === 1) return { ok: true, entityVersion: num(r[1]!), tenantVersion: num(r[2]!) };
    return {
      ok: false,
      fresh: {
        entity: { version: num(r[1]!), bytes: bytes(r[2]!) },
        tenant: { version: num(r[3]!), bytes: bytes(r[4]!) },
      },
      lease: (["none", "mine", "other"] as const)[num(r[5]!)] ?? "none",
    };
  }

  async close(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // a cluster client's QUIT can stay unanswered (a node mid-reconnect): closing must not hang the process
      await Promise.race([this.client.quit(), new Promise((r) => (timer = setTimeout(r, this.closeMs)))]);
    } catch {
      // disconnected below either way
    } finally {
      clearTimeout(timer);
      this.client.disconnect();
    }
  }
}
