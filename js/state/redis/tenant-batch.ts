// Batched tenant records (tenantSync: "batched"): for tenants too busy for one write per call. Each
// replica gathers what its calls taught the tenant into a local delta record and merges it into the
// tenant record in Redis every flush interval (core merge rules, docs/STATE.md "Merge"); calls read the
// tenant as last fetched (at most one interval old) merged with the local delta.
import type { Detector, CallInput } from "../../detector.js";
import type { Identity } from "../../identity.js";
import { NotReplicatedError, type RedisState, type Versioned } from "./client.js";
import { recordKeys } from "./keys.js";
import { RecordPort } from "./records.js";

interface Pending {
  id: Identity;
  bytes: Uint8Array;
}

export class TenantBatch {
  private readonly pending = new Map<string, Pending>();
  private readonly fetched = new Map<string, number>();
  private readonly port: RecordPort;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly delta: Detector,
    private readonly store: () => RedisState,
    private readonly prefix: string,
    readonly flushMs: number,
    private readonly ttl: number,
    private readonly writer: string,
    private readonly remember: (tenantKey: string, v: Versioned) => void,
  ) {
    this.port = new RecordPort(delta);
  }

  /** Whether the tenant record last fetched for this key is recent enough to score with. */
  fresh(tenantKey: string, now = Date.now()): boolean {
    const at = this.fetched.get(tenantKey);
    return at !== undefined && now - at <= this.flushMs;
  }

  noteFetched(tenantKey: string, now = Date.now()): void {
    this.fetched.set(tenantKey, now);
  }

  /** This replica's contributions not yet in Redis, to merge into the tenant a call is scored with. */
  pendingFor(tenantKey: string): Uint8Array | undefined {
    return this.pending.get(tenantKey)?.bytes;
  }

  /**
   * Adds a learned call to the tenant's delta: `learn` on the delta detector with the principal's
   * record as it was before the call (its previous tool makes the transition).
   */
  add(id: Identity, tenantKey: string, entityBefore: Uint8Array, call: CallInput, time: number): void {
    const p = this.pending.get(tenantKey);
    try {
      this.port.import(id, "tenant", p?.bytes ?? new Uint8Array(0));
      this.port.import(id, "entity", entityBefore);
      this.delta.learn({ ...call, time });
      this.pending.set(tenantKey, { id, bytes: this.port.export(id, "tenant") });
    } finally {
      this.port.drop(id, "entity");
      this.port.drop(id, "tenant");
    }
  }

  /**
   * Merges every pending delta into Redis; waits for a flush already running, then flushes what was
   * added meanwhile. Failed ones stay pending (merged with newer ones).
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    this.flushing = this.flushAll().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    const batch = [...this.pending.entries()];
    this.pending.clear();
    for (let i = 0; i < batch.length; i++) {
      const [tk, p] = batch[i]!;
      try {
        await this.flushOne(tk, p);
      } catch (err) {
        // a merge Redis applied but too few replicas confirmed is not put back: sent again it would count twice
        for (const [k, q] of batch.slice(err instanceof NotReplicatedError ? i + 1 : i)) this.requeue(k, q);
        throw err;
      }
    }
  }

  private async flushOne(tenantKey: string, p: Pending): Promise<void> {
    const keys = recordKeys(this.prefix, p.id);
    let s = await this.store().load(keys);
    for (let attempt = 1; ; attempt++) {
      if (attempt > 64) throw new Error("tenant flush: 64 conflicting writes in a row");
      let merged: Uint8Array;
      try {
        this.port.import(p.id, "tenant", s.tenant.bytes);
        if (s.tenant.bytes.length === 0) this.port.import(p.id, "tenant", p.bytes);
        else this.port.merge(p.id, "tenant", p.bytes);
        merged = this.port.export(p.id, "tenant");
      } finally {
        this.port.drop(p.id, "tenant");
      }
      const r = await this.store().commit(keys, s, new Uint8Array(0), merged, {
        ttlSeconds: this.ttl,
        writer: this.writer,
        claim: false,
        only: "tenant",
      });
      if (r.ok) {
        this.remember(tenantKey, { version: r.tenantVersion, bytes: merged });
        this.noteFetched(tenantKey);
        return;
      }
      s = r.fresh;
    }
  }

  /** Puts a delta back, merged with any newer one for the same tenant. */
  private requeue(tenantKey: string, p: Pending): void {
    const q = this.pending.get(tenantKey);
    if (!q) {
      this.pending.set(tenantKey, p);
      return;
    }
    try {
      this.port.import(q.id, "tenant", q.bytes);
      this.port.merge(q.id, "tenant", p.bytes);
      this.pending.set(tenantKey, { id: q.id, bytes: this.port.export(q.id, "tenant") });
    } finally {
      this.port.drop(q.id, "tenant");
    }
  }
}
