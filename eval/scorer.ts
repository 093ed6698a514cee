// One interface for everything the harness scores with: the real detector and the prior-art reference.
// learn() puts a vetted call into the baselines; check() scores a call online (it may learn it, as in
// production); save()/restore() let each held-out run start from the same learned state.
import { createDetector, type Detector } from "../js/runtime/node/index.js";
import type { ConfigInput } from "../js/config/schema.js";
import { SETTINGS } from "../js/core/abi.js";

export interface TimedCall {
  tenant: string;
  principal: string;
  tool: string;
  args: Record<string, unknown>;
  time: number;
  timeZone?: number;
}

export interface CallScore {
  risk: number;
  action: "allow" | "warn" | "block";
  reasons: string[];
}

export interface Scorer {
  readonly name: string;
  readonly warn: number;
  readonly block: number;
  learn(c: TimedCall): void;
  check(c: TimedCall): CallScore;
  save(): unknown;
  restore(s: unknown): void;
  /** Records evicted for lack of memory so far (the harness refuses results that lost state). */
  evictions(): number;
}

interface SnapshotApi {
  snapshot?: () => Uint8Array;
  restore?: (b: Uint8Array) => void;
}

/**
 * The real detector through its public API. State copies use the detector's own snapshot() and
 * restore() when it has them; otherwise a copy of the core's linear memory, which holds the whole
 * learned state (the module keeps no other state that changes after init; test/eval checks that a
 * restored copy decides exactly like a rebuilt detector).
 */
export class DetectorScorer implements Scorer {
  readonly name: string;
  readonly d: Detector;
  readonly warn: number;
  readonly block: number;

  constructor(config: ConfigInput, name = "toolwatch") {
    this.name = name;
    this.d = createDetector(config);
    this.warn = this.d.raw.config_value(SETTINGS.warnThreshold.slot);
    this.block = this.d.raw.config_value(SETTINGS.blockThreshold.slot);
  }

  learn(c: TimedCall): void {
    this.d.learn({
      tenant: c.tenant,
      principal: c.principal,
      tool: c.tool,
      args: c.args,
      time: c.time,
      timeZone: c.timeZone,
    });
  }

  check(c: TimedCall): CallScore {
    const dec = this.d.check({
      tenant: c.tenant,
      principal: c.principal,
      tool: c.tool,
      args: c.args,
      time: c.time,
      timeZone: c.timeZone,
    });
    return {
      risk: dec.risk,
      action: dec.action,
      reasons: dec.reasons.filter((r) => r.counted && r.score > 0).map((r) => r.code),
    };
  }

  save(): unknown {
    const api = this.d as unknown as SnapshotApi;
    if (typeof api.snapshot === "function" && typeof api.restore === "function") return { api: api.snapshot() };
    return { mem: new Uint8Array(this.d.raw.memory.buffer).slice() };
  }

  restore(s: unknown): void {
    const st = s as { api?: Uint8Array; mem?: Uint8Array };
    if (st.api) {
      (this.d as unknown as SnapshotApi).restore!(st.api);
      return;
    }
    const mem = new Uint8Array(this.d.raw.memory.buffer);
    if (mem.length !== st.mem!.length) throw new Error("state copy does not match the detector's memory size");
    mem.set(st.mem!);
  }

  evictions(): number {
    return this.d.stats().entityEvictions;
  }
}
