// Replicas sharing baselines through Redis. Every call's two records (its entity and its tenant) live in
// Redis; a call imports them into a local scratch detector, is scored there, and the updated records
// are written back only if neither changed meanwhile (compare-and-set on versions, in one script).
// On a conflict the whole check runs again on the state the failed write returned. The result is
// serialisable per tenant: every replica's decisions equal one process's on the committed order.
// With tenantSync "batched" only the entity record is compared and written per call; the tenant's
// lessons travel through tenant-batch.ts.
import { randomUUID } from "node:crypto";
import type { AllowEntry, CallInput, Decision, Detector, Stats } from "../../detector.js";
import type { Config } from "../../config/schema.js";
import { resolveIdentity, type Identity } from "../../identity.js";
import { ToolwatchError } from "../../core/errors.js";
import { SETTINGS } from "../../core/abi.js";
import type { Guard, AfterCall } from "../../guard.js";
import { RedisState, StateUnavailableError, type CallState } from "./client.js";
import { recordKeys, type RecordKeys } from "./keys.js";
import { RecordPort } from "./records.js";
import { RecordCache } from "./cache.js";
import { TenantBatch } from "./tenant-batch.js";
import type { GuardLogger } from "./log.js";
import { resolveOptions, type RedisStateOptions, type ResolvedOptions } from "./options.js";
import { Outage, policyDecision } from "./outage.js";

export type { RedisStateOptions } from "./options.js";

/** What the shared state did for this decision. */
export interface StateInfo {
  /** Runs of the check (1 = no write conflict). */
  attempts: number;
  /** Versions written; the tenant's gives the order of the tenant's calls across replicas. */
  entityVersion: number;
  tenantVersion: number;
}

export type RedisDecision = Decision & { state?: StateInfo };

export interface RedisGuardStats {
  calls: number;
  conflicts: number;
  policyDecisions: number;
  roundTrips: number;
}

const EMPTY = new Uint8Array(0);
/** Conflicts in a row after which a writer claims its tenant's lease. */
const CLAIM_AFTER = 2;
/** Longest a call keeps retrying behind other writers' leases before the failure policy decides. */
const LEASE_WAIT_MS = 5000;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class RedisGuard implements Guard {
  readonly mode = "redis" as const;
  readonly detector: Detector;
  readonly counters: RedisGuardStats = { calls: 0, conflicts: 0, policyDecisions: 0, roundTrips: 0 };
  private store!: RedisState;
  private readonly port: RecordPort;
  private readonly cache: RecordCache;
  private readonly log: GuardLogger;
  private readonly o: ResolvedOptions;
  private readonly outage: Outage;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly writer = randomUUID();
  private readonly batch: TenantBatch | null = null;
  private flushTimer: ReturnType<typeof setInterval> | null = null;

  /** `delta`: a second scratch detector, needed for tenantSync "batched". Throws INVALID_CONFIG on bad options. */
  constructor(detector: Detector, opts: RedisStateOptions, log: GuardLogger, delta?: Detector) {
    this.o = resolveOptions(opts, detector.config.failurePolicy);
    this.detector = detector;
    this.log = log;
    this.outage = new Outage(log, this.o.safeUrl, this.o.closed, this.o.cluster ? 1000 : 0);
    this.cache = new RecordCache(this.o.cacheEntries);
    this.port = new RecordPort(detector);
    if (this.o.batched) {
      if (!delta)
        throw new ToolwatchError("INVALID_CONFIG", "state.redis.tenantSync batched needs a second scratch detector");
      this.batch = new TenantBatch(
        delta,
        () => this.store,
        this.o.prefix,
        this.o.tenantFlushMs,
        this.o.ttlSeconds,
        this.writer,
        (tk, v) => this.cache.set(tk, v),
      );
    }
  }

  /** Connects (or, if Redis is not there, logs the outage and keeps trying in the background). */
  async start(): Promise<void> {
    this.store = await RedisState.create({
      url: this.o.url,
      cluster: this.o.cluster,
      commandTimeoutMs: this.o.commandTimeoutMs,
      waitReplicas: this.o.waitReplicas,
      waitTimeoutMs: this.o.waitTimeoutMs,
    });
    if (!(await this.store.connect())) {
      this.outage.down(new StateUnavailableError(`cannot connect to ${this.o.safeUrl}`));
    }
    if (this.batch) {
      this.flushTimer = setInterval(() => void this.flushTenants(), this.o.tenantFlushMs);
      this.flushTimer.unref();
    }
  }

  /** batched: merges this replica's tenant deltas into Redis now (also runs on a timer and at close). */
  async flushTenants(): Promise<void> {
    if (!this.batch) return;
    try {
      await this.batch.flush();
      this.outage.up();
    } catch (err) {
      this.outage.down(err instanceof Error ? err : new Error(String(err)));
    }
  }

  get config(): Config {
    return this.detector.config;
  }

  // The allowlist and stats are this replica's own: administration goes to its scratch detector.
  async allow(entry: AllowEntry): Promise<void> {
    this.detector.allow(entry);
  }

  async clearAllowlist(): Promise<void> {
    this.detector.clearAllowlist();
  }

  async stats(): Promise<Stats> {
    return this.detector.stats();
  }

  async close(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.flushTenants();
    await this.store?.close();
  }

  private identity(call: { identity?: Partial<Identity>; principal?: string; tenant?: string }): Identity {
    const id = call.identity ?? { principal: call.principal, tenant: call.tenant };
    return resolveIdentity(id, this.detector.config.anonymous ?? "shared");
  }

  private policy(call: CallInput, id: Identity, code: string, message: string): RedisDecision {
    this.counters.policyDecisions++;
    return policyDecision(
      call,
      id,
      this.o.closed,
      this.detector.raw.config_value(SETTINGS.minCalls.slot),
      code,
      message,
    );
  }

  private unavailable(err: unknown, call: CallInput, id: Identity): RedisDecision {
    const e = err instanceof Error ? err : new Error(String(err));
    this.outage.down(e);
    return this.policy(call, id, "STATE_UNAVAILABLE", e.message);
  }

  // ---- the state a call starts from ----

  private async begin(keys: RecordKeys): Promise<CallState> {
    const e = this.cache.get(keys.entity);
    const t = this.cache.get(keys.tenant);
    // batched: the tenant as fetched may be at most one flush interval old
    if (e && t && (!this.batch || this.batch.fresh(keys.tenant))) return { entity: e, tenant: t };
    this.counters.roundTrips++;
    const s = await this.store.load(keys);
    this.remember(keys, s);
    return s;
  }

  private remember(keys: RecordKeys, s: CallState): void {
    this.cache.set(keys.entity, s.entity);
    this.cache.set(keys.tenant, s.tenant);
    this.batch?.noteFetched(keys.tenant);
  }

  private importState(id: Identity, keys: RecordKeys, s: CallState): void {
    this.port.import(id, "tenant", s.tenant.bytes);
    const mine = this.batch?.pendingFor(keys.tenant);
    if (mine) {
      if (s.tenant.bytes.length === 0) this.port.import(id, "tenant", mine);
      else this.port.merge(id, "tenant", mine);
    }
    this.port.import(id, "entity", s.entity.bytes);
  }

  /** Clears the identity's records from the scratch detector after a failed step (best effort). */
  private forget(id: Identity): void {
    try {
      this.port.drop(id, "entity");
      this.port.drop(id, "tenant");
    } catch {
      // the step's own error is the one to report
    }
  }

  /** Exports the records to write (the tenant's only if it is written) and clears both from the scratch detector. */
  private takeRecords(id: Identity, withTenant: boolean): { entity: Uint8Array; tenant: Uint8Array } {
    const entity = this.port.export(id, "entity");
    // batched and post-invoke writes leave the tenant's record alone: exporting it would be wasted work
    const tenant = withTenant ? this.port.export(id, "tenant") : EMPTY;
    this.port.drop(id, "entity");
    this.port.drop(id, "tenant");
    return { entity, tenant };
  }

  private async write(
    keys: RecordKeys,
    from: CallState,
    rec: { entity: Uint8Array; tenant: Uint8Array },
    entityOnly: boolean,
    attempt: number,
  ) {
    this.counters.roundTrips++;
    // unchanged bytes are not resent: the script then only moves the version
    const eb = from.entity.bytes.length > 0 && sameBytes(rec.entity, from.entity.bytes) ? EMPTY : rec.entity;
    const tb =
      entityOnly || (from.tenant.bytes.length > 0 && sameBytes(rec.tenant, from.tenant.bytes)) ? EMPTY : rec.tenant;
    const r = await this.store.commit(keys, from, eb, tb, {
      ttlSeconds: this.o.ttlSeconds,
      writer: this.writer,
      claim: attempt >= CLAIM_AFTER,
      only: entityOnly ? "entity" : undefined,
    });
    if (r.ok) {
      this.cache.set(keys.entity, { version: r.entityVersion, bytes: rec.entity });
      if (!entityOnly) this.cache.set(keys.tenant, { version: r.tenantVersion, bytes: rec.tenant });
    } else {
      this.counters.conflicts++;
      this.remember(keys, r.fresh);
    }
    return r;
  }

  /**
   * After a refused write: the lease holder goes again at once; a writer refused because another holds
   * the lease waits for it to write (about one round trip); a plain conflict retries at once (the
   * next refusal claims the lease).
   */
  private async backoff(lease: "none" | "mine" | "other"): Promise<void> {
    if (lease === "other") await new Promise((r) => setTimeout(r, 1));
  }

  /**
   * One call per tenant at a time in this process: calls of one tenant here would only collide with
   * each other on the tenant record, so they queue locally and contend with other replicas only.
   */
  private async serial<T>(key: string, f: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    this.queues.set(key, mine);
    if (prev) await prev;
    try {
      return await f();
    } finally {
      release();
      if (this.queues.get(key) === mine) this.queues.delete(key);
    }
  }

  /** Runs `step` on the call's shared state until its write lands (or the policy decides). */
  private async transact<T>(
    call: CallInput | AfterCall,
    id: Identity,
    entityOnly: boolean,
    step: (s: CallState) => { value: T; skip?: boolean },
  ): Promise<{ value: T; info?: StateInfo; from?: CallState } | { failed: RedisDecision }> {
    const keys = recordKeys(this.o.prefix, id);
    // batched: only the principal's record is written per call, so only its calls need to queue
    return this.serial(this.batch ? keys.entity : keys.tenant, () =>
      this.attempts(call, id, keys, entityOnly || this.batch !== null, step),
    );
  }

  private async attempts<T>(
    call: CallInput | AfterCall,
    id: Identity,
    keys: RecordKeys,
    entityOnly: boolean,
    step: (s: CallState) => { value: T; skip?: boolean },
  ): Promise<{ value: T; info?: StateInfo; from?: CallState } | { failed: RedisDecision }> {
    let s: CallState;
    try {
      s = await this.begin(keys);
    } catch (err) {
      return { failed: this.unavailable(err, call as CallInput, id) };
    }
    const started = Date.now();
    let conflicts = 0;
    for (let attempt = 1; ; attempt++) {
      let value: T;
      let skip: boolean | undefined;
      let rec: { entity: Uint8Array; tenant: Uint8Array };
      try {
        this.importState(id, keys, s);
        ({ value, skip } = step(s));
        rec = this.takeRecords(id, !entityOnly);
      } catch (err) {
        this.forget(id);
        if (err instanceof ToolwatchError && err.code.startsWith("RECORD_")) {
          this.log.error({ redis: this.o.safeUrl, err: err.message }, "toolwatch: a record in Redis was refused");
          return { failed: this.policy(call as CallInput, id, "STATE_INVALID", err.message) };
        }
        throw err;
      }
      if (skip) return { value };
      let r: Awaited<ReturnType<typeof this.write>>;
      try {
        r = await this.write(keys, s, rec, entityOnly, attempt);
      } catch (err) {
        return { failed: this.unavailable(err, call as CallInput, id) };
      }
      this.outage.up();
      if (r.ok)
        return {
          value,
          from: s,
          info: { attempts: attempt, entityVersion: r.entityVersion, tenantVersion: r.tenantVersion },
        };
      s = r.fresh;
      // waiting for another writer's lease is not a lost race: it is bounded by time, not by maxAttempts
      if (r.lease !== "other") conflicts++;
      if (conflicts >= this.o.maxAttempts || Date.now() - started > LEASE_WAIT_MS) {
        this.log.warn(
          { redis: this.o.safeUrl, attempts: attempt, conflicts },
          "toolwatch: write conflicts did not settle; failure policy decided",
        );
        return {
          failed: this.policy(
            call as CallInput,
            id,
            "STATE_CONTENTION",
            `${conflicts} conflicting writes in ${attempt} attempts`,
          ),
        };
      }
      await this.backoff(r.lease);
    }
  }

  async check(call: CallInput): Promise<RedisDecision> {
    this.counters.calls++;
    const id = this.identity(call);
    const r = await this.transact(call, id, false, () => {
      const d = this.detector.check(call);
      // the detector trapped and its own failure policy decided: nothing to write
      return { value: d, skip: d.error !== undefined };
    });
    if ("failed" in r) return r.failed;
    if (r.from && r.value.learned) this.addDelta(id, r.from, call, r.value.time);
    return r.info ? { ...r.value, state: r.info } : r.value;
  }

  async learn(call: CallInput): Promise<void> {
    const id = this.identity(call);
    const time = call.time ?? Date.now();
    const r = await this.transact(call, id, false, () => ({ value: this.detector.learn({ ...call, time }) }));
    if ("failed" in r)
      throw new ToolwatchError(
        r.failed.error!.code,
        `learn: ${r.failed.error!.message.replace(/; failure policy.*$/, "")}`,
      );
    if (r.from) this.addDelta(id, r.from, call, time);
  }

  /** The principal's answer when asked to confirm a call: yes teaches its own record only (docs/GATEWAY.md "Ask"). */
  async confirm(call: CallInput, yes: boolean): Promise<void> {
    const id = this.identity(call);
    const time = call.time ?? Date.now();
    const r = await this.transact(call, id, false, () => ({ value: this.detector.confirm({ ...call, time }, yes) }));
    if ("failed" in r)
      throw new ToolwatchError(
        r.failed.error!.code,
        `confirm: ${r.failed.error!.message.replace(/; failure policy.*$/, "")}`,
      );
  }

  /** batched: the call's lesson for its tenant, to be flushed. The decision is already written either way. */
  private addDelta(id: Identity, from: CallState, call: CallInput, time: number): void {
    if (!this.batch) return;
    try {
      this.batch.add(id, recordKeys(this.o.prefix, id).tenant, from.entity.bytes, call, time);
    } catch (err) {
      this.log.error(
        { redis: this.o.safeUrl, err: err instanceof Error ? err.message : String(err) },
        "toolwatch: a tenant lesson could not be recorded",
      );
    }
  }

  async after(call: AfterCall, outcome: { isError?: boolean } = {}): Promise<{ tracked: boolean }> {
    const id = this.identity(call);
    // "untracked" must come from Redis, not from a cached absence another replica may have filled since
    const k = recordKeys(this.o.prefix, id).entity;
    if (this.cache.get(k)?.bytes.length === 0) this.cache.delete(k);
    const r = await this.transact(call, id, true, (s) => {
      // never creates an entity: an untracked one has nothing to write
      if (s.entity.bytes.length === 0) return { value: { tracked: false }, skip: true };
      return { value: this.detector.after(call, outcome) };
    });
    if ("failed" in r) return { tracked: false };
    return r.value;
  }
}
