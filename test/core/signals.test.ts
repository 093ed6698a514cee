// Each of the nine signals: fires when it should, stays 0 when it should not.
import { describe, it, expect } from "vitest";
import { detector, establish, codes, reason, MONDAY_10, MIN, SEC, HOUR } from "./helpers.js";

const SMALL = { budgetBytes: 1 << 20 };
const who = { tenant: "acme", principal: "alice" };

describe("unseen tool", () => {
  it("fires for a tool the principal never used, not for a known one", () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["a", "b"] });
    const known = d.check({ ...who, tool: "a", time: last + MIN });
    expect(known.signals.unseenTool).toBe(0);
    const unseen = d.check({ ...who, tool: "zzz", time: last + 2 * MIN });
    expect(unseen.signals.unseenTool).toBe(1);
    expect(reason(unseen, "UNSEEN_TOOL")?.typical).toBe(2); // two tools known
    expect(unseen.signals.rareTool).toBe(0); // novelty is not counted twice
  });
});

describe("unseen argument shape", () => {
  const args = () => ({ query: "x", limit: 5 });
  it("ignores key order and fires on a new key or a changed type", () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["search"], args });
    const t = last + MIN;
    expect(d.check({ ...who, tool: "search", args: { limit: 9, query: "y" }, time: t }).signals.unseenArgShape).toBe(0);
    expect(d.check({ ...who, tool: "search", args: { query: 5, limit: 5 }, time: t + 1 }).signals.unseenArgShape).toBe(
      1,
    );
    expect(
      d.check({ ...who, tool: "search", args: { query: "x", limit: 5, all: true }, time: t + 2 }).signals
        .unseenArgShape,
    ).toBe(1);
    expect(d.check({ ...who, tool: "search", args: { query: "x" }, time: t + 3 }).signals.unseenArgShape).toBe(1);
  });
  it("does not fire for an unseen tool (that is the unseen-tool signal's job)", () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["search"], args });
    expect(d.check({ ...who, tool: "other", args: { q: 1 }, time: last + MIN }).signals.unseenArgShape).toBe(0);
  });
});

describe("unseen argument value", () => {
  it("fires for a never-seen recipient of a repeating key, names the key, and never for free text", () => {
    const d = detector(SMALL);
    const rcpt = ["bob@corp.example", "carol@corp.example"];
    const { last } = establish(d, {
      ...who,
      tools: ["send"],
      args: (_t, i) => ({ to: rcpt[i % 2], body: `free text ${i} ${Math.sin(i)}` }),
    });
    let t = last + MIN;
    const same = d.check({ ...who, tool: "send", args: { to: "BOB@corp.example ", body: "never seen body" }, time: t });
    expect(same.signals.unseenArgValue).toBe(0); // case and surrounding space are normalised; body is free text
    const fresh = d.check({ ...who, tool: "send", args: { to: "mallory@evil.example", body: "hi" }, time: (t += MIN) });
    expect(fresh.signals.unseenArgValue).toBe(1);
    expect(reason(fresh, "UNSEEN_ARG_VALUE")?.key).toBe("to");
  });

  it("a never-seen address scores in full only when nobody in its tenant has used it (first contact)", () => {
    const d = detector(SMALL);
    const bob = { tenant: "acme", principal: "bob" };
    const rcpt = ["bob@corp.example", "carol@corp.example"];
    establish(d, { ...who, tools: ["send"], args: (_t, i) => ({ to: rcpt[i % 2] }) });
    // a colleague writes to a partner: the tenant knows ann@partner.example, alice never wrote there
    const { last } = establish(d, { ...bob, tools: ["send"], args: () => ({ to: "ann@partner.example" }) });
    let t = last + MIN;
    const partner = d.check({ ...who, tool: "send", args: { to: "ann@partner.example" }, time: t });
    expect(partner.signals.unseenArgValue).toBeCloseTo(0.88, 12);
    expect(partner.risk).toBeCloseTo(0.55, 12);
    // an address nobody in the tenant used is a first contact even at a domain the tenant knows
    const newAtPartner = d.check({ ...who, tool: "send", args: { to: "joe@partner.example" }, time: (t += MIN) });
    expect(newAtPartner.signals.unseenArgValue).toBe(1);
    const stranger = d.check({ ...who, tool: "send", args: { to: "drop@evil.example" }, time: (t += MIN) });
    expect(stranger.signals.unseenArgValue).toBe(1);
    expect(stranger.risk).toBeCloseTo(0.625, 12);
    expect(reason(stranger, "UNSEEN_ARG_VALUE")?.message).toMatch(
      /first contact: nobody in the tenant has used this address/,
    );
    // a plain value (no domain) is never a first contact
    const plainKey = detector(SMALL);
    const { last: l2 } = establish(plainKey, {
      ...who,
      tools: ["pay"],
      args: (_t, i) => ({ account: `ACCT-${i % 2}` }),
    });
    expect(
      plainKey.check({ ...who, tool: "pay", args: { account: "ACCT-EXT-9" }, time: l2 + MIN }).signals.unseenArgValue,
    ).toBeCloseTo(0.88, 12);
  });

  it("judges URL hosts: https://WWW.X.com/a is the same destination as x.com/b", () => {
    const d = detector(SMALL);
    const paths = ["a", "b/c", "d?e=1", "f#g"];
    const { last } = establish(d, {
      ...who,
      tools: ["fetch"],
      args: (_t, i) => ({ url: `https://WWW.X.com/${paths[i % 4]}` }),
    });
    let t = last + MIN;
    expect(d.check({ ...who, tool: "fetch", args: { url: "x.com/b" }, time: t }).signals.unseenArgValue).toBe(0);
    expect(
      d.check({ ...who, tool: "fetch", args: { url: "http://user@x.com:443/zzz" }, time: (t += MIN) }).signals
        .unseenArgValue,
    ).toBe(0);
    const other = d.check({ ...who, tool: "fetch", args: { url: "https://x.com.evil.example/a" }, time: (t += MIN) });
    expect(other.signals.unseenArgValue).toBe(1);
    expect(reason(other, "UNSEEN_ARG_VALUE")?.key).toBe("url");
  });

  it('judges array elements: recipients: ["a@b.com"]', () => {
    const d = detector(SMALL);
    const lists = [["a@b.com"], ["a@b.com", "c@d.com"], ["c@d.com"]];
    const { last } = establish(d, { ...who, tools: ["send"], args: (_t, i) => ({ recipients: lists[i % 3] }) });
    let t = last + MIN;
    expect(
      d.check({ ...who, tool: "send", args: { recipients: ["c@d.com", "a@b.com"] }, time: t }).signals.unseenArgValue,
    ).toBe(0);
    const dec = d.check({
      ...who,
      tool: "send",
      args: { recipients: ["a@b.com", "x@evil.example"] },
      time: (t += MIN),
    });
    expect(dec.signals.unseenArgValue).toBe(1);
    expect(reason(dec, "UNSEEN_ARG_VALUE")?.key).toBe("recipients");
  });

  it("stays 0 until a key has repeated enough to judge", () => {
    const d = detector({ ...SMALL, minCalls: 2, learningWindowSeconds: 0 });
    let t = MONDAY_10;
    d.check({ ...who, tool: "send", args: { to: "desk-a" }, time: t });
    d.check({ ...who, tool: "send", args: { to: "desk-a" }, time: (t += MIN) });
    // two observations: under valueMinObservations (3); only a first contact is judged on so little
    expect(d.check({ ...who, tool: "send", args: { to: "desk-b" }, time: (t += MIN) }).signals.unseenArgValue).toBe(0);
  });
});

describe("burst", () => {
  const cfg = { ...SMALL, burstThreshold: 20, burstWindowSeconds: 60 };

  it("is continuous, grows with the count, is exact up to the threshold and flagged as an estimate above", () => {
    const d = detector(cfg);
    const scores: number[] = [];
    for (let n = 1; n <= 30; n++) {
      const dec = d.check({ ...who, tool: "ping", time: MONDAY_10 + n * SEC });
      scores.push(dec.signals.burst);
      if (n <= 21) {
        // the 20-entry ring plus this call: exact
        expect(dec.windowCount).toBe(n);
        const r = reason(dec, "BURST");
        if (r) {
          expect(r.estimate).toBe(false);
          expect(r.message.startsWith("about")).toBe(false);
        }
      } else {
        expect(dec.windowCount).toBeGreaterThan(20);
        expect(dec.windowCount).toBeLessThanOrEqual(n * 3); // an estimate, but a sane one
        expect(reason(dec, "BURST")?.estimate).toBe(true);
        expect(reason(dec, "BURST")?.message).toMatch(/^about /);
      }
    }
    expect(scores.slice(0, 10).every((s) => s === 0)).toBe(true); // up to half the threshold: nothing
    for (let i = 1; i < scores.length; i++) {
      expect(scores[i]!).toBeGreaterThanOrEqual(scores[i - 1]!);
      expect(scores[i]! - scores[i - 1]!).toBeLessThanOrEqual(0.2); // no jump anywhere
    }
    expect(scores[19]).toBe(1);
    expect(scores[10]!).toBeGreaterThan(0);
    expect(scores[18]!).toBeLessThan(1);
  });

  it("counts calls with equal timestamps, and the estimate above the ring stays bounded", () => {
    const d = detector(cfg);
    let dec = d.check({ ...who, tool: "ping", time: MONDAY_10 });
    for (let n = 2; n <= 25; n++) {
      dec = d.check({ ...who, tool: "ping", time: MONDAY_10 });
      if (n <= 21) expect(dec.windowCount).toBe(n);
      else expect(dec.windowCount).toBeLessThanOrEqual(n); // never more calls than were made
    }
    expect(dec.signals.burst).toBe(1);
  });

  it("forgets calls that left the window", () => {
    const d = detector(cfg);
    for (let n = 0; n < 20; n++) d.check({ ...who, tool: "ping", time: MONDAY_10 + n * SEC });
    const later = d.check({ ...who, tool: "ping", time: MONDAY_10 + 19 * SEC + 60 * SEC });
    expect(later.windowCount).toBe(1);
    expect(later.signals.burst).toBe(0);
  });
});

describe("rate spike", () => {
  it("fires against the principal's own usual rate while under the burst threshold", () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["a", "b"] }); // one call every 3 minutes
    let t = last + 3 * MIN;
    let dec = d.check({ ...who, tool: "a", time: t });
    expect(dec.signals.rateSpike).toBe(0);
    for (let i = 0; i < 8; i++) dec = d.check({ ...who, tool: i % 2 ? "a" : "b", time: (t += 2 * SEC) });
    expect(dec.windowCount).toBe(9);
    expect(dec.signals.burst).toBe(0); // 9 of 20: no absolute burst
    expect(dec.signals.rateSpike).toBeGreaterThan(0.5);
    expect(codes(dec)).toContain("RATE_SPIKE");
  });

  it("stays 0 for a principal who is usually that fast", () => {
    const d = detector({ ...SMALL, learningWindowSeconds: 60 });
    // 9 calls a minute, every minute: usual rate about 9
    const { last } = establish(d, { ...who, tools: ["a", "b"], calls: 120, spacingMs: 6500 });
    let t = last;
    let dec = d.check({ ...who, tool: "a", time: (t += 6500) });
    for (let i = 0; i < 8; i++) dec = d.check({ ...who, tool: i % 2 ? "a" : "b", time: (t += 6500) });
    expect(dec.windowCount).toBeGreaterThanOrEqual(9);
    expect(dec.signals.rateSpike).toBe(0);
  });
});

describe("rare tool", () => {
  it("fires for a known tool that is a tiny share of calls, and never for an unseen tool", () => {
    const d = detector(SMALL);
    // "export" is used once, early, among 200 calls of "read"
    const { last } = establish(d, { ...who, tools: ["read"], calls: 1, spacingMs: 3 * MIN });
    d.check({ ...who, tool: "export", time: last + 3 * MIN });
    const r = establish(d, { ...who, tools: ["read"], calls: 200, start: last + 6 * MIN, spacingMs: 3 * MIN });
    const rare = d.check({ ...who, tool: "export", time: r.last + MIN });
    expect(rare.signals.unseenTool).toBe(0);
    expect(rare.signals.rareTool).toBeGreaterThan(0.4);
    expect(reason(rare, "RARE_TOOL")?.context).toBe(202);
    const common = d.check({ ...who, tool: "read", time: r.last + 2 * MIN });
    expect(common.signals.rareTool).toBe(0);
    const unseen = d.check({ ...who, tool: "never", time: r.last + 3 * MIN });
    expect(unseen.signals.unseenTool).toBe(1);
    expect(unseen.signals.rareTool).toBe(0);
  });
});

describe("off-hours (fixed UTC window)", () => {
  const at = (h: number) => Date.UTC(2024, 0, 8, h, 30);
  const offAt = (cfg: { offHoursStart: number; offHoursEnd: number }) => {
    const d = detector({ ...SMALL, ...cfg });
    return Array.from(
      { length: 24 },
      (_, h) => d.check({ ...who, principal: `p${h}`, tool: "t", time: at(h) }).signals.offHours > 0,
    );
  };
  it("wraps past midnight: 22..6 is 22h-05h", () => {
    const off = offAt({ offHoursStart: 22, offHoursEnd: 6 });
    expect(off.map((o, h) => (o ? h : -1)).filter((h) => h >= 0)).toEqual([0, 1, 2, 3, 4, 5, 22, 23]);
  });
  it("a daytime window 9..17 is 9h-16h", () => {
    const off = offAt({ offHoursStart: 9, offHoursEnd: 17 });
    expect(off.map((o, h) => (o ? h : -1)).filter((h) => h >= 0)).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
  });
  it("start == end means never", () => {
    expect(offAt({ offHoursStart: 5, offHoursEnd: 5 }).some(Boolean)).toBe(false);
  });
  it("ignores the tenant time zone (it is a UTC window)", () => {
    const d = detector({ ...SMALL, timeZone: "Asia/Tokyo" });
    expect(d.check({ ...who, tool: "t", time: at(23) }).signals.offHours).toBe(1);
    expect(d.check({ ...who, principal: "b", tool: "t", time: at(12) }).signals.offHours).toBe(0);
  });
});

describe("unusual hour (learned hour-of-week profile, tenant time zone)", () => {
  // Two weeks of office hours in New York: 09:00-17:00 local on weekdays (14:00-22:00 UTC in January).
  function office(tz: Record<string, string> | undefined) {
    const d = detector({ ...SMALL, offHoursStart: 0, offHoursEnd: 0, ...(tz ? { timeZones: tz } : {}) });
    let last = 0;
    for (let day = 0; day < 12; day++) {
      const date = new Date(Date.UTC(2024, 0, 8 + day));
      const dow = date.getUTCDay();
      if (dow === 0 || dow === 6) continue;
      for (let k = 0; k < 16; k++) {
        last = date.getTime() + 14 * HOUR + k * 30 * MIN;
        const dec = d.check({ ...who, tool: "work", time: last });
        if (!dec.learned) throw new Error(`office call not learned: ${JSON.stringify(dec.reasons)}`);
      }
    }
    return { d, last };
  }

  it("fires at 03:00 New York time and not at 10:00", () => {
    const { d } = office({ acme: "America/New_York" });
    const monday = Date.UTC(2024, 0, 22);
    const night = d.check({ ...who, tool: "work", time: monday + 8 * HOUR }); // 03:00 in New York
    expect(night.signals.unusualHour).toBeGreaterThan(0.9);
    expect(reason(night, "UNUSUAL_HOUR")?.context).toBe(3); // Monday 03h local
    const normal = d.check({ ...who, tool: "work", time: monday + 15 * HOUR }); // 10:00 in New York
    expect(normal.signals.unusualHour).toBe(0);
  });

  it("uses the tenant's zone: the same UTC instant is ordinary in the zone the profile was learned in", () => {
    // learned in UTC: 14h-22h UTC is ordinary; with no zone configured, 15:00 UTC is ordinary too
    const { d } = office(undefined);
    const monday = Date.UTC(2024, 0, 22);
    expect(reason(d.check({ ...who, tool: "work", time: monday + 8 * HOUR }), "UNUSUAL_HOUR")?.context).toBe(8);
    expect(d.check({ ...who, tool: "work", time: monday + 15 * HOUR }).signals.unusualHour).toBe(0);
  });

  it("stays 0 until the profile has hourMinCalls calls", () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["work"], calls: 40 });
    expect(d.check({ ...who, tool: "work", time: last + 14 * HOUR }).signals.unusualHour).toBe(0);
  });
});

describe("unseen transition", () => {
  it("scores half for a never-seen A -> B; the first tool of a session is not scored", () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["login", "list", "read"], calls: 42 }); // ends on read
    let t = last + MIN;
    expect(d.check({ ...who, tool: "login", time: t }).signals.unseenTransition).toBe(0); // read -> login known
    const jump = d.check({ ...who, tool: "read", time: (t += MIN) }); // login -> read never seen
    expect(jump.signals.unseenTransition).toBe(0.5);
    expect(jump.action).toBe("allow");
    expect(reason(jump, "UNSEEN_TRANSITION")?.context).toBe(15); // uses of login, the previous tool
    // after a long gap a new session starts; the routine always started with login, but where a session
    // begins is the user's choice of task
    t += 3 * HOUR;
    expect(d.check({ ...who, tool: "read", time: t }).signals.unseenTransition).toBe(0);
    expect(d.check({ ...who, tool: "login", time: t + 5 * HOUR }).signals.unseenTransition).toBe(0);
  });
});

describe("runs of unusual steps", () => {
  // a routine a -> b -> c -> d -> e -> a ...; every other order is unseen
  const routine = () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["a", "b", "c", "d", "e"], calls: 100 }); // ends on e
    return { d, t: last + MIN };
  };
  const step = (d: ReturnType<typeof detector>, tool: string, time: number) => d.check({ ...who, tool, time });

  it("four unusual steps in a row warn on their own; each alone stays under warn", () => {
    const { d, t } = routine();
    expect(step(d, "a", t).signals.unseenTransition).toBe(0); // e -> a: the routine
    const plan = ["c", "e", "b", "d"].map((tool, i) => step(d, tool, t + (i + 1) * 10_000));
    expect(plan.slice(0, 3).map((x) => x.action)).toEqual(["allow", "allow", "allow"]);
    expect(plan.slice(0, 3).map((x) => reason(x, "UNSEEN_TRANSITION")?.actual)).toEqual([1, 2, 3]);
    const fourth = plan[3]!;
    expect(fourth.action).toBe("warn");
    expect(reason(fourth, "UNSEEN_TRANSITION")?.actual).toBe(4);
    expect(fourth.signals.unseenTransition).toBeCloseTo(0.875, 12);
  });

  it("a usual step or a session gap ends the run; a repeated tool is a step like any other", () => {
    const { d, t } = routine();
    step(d, "a", t);
    step(d, "c", t + 10_000); // unusual 1
    step(d, "e", t + 20_000); // unusual 2
    expect(step(d, "a", t + 30_000).signals.unseenTransition).toBe(0); // e -> a: usual, run over
    expect(reason(step(d, "d", t + 40_000), "UNSEEN_TRANSITION")?.actual).toBe(1);
    expect(reason(step(d, "b", t + 50_000), "UNSEEN_TRANSITION")?.actual).toBe(2);
    // b -> b: the routine never calls b twice in a row, so inside a run the repeat extends it
    expect(reason(step(d, "b", t + 60_000), "UNSEEN_TRANSITION")?.actual).toBe(3);
    const usual = step(d, "c", t + 70_000); // b -> c: the routine, run over
    expect(usual.signals.unseenTransition).toBe(0);
    expect(reason(step(d, "a", t + 80_000), "UNSEEN_TRANSITION")?.actual).toBe(1);
    // after a gap longer than the session gap the next step starts a new session and a new run
    const later = step(d, "e", t + 80_000 + 2 * HOUR);
    expect(later.signals.unseenTransition).toBe(0); // a session's first tool is not scored
    expect(reason(step(d, "c", t + 80_000 + 2 * HOUR + 10_000), "UNSEEN_TRANSITION")?.actual).toBe(1);
  });

  it("habitual paging is usual; a loop of one tool never alarms as order (that is rate), inside a run it counts", () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["search", "page", "page", "page", "open"], calls: 100 });
    let t = last + MIN; // ends on open
    const paging = ["search", "page", "page", "page", "page", "page", "page"].map((tool) =>
      step(d, tool, (t += 10_000)),
    );
    expect(paging.every((x) => x.signals.unseenTransition === 0)).toBe(true); // more pages than usual: still usual
    expect(step(d, "open", (t += 10_000)).signals.unseenTransition).toBe(0);
    // open -> open never seen: scored alone the first time; learned then, but rare, so each repeat is an
    // unusual step, yet a run of one tool alone stays under warn (a retry loop or a burst is rate)
    const loop = [1, 2, 3, 4, 5].map(() => step(d, "open", (t += 10_000)));
    expect(reason(loop[0]!, "UNSEEN_TRANSITION")?.actual).toBe(1);
    expect(loop.map((x) => x.action)).toEqual(["allow", "allow", "allow", "allow", "allow"]);
    expect(loop[4]!.signals.unseenTransition).toBe(0);
    // a run that has left the routine's paths: the repeats inside it count
    const t2 = t + 2 * HOUR;
    step(d, "page", t2);
    expect(reason(step(d, "search", t2 + 10_000), "UNSEEN_TRANSITION")?.actual).toBe(1); // page -> search
    expect(reason(step(d, "search", t2 + 20_000), "UNSEEN_TRANSITION")?.actual).toBe(2); // search -> search
    step(d, "search", t2 + 30_000); // 3 (seen once now, still rare)
    const fourth = step(d, "search", t2 + 40_000);
    expect(reason(fourth, "UNSEEN_TRANSITION")?.actual).toBe(4);
    expect(fourth.action).toBe("warn");
  });

  // vetted sessions with tools the routine does not have (learn(): no warning for the new tool)
  const teach = (d: ReturnType<typeof detector>, tools: string[], start: number) =>
    tools.forEach((tool, i) => {
      d.learn({ ...who, tool, time: start + i * MIN });
    });

  it("a step into a tool reached only when starting over counts, though its lift is near 1", () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["a", "b", "c", "d"], calls: 84 }); // 21 uses each
    // x begins sessions of its own (x -> b), and once followed a: a -> x is seen, and x's share is as
    // low after a as anywhere (lift about 1), but a goes to x far less often than a random pick would
    let day = last + 20 * HOUR;
    for (let i = 0; i < 6; i++, day += 2 * HOUR) teach(d, ["x", "b"], day);
    teach(d, ["a", "x", "b"], day);
    let t = day + 3 * HOUR;
    step(d, "a", t);
    const rare = step(d, "x", (t += 10_000)); // a -> x: seen once, rare (unusual 1, not scored alone)
    expect(rare.signals.unseenTransition).toBe(0);
    expect(reason(step(d, "d", (t += 10_000)), "UNSEEN_TRANSITION")?.actual).toBe(2); // x -> d
    expect(reason(step(d, "b", (t += 10_000)), "UNSEEN_TRANSITION")?.actual).toBe(3); // d -> b
    const fourth = step(d, "d", (t += 10_000)); // b -> d
    expect(reason(fourth, "UNSEEN_TRANSITION")?.actual).toBe(4);
    expect(fourth.action).toBe("warn");
  });

  it("chance is judged among the tools the principal really uses: one-off tools do not dilute it", () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["a", "b", "c", "d"], calls: 100 }); // 25 uses each
    let day = last + 20 * HOUR;
    for (let i = 0; i < 8; i++, day += 2 * HOUR) teach(d, ["x", "b"], day); // x begins sessions of its own
    for (let i = 0; i < 2; i++, day += 2 * HOUR) teach(d, ["a", "x", "b"], day); // a -> x: 2 of a's 27 uses
    for (let i = 0; i < 6; i++, day += 2 * HOUR) teach(d, [`once${i}`], day); // six tools used once each
    // 11 tools known, but about 5 in real use: a -> x (7% of a's steps) is under half of 1/5, though not
    // under half of 1/11, and its lift is about 1
    let t = day + 3 * HOUR;
    step(d, "a", t);
    expect(step(d, "x", (t += 10_000)).signals.unseenTransition).toBe(0); // rare, seen: unusual 1
    step(d, "d", (t += 10_000)); // x -> d: 2
    step(d, "b", (t += 10_000)); // d -> b: 3
    const fourth = step(d, "d", (t += 10_000)); // b -> d: 4
    expect(reason(fourth, "UNSEEN_TRANSITION")?.actual).toBe(4);
    expect(fourth.action).toBe("warn");
  });

  it("what follows a tool with under five uses is not judged in a run", () => {
    const d = detector(SMALL);
    const { last } = establish(d, { ...who, tools: ["a", "b", "c", "d"], calls: 84 });
    teach(d, ["a", "y", "b"], last + 20 * HOUR); // y: one use
    let t = last + 23 * HOUR;
    step(d, "a", t);
    step(d, "c", (t += 10_000)); // a -> c: unusual 1
    step(d, "a", (t += 10_000)); // c -> a: unusual 2
    const y = step(d, "y", (t += 10_000)); // a -> y: seen once in a's 23 uses, rare: unusual 3
    expect(reason(y, "UNSEEN_TRANSITION")).toBeUndefined(); // seen, and a run of 3: nothing to score
    const after = step(d, "d", (t += 10_000)); // y -> d never seen, but y has one use
    // scored alone: half at most, less after the unusual steps this principal has just been taught
    expect(after.signals.unseenTransition).toBeGreaterThan(0);
    expect(after.signals.unseenTransition).toBeLessThan(0.5);
    expect(reason(after, "UNSEEN_TRANSITION")?.actual).toBe(0);
    expect(reason(after, "UNSEEN_TRANSITION")?.context).toBe(2); // y: taught once, and the call above
    expect(after.action).toBe("allow");
  });

  it("a warned step is still the step the next one follows", () => {
    const { d, t } = routine();
    step(d, "a", t);
    const warned = d.check({ ...who, tool: "wipe", time: t + 10_000 }); // never-seen tool: warned, not learned
    expect(warned.action).not.toBe("allow");
    expect(warned.learned).toBe(false);
    // wipe -> b is judged as such (unseen), not as a -> b (the routine)
    expect(step(d, "b", t + 20_000).signals.unseenTransition).toBe(0.5);
  });
});

describe("signal modes and weights", () => {
  it("shadow: computed and reported, not counted; off: not computed", () => {
    const run = (unseenTool: object) => {
      const d = detector({ ...SMALL, signals: { unseenTool } });
      const { last } = establish(d, { ...who, tools: ["a"] });
      return d.check({ ...who, tool: "new_tool", time: last + MIN });
    };
    const shadow = run({ mode: "shadow" });
    expect(shadow.signals.unseenTool).toBe(1);
    expect(reason(shadow, "UNSEEN_TOOL")?.counted).toBe(false);
    expect(shadow.risk).toBe(0);
    expect(shadow.action).toBe("allow");
    const off = run({ mode: "off" });
    expect(off.signals.unseenTool).toBe(0);
    expect(codes(off)).not.toContain("UNSEEN_TOOL");
    const light = run({ weight: 0.2 });
    expect(light.risk).toBeCloseTo(0.2);
    expect(reason(light, "UNSEEN_TOOL")?.weight).toBe(0.2);
    expect(run({}).risk).toBeCloseTo(0.6);
  });
});

describe("explanations", () => {
  it("give the actual and typical figures in words", () => {
    const d = detector(SMALL);
    let dec = d.check({ ...who, tool: "ping", time: MONDAY_10 });
    for (let i = 1; i < 20; i++) dec = d.check({ ...who, tool: "ping", time: MONDAY_10 + i * SEC });
    expect(reason(dec, "BURST")?.message).toBe("20 calls in 60 s, threshold 20");
    const { last } = establish(d, { ...who, principal: "bob", tools: ["read", "send"] });
    const unseen = d.check({ ...who, principal: "bob", tool: "wipe", time: last + MIN });
    expect(reason(unseen, "UNSEEN_TOOL")?.message).toBe(
      "tool never used by this principal (2 tools known over 40 calls)",
    );
  });
});
