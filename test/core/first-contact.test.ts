// What a call looks like to its principal and to its tenant: first contacts, habits that must not be
// learned in an afternoon, dates, principals with more tools than a record holds, a deployment that
// must settle, and people joining a team.
import { describe, it, expect } from "vitest";
import { detector, establish, codes, reason, MONDAY_10, MIN, HOUR, DAY } from "./helpers.js";

const SMALL = { budgetBytes: 1 << 20 };
const IBAN_KNOWN = "GB29NWBK60161331926819";
const IBAN_NEW = "US133000000121212121212"; // shaped like an IBAN; its check digits do not hold

describe("first contact: an address or account nobody in the tenant used", () => {
  it("judges a never-seen account on a payment key with too few calls to have statistics", () => {
    const d = detector(SMALL);
    // alice checks balances every day and has paid once, to the team's usual supplier
    establish(d, { tenant: "bank", principal: "alice", tools: ["balance", "history"], calls: 40 });
    let t = MONDAY_10 + 2 * HOUR;
    expect(
      d.check({ tenant: "bank", principal: "alice", tool: "pay", args: { recipient: IBAN_KNOWN, amount: 10 }, time: t })
        .action,
    ).not.toBe("block");
    d.learn({ tenant: "bank", principal: "alice", tool: "pay", args: { recipient: IBAN_KNOWN, amount: 10 }, time: t });
    t += 10 * MIN;
    const known = d.check({
      tenant: "bank",
      principal: "alice",
      tool: "pay",
      args: { recipient: IBAN_KNOWN, amount: 12 },
      time: t,
    });
    expect(known.action).toBe("allow");
    const fresh = d.check({
      tenant: "bank",
      principal: "alice",
      tool: "pay",
      args: { recipient: `${IBAN_NEW.slice(0, 4)} ${IBAN_NEW.slice(4)}`, amount: 10 },
      time: t + MIN,
    });
    expect(codes(fresh)).toContain("UNSEEN_ARG_VALUE");
    expect(reason(fresh, "UNSEEN_ARG_VALUE")!.message).toMatch(/first contact/);
    expect(fresh.action).toBe("warn");
  });

  it("judges a first e-mail to an address nobody used even where the tenant's key statistics are gone", () => {
    const d = detector(SMALL);
    // bob mails a friend at a free-mail domain, then works with twelve tools: the tenant's few value-key
    // slots keep the busy keys and lose the mail key's statistics
    let t = MONDAY_10;
    for (let i = 0; i < 3; i++, t += 3 * MIN)
      d.check({ tenant: "acme", principal: "bob", tool: "send_email", args: { to: "friend@gmail.example" }, time: t });
    const tools = Array.from({ length: 12 }, (_, i) => `tool${i}`);
    establish(d, {
      tenant: "acme",
      principal: "bob",
      tools,
      calls: 120,
      start: t,
      args: (tool) => ({ q: `${tool}-v` }),
    });
    const r = establish(d, {
      tenant: "acme",
      principal: "alice",
      tools: ["tool0", "tool1"],
      calls: 30,
      start: t + 5 * HOUR,
      args: (tool) => ({ q: `${tool}-v` }),
    });
    const stranger = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "send_email",
      args: { to: "mark.black@gmail.example" },
      time: r.last + MIN,
    });
    expect(reason(stranger, "UNSEEN_ARG_VALUE")?.message).toMatch(/first contact/);
    expect(stranger.action).toBe("warn");
    const colleaguesFriend = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "send_email",
      args: { to: "friend@gmail.example" },
      time: r.last + 2 * MIN,
    });
    expect(colleaguesFriend.action, JSON.stringify(colleaguesFriend.reasons)).toBe("allow"); // a tool the tenant knows, to a party the tenant knows
  });
});

describe("cheap poisoning: something new to the tenant needs two days before it is habit", () => {
  function alice() {
    const d = detector(SMALL);
    const r = establish(d, {
      tenant: "acme",
      principal: "alice",
      tools: ["search", "send_email"],
      calls: 60,
      args: (tool, i) => (tool === "search" ? { q: "x" } : { to: `c${i % 3}@acme.example`, project: "PRJ-1" }),
    });
    return { d, t: r.last + HOUR };
  }

  it("keeps warning on a drop address used in three clock hours of one day", () => {
    const { d, t } = alice();
    const send = (at: number) =>
      d.check({
        tenant: "acme",
        principal: "alice",
        tool: "send_email",
        args: { to: "mallory@evil.example", project: "PRJ-1" },
        time: at,
      });
    for (const at of [t, t + 30 * MIN, t + 61 * MIN, t + 2 * HOUR, t + 3 * HOUR]) expect(send(at).action).toBe("warn");
    const other = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "send_email",
      args: { to: "eve@evil.example", project: "PRJ-1" },
      time: t + 3 * HOUR + MIN,
    });
    expect(other.action).toBe("warn");
    // the next day it recurs again: now it has been seen on two days, and the operator was warned on each
    const day2 = send(t + DAY);
    expect(day2.learned).toBe(true);
    expect(send(t + DAY + HOUR).action).toBe("allow");
  });

  it("still lets a principal's ordinary new habit settle within the day", () => {
    const { d, t } = alice();
    const send = (at: number) =>
      d.check({
        tenant: "acme",
        principal: "alice",
        tool: "send_email",
        args: { to: "c1@acme.example", project: "PRJ-2" },
        time: at,
      });
    expect(send(t).action).toBe("warn");
    send(t + HOUR);
    send(t + 2 * HOUR);
    expect(send(t + 3 * HOUR).action).toBe("allow");
  });

  it("learns a new party at once when an operator says so", () => {
    const { d, t } = alice();
    d.learn({
      tenant: "acme",
      principal: "alice",
      tool: "send_email",
      args: { to: "partner@newco.example", project: "PRJ-1" },
      time: t,
    });
    expect(
      d.check({
        tenant: "acme",
        principal: "alice",
        tool: "send_email",
        args: { to: "partner@newco.example", project: "PRJ-1" },
        time: t + MIN,
      }).action,
    ).toBe("allow");
  });
});

describe("dates change every day", () => {
  it("does not judge today's date as a never-seen value of a repeating key", () => {
    const d = detector(SMALL);
    // each working day, a few calls with that day's date (ISO string) and Unix time (seconds)
    let last = 0;
    for (let day = 0; day < 10; day++) {
      const iso = new Date(MONDAY_10 + day * DAY).toISOString().slice(0, 10);
      for (let k = 0; k < 4; k++) {
        last = MONDAY_10 + day * DAY + k * 20 * MIN;
        d.check({
          tenant: "t",
          principal: "p",
          tool: "calendar_list",
          args: { date: iso, since: Math.floor((MONDAY_10 + day * DAY) / 1000), owner: "me@t.example" },
          time: last,
        });
      }
    }
    const next = MONDAY_10 + 10 * DAY;
    const dec = d.check({
      tenant: "t",
      principal: "p",
      tool: "calendar_list",
      args: { date: new Date(next).toISOString(), since: Math.floor(next / 1000), owner: "me@t.example" },
      time: next,
    });
    expect(codes(dec)).not.toContain("UNSEEN_ARG_VALUE");
    expect(dec.action).toBe("allow");
    // the other arguments are still judged
    const other = d.check({
      tenant: "t",
      principal: "p",
      tool: "calendar_list",
      args: { date: "2024-01-19", owner: "boss@elsewhere.example" },
      time: next + MIN,
    });
    expect(codes(other)).toContain("UNSEEN_ARG_VALUE");
  });
});

describe("more tools than a record holds", () => {
  it("does not call a principal's own evicted tools unseen, and still sees a tool it never used", () => {
    const d = detector({ ...SMALL, maxToolsPerEntity: 16 });
    const tools = Array.from({ length: 20 }, (_, i) => `t${i}`);
    // twenty tools in turn: the record's sixteen tool slots cannot hold them all
    let last = MONDAY_10;
    for (let i = 0; i < 400; i++) {
      last = MONDAY_10 + i * 5 * MIN;
      d.learn({ tenant: "t", principal: "busy", tool: tools[i % tools.length]!, time: last });
    }
    let flagged = 0;
    for (let i = 0; i < tools.length; i++) {
      const dec = d.check({
        tenant: "t",
        principal: "busy",
        tool: tools[(i * 7) % tools.length]!,
        time: last + (i + 1) * 5 * MIN,
      });
      if (codes(dec).includes("UNSEEN_TOOL")) flagged++;
    }
    expect(flagged).toBe(0);
    const never = d.check({ tenant: "t", principal: "busy", tool: "export_all", time: last + DAY });
    expect(codes(never)).toContain("UNSEEN_TOOL");
  });
});

describe("a deployment that judges newcomers from the first call", () => {
  it("settles with tenantMinCalls 0 and no tenant learning window", () => {
    const d = detector({ ...SMALL, tenantMinCalls: 0, tenantLearningWindowSeconds: 0 });
    let warned = 0;
    for (let i = 0; i < 300; i++) {
      const dec = d.check({
        tenant: "solo",
        principal: "p",
        tool: "status",
        args: { id: "svc-1" },
        time: MONDAY_10 + i * 10 * MIN,
      });
      if (dec.action !== "allow") warned++;
    }
    expect(warned).toBeLessThanOrEqual(1);
  });
});

describe("people joining a tenant", () => {
  function team() {
    const d = detector(SMALL);
    let last = 0;
    for (let p = 0; p < 5; p++) {
      const r = establish(d, {
        tenant: "acme",
        principal: `p${p}`,
        tools: ["search", "read_doc", "send_email", "create_ticket"],
        calls: 80,
        start: MONDAY_10 + p * 7 * MIN,
        spacingMs: 20 * MIN,
        args: (tool, i) =>
          tool === "send_email"
            ? { to: `c${(p + i) % 6}@acme.example` }
            : tool === "create_ticket"
              ? { project: `PRJ-${p}` }
              : { q: `w${i}` },
      });
      last = Math.max(last, r.last);
    }
    return { d, t: last + DAY };
  }

  it("does not warn a newcomer who works like the team, on projects of its own", () => {
    const { d, t } = team();
    let warned = 0;
    const tools = ["search", "read_doc", "create_ticket", "send_email"];
    for (let i = 0; i < 60; i++) {
      const tool = tools[(i * 3 + (i >> 2)) % tools.length]!;
      const args =
        tool === "send_email"
          ? { to: `c${i % 6}@acme.example` }
          : tool === "create_ticket"
            ? { project: `PRJ-${10 + (i % 3)}` }
            : { q: `n${i}` };
      const dec = d.check({ tenant: "acme", principal: "joiner", tool, args, time: t + i * 25 * MIN });
      if (dec.action !== "allow") warned++;
    }
    expect(warned).toBe(0);
  });

  it("still warns a new account that sends to a party nobody in the tenant knows", () => {
    const { d, t } = team();
    d.check({ tenant: "acme", principal: "intruder", tool: "search", args: { q: "payroll" }, time: t });
    const out = d.check({
      tenant: "acme",
      principal: "intruder",
      tool: "send_email",
      args: { to: "drop@exfil.example" },
      time: t + MIN,
    });
    expect(out.action).toBe("warn");
  });
});
