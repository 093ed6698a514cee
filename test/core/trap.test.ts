// If the core traps, the host reports it, starts a working detector, and follows the failure policy.
import { describe, it, expect } from "vitest";
import { createDetector, ToolwatchError } from "../../js/runtime/node/index.js";
import type { Detector } from "./helpers.js";
import { MONDAY_10, MIN } from "./helpers.js";

const RNG_SEED = 0x2545f4914f6cdd1dn; // the eviction sampler's initial state, at arena offset 40

/** Corrupts a fresh instance's arena header so that the next eviction reads far outside memory. */
function corrupt(d: Detector): void {
  const v = new DataView(d.raw.memory.buffer);
  for (let p = 0; p + 8 <= v.byteLength; p += 8) {
    if (v.getBigUint64(p, true) === RNG_SEED) {
      const base = p - 40;
      expect(v.getUint32(base, true)).toBe(d.stats().entities + d.stats().tenants); // records handed out
      v.setUint32(base, 0x7fffffff, true); // "records in use": beyond capacity, so creating one evicts
      return;
    }
  }
  throw new Error("arena header not found");
}

function make(policy?: "open" | "closed") {
  const errors: unknown[] = [];
  const d = createDetector(
    { budgetBytes: 1 << 20, ...(policy ? { failurePolicy: policy } : {}), allowlist: { tools: ["health_check"] } },
    { onError: (e) => errors.push(e) },
  );
  return { d, errors };
}

describe("trap recovery", () => {
  it("fails closed by default: the call is blocked, the error reported, a working detector restored", () => {
    const { d, errors } = make();
    d.allow({ principal: "ops-bot" });
    expect(d.check({ principal: "alice", tool: "read", time: MONDAY_10 }).action).toBe("allow");
    corrupt(d);
    const dec = d.check({ principal: "mallory", tool: "read", time: MONDAY_10 + MIN });
    expect(dec.action).toBe("block");
    expect(dec.risk).toBe(1);
    expect(dec.error?.code).toBe("DETECTOR_FAILURE");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(d.stats().recoveries).toBe(1);
    // the restored detector works, with the configured and the run-time allowlist
    const next = d.check({ principal: "alice", tool: "read", time: MONDAY_10 + 2 * MIN });
    expect(next.error).toBeUndefined();
    expect(next.action).toBe("allow");
    expect(d.check({ principal: "x", tool: "health_check", time: MONDAY_10 + 3 * MIN }).allowlisted).toBe(true);
    expect(d.check({ principal: "ops-bot", tool: "anything", time: MONDAY_10 + 3 * MIN }).allowlisted).toBe(true);
    expect(d.stats().allowlistEntries).toBe(2);
  });

  it("fails open when configured", () => {
    const { d, errors } = make("open");
    corrupt(d);
    const dec = d.check({ principal: "mallory", tool: "read", time: MONDAY_10 });
    expect(dec.action).toBe("allow");
    expect(dec.error?.message).toMatch(/failure policy open/);
    expect(errors).toHaveLength(1);
    expect(d.check({ principal: "alice", tool: "read", time: MONDAY_10 + MIN }).error).toBeUndefined();
  });

  it("recovers from a trap in learn() with a typed error", () => {
    const { d, errors } = make();
    corrupt(d);
    expect(() => d.learn({ principal: "p", tool: "t", time: MONDAY_10 })).toThrow(ToolwatchError);
    expect(errors).toHaveLength(1);
    d.learn({ principal: "p", tool: "t", time: MONDAY_10 + MIN });
    expect(d.check({ principal: "p", tool: "t", time: MONDAY_10 + 2 * MIN }).learning.learnedCalls).toBe(2);
  });

  it("recovers a second time, and counts both", () => {
    const { d, errors } = make();
    corrupt(d);
    d.check({ principal: "a", tool: "t", time: MONDAY_10 });
    corrupt(d);
    d.check({ principal: "b", tool: "t", time: MONDAY_10 });
    expect(errors).toHaveLength(2);
    expect(d.stats().recoveries).toBe(2);
  });
});
