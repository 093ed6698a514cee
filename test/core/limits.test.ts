// Values past the encoding limits (an array's elements after its first 16, or after 4 096 others) and
// values inside nested objects are judged: hosts pass them as extra entries within a fixed budget and
// summarise what they could not pass; the core judges the addresses among them and flags the rest.
import { describe, it, expect } from "vitest";
import { detector, establish, codes, reason, MIN } from "./helpers.js";
import type { Detector } from "../../js/runtime/node/index.js";

const who = { tenant: "acme", principal: "alice" };
const TEAM = ["bob@corp.example", "carol@corp.example", "dave@corp.example"];

function mailer(args: (i: number) => Record<string, unknown>): { d: Detector; t: number } {
  const d = detector({ budgetBytes: 1 << 20, habitHours: 0 });
  const r = establish(d, { ...who, tools: ["send_email"], calls: 40, args: (_t, i) => args(i) });
  return { d, t: r.last };
}

describe("values past the limits", () => {
  it("a never-seen recipient 17th in an array is judged", () => {
    const { d, t } = mailer((i) => ({ to: [TEAM[i % 3]] }));
    const to = [...Array.from({ length: 16 }, (_, i) => TEAM[i % 3]), "mallory@evil.example"];
    const dec = d.check({ ...who, tool: "send_email", args: { to }, time: t + 3 * MIN });
    expect(codes(dec)).toContain("UNSEEN_ARG_VALUE");
    expect(reason(dec, "UNSEEN_ARG_VALUE")!.score).toBe(1);
    expect(reason(dec, "UNSEEN_ARG_VALUE")!.key).toBe("to");
    expect(dec.action).not.toBe("allow");
    // the same 17 known recipients are fine
    const ok = d.check({ ...who, tool: "send_email", args: { to: [...to.slice(0, 16), TEAM[0]] }, time: t + 6 * MIN });
    expect(ok.signals.unseenArgValue).toBe(0);
  });

  it("a recipient after 4 096 other elements is not looked at, and that is flagged where the key's values repeat", () => {
    const { d, t } = mailer((i) => ({ to: [TEAM[i % 3]] }));
    const to = [...Array.from({ length: 4096 }, () => null), "mallory@evil.example"];
    const dec = d.check({ ...who, tool: "send_email", args: { to }, time: t + 3 * MIN });
    const r = reason(dec, "UNSEEN_ARG_VALUE")!;
    expect(r).toBeDefined();
    expect(r.key).toBe("to");
    expect(r.message).toMatch(/past the encoding limits were not looked at/);
    expect(dec.action).not.toBe("allow");
    expect(reason(dec, "VALUES_UNJUDGED")!.actual).toBe(1);
    // padding the array with known recipients past the extra budget: the same
    const padded = [...Array.from({ length: 300 }, (_, i) => TEAM[i % 3]), "mallory@evil.example"];
    const dec2 = d.check({ ...who, tool: "send_email", args: { to: padded }, time: t + 6 * MIN });
    expect(dec2.action).not.toBe("allow");
    expect(reason(dec2, "VALUES_UNJUDGED")!.actual).toBeGreaterThan(200);
  });

  it("an address inside a nested object is judged under its path", () => {
    const { d, t } = mailer((i) => ({ message: { to: TEAM[i % 3], subject: `report ${i}` } }));
    const dec = d.check({
      ...who,
      tool: "send_email",
      args: { message: { to: "mallory@evil.example", subject: "report 1" } },
      time: t + 3 * MIN,
    });
    expect(reason(dec, "UNSEEN_ARG_VALUE")?.key).toBe("message.to");
    expect(reason(dec, "UNSEEN_ARG_VALUE")!.score).toBe(1);
    expect(dec.action).not.toBe("allow");
    const ok = d.check({
      ...who,
      tool: "send_email",
      args: { message: { to: TEAM[1], subject: "a new subject" } },
      time: t + 6 * MIN,
    });
    expect(ok.signals.unseenArgValue).toBe(0);
  });

  it("at any depth, through arrays of objects", () => {
    const { d, t } = mailer((i) => ({ batch: [{ envelope: { rcpt: [TEAM[i % 3]] }, body: `b${i}` }] }));
    const dec = d.check({
      ...who,
      tool: "send_email",
      args: { batch: [{ envelope: { rcpt: [TEAM[0], "x@evil.example"] }, body: "b" }] },
      time: t + 3 * MIN,
    });
    expect(reason(dec, "UNSEEN_ARG_VALUE")?.key).toBe("batch.envelope.rcpt");
    expect(dec.action).not.toBe("allow");
  });
});
