// The one interface every gateway takes for scoring calls and for the operator's feedback. A Detector is one
// (it answers at once); the guards of createGuard (js/runtime/node/create-guard.ts) are others, always async
// because their baselines may live in Redis. Gateways await every answer, so either fits as it is.
import type { AllowEntry, CallInput, Decision, Detector, Stats } from "./detector.js";
import type { Config } from "./config/schema.js";

type MaybePromise<T> = T | Promise<T>;

export type AfterCall = Omit<CallInput, "args"> & { args?: unknown };

/** What the gateways (middleware, plugin server, proxy, admin routes) need from whatever scores calls. */
export interface DetectorLike {
  readonly config: Config;
  check(call: CallInput): MaybePromise<Decision>;
  after(call: AfterCall, outcome?: { isError?: boolean }): MaybePromise<{ tracked: boolean }>;
  learn(call: CallInput): MaybePromise<void>;
  /**
   * The principal's answer when asked to confirm a call (the `ask` posture): yes teaches its own baseline only,
   * no keeps the call from becoming habit. Optional for other scorers: without it an answer teaches nothing.
   */
  confirm?(call: CallInput, yes: boolean): MaybePromise<void>;
  allow(entry: AllowEntry): MaybePromise<void>;
  clearAllowlist(): MaybePromise<void>;
  stats(): MaybePromise<Stats>;
}

/** The same interface with every answer a promise, saying where baselines live, and closing what it holds. */
export interface Guard extends DetectorLike {
  readonly mode: "local" | "redis";
  /** The detector that scores calls (in Redis mode a scratch instance the records pass through). */
  readonly detector: Detector;
  /** Scores a call before it runs and records it. Throws ToolwatchError on invalid input only. */
  check(call: CallInput): Promise<Decision>;
  /** Post-invoke outcome. */
  after(call: AfterCall, outcome?: { isError?: boolean }): Promise<{ tracked: boolean }>;
  /** Operator feedback: learn this call into the baselines. */
  learn(call: CallInput): Promise<void>;
  /** The principal's answer when asked to confirm a call: yes teaches its own baseline only. */
  confirm(call: CallInput, yes: boolean): Promise<void>;
  /** The allowlist and stats are this process's, in either mode. */
  allow(entry: AllowEntry): Promise<void>;
  clearAllowlist(): Promise<void>;
  stats(): Promise<Stats>;
  close(): Promise<void>;
}

/** Baselines in this process: the detector's own answers, as promises. */
export class LocalGuard implements Guard {
  readonly mode = "local" as const;
  constructor(readonly detector: Detector) {}
  get config(): Config {
    return this.detector.config;
  }
  async check(call: CallInput): Promise<Decision> {
    return this.detector.check(call);
  }
  async after(call: AfterCall, outcome?: { isError?: boolean }): Promise<{ tracked: boolean }> {
    return this.detector.after(call, outcome);
  }
  async learn(call: CallInput): Promise<void> {
    this.detector.learn(call);
  }
  async confirm(call: CallInput, yes: boolean): Promise<void> {
    this.detector.confirm(call, yes);
  }
  async allow(entry: AllowEntry): Promise<void> {
    this.detector.allow(entry);
  }
  async clearAllowlist(): Promise<void> {
    this.detector.clearAllowlist();
  }
  async stats(): Promise<Stats> {
    return this.detector.stats();
  }
  async close(): Promise<void> {}
}

/** An object written to the older three-method guard shape: check/after/learn, administration on `detector`. */
interface ThreeMethodGuard {
  readonly detector: DetectorLike;
  check: DetectorLike["check"];
  after: DetectorLike["after"];
  learn: DetectorLike["learn"];
  confirm?: DetectorLike["confirm"];
}

const ADMIN = ["allow", "clearAllowlist", "stats"] as const;

/**
 * Anything implementing DetectorLike (a Detector, a Guard) is returned as it is. Kept for objects written to
 * the three-method guard shape, whose allowlist and stats are taken from their `detector`.
 */
export function toDetectorLike(x: DetectorLike | ThreeMethodGuard): DetectorLike {
  const g = x as Partial<DetectorLike> & { detector?: DetectorLike };
  const complete = ADMIN.every((k) => typeof g[k] === "function");
  if (complete || typeof g.detector !== "object" || g.detector === null || typeof g.check !== "function") {
    return x as DetectorLike;
  }
  const three = x as ThreeMethodGuard;
  const d = three.detector;
  return {
    get config() {
      return d.config;
    },
    check: (c) => three.check(c),
    after: (c, o) => three.after(c, o),
    learn: (c) => three.learn(c),
    ...(typeof three.confirm === "function" ? { confirm: (c: CallInput, yes: boolean) => three.confirm!(c, yes) } : {}),
    allow: (e) => d.allow(e),
    clearAllowlist: () => d.clearAllowlist(),
    stats: () => d.stats(),
  };
}
