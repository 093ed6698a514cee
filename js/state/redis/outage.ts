// Redis going away and coming back: one log line each way (not one per call), and the decision a call
// gets meanwhile from the failure policy.
import type { CallInput, Decision } from "../../detector.js";
import { SIGNALS, type SignalName } from "../../core/abi.js";
import type { Identity } from "../../identity.js";
import type { GuardLogger } from "./log.js";

export class Outage {
  private current: { since: number; decided: number; last: number } | null = null;

  /**
   * settleMs: an outage ends only after this long without a failure. On a Redis Cluster one shard can be
   * down while calls on the others succeed; without it every other call would log "down" and "up" again.
   */
  constructor(
    private readonly log: GuardLogger,
    private readonly url: string,
    private readonly closed: boolean,
    private readonly settleMs = 0,
  ) {}

  down(err: Error): void {
    if (this.current) {
      this.current.decided++;
      this.current.last = Date.now();
      return;
    }
    this.current = { since: Date.now(), decided: 1, last: Date.now() };
    this.log.error(
      { redis: this.url, policy: this.closed ? "closed" : "open", err: err.message },
      `toolwatch: Redis state store unavailable; failure policy ${this.closed ? "closed: calls are blocked" : "open: calls are allowed unscored"} until it returns`,
    );
  }

  up(): void {
    if (!this.current || Date.now() - this.current.last < this.settleMs) return;
    const o = this.current;
    this.current = null;
    this.log.info(
      { redis: this.url, downMs: Date.now() - o.since, policyDecisions: o.decided },
      "toolwatch: Redis state store reachable again; calls are scored on shared state",
    );
  }
}

/** The decision a call gets when shared state could not be used. */
export function policyDecision(
  call: CallInput,
  id: Identity,
  closed: boolean,
  minCalls: number,
  code: string,
  message: string,
): Decision {
  const zero = Object.fromEntries(SIGNALS.map((s) => [s, 0])) as Record<SignalName, number>;
  return {
    action: closed ? "block" : "allow",
    risk: closed ? 1 : 0,
    signals: zero,
    reasons: [],
    learned: false,
    allowlisted: false,
    newEntity: false,
    tool: call.tool,
    identity: id,
    time: call.time ?? Date.now(),
    windowCount: 0,
    learning: { baseline: "cold", learnedCalls: 0, minCalls, ageMs: 0, baselineCalls: 0 },
    error: { code, message: `${message}; failure policy ${closed ? "closed: blocked" : "open: allowed"}` },
  };
}
