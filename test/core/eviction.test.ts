// Bounded memory under cardinality attacks: the arena never grows, evictions are counted, and an
// established principal's baseline keeps working.
import { describe, it, expect } from "vitest";
import { detector, establish, MONDAY_10, MIN, SEC, DAY, type Detector } from "./helpers.js";

const search = () => ({ query: "q" });
const victimTools = ["search", "read"];
const argsOf = (t: string) => (t === "search" ? search() : { path: "/x" });

function victimStillWorks(d: Detector, time: number): void {
  const routine = d.check({ tenant: "acme", principal: "victim", tool: "search", args: search(), time });
  expect(routine.newEntity).toBe(false);
  expect(routine.learning.baseline).toBe("own");
  expect(routine.action, JSON.stringify(routine.reasons)).toBe("allow");
  const unseen = d.check({ tenant: "acme", principal: "victim", tool: "wipe_disk", time: time + MIN });
  expect(unseen.signals.unseenTool).toBe(1);
  expect(unseen.action).not.toBe("allow");
}

describe("cardinality attacks", () => {
  it("one principal sending 100k distinct tool names: memory fixed, baselines intact", () => {
    const budgetBytes = 1 << 20;
    const d = detector({ budgetBytes });
    const bytes = d.raw.memory.buffer.byteLength;
    const v = establish(d, { tenant: "acme", principal: "victim", tools: victimTools, args: argsOf, calls: 60 });
    const a = establish(d, {
      tenant: "acme",
      principal: "mallory",
      tools: victimTools,
      args: argsOf,
      calls: 40,
      start: v.last + MIN,
    });
    let t = a.last + MIN;
    let warned = 0;
    let blocked = 0;
    for (let i = 0; i < 100_000; i++) {
      // one call every 40 minutes, each its own session: a lone new tool is warned, not blocked, and
      // warned calls are the ones that count towards adoption (candidates in the tenant's tool set)
      const dec = d.check({
        tenant: "acme",
        principal: "mallory",
        tool: `tool_${i}`,
        args: { i },
        time: (t += 40 * MIN),
      });
      if (dec.action === "warn") warned++;
      if (dec.action === "block") blocked++;
    }
    expect(warned).toBeGreaterThan(90_000);
    expect(blocked).toBe(0);
    expect(d.raw.memory.buffer.byteLength).toBe(bytes);
    const s = d.stats();
    expect(s.arenaBytes).toBeLessThanOrEqual(s.budgetBytes);
    expect(s.budgetBytes).toBe(budgetBytes);
    t += 10 * MIN;
    victimStillWorks(d, t);
    // the tenant baseline still knows the team's tools: a newcomer's routine call is allowed
    const newcomer = d.check({
      tenant: "acme",
      principal: "newcomer",
      tool: "search",
      args: search(),
      time: t + 5 * MIN,
    });
    expect(newcomer.learning.baseline).toBe("tenant");
    expect(newcomer.action, JSON.stringify(newcomer.reasons)).toBe("allow");
    // and the attacker's own learned tools were not pushed out by its flood of unseen ones
    const own = d.check({
      tenant: "acme",
      principal: "mallory",
      tool: "read",
      args: { path: "/x" },
      time: t + 60 * MIN,
    });
    expect(own.signals.unseenTool).toBe(0);
  });

  it("100k distinct principals with a small budget: memory fixed, evictions counted, the victim kept", () => {
    const budgetBytes = 256 * 1024;
    const d = detector({ budgetBytes });
    const bytes = d.raw.memory.buffer.byteLength;
    const v = establish(d, { tenant: "acme", principal: "victim", tools: victimTools, args: argsOf, calls: 60 });
    const cap = d.stats().capacity;
    expect(cap).toBeLessThan(1000);
    let t = v.last + MIN;
    for (let i = 0; i < 100_000; i++) {
      const tenant = i % 3 === 0 ? "acme" : `tenant_${i % 3}`;
      d.check({ tenant, principal: `bot_${i}`, tool: "search", args: search(), time: (t += 100) });
      if (i % 25_000 === 0) expect(d.raw.memory.buffer.byteLength).toBe(bytes);
    }
    const s = d.stats();
    expect(d.raw.memory.buffer.byteLength).toBe(bytes);
    expect(s.arenaBytes).toBeLessThanOrEqual(budgetBytes);
    expect(s.entities + s.tenants).toBeLessThanOrEqual(cap);
    expect(s.entityEvictions).toBeGreaterThan(90_000);
    victimStillWorks(d, t + 10 * MIN);
  });

  it("counts per-entity slot evictions when a principal legitimately uses more tools than it keeps", () => {
    const d = detector({ budgetBytes: 1 << 20, maxToolsPerEntity: 4 });
    for (let i = 0; i < 10; i++) d.learn({ tenant: "t", principal: "p", tool: `t${i}`, time: MONDAY_10 + i * MIN });
    expect(d.stats().slotEvictions).toBeGreaterThan(0);
  });

  it("works with the smallest arena (2 records) as tenants and principals churn", () => {
    const d = detector({ budgetBytes: 1 << 20, maxEntities: 2 });
    expect(d.stats().capacity).toBe(2);
    for (let i = 0; i < 200; i++) {
      const dec = d.check({ tenant: `t${i % 3}`, principal: `p${i % 5}`, tool: "x", time: MONDAY_10 + i * SEC });
      expect(dec.action).toBeDefined();
      const s = d.stats();
      expect(s.entities + s.tenants).toBeLessThanOrEqual(2);
    }
    expect(d.stats().entityEvictions).toBeGreaterThan(100);
  });

  it("refuses maxEntities 1 (nothing could ever be evicted) instead of looping", () => {
    expect(() => detector({ budgetBytes: 1 << 20, maxEntities: 1 })).toThrow(/maxEntities/);
    // and the core refuses it too when a host skips the schema
    const d = detector({ budgetBytes: 1 << 20 });
    const v = new DataView(d.raw.memory.buffer);
    const io = d.raw.io_ptr();
    for (let i = 0; i < d.raw.config_count(); i++) v.setFloat64(io + 8 * i, NaN, true);
    v.setFloat64(io, 1 << 20, true);
    v.setFloat64(io + 8, 1, true);
    expect(d.raw.init()).toBe(-8);
  });

  it("keeps an established principal's own baseline when its tenant's record is evicted", () => {
    // a tenant that never gathers enough evidence is as cheap to evict as a newcomer
    const d = detector({ budgetBytes: 1 << 20, maxEntities: 8, tenantMinCalls: 1000 });
    const v = establish(d, { tenant: "acme", principal: "victim", tools: victimTools, args: argsOf, calls: 40 });
    let t = v.last;
    for (let i = 0; i < 500; i++) d.check({ tenant: `other${i}`, principal: `p${i}`, tool: "x", time: (t += SEC) });
    const s = d.stats();
    expect(s.entities + s.tenants).toBeLessThanOrEqual(8);
    t += 10 * MIN;
    const routine = d.check({ tenant: "acme", principal: "victim", tool: "search", args: search(), time: t });
    expect(routine.newEntity).toBe(false);
    expect(routine.learning.baseline).toBe("own");
    expect(routine.action).toBe("allow");
  });
});

describe("per-principal sets keep what is used often", () => {
  // A habit used many times outlives a stream of one-off entries that arrive after it, although the
  // one-offs are more recent: each use protects an entry for a week (up to about six months).
  it("a recipient used every day for a week survives days of one-off values, and is still known", () => {
    const d = detector({ budgetBytes: 1 << 20, maxValuesPerEntity: 4, minCalls: 5, learningWindowSeconds: 60 });
    const at = (day: number, min: number) => MONDAY_10 + day * DAY + min * MIN;
    const mail = (to: string, time: number) =>
      d.check({ tenant: "t", principal: "p", tool: "send_mail", args: { to }, time });
    for (let day = 0; day < 7; day++)
      for (let k = 0; k < 3; k++) expect(mail("boss@corp.example", at(day, k * 10)).action).toBe("allow");
    // then ten days in which another tool's repeating argument takes two new values a day, each twice
    for (let day = 7; day < 17; day++) {
      for (let k = 0; k < 4; k++) {
        d.learn({
          tenant: "t",
          principal: "p",
          tool: "open_ticket",
          args: { project: `p${day}-${k >> 1}` },
          time: at(day, k * 10),
        });
      }
    }
    expect(d.stats().slotEvictions).toBeGreaterThan(0);
    const habit = mail("boss@corp.example", at(17, 0));
    expect(habit.signals.unseenArgValue, JSON.stringify(habit.reasons)).toBe(0);
    expect(habit.action).toBe("allow");
    const exfil = mail("drop@elsewhere.example", at(17, 5));
    expect(exfil.signals.unseenArgValue).toBe(1);
  });
});

describe("argument values (4-byte leased entries)", () => {
  const at = (day: number, min: number) => MONDAY_10 + day * DAY + min * MIN;
  it("keeps maxValuesPerEntity values: 40 habitual accounts by default, and the 41st evicts one", () => {
    const d = detector({ budgetBytes: 1 << 20, minCalls: 5, learningWindowSeconds: 60 });
    const to = (i: number) => `acct-${1000 + i}`; // not addresses nor accounts: no domain entries beside them
    // each account twice in a row, so the key looks repetitive from the start (40 distinct in 80 calls)
    for (let i = 0; i < 80; i++)
      d.learn({ tenant: "t", principal: "p", tool: "send_mail", args: { to: to(i >> 1) }, time: at(0, i) });
    const before = d.stats().slotEvictions;
    for (let i = 0; i < 40; i++) {
      const dec = d.check({ tenant: "t", principal: "p", tool: "send_mail", args: { to: to(i) }, time: at(2, i) });
      expect(dec.signals.unseenArgValue, to(i)).toBe(0);
    }
    expect(d.stats().slotEvictions).toBe(before);
    d.learn({ tenant: "t", principal: "p", tool: "send_mail", args: { to: "acct-9999" }, time: at(3, 0) });
    expect(d.stats().slotEvictions).toBe(before + 2); // the principal's set and its tenant's
  });

  it("a value in weekly use stays known for a year while one-off values come and go", () => {
    const d = detector({ budgetBytes: 1 << 20, maxValuesPerEntity: 4, minCalls: 5, learningWindowSeconds: 60 });
    for (let day = 0; day < 400; day++) {
      // paid three times on the first day, then weekly
      const times = day === 0 ? 3 : day % 7 === 0 ? 1 : 0;
      for (let k = 0; k < times; k++)
        d.learn({ tenant: "t", principal: "p", tool: "pay", args: { account: "supplier-1" }, time: at(day, k) });
      // a repeating key with a new pair of values every day: they fill the set behind the habit
      for (let k = 0; k < 4; k++)
        d.learn({
          tenant: "t",
          principal: "p",
          tool: "pay",
          args: { account: `one-off-${day}-${k >> 1}` },
          time: at(day, 10 + k),
        });
    }
    expect(d.stats().slotEvictions).toBeGreaterThan(700);
    const habit = d.check({
      tenant: "t",
      principal: "p",
      tool: "pay",
      args: { account: "supplier-1" },
      time: at(400, 30),
    });
    expect(habit.signals.unseenArgValue, JSON.stringify(habit.reasons)).toBe(0);
    // an old one-off, evicted long ago, is new again
    const old = d.check({
      tenant: "t",
      principal: "p",
      tool: "pay",
      args: { account: "one-off-3-0" },
      time: at(400, 40),
    });
    expect(old.signals.unseenArgValue).toBeGreaterThan(0);
  });
});
