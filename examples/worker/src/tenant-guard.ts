// One Durable Object per tenant owns that tenant's detector: every principal of the tenant is judged
// in one state, so newcomers get the tenant baseline and tools adopted by peers become known.
// The state survives eviction as a snapshot in the object's storage (docs/HOSTS.md).
import { DurableObject } from "cloudflare:workers";
import {
  createDetector,
  ToolwatchError,
  type CallInput,
  type Decision,
  type Detector,
} from "../../../js/runtime/workerd/index.js";
import { loadSnapshot, saveSnapshot } from "./snapshot-store.js";
import type { Env } from "./env.js";

export type Outcome<T> = { ok: T } | { error: { code: string; message: string } };

function attempt<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: fn() };
  } catch (e) {
    if (e instanceof ToolwatchError) return { error: { code: e.code, message: e.message } };
    throw e;
  }
}

export class TenantGuard extends DurableObject<Env> {
  private detector!: Detector;
  private restoredRecords = 0;
  private dirty = false;
  private alarmSet = false;
  private readonly everyMs: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.everyMs = Number(env.SNAPSHOT_EVERY_SECONDS ?? 10) * 1000;
    // no request reaches the object before its state is back
    ctx.blockConcurrencyWhile(async () => {
      this.detector = createDetector(env.TOOLWATCH_CONFIG ? JSON.parse(env.TOOLWATCH_CONFIG) : {});
      const snap = await loadSnapshot(ctx.storage);
      if (snap) this.restoredRecords = this.detector.restore(snap);
      this.alarmSet = (await ctx.storage.getAlarm()) !== null;
    });
  }

  async check(call: CallInput): Promise<Outcome<Decision>> {
    const r = attempt(() => this.detector.check(call));
    if ("ok" in r) await this.changed(); // every scored call moves counters and the burst window
    return r;
  }

  async after(call: Omit<CallInput, "args">, isError: boolean): Promise<Outcome<{ tracked: boolean }>> {
    const r = attempt(() => this.detector.after(call, { isError }));
    if ("ok" in r && r.ok.tracked) await this.changed();
    return r;
  }

  state(): { stateHash: string; restoredRecords: number; stats: ReturnType<Detector["stats"]> } {
    return {
      stateHash: this.detector.stateHash(),
      restoredRecords: this.restoredRecords,
      stats: this.detector.stats(),
    };
  }

  /** Saves now (also what the alarm does). Returns the snapshot size. */
  async persist(): Promise<number> {
    const bytes = this.detector.snapshot();
    await saveSnapshot(this.ctx.storage, bytes);
    this.dirty = false;
    return bytes.length;
  }

  async alarm(): Promise<void> {
    this.alarmSet = false;
    if (this.dirty) await this.persist();
  }

  // A call marks the state dirty; one alarm per period writes it, however many calls came.
  private async changed(): Promise<void> {
    this.dirty = true;
    if (!this.alarmSet) {
      this.alarmSet = true;
      await this.ctx.storage.setAlarm(Date.now() + this.everyMs);
    }
  }
}
