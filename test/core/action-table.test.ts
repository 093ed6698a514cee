// The default-config action table: what each situation must at least lead to, with no tuning.
import { describe, it, expect } from "vitest";
import { detector, establish, codes, atLeast, MONDAY_10, MIN, SEC, HOUR, type Detector } from "./helpers.js";

const TOOLS = ["search_docs", "read_file", "send_email"];
const recipients = ["bob@corp.example", "carol@corp.example"];
const args = (tool: string, i: number): Record<string, unknown> =>
  tool === "send_email"
    ? { to: recipients[i % 2], subject: `report ${i}`, body: `text number ${i}` }
    : tool === "search_docs"
      ? { query: `query ${i}` }
      : { path: `/docs/file${i}.md` };

function alice(at = MONDAY_10): { d: Detector; last: number; next: number } {
  const d = detector();
  const r = establish(d, { tenant: "acme", principal: "alice", tools: TOOLS, args, start: at, calls: 44 });
  return { d, ...r };
}
const call = (tool: string, time: number, a: Record<string, unknown> = {}) => ({
  tenant: "acme",
  principal: "alice",
  tool,
  args: a,
  time,
});

describe.each([
  ["daytime (Monday 10:00 UTC)", MONDAY_10],
  ["night (Monday 23:00 UTC)", MONDAY_10 + 13 * HOUR - 3 * HOUR],
])("default config, %s", (_label, start) => {
  it("an established user's routine call is allowed", () => {
    const { d, last, next } = alice(start);
    const tool = TOOLS[next]!;
    const dec = d.check(call(tool, last + 3 * MIN, args(tool, 44)));
    expect(dec.learning.baseline).toBe("own");
    expect(dec.action, JSON.stringify(dec.reasons)).toBe("allow");
  });

  it("a never-seen tool is at least warned", () => {
    const { d, last } = alice(start);
    const dec = d.check(call("delete_repository", last + 3 * MIN, { name: "x" }));
    expect(codes(dec)).toContain("UNSEEN_TOOL");
    expect(atLeast(dec, "warn"), JSON.stringify(dec.reasons)).toBe(true);
  });

  it("a never-seen tool inside a burst is blocked", () => {
    const { d, last } = alice(start);
    let t = last + 3 * MIN;
    for (let i = 0; i < 19; i++) d.check(call("search_docs", t + i * SEC, { query: `q${i}` }));
    t += 19 * SEC;
    const dec = d.check(call("delete_repository", t, { name: "x" }));
    expect(codes(dec)).toEqual(expect.arrayContaining(["UNSEEN_TOOL", "BURST"]));
    expect(dec.action, JSON.stringify(dec.reasons)).toBe("block");
  });

  it("a burst of known calls is at least warned", () => {
    const { d, last } = alice(start);
    const t = last + 3 * MIN;
    let dec = d.check(call("search_docs", t, { query: "q" }));
    for (let i = 1; i < 25; i++) dec = d.check(call("search_docs", t + i * SEC, { query: `q${i}` }));
    expect(codes(dec)).toContain("BURST");
    expect(atLeast(dec, "warn"), JSON.stringify(dec.reasons)).toBe(true);
  });

  it("a known tool with a never-seen recipient is at least warned", () => {
    const { d, last } = alice(start);
    // the routine ends on read_file, so send_email next is a known transition
    const dec = d.check(call("send_email", last + 3 * MIN, { to: "mallory@evil.example", subject: "s", body: "b" }));
    expect(codes(dec)).toContain("UNSEEN_ARG_VALUE");
    expect(codes(dec)).not.toContain("UNSEEN_TRANSITION");
    expect(dec.reasons.find((r) => r.code === "UNSEEN_ARG_VALUE")?.key).toBe("to");
    expect(atLeast(dec, "warn"), JSON.stringify(dec.reasons)).toBe(true);
  });
});
