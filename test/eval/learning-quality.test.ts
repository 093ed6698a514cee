// Core behaviours the detection-quality evaluation depends on: a principal's recurring new habit is
// learned after warnings in distinct hours when habitHours says so (not from one burst), and the fixed off-hours window yields to
// a learned hour profile.
import { describe, expect, it } from "vitest";
import { createDetector } from "../../js/runtime/node/index.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const MONDAY_10 = Date.UTC(2024, 0, 8, 10);

function established(config = {}) {
  const d = createDetector(config);
  // two weeks of mail to two colleagues, weekdays 10:00-16:00
  let t = MONDAY_10;
  for (let day = 0; day < 14; day++) {
    if (day % 7 >= 5) continue;
    for (let k = 0; k < 12; k++) {
      t = MONDAY_10 + day * 24 * HOUR + k * 30 * MIN;
      const dec = d.check({
        tenant: "acme",
        principal: "ann",
        tool: "send_email",
        args: { to: k % 2 ? "bob@acme.example" : "cy@acme.example" },
        time: t,
      });
      expect(dec.learned).toBe(true);
    }
  }
  return { d, t };
}

describe("recurring new values", () => {
  it("by default (habitHours 3) a new recipient warned in three distinct hours becomes part of the baseline", () => {
    const { d, t } = established();
    const call = (at: number) =>
      d.check({ tenant: "acme", principal: "ann", tool: "send_email", args: { to: "dee@partner.example" }, time: at });
    const first = call(t + 24 * HOUR);
    expect(first.action).toBe("warn");
    expect(first.reasons.map((r) => r.code)).toContain("UNSEEN_ARG_VALUE");
    expect(call(t + 25 * HOUR).action).toBe("warn");
    const third = call(t + 26 * HOUR);
    expect(third.action).toBe("warn");
    // nobody in the tenant has written to dee: a first contact also needs a second day
    expect(third.learned).toBe(false);
    const nextDay = call(t + 50 * HOUR);
    expect(nextDay.action).toBe("warn");
    expect(nextDay.learned).toBe(true);
    expect(call(t + 51 * HOUR).action).toBe("allow");
  });

  it("a first contact at a domain already written to scores half a stranger's; a domain nobody in the tenant used scores in full", () => {
    const { d, t } = established();
    const colleague = d.check({
      tenant: "acme",
      principal: "ann",
      tool: "send_email",
      args: { to: "dee@acme.example" },
      time: t + 24 * HOUR,
    });
    const outside = d.check({
      tenant: "acme",
      principal: "ann",
      tool: "send_email",
      args: { to: "dee@elsewhere.example" },
      time: t + 24 * HOUR + MIN,
    });
    expect(colleague.signals.unseenArgValue).toBeCloseTo(0.5, 12);
    expect(colleague.action).toBe("allow");
    expect(colleague.reasons.find((r) => r.code === "UNSEEN_ARG_VALUE")?.message).toMatch(/domain/);
    expect(outside.signals.unseenArgValue).toBe(1);
    expect(outside.action).toBe("warn");
    // a URL's site works the same way: a new page is the same host; a new host of a known site is half
    const page = d.check({
      tenant: "acme",
      principal: "ann",
      tool: "send_email",
      args: { to: "https://mail.acme.example/x" },
      time: t + 24 * HOUR + 2 * MIN,
    });
    expect(page.signals.unseenArgValue).toBeCloseTo(0.5, 12);
  });

  it("repeating the same new value many times within one hour teaches nothing", () => {
    const { d, t } = established({ habitHours: 3 });
    for (let i = 0; i < 30; i++) {
      const dec = d.check({
        tenant: "acme",
        principal: "ann",
        tool: "send_email",
        args: { to: "evil@attacker.example" },
        time: t + 24 * HOUR + i * MIN,
      });
      expect(dec.action).not.toBe("allow");
      expect(dec.learned).toBe(false);
    }
  });

  it("with habitHours 0 warned calls never teach, however often they recur", () => {
    const { d, t } = established({ habitHours: 0 });
    for (let h = 1; h <= 5; h++) {
      const dec = d.check({
        tenant: "acme",
        principal: "ann",
        tool: "send_email",
        args: { to: "dee@partner.example" },
        time: t + 24 * HOUR + h * HOUR,
      });
      expect(dec.action).toBe("warn");
      expect(dec.learned).toBe(false);
    }
  });
});

describe("fixed off-hours window", () => {
  it("counts for a principal without a learned week", () => {
    const d = createDetector({ minCalls: 0, learningWindowSeconds: 0 });
    const dec = d.check({ tenant: "acme", principal: "new", tool: "x", time: Date.UTC(2024, 0, 8, 23) });
    expect(dec.reasons.map((r) => r.code)).toContain("OFF_HOURS");
  });

  it("yields to the learned hour profile once it judges", () => {
    const { d, t } = established();
    const night = Date.UTC(2024, 0, 8, 23) + 21 * 24 * HOUR; // a Monday, 23:00 UTC, three weeks on
    expect(night).toBeGreaterThan(t);
    const dec = d.check({
      tenant: "acme",
      principal: "ann",
      tool: "send_email",
      args: { to: "bob@acme.example" },
      time: night,
    });
    const codes = dec.reasons.map((r) => r.code);
    expect(codes).toContain("UNUSUAL_HOUR");
    expect(codes).not.toContain("OFF_HOURS");
  });
});

describe("values of a tool new to the principal", () => {
  it("are judged by the tenant's values when the tenant knows the tool", () => {
    const d = createDetector({ minCalls: 5 });
    let t = MONDAY_10;
    // the team pays two suppliers; ann has only ever read the ledger
    for (let i = 0; i < 40; i++) {
      t += 5 * MIN;
      d.check({
        tenant: "acme",
        principal: `p${i % 4}`,
        tool: "pay",
        args: { to: i % 2 ? "SUP-1" : "SUP-2" },
        time: t,
      });
      d.check({ tenant: "acme", principal: "ann", tool: "read_ledger", args: {}, time: t + MIN });
      d.check({ tenant: "acme", principal: "bea", tool: "read_ledger", args: {}, time: t + 2 * MIN });
    }
    t += 2 * HOUR;
    const known = d.check({ tenant: "acme", principal: "ann", tool: "pay", args: { to: "SUP-1" }, time: t });
    const unknown = d.check({ tenant: "acme", principal: "bea", tool: "pay", args: { to: "EXT-999" }, time: t + MIN });
    expect(known.reasons.map((r) => r.code)).not.toContain("UNSEEN_ARG_VALUE");
    const r = unknown.reasons.find((x) => x.code === "UNSEEN_ARG_VALUE");
    expect(r?.tenantBaseline).toBe(true);
    expect(unknown.risk).toBeGreaterThan(known.risk);
  });
});
