// Learning rules, the tenant back-off, operator feedback, the allowlist and per-tenant baselines.
import { describe, it, expect } from "vitest";
import { detector, establish, codes, reason, MONDAY_10, MIN, SEC, HOUR } from "./helpers.js";

const SMALL = { budgetBytes: 1 << 20 };
const search = () => ({ query: "q", limit: 10 });

describe("minimum evidence", () => {
  const cfg = { ...SMALL, minCalls: 5, learningWindowSeconds: 600, tenantMinCalls: 1000 };
  it("needs both the calls and the age before the principal's own baseline judges", () => {
    const d = detector(cfg);
    // many calls, too young
    for (let i = 0; i < 10; i++) {
      const dec = d.check({ tenant: "t", principal: "fast", tool: "a", time: MONDAY_10 + i * 30 * SEC });
      expect(dec.learning.baseline).toBe("cold");
    }
    // old enough, too few calls
    for (let i = 0; i < 4; i++) {
      const dec = d.check({ tenant: "t", principal: "slow", tool: "a", time: MONDAY_10 + i * 20 * MIN });
      expect(dec.learning.baseline).toBe("cold");
    }
    const slowMore = d.check({ tenant: "t", principal: "slow", tool: "a", time: MONDAY_10 + 80 * MIN });
    expect(slowMore.learning.baseline).toBe("cold"); // 4 learned before this one
    expect(d.check({ tenant: "t", principal: "slow", tool: "a", time: MONDAY_10 + 81 * MIN }).learning.baseline).toBe(
      "own",
    );
    expect(d.check({ tenant: "t", principal: "fast", tool: "a", time: MONDAY_10 + 10 * MIN }).learning.baseline).toBe(
      "own",
    );
  });

  it("reports LEARNING with the figures while the principal learns", () => {
    const d = detector(cfg);
    const dec = d.check({ tenant: "t", principal: "p", tool: "a", time: MONDAY_10 });
    const r = reason(dec, "LEARNING")!;
    expect(r.actual).toBe(0);
    expect(r.typical).toBe(5);
    expect(dec.learning.minCalls).toBe(5);
  });
});

describe("tenant back-off", () => {
  function acme() {
    const d = detector(SMALL);
    // alice gives the tenant 60 learned calls over 3 hours (tenantMinCalls 50, one hour)
    const r = establish(d, {
      tenant: "acme",
      principal: "alice",
      tools: ["search", "read", "send"],
      calls: 60,
      args: (t) => (t === "search" ? search() : t === "read" ? { path: "/a" } : { to: "bob@acme.example" }),
    });
    return { d, t: r.last + 3 * MIN };
  }

  it("judges a new principal in an established tenant against the tenant's baseline", () => {
    const { d, t } = acme();
    const known = d.check({ tenant: "acme", principal: "newbie", tool: "search", args: search(), time: t });
    expect(known.learning.baseline).toBe("tenant");
    expect(known.newEntity).toBe(true);
    expect(known.action).toBe("allow");
    expect(known.learned).toBe(true);
    const unknown = d.check({ tenant: "acme", principal: "newbie2", tool: "drop_database", args: {}, time: t + MIN });
    expect(unknown.learning.baseline).toBe("tenant");
    expect(reason(unknown, "UNSEEN_TOOL")?.tenantBaseline).toBe(true);
    expect(unknown.action).toBe("warn"); // no free pass for a new (maybe compromised) account
    expect(unknown.learned).toBe(false);
  });

  it("lets a cold tenant learn, then judges its next newcomer against it", () => {
    const d = detector(SMALL);
    const first = d.check({ tenant: "globex", principal: "p1", tool: "x", time: MONDAY_10 });
    expect(first.learning.baseline).toBe("cold");
    expect(first.action).toBe("allow");
    expect(first.learned).toBe(true);
    const r = establish(d, {
      tenant: "globex",
      principal: "p1",
      tools: ["x", "y"],
      calls: 55,
      start: MONDAY_10 + 3 * MIN,
    });
    const next = d.check({ tenant: "globex", principal: "p2", tool: "z", time: r.last + MIN });
    expect(next.learning.baseline).toBe("tenant");
    expect(codes(next)).toContain("UNSEEN_TOOL");
  });

  it("scores a tool the tenant knows but the principal never used lower than a tool nobody used", () => {
    const { d, t } = acme();
    // an operator vouches for bob's deploys: the tenant learns the tool through him
    for (let i = 0; i < 5; i++) d.learn({ tenant: "acme", principal: "bob", tool: "deploy", time: t + i * MIN });
    const tenantKnown = d.check({ tenant: "acme", principal: "alice", tool: "deploy", time: t + 10 * MIN });
    const nobody = d.check({ tenant: "acme", principal: "alice", tool: "nuke", time: t + 11 * MIN });
    expect(tenantKnown.signals.unseenTool).toBeGreaterThan(0);
    expect(tenantKnown.signals.unseenTool).toBeLessThan(nobody.signals.unseenTool);
    expect(reason(tenantKnown, "UNSEEN_TOOL")?.message).toMatch(/used elsewhere in its tenant/);
    expect(nobody.signals.unseenTool).toBe(1);
  });

  it("promotes a tool to tenant-known when 3 distinct principals were warned using it", () => {
    const { d, t } = acme();
    let time = t;
    // one principal three times does not count three times
    for (let i = 0; i < 3; i++) d.check({ tenant: "acme", principal: "solo", tool: "new_tool", time: (time += MIN) });
    expect(d.stats().promotions).toBe(0);
    for (const p of ["p2", "p3"]) {
      const dec = d.check({ tenant: "acme", principal: p, tool: "new_tool", time: (time += MIN) });
      expect(dec.action).toBe("warn");
    }
    expect(d.stats().promotions).toBe(1);
    const later = d.check({ tenant: "acme", principal: "p4", tool: "new_tool", time: (time += MIN) });
    expect(later.signals.unseenTool).toBe(0);
    expect(later.action).toBe("allow");
  });
});

describe("adoption when the tenant's tool set is full", () => {
  // 4 tools per record; the tenant learns 4 tools from an operator, then 3 newcomers try a fifth
  function full(gapDays: number) {
    const d = detector({ ...SMALL, maxToolsPerEntity: 4, tenantMinCalls: 8, tenantLearningWindowSeconds: 0 });
    let t = MONDAY_10;
    for (let i = 0; i < 8; i++) d.learn({ tenant: "acme", principal: "ops", tool: `tool${i % 4}`, time: (t += MIN) });
    t += gapDays * 86_400_000;
    for (const p of ["n1", "n2", "n3"]) d.check({ tenant: "acme", principal: p, tool: "brand_new", time: (t += MIN) });
    return { d, t };
  }
  it("never displaces tools in use", () => {
    const { d, t } = full(1);
    expect(d.stats().promotions).toBe(0);
    expect(d.check({ tenant: "acme", principal: "n4", tool: "tool1", time: t + MIN }).signals.unseenTool).toBe(0);
  });
  it("lets a long-unused tool make room", () => {
    const { d, t } = full(40);
    expect(d.stats().promotions).toBe(1);
    expect(d.check({ tenant: "acme", principal: "n4", tool: "brand_new", time: t + MIN }).signals.unseenTool).toBe(0);
  });
});

describe("no learning from anomalies", () => {
  function alice() {
    const d = detector(SMALL);
    const r = establish(d, {
      tenant: "acme",
      principal: "alice",
      tools: ["search", "read"],
      args: (x) => (x === "search" ? search() : {}),
    });
    return { d, t: r.last + 3 * MIN };
  }

  it("never learns a blocked call, in the principal's or the tenant's baseline", () => {
    const { d, t } = alice();
    const before = d.stats().learned;
    let dec = d.check({ tenant: "acme", principal: "alice", tool: "search", args: search(), time: t });
    for (let i = 1; i < 20; i++) dec = d.check({ tenant: "acme", principal: "alice", tool: "read", time: t + i * SEC });
    const learnedBefore = dec.learning.learnedCalls;
    const blocked = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "exfiltrate",
      args: { to: "x" },
      time: t + 20 * SEC,
    });
    expect(blocked.action).toBe("block");
    expect(blocked.learned).toBe(false);
    expect(blocked.learning.learnedCalls).toBe(learnedBefore);
    expect(d.stats().blocked).toBeGreaterThanOrEqual(1);
    const learnedAfterBurst = d.stats().learned;
    expect(learnedAfterBurst).toBeLessThanOrEqual(before + 20);
    // an hour later, with no burst, the tool is still unseen for alice and for her tenant
    const again = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "exfiltrate",
      args: { to: "x" },
      time: t + HOUR,
    });
    expect(again.signals.unseenTool).toBe(1);
    const peer = d.check({
      tenant: "acme",
      principal: "newcomer",
      tool: "exfiltrate",
      args: { to: "x" },
      time: t + HOUR + MIN,
    });
    expect(peer.learning.baseline).toBe("tenant");
    expect(peer.signals.unseenTool).toBe(1);
    expect(d.stats().learned).toBe(learnedAfterBurst); // both were warned: nothing learned
  });

  it("does not learn a warned call unless learnFromWarned", () => {
    for (const learnFromWarned of [false, true]) {
      const d = detector({ ...SMALL, learnFromWarned });
      const r = establish(d, {
        tenant: "acme",
        principal: "alice",
        tools: ["search", "read"],
        args: (x) => (x === "search" ? search() : {}),
      });
      const warned = d.check({ tenant: "acme", principal: "alice", tool: "export_all", time: r.last + 3 * MIN });
      expect(warned.action).toBe("warn");
      expect(warned.learned).toBe(learnFromWarned);
      const next = d.check({ tenant: "acme", principal: "alice", tool: "export_all", time: r.last + 6 * MIN });
      expect(next.signals.unseenTool).toBe(learnFromWarned ? 0 : 1);
    }
  });

  it("learns a call an operator vouched for", () => {
    const { d, t } = alice();
    const call = { tenant: "acme", principal: "alice", tool: "export_all", args: { format: "csv" }, time: t };
    expect(d.check(call).action).toBe("warn");
    d.learn({ ...call, time: t + MIN });
    const after = d.check({ ...call, time: t + 2 * MIN });
    expect(after.signals.unseenTool).toBe(0);
    expect(after.action).toBe("allow");
  });
});

describe("operator feedback on an earlier call", () => {
  const who = { tenant: "acme", principal: "alice" };
  const trained = () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["read", "edit", "save"], calls: 60 });
    return { d, t: last + MIN };
  };

  it("learns the call given with its own time, but not an order it cannot know", () => {
    const { d, t } = trained();
    const call = { ...who, tool: "export", time: t };
    expect(d.check(call).action).toBe("warn");
    d.learn(call); // the warned call, vouched for with its own time
    const again = d.check({ ...who, tool: "export", time: t + 10 * SEC });
    expect(again.signals.unseenTool).toBe(0);
    // export -> export was never a step: the feedback did not teach the warned call as following itself
    expect(again.signals.unseenTransition).toBe(0.5);
  });

  it("does not reset the burst window, whatever time it carries", () => {
    const { d, t } = trained();
    for (let i = 0; i < 15; i++) d.check({ ...who, tool: "read", time: t + i * SEC });
    d.learn({ ...who, tool: "save", time: t - 30 * MIN }); // about a call half an hour ago
    const dec = d.check({ ...who, tool: "read", time: t + 15 * SEC });
    expect(reason(dec, "BURST")?.actual).toBe(16); // the 15 calls before it are still in the window
  });
});

describe("allowlist", () => {
  const cases: Array<[string, object]> = [
    ["tool", { allowlist: { tools: ["export_all"] } }],
    ["principal", { allowlist: { principals: ["alice"] } }],
    ["tenant", { allowlist: { tenants: ["acme"] } }],
    ["entity", { allowlist: { entities: [{ tenant: "acme", principal: "alice" }] } }],
  ];
  it.each(cases)("allows and reports ALLOWLISTED for an allowlisted %s", (_kind, cfg) => {
    const d = detector({ ...SMALL, ...cfg });
    const r = establish(d, { tenant: "acme", principal: "alice", tools: ["search"] });
    const dec = d.check({ tenant: "acme", principal: "alice", tool: "export_all", time: r.last + MIN });
    expect(dec.signals.unseenTool).toBe(1); // still scored
    expect(dec.action).toBe("allow");
    expect(dec.allowlisted).toBe(true);
    expect(codes(dec)).toContain("ALLOWLISTED");
  });

  it("scopes an entity entry to its tenant, and allow() works at run time", () => {
    const d = detector({ ...SMALL, allowlist: { entities: [{ tenant: "acme", principal: "alice" }] } });
    const r = establish(d, { tenant: "globex", principal: "alice", tools: ["search"] });
    const other = d.check({ tenant: "globex", principal: "alice", tool: "export_all", time: r.last + MIN });
    expect(other.allowlisted).toBe(false);
    expect(other.action).toBe("warn");
    d.allow({ tool: "export_all" });
    const now = d.check({ tenant: "globex", principal: "alice", tool: "export_all", time: r.last + 2 * MIN });
    expect(now.allowlisted).toBe(true);
    d.clearAllowlist();
    const cleared = d.check({ tenant: "globex", principal: "alice", tool: "other_tool", time: r.last + 3 * MIN });
    expect(cleared.allowlisted).toBe(false);
  });
});

describe("allowlist capacity", () => {
  it("refuses entry 1025 with a typed error and keeps the others", () => {
    const d = detector(SMALL);
    for (let i = 0; i < 1024; i++) d.allow({ tool: `tool${i}` });
    expect(() => d.allow({ tool: "one_too_many" })).toThrow(expect.objectContaining({ code: "ALLOWLIST_FULL" }));
    d.allow({ tool: "tool7" }); // already there: fine
    expect(d.stats().allowlistEntries).toBe(1024);
    expect(d.check({ tenant: "t", principal: "p", tool: "tool1023", time: MONDAY_10 }).allowlisted).toBe(true);
  });
});

describe("one principal in two tenants", () => {
  it("has two separate baselines", () => {
    const d = detector(SMALL);
    const r = establish(d, { tenant: "acme", principal: "alice@example.com", tools: ["search", "read"] });
    const elsewhere = d.check({ tenant: "globex", principal: "alice@example.com", tool: "search", time: r.last + MIN });
    expect(elsewhere.newEntity).toBe(true);
    expect(elsewhere.learning.learnedCalls).toBe(1);
    expect(elsewhere.learning.baseline).toBe("cold");
    const g = establish(d, {
      tenant: "globex",
      principal: "alice@example.com",
      tools: ["billing"],
      start: r.last + 2 * MIN,
    });
    const cross = d.check({ tenant: "globex", principal: "alice@example.com", tool: "read", time: g.last + MIN });
    expect(cross.learning.baseline).toBe("own");
    expect(cross.signals.unseenTool).toBe(1); // known in acme, unseen in globex
    const home = d.check({ tenant: "acme", principal: "alice@example.com", tool: "read", time: g.last + 2 * MIN });
    expect(home.signals.unseenTool).toBe(0);
    expect(d.stats().entities).toBe(2);
    expect(d.stats().tenants).toBe(2);
  });
});

describe("saturated counters", () => {
  it("halve and keep working after 40,000 calls of one tool", () => {
    const d = detector(SMALL);
    const who = { tenant: "acme", principal: "heavy" };
    const rcpt = ["a@corp.example", "b@corp.example"];
    let t = MONDAY_10;
    for (let i = 0; i < 100; i++) d.learn({ ...who, tool: "export", args: {}, time: (t += 100) });
    for (let i = 0; i < 40_000; i++) d.learn({ ...who, tool: "send", args: { to: rcpt[i % 2] }, time: (t += 100) });
    t += 3 * MIN;
    const routine = d.check({ ...who, tool: "send", args: { to: "a@corp.example" }, time: t });
    expect(routine.action, JSON.stringify(routine.reasons)).toBe("allow");
    const value = d.check({ ...who, tool: "send", args: { to: "evil@x.example" }, time: (t += MIN) });
    expect(value.signals.unseenArgValue).toBe(1);
    expect(d.check({ ...who, tool: "nuke", time: (t += MIN) }).signals.unseenTool).toBe(1);
    // export's share survives the halving: 100 of 40,100 calls, about 0.25%
    const rare = reason(d.check({ ...who, tool: "export", args: {}, time: (t += MIN) }), "RARE_TOOL");
    expect(rare?.actual).toBeGreaterThan(0.001);
    expect(rare?.actual).toBeLessThan(0.006);
  });
});
