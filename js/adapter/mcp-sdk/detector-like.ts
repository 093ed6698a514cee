// What the gateway adapters need from a detector. The in-process Detector fits; a shared-state
// implementation may answer with promises, so adapters always await.
import type { AllowEntry, CallInput, Decision, Stats } from "../../detector.js";
import type { Config } from "../../config/schema.js";

type MaybePromise<T> = T | Promise<T>;

export interface DetectorLike {
  readonly config: Config;
  check(call: CallInput): MaybePromise<Decision>;
  after(call: Omit<CallInput, "args"> & { args?: unknown }, outcome?: { isError?: boolean }): MaybePromise<{ tracked: boolean }>;
  learn(call: CallInput): MaybePromise<void>;
  allow(entry: AllowEntry): MaybePromise<void>;
  clearAllowlist(): MaybePromise<void>;
  stats(): MaybePromise<Stats>;
  /** Present when the state layer is: save the current baselines. */
  snapshot?: (...args: never[]) => unknown;
  /** Present when the state layer is: go back to an earlier snapshot. */
  restore?: (...args: never[]) => unknown;
  revert?: (...args: never[]) => unknown;
}

/** The shared-state guard's shape (js/guard.ts): async check/after/learn over a local detector. */
interface GuardShape {
  readonly detector: DetectorLike;
  check: DetectorLike["check"];
  after: DetectorLike["after"];
  learn: DetectorLike["learn"];
}

function isGuard(x: unknown): x is GuardShape {
  const g = x as GuardShape;
  return typeof g === "object" && g !== null && typeof g.check === "function" && typeof g.detector === "object" && g.detector !== null && typeof g.detector.check === "function";
}

/** Accepts a Detector, or a guard whose scoring may live in shared state; administration goes to its detector. */
export function toDetectorLike(x: DetectorLike | GuardShape): DetectorLike {
  if (!isGuard(x)) return x;
  const g = x;
  const d = g.detector;
  const extra = g as unknown as Partial<DetectorLike>;
  return {
    get config() { return d.config; },
    check: (c) => g.check(c),
    after: (c, o) => g.after(c, o),
    learn: (c) => g.learn(c),
    allow: (e) => d.allow(e),
    clearAllowlist: () => d.clearAllowlist(),
    stats: () => d.stats(),
    ...(extra.snapshot ? { snapshot: extra.snapshot.bind(g) } : d.snapshot ? { snapshot: d.snapshot.bind(d) } : {}),
    ...(extra.revert ? { revert: extra.revert.bind(g) } : d.revert ? { revert: d.revert.bind(d) } : {}),
    ...(extra.restore ? { restore: extra.restore.bind(g) } : d.restore ? { restore: d.restore.bind(d) } : {}),
  };
}
