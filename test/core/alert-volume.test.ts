// What keeps alerts readable in a busy organisation: novelty is judged against how often this principal
// meets novelty of the same kind, while the attacks that look like novelty still warn.
import { describe, it, expect } from "vitest";
import { detector, establish, reason, MONDAY_10, MIN, HOUR, DAY } from "./helpers.js";

const SMALL = { budgetBytes: 1 << 20 };

// A deterministic stream of picks (xorshift), so the "random" order is the same in every run.
function picker(seed: number) {
  let x = seed;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

describe("runs of unusual steps, for a principal without fixed paths", () => {
  it("its own work in any order is rarely warned; a routine principal's detour of four steps still is", () => {
    const d = detector(SMALL);
    const tools = Array.from({ length: 9 }, (_, i) => `tool${i}`);
    const pick = picker(7);
    // working days of 40 calls, three minutes apart, tools in no fixed order: far more pairs than a
    // record's transition set holds, so unseen steps come all the time
    let warned = 0;
    let calls = 0;
    for (let day = 0; day < 15; day++) {
      for (let i = 0; i < 40; i++) {
        const dec = d.check({
          tenant: "acme",
          principal: "rover",
          tool: tools[pick(tools.length)]!,
          time: MONDAY_10 + day * DAY + i * 3 * MIN,
        });
        if (day >= 5) {
          calls++;
          if (dec.action !== "allow") warned++;
        }
      }
    }
    // fixed runs of four would warn on several per cent of these calls
    expect(warned / calls).toBeLessThan(0.01);

    // a principal with a routine: the same kind of detour (four unseen steps) warns
    const r = establish(d, { tenant: "acme", principal: "clerk", tools: ["a", "b", "c", "d", "e"], calls: 100 });
    const t = r.last + MIN;
    d.check({ tenant: "acme", principal: "clerk", tool: "a", time: t });
    const plan = ["c", "e", "b", "d"].map((tool, i) =>
      d.check({ tenant: "acme", principal: "clerk", tool, time: t + (i + 1) * 10_000 }),
    );
    expect(plan[3]!.action).toBe("warn");
  });
});

describe("tools new to the principal, one after another", () => {
  function team() {
    const d = detector(SMALL);
    // bob uses eight tools; alice, on the same team, four of them
    const bob = establish(d, {
      tenant: "acme",
      principal: "bob",
      tools: ["a", "b", "c", "d", "e", "f", "g", "h"],
      calls: 160,
      spacingMs: MIN,
    });
    const alice = establish(d, {
      tenant: "acme",
      principal: "alice",
      tools: ["a", "b", "c", "d"],
      calls: 80,
      start: bob.last + MIN,
      spacingMs: MIN,
    });
    return { d, t: alice.last + MIN };
  }

  it("one colleague's tool alone stays under warn; a second new tool in the same session warns", () => {
    const { d, t } = team();
    const first = d.check({ tenant: "acme", principal: "alice", tool: "e", time: t });
    expect(first.action).toBe("allow");
    expect(reason(first, "UNSEEN_TOOL")?.message).toMatch(/used elsewhere in its tenant/);
    const again = d.check({ tenant: "acme", principal: "alice", tool: "e", time: t + MIN });
    expect(again.action).toBe("allow"); // the same tool again is still one new tool (and now learned)
    const second = d.check({ tenant: "acme", principal: "alice", tool: "f", time: t + 2 * MIN });
    expect(second.action).toBe("warn");
    expect(second.signals.unseenTool).toBe(1);
  });

  it("after a session gap a new tool is one new tool again", () => {
    const { d, t } = team();
    expect(d.check({ tenant: "acme", principal: "alice", tool: "e", time: t }).action).toBe("allow");
    expect(d.check({ tenant: "acme", principal: "alice", tool: "a", time: t + 2 * HOUR }).action).toBe("allow");
    const later = d.check({ tenant: "acme", principal: "alice", tool: "f", time: t + 2 * HOUR + MIN });
    expect(later.action).toBe("allow");
  });

  it("a run of colleagues' tools extends the run of unusual steps", () => {
    const { d, t } = team();
    const reach = ["e", "f", "g", "h"].map((tool, i) =>
      d.check({ tenant: "acme", principal: "alice", tool, time: t + i * MIN }),
    );
    expect(reason(reach[3]!, "UNSEEN_TRANSITION")?.actual).toBe(4);
    expect(reach[3]!.action).toBe("block");
  });
});

describe("values: steady novelty, and calendar periods", () => {
  it("one more of its organisation's values in a key that often brings new ones is no news; a first contact is", () => {
    const d = detector(SMALL);
    const services = Array.from({ length: 12 }, (_, i) => `svc${i}`);
    // bob uses all twelve services, so the tenant knows them
    establish(d, {
      tenant: "acme",
      principal: "bob",
      tools: ["restart"],
      calls: 60,
      args: (_, i) => ({ service: services[Math.floor(i / 5) % 12] }),
    });
    // alice restarts services of her own, a few times each: 10 distinct over 48 calls
    const r = establish(d, {
      tenant: "acme",
      principal: "alice",
      tools: ["restart"],
      calls: 48,
      start: MONDAY_10 + 4 * HOUR,
      args: (_, i) => ({ service: services[Math.floor(i / 4) % 10] }),
    });
    const colleagues = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "restart",
      args: { service: "svc11" },
      time: r.last + MIN,
    });
    expect(colleagues.action, JSON.stringify(colleagues.reasons)).toBe("allow");
    // the same key, to a value nobody in the tenant has used, shaped like a contact
    const out = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "restart",
      args: { service: "https://drop.evil.example/x" },
      time: r.last + 2 * MIN,
    });
    expect(reason(out, "UNSEEN_ARG_VALUE")?.message).toMatch(/first contact/);
    expect(out.action).not.toBe("allow");
  });

  it("a key whose values rarely change still warns on a new one", () => {
    const d = detector(SMALL);
    const r = establish(d, {
      tenant: "acme",
      principal: "alice",
      tools: ["deploy"],
      calls: 60,
      args: (_, i) => ({ env: i % 20 === 0 ? "staging" : "prod" }),
    });
    const dec = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "deploy",
      args: { env: "prod-eu" },
      time: r.last + MIN,
    });
    expect(reason(dec, "UNSEEN_ARG_VALUE")).toBeDefined();
    expect(dec.action).toBe("warn");
  });

  it("a month (yyyy-mm) is a date: never judged, like 2024-04-01", () => {
    const d = detector(SMALL);
    const r = establish(d, {
      tenant: "acme",
      principal: "alice",
      tools: ["report"],
      calls: 40,
      args: () => ({ period: "2024-01" }),
    });
    const next = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "report",
      args: { period: "2024-02" },
      time: r.last + MIN,
    });
    expect(next.signals.unseenArgValue).toBe(0);
  });
});
