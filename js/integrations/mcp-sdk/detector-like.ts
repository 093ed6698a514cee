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
  return {
    get config() { return d.config; },
    check: (c) => g.check(c),
    after: (c, o) => g.after(c, o),
    learn: (c) => g.learn(c),
    allow: (e) => d.allow(e),
    clearAllowlist: () => d.clearAllowlist(),
    stats: () => d.stats(),
  };
}
