// A compromised account cannot cheaply flush its own baseline before acting: calls that are allowed
// but carry new keys, shapes or tools must not push established statistics out of the per-record caps.
import { describe, it, expect } from "vitest";
import { detector, establish, codes, atLeast, MIN } from "./helpers.js";

const rcpt = ["bob@corp.example", "carol@corp.example"];
const args = (tool: string, i: number): Record<string, unknown> =>
  tool === "send_email" ? { to: rcpt[i % 2], body: `b${i}` } : { query: `q${i}` };

describe("flushing the baseline with allowed junk", () => {
  it("junk argument keys do not erase what the recipient key has learned", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    const r = establish(d, {
      tenant: "acme",
      principal: "alice",
      tools: ["search_docs", "search_docs", "send_email"],
      args,
      calls: 60,
    });
    let t = r.last;
    // 30 searches, each with a never-seen extra key: an unseen shape alone is allowed and learned
    for (let i = 0; i < 30; i++) {
      const dec = d.check({
        tenant: "acme",
        principal: "alice",
        tool: "search_docs",
        args: { query: "x", [`junk_${i}`]: i },
        time: (t += 3 * MIN),
      });
      expect(dec.action).toBe("allow");
    }
    const evil = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "send_email",
      args: { to: "mallory@evil.example", body: "x" },
      time: (t += 3 * MIN),
    });
    expect(codes(evil)).toContain("UNSEEN_ARG_VALUE");
    expect(atLeast(evil, "warn"), JSON.stringify(evil.reasons)).toBe(true);
  });

  it("junk shapes do not erase the routine shapes", () => {
    const d = detector({ budgetBytes: 1 << 20 });
    const r = establish(d, {
      tenant: "acme",
      principal: "alice",
      tools: ["search_docs", "search_docs", "send_email"],
      args,
      calls: 60,
    });
    let t = r.last;
    for (let i = 0; i < 30; i++) {
      const dec = d.check({
        tenant: "acme",
        principal: "alice",
        tool: "search_docs",
        args: { query: "x", [`k${i}`]: "x" },
        time: (t += 3 * MIN),
      });
      expect(dec.action).toBe("allow");
    }
    const routine = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "send_email",
      args: { to: "bob@corp.example", body: "hi" },
      time: (t += 3 * MIN),
    });
    expect(routine.signals.unseenArgShape).toBe(0);
  });
});
