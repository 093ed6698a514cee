// A caller that sets the time (an agent framework, a gateway that forwards the client's clock) must not
// be able to step it back past the burst window to empty that window: the window is kept, the call is
// counted in it, and the step is reported as CLOCK_STEP.
import { describe, it, expect } from "vitest";
import { detector, establish, reason, MONDAY_10, MIN, SEC } from "./helpers.js";

const who = { tenant: "acme", principal: "mallory" };

describe("clock steps", () => {
  it("stepping the clock back by more than a burst window does not reset the burst count", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    const r = establish(d, { ...who, tools: ["read_file"], calls: 30, args: () => ({ path: "/a" }) });
    // 25 calls in a few real seconds, each stamped 2 minutes before the previous one (window 60 s)
    let t = r.last + 3 * 3_600_000;
    let last = d.check({ ...who, tool: "read_file", args: { path: "/a" }, time: t });
    for (let i = 0; i < 24; i++)
      last = d.check({ ...who, tool: "read_file", args: { path: "/a" }, time: (t -= 2 * MIN) });
    expect(last.windowCount).toBeGreaterThanOrEqual(25); // above the ring: an estimate
    expect(last.signals.burst).toBe(1);
    expect(last.action).not.toBe("allow");
    const step = reason(last, "CLOCK_STEP")!;
    expect(step).toBeDefined();
    expect(step.actual).toBe(120); // seconds back
    expect(step.typical).toBe(60); // the tolerance: one burst window
    expect(step.signal).toBeUndefined();
    expect(step.message).toMatch(/clock stepped back 120 s/);
  });

  it("a step back within one window is requests racing: counted, not reported", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    const a = d.check({ ...who, tool: "t", time: MONDAY_10 });
    const b = d.check({ ...who, tool: "t", time: MONDAY_10 - 59 * SEC });
    expect(b.windowCount).toBe(2);
    expect(reason(a, "CLOCK_STEP")).toBeUndefined();
    expect(reason(b, "CLOCK_STEP")).toBeUndefined();
  });

  it("feedback on an earlier call neither reports a step nor touches the window", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    let t = MONDAY_10;
    for (let i = 0; i < 3; i++) d.check({ ...who, tool: "t", time: (t += SEC) });
    d.learn({ ...who, tool: "t", time: t - 3_600_000 });
    const next = d.check({ ...who, tool: "t", time: t + SEC });
    expect(next.windowCount).toBe(4);
    expect(reason(next, "CLOCK_STEP")).toBeUndefined();
  });
});
