// New accounts and people joining a team: what tells an intruder's fresh account from a colleague's
// first days, and accounts that are not IBANs.
import { describe, it, expect } from "vitest";
import { detector, establish, reason, MONDAY_10, MIN, HOUR, DAY } from "./helpers.js";

const SMALL = { budgetBytes: 1 << 20 };
const TEAM_TOOLS = [
  "search",
  "read_doc",
  "send_email",
  "create_ticket",
  "list_files",
  "query_db",
  "post_message",
  "export_report",
];

// Five people, each with four of the team's eight tools, for a week before anyone joins (vouched for:
// the team's history, not what is under test).
function team() {
  const d = detector(SMALL);
  let t = MONDAY_10;
  for (let i = 0; i < 400; i++, t += 25 * MIN) {
    const p = i % 5;
    const tool = TEAM_TOOLS[(p + 2 * ((i >> 2) % 4)) % TEAM_TOOLS.length]!;
    const args = tool === "send_email" ? { to: `c${(p + i) % 6}@acme.example` } : { q: `w${i % 4}` };
    d.learn({ tenant: "acme", principal: `p${p}`, tool, args, time: t });
  }
  return { d, t: t + DAY };
}

describe("a new account nobody knows", () => {
  it("is warned when it tours the team's tools in its first minutes", () => {
    const { d, t } = team();
    const actions = TEAM_TOOLS.slice(0, 7).map(
      (tool, i) =>
        d.check({ tenant: "acme", principal: "intruder", tool, args: { q: `w${i % 4}` }, time: t + i * 30_000 }).action,
    );
    // five distinct tools of the team's are what a person starts with; the sixth and seventh are a tour
    expect(actions.slice(0, 5)).toEqual(["allow", "allow", "allow", "allow", "allow"]);
    expect(actions[5]).toBe("warn");
    expect(actions[6]).toBe("warn");
  });

  it("is not warned for a first session on a few of the team's tools, repeated", () => {
    const { d, t } = team();
    const mine = ["search", "read_doc", "send_email", "search"];
    for (let i = 0; i < 12; i++) {
      const tool = mine[i % mine.length]!;
      const args = tool === "send_email" ? { to: `c${i % 6}@acme.example` } : { q: `w${i % 4}` };
      expect(d.check({ tenant: "acme", principal: "newcomer", tool, args, time: t + i * 40_000 }).action).toBe("allow");
    }
  });
});

describe("people joining: the team's domains are known to them", () => {
  it("does not warn a joiner's first mail to a colleague at the team's domain, and still warns a stranger's", () => {
    const { d, t } = team();
    // the joiner works for a few hours with its own tools, then mails people it has not mailed before
    const r = establish(d, {
      tenant: "acme",
      principal: "joiner",
      tools: ["search", "read_doc"],
      calls: 12,
      start: t,
      spacingMs: 10 * MIN,
      args: (_, i) => ({ q: `w${i % 4}` }),
    });
    const colleague = d.check({
      tenant: "acme",
      principal: "joiner",
      tool: "send_email",
      args: { to: "new.colleague@acme.example" },
      time: r.last + HOUR,
    });
    expect(colleague.action).toBe("allow");
    const stranger = d.check({
      tenant: "acme",
      principal: "joiner",
      tool: "send_email",
      args: { to: "drop@exfil.example" },
      time: r.last + HOUR + MIN,
    });
    expect(stranger.action).toBe("warn");
    expect(reason(stranger, "UNSEEN_ARG_VALUE")!.message).toMatch(/first contact/);
  });
});

describe("people joining: their own paths are few in their first days", () => {
  // a principal's habit: a fixed round of four tools; then a detour read_doc -> create_ticket ->
  // create_ticket -> read_doc -> read_doc, four steps its habit never takes (nor its tenant's, which runs
  // the other way)
  const round = ["search", "create_ticket", "send_email", "read_doc"];
  function detour(d: ReturnType<typeof detector>, who: string, start: number): string[] {
    const r = establish(d, {
      tenant: "acme",
      principal: who,
      tools: round,
      calls: 60,
      start,
      spacingMs: 3 * MIN,
      args: (tool, i) => (tool === "send_email" ? { to: `c${i % 6}@acme.example` } : { q: `w${i % 4}` }),
    });
    const out: string[] = [];
    ["create_ticket", "create_ticket", "read_doc", "read_doc"].forEach((tool, i) => {
      out.push(
        d.check({ tenant: "acme", principal: who, tool, args: { q: `w${i % 4}` }, time: r.last + (i + 1) * MIN })
          .action,
      );
    });
    return out;
  }

  function tenant() {
    const d = detector(SMALL);
    for (let p = 0; p < 3; p++) {
      establish(d, {
        tenant: "acme",
        principal: `p${p}`,
        tools: [...round].reverse(),
        calls: 80,
        start: MONDAY_10 + p * 7 * MIN,
        spacingMs: 20 * MIN,
        args: (tool, i) => (tool === "send_email" ? { to: `c${i % 6}@acme.example` } : { q: `w${i % 4}` }),
      });
    }
    return d;
  }

  it("does not warn a joiner's run of four unusual steps, and warns an established principal's", () => {
    // one who started with the team, and one who joins it a week later (each in a tenant of its own)
    expect(detour(tenant(), "old", MONDAY_10 + 30 * MIN).at(-1)).toBe("warn");
    expect(detour(tenant(), "joiner", MONDAY_10 + 7 * DAY)).toEqual(["allow", "allow", "allow", "allow"]);
  });
});

describe("accounts of other shapes than an IBAN", () => {
  function payer() {
    const d = detector(SMALL);
    const r = establish(d, { tenant: "bank", principal: "alice", tools: ["balance", "history"], calls: 40 });
    const t = r.last + HOUR;
    d.learn({
      tenant: "bank",
      principal: "alice",
      tool: "pay",
      args: { account: "ACCT-ACME-1001", amount: 10 },
      time: t,
    });
    return { d, t: t + 10 * MIN };
  }

  it("judges a capitalised account number nobody in the tenant paid as a first contact", () => {
    const { d, t } = payer();
    const out = d.check({
      tenant: "bank",
      principal: "alice",
      tool: "pay",
      args: { account: "VND-EXT-48213", amount: 10 },
      time: t,
    });
    expect(out.action).toBe("warn");
    expect(reason(out, "UNSEEN_ARG_VALUE")!.message).toMatch(/first contact/);
  });

  it("does not warn alone for a new account at an issuer already paid, nor for short codes", () => {
    const { d, t } = payer();
    expect(
      d.check({
        tenant: "bank",
        principal: "alice",
        tool: "pay",
        args: { account: "ACCT-ACME-1002", amount: 10 },
        time: t,
      }).action,
    ).toBe("allow");
    expect(
      d.check({
        tenant: "bank",
        principal: "alice",
        tool: "pay",
        args: { account: "PRJ-23", amount: 10 },
        time: t + MIN,
      }).action,
    ).toBe("allow");
  });
});
