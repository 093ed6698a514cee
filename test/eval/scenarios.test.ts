import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { ATTACKS, generate, HOUR, START, DAY } from "../../eval/scenarios/generate.js";
import { evaluateScenarios } from "../../eval/scenarios/run.js";

const small = { tenants: 2, principals: 4, learnDays: 14, evalDays: 7, injections: 2 };
const digest = (x: unknown) => createHash("sha256").update(JSON.stringify(x)).digest("hex");

describe("scenario generator", () => {
  it("is deterministic per seed and differs across seeds", () => {
    expect(digest(generate("burst_exfiltration", 3, small).calls)).toBe(
      digest(generate("burst_exfiltration", 3, small).calls),
    );
    expect(digest(generate("burst_exfiltration", 3, small).calls)).not.toBe(
      digest(generate("burst_exfiltration", 4, small).calls),
    );
  });

  it("puts benign work in each principal's working hours and injections in the evaluation days", () => {
    const s = generate("off_hours_takeover", 1, small);
    const byId = new Map(s.tenants.flatMap((t) => t.principals).map((p) => [`${p.tenant}/${p.id}`, p]));
    for (const c of s.calls.filter((x) => x.injection < 0)) {
      const p = byId.get(`${c.tenant}/${c.principal}`)!;
      const localHour = Math.floor(((c.time + p.tz * 60000) % DAY) / HOUR);
      // sessions start inside working hours and last minutes, so calls stay within a couple of hours of them
      expect(localHour >= p.startHour && localHour <= p.startHour + p.hours + 1).toBe(true);
    }
    expect(s.injections).toHaveLength(2);
    for (const inj of s.injections) {
      expect(inj.start).toBeGreaterThanOrEqual(s.evalStart);
      const p = byId.get(`${inj.tenant}/${inj.principal}`)!;
      const localHour = Math.floor(((inj.start + p.tz * 60000) % DAY) / HOUR);
      expect(localHour).toBeGreaterThanOrEqual(1);
      expect(localHour).toBeLessThan(4);
    }
    expect(s.calls[0]!.time).toBeGreaterThanOrEqual(START - DAY);
    for (let i = 1; i < s.calls.length; i++) expect(s.calls[i]!.time).toBeGreaterThanOrEqual(s.calls[i - 1]!.time);
  });

  it("generates every attack kind with attack calls", () => {
    for (const k of ATTACKS) {
      const s = generate(k, 2, small);
      expect(s.injections.length, k).toBe(2);
      expect(s.calls.filter((c) => c.injection >= 0).length, k).toBeGreaterThan(0);
    }
  });

  it("unusual_sequence: every injected step after the first leaves the victim's workflow", () => {
    const s = generate("unusual_sequence", 5, small);
    const byId = new Map(s.tenants.flatMap((t) => t.principals).map((p) => [`${p.tenant}/${p.id}`, p]));
    for (const inj of s.injections) {
      const p = byId.get(`${inj.tenant}/${inj.principal}`)!;
      const tools = s.calls.filter((c) => c.injection === inj.id).map((c) => c.tool);
      for (let i = 1; i < tools.length; i++) expect(p.next[tools[i - 1]!]).not.toContain(tools[i]);
    }
  });

  it("new_member: principals that appear only in the evaluation days, as benign changes", () => {
    const s = generate("new_member", 1, small);
    const learned = new Set(s.calls.filter((c) => c.time < s.evalStart).map((c) => `${c.tenant}/${c.principal}`));
    const joiners = s.calls.filter((c) => c.principal.startsWith("joiner"));
    expect(joiners.length).toBeGreaterThan(0);
    for (const c of joiners) {
      expect(c.change).toBe(true);
      expect(c.injection).toBe(-1);
      expect(c.time).toBeGreaterThanOrEqual(s.evalStart);
      expect(learned.has(`${c.tenant}/${c.principal}`)).toBe(false);
    }
    expect(s.injections).toHaveLength(0);
  });
});

describe("scenario evaluation through the real detector", () => {
  it("catches never-seen tools and bursts, and measures false alarms on benign calls", () => {
    const r = evaluateScenarios({
      seeds: 1,
      gen: small,
      kinds: ["slow_drip_new_tools", "burst_exfiltration", "busy_day"],
    });
    const drip = r.results.find((x) => x.kind === "slow_drip_new_tools")!;
    expect(drip.detected).toBe(drip.injections);
    expect(drip.medianDelayCalls).toBe(0);
    const burst = r.results.find((x) => x.kind === "burst_exfiltration")!;
    expect(burst.detected).toBe(burst.injections);
    expect(burst.medianDelayCalls).toBeGreaterThan(0); // a burst needs calls to become one
    const busy = r.results.find((x) => x.kind === "busy_day")!;
    expect(busy.injections).toBe(0);
    expect(busy.benignCalls).toBeGreaterThan(100);
    expect(busy.changedCalls).toBeGreaterThan(0);
    expect(r.series.length).toBeGreaterThan(0);
  });
});
