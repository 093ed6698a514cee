// The ask posture (js/ask.ts) through the MCP SDK middleware, with the SDK's own client answering the
// questions: accept, decline, cancel, a slow answer, a client without elicitation; what an answer teaches;
// and no question storms (identical questions coalesce, one open question per user, a rate limit).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ElicitRequestSchema, McpError, type ElicitRequest } from "@modelcontextprotocol/sdk/types.js";
import { createDetector } from "../../js/runtime/node/index.js";
import { guardMcpServer, BLOCKED_ERROR_CODE } from "../../js/integrations/mcp-sdk/index.js";
import { askSchema, resolveAsk, type AskAnswer, type AskInput } from "../../js/ask.js";
import type { Detector } from "../../js/detector.js";

const CONFIG = {
  minCalls: 5,
  learningWindowSeconds: 0,
  tenantMinCalls: 5,
  tenantLearningWindowSeconds: 0,
  offHoursStart: 0,
  offHoursEnd: 0,
};
const T0 = Date.UTC(2026, 0, 5, 9);
const KNOWN = ["bob@acme.example", "carol@acme.example", "dan@acme.example"];
const EVIL = { to: "mallory@evil.example", body: "the Q3 figures" };

/** Routine work for a principal: e-mails to three colleagues and file reads, a minute apart. */
function routine(d: Detector, principal: string, from: number, n = 30): number {
  let t = from;
  for (let i = 0; i < n; i++) {
    t += 60_000;
    d.check({ tool: "send_email", args: { to: KNOWN[i % 3], body: `note ${i}` }, principal, tenant: "acme", time: t });
    t += 1_000;
    d.check({ tool: "read_file", args: { path: `/docs/${i % 4}` }, principal, tenant: "acme", time: t });
  }
  return t;
}

type Answer = "accept" | "decline" | "cancel" | { always: boolean } | { delayMs: number };

interface Rig {
  client: Client;
  ran: string[];
  questions: ElicitRequest["params"][];
  answers: AskAnswer[];
  detector: Detector;
  now: { t: number };
  call(to: string, principal?: string): Promise<unknown>;
}

async function rig(o: {
  ask: AskInput;
  answer?: Answer | ((n: number) => Answer);
  elicitation?: boolean;
  config?: Record<string, unknown>;
}): Promise<Rig> {
  const detector = createDetector({ ...CONFIG, ...o.config });
  const now = { t: T0 };
  let who = "alice";
  const ran: string[] = [];
  const answers: AskAnswer[] = [];
  const server = new McpServer({ name: "mail", version: "1.0.0" });
  guardMcpServer(server, detector, {
    ask: o.ask,
    clock: () => now.t,
    identity: () => ({ principal: who, tenant: "acme" }),
    onAnswer: (a) => answers.push(a),
  });
  server.registerTool(
    "send_email",
    { description: "send", inputSchema: { to: z.string(), body: z.string() } },
    async ({ to }) => {
      ran.push(to);
      return { content: [{ type: "text", text: "sent" }] };
    },
  );
  const questions: ElicitRequest["params"][] = [];
  const client = new Client(
    { name: "ask-test", version: "1" },
    { capabilities: o.elicitation === false ? {} : { elicitation: {} } },
  );
  if (o.elicitation !== false) {
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      questions.push(req.params);
      const a = typeof o.answer === "function" ? o.answer(questions.length) : (o.answer ?? "accept");
      if (typeof a === "object" && "delayMs" in a) {
        await new Promise((r) => setTimeout(r, a.delayMs));
        return { action: "accept" };
      }
      if (typeof a === "object") return { action: "accept", content: { always: a.always } };
      return { action: a };
    });
  }
  const [x, y] = InMemoryTransport.createLinkedPair();
  await server.connect(y);
  await client.connect(x);
  now.t = routine(detector, "alice", T0);
  return {
    client,
    ran,
    questions,
    answers,
    detector,
    now,
    async call(to, principal = "alice") {
      who = principal;
      now.t += 60_000;
      return client.callTool({ name: "send_email", arguments: { ...EVIL, to } }).then(
        (r) => r,
        (e) => e,
      );
    },
  };
}

describe("ask settings", () => {
  it("fills defaults and names a bad key", () => {
    expect(resolveAsk({})).toMatchObject({
      onWarn: "ask",
      fallback: "warn",
      timeoutMs: 60_000,
      maxQuestions: 5,
      alwaysAllow: true,
    });
    expect(() => resolveAsk({ fallback: "allow" } as never)).toThrow(/^ask\.fallback: /);
    expect(() => resolveAsk({ reasons: ["LEARNING"] } as never)).toThrow(/^ask\.reasons\.0: /);
    expect(() => resolveAsk({ timeoutMs: 5 })).toThrow(/ask\.timeoutMs/);
    expect(askSchema.safeParse({ onWarn: "ask", reasons: ["UNSEEN_ARG_VALUE"], minRisk: 0.6 }).success).toBe(true);
  });
});

describe("what an answer teaches (the core's confirm)", () => {
  it("yes: the principal's own baseline learns the new recipient at once; its tenant does not", () => {
    const d = createDetector(CONFIG);
    let t = routine(d, "alice", T0);
    t = routine(d, "bob", t);
    t += 60_000;
    const first = d.check({ tool: "send_email", args: EVIL, principal: "alice", tenant: "acme", time: t });
    expect(first.action).toBe("warn");
    expect(first.reasons.map((r) => r.code)).toContain("UNSEEN_ARG_VALUE");
    d.confirm({ tool: "send_email", args: EVIL, principal: "alice", tenant: "acme", time: first.time }, true);
    const again = d.check({
      tool: "send_email",
      args: { ...EVIL, body: "more" },
      principal: "alice",
      tenant: "acme",
      time: t + 60_000,
    });
    expect(again.action).toBe("allow");
    // bob, and a newcomer judged by the tenant's baseline, still find the recipient new
    const bob = d.check({ tool: "send_email", args: EVIL, principal: "bob", tenant: "acme", time: t + 120_000 });
    expect(bob.action).toBe("warn");
    expect(bob.reasons.map((r) => r.code)).toContain("UNSEEN_ARG_VALUE");
  });

  it("yes to a new tool: known to the principal at once; its tenant counts one peer (peerPromotion), unlike an operator's learn()", () => {
    const setup = () => {
      const d = createDetector({ ...CONFIG, peerPromotion: 3 });
      let t = T0;
      for (const u of ["u1", "u2", "u3", "u4"]) t = routine(d, u, t);
      return { d, t };
    };
    const call = (u: string, at: number) => ({
      tool: "export_table",
      args: { table: "customers" },
      principal: u,
      tenant: "acme",
      time: at,
    });
    const unseen = (d: Detector, u: string, at: number) =>
      d.check(call(u, at)).reasons.find((r) => r.code === "UNSEEN_TOOL");
    const { d, t } = setup();
    const first = d.check(call("u1", t));
    expect(first.action).toBe("warn");
    d.confirm(call("u1", first.time), true);
    // u2: the tool is as new as before (score 1: its tenant does not use it); u1 knows it
    expect(unseen(d, "u2", t + 60_000)?.score).toBe(1);
    expect(unseen(d, "u1", t + 120_000)).toBeUndefined();
    // the operator's "this call was fine" teaches the tenant at once
    const op = setup();
    op.d.learn(call("u1", op.t));
    expect(unseen(op.d, "u2", op.t + 120_000)?.score).toBe(0.75);
    // three principals' yes (each warned, then confirmed): the tenant adopts the tool
    const peers = setup();
    for (const [i, u] of ["u1", "u2", "u3"].entries()) {
      const dec = peers.d.check(call(u, peers.t + i * 1000));
      peers.d.confirm(call(u, dec.time), true);
    }
    expect(unseen(peers.d, "u4", peers.t + 120_000)?.score).toBe(0.75);
  });

  it("no: the refused attempts never add up to a habit (habitHours)", () => {
    for (const refuse of [false, true]) {
      const d = createDetector({ ...CONFIG, habitHours: 3 });
      let t = routine(d, "alice", T0);
      let learned = false;
      // a first contact must recur in habitHours hours on two days: a day and an hour apart
      for (let h = 1; h <= 4; h++) {
        t += 25 * 3_600_000;
        const dec = d.check({ tool: "send_email", args: EVIL, principal: "alice", tenant: "acme", time: t });
        learned ||= dec.learned;
        if (refuse)
          d.confirm({ tool: "send_email", args: EVIL, principal: "alice", tenant: "acme", time: dec.time }, false);
      }
      // without the refusals the recurring recipient becomes habit; with them it never does
      expect(learned).toBe(!refuse);
    }
  });
});

describe("asking through the MCP SDK middleware", () => {
  it("accept: one question naming the tool, the recipient and why; the call runs and the recipient becomes alice's", async () => {
    const r = await rig({ ask: { onWarn: "ask" }, answer: "accept" });
    const res = (await r.call(EVIL.to)) as { content: Array<{ text: string }> };
    expect(res.content[0]!.text).toBe("sent");
    expect(r.ran).toEqual([EVIL.to]);
    expect(r.questions).toHaveLength(1);
    const q = r.questions[0]! as { message: string; requestedSchema: { properties: Record<string, unknown> } };
    expect(q.message).toContain('wants to run "send_email"');
    expect(q.message).toContain(`to: ${EVIL.to}`);
    expect(q.message).toMatch(
      /to = mallory@evil\.example was never used with send_email by you \(3 known values in \d+ calls\); nobody in your organisation/,
    );
    // a yes teaches the recipient, so there is nothing to "always allow"
    expect(q.requestedSchema.properties).toEqual({});
    expect(r.answers).toEqual(["accepted"]);
    // learned for alice: the next e-mail there is not asked about
    await r.call(EVIL.to);
    expect(r.questions).toHaveLength(1);
    expect(r.ran).toEqual([EVIL.to, EVIL.to]);
    await r.client.close();
  });

  it("decline: blocked with a clear error, not learned, and the same call is refused at once for a while", async () => {
    const r = await rig({ ask: { onWarn: "ask", declinedSeconds: 600 }, answer: "decline" });
    const learnedBefore = r.detector.stats().learned;
    const err = (await r.call(EVIL.to)) as McpError;
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(BLOCKED_ERROR_CODE);
    expect(err.message).toMatch(
      /"send_email" was not run: the user refused it when asked to confirm it \(risk 0\.\d\d\): UNSEEN_ARG_VALUE/,
    );
    expect((err.data as any).code).toBe("DECLINED");
    expect((err.data as any).asked).toBe("declined");
    expect(r.ran).toEqual([]);
    expect(r.detector.stats().learned).toBe(learnedBefore);
    // retried a minute later: refused without a second question
    const again = (await r.call(EVIL.to)) as McpError;
    expect((again.data as any).asked).toBe("refused_again");
    expect(r.questions).toHaveLength(1);
    // after declinedSeconds the user is asked again
    r.now.t += 600_000;
    await r.call(EVIL.to);
    expect(r.questions).toHaveLength(2);
    expect(r.answers).toEqual(["declined", "refused_again", "declined"]);
    await r.client.close();
  });

  for (const fallback of ["warn", "block"] as const) {
    it(`cancel, a slow answer, and a client without elicitation: the fallback (${fallback}) decides`, async () => {
      const cancel = await rig({ ask: { fallback }, answer: "cancel" });
      const slow = await rig({ ask: { fallback, timeoutMs: 300 }, answer: { delayMs: 3000 } });
      const mute = await rig({ ask: { fallback }, elicitation: false });
      for (const [r, answer] of [
        [cancel, "cancelled"],
        [slow, "timeout"],
        [mute, "unsupported"],
      ] as const) {
        const res = await r.call(EVIL.to);
        expect(r.answers).toEqual([answer]);
        if (fallback === "warn") {
          expect(r.ran).toEqual([EVIL.to]);
        } else {
          expect(res).toBeInstanceOf(McpError);
          expect((res as McpError).code).toBe(BLOCKED_ERROR_CODE);
          expect((res as McpError).message).toMatch(
            /it needed the user's confirmation and (the user dismissed the question|no answer within 0\.3 s|the client cannot be asked)/,
          );
          expect(((res as McpError).data as any).code).toBe("BLOCKED");
          expect(r.ran).toEqual([]);
        }
        // nothing was answered, so nothing was learned: asked again next time (when the client can be)
        await r.call(EVIL.to);
        expect(r.answers).toHaveLength(2);
        await r.client.close();
      }
      expect(mute.questions).toHaveLength(0);
    });
  }

  it("no storms: identical concurrent questions are asked once, a different one meanwhile is not asked, and a rate limit", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const r = await rig({
      ask: { fallback: "block", maxQuestions: 2, windowSeconds: 3600 },
      answer: () => ({ delayMs: 0 }),
    });
    // hold the first answer until all three calls are in
    r.client.setRequestHandler(ElicitRequestSchema, async (req) => {
      r.questions.push(req.params);
      await gate;
      return { action: "accept" };
    });
    r.now.t += 60_000;
    const same = [0, 1].map(() => r.client.callTool({ name: "send_email", arguments: EVIL }).catch((e) => e));
    const other = r.client
      .callTool({ name: "send_email", arguments: { ...EVIL, to: "eve@other.example" } })
      .catch((e) => e);
    const busy = await other;
    expect((busy.data as any).asked).toBe("busy");
    release();
    await Promise.all(same);
    expect(r.questions).toHaveLength(1);
    expect(r.ran).toEqual([EVIL.to, EVIL.to]);
    // the second question of the window is asked, the third is not
    await r.call("eve@other.example");
    const limited = (await r.call("zed@third.example")) as McpError;
    expect((limited.data as any).asked).toBe("rate_limited");
    expect(r.questions).toHaveLength(2);
    expect(r.answers.filter((a) => a === "accepted")).toHaveLength(3);
    await r.client.close();
  });

  it('"always allow this for me" is offered for what a yes cannot teach, and holds for that user and tool', async () => {
    // the fixed off-hours window alone, made to warn: a yes cannot teach an hour
    const r = await rig({
      ask: {},
      answer: { always: true },
      config: { warnThreshold: 0.1, offHoursStart: 0, offHoursEnd: 23 },
    });
    r.now.t = Date.UTC(2026, 0, 6, 3);
    const res = await r.client.callTool({ name: "send_email", arguments: { to: KNOWN[0], body: "night" } });
    expect((res.content as any)[0].text).toBe("sent");
    expect(r.questions).toHaveLength(1);
    const q = r.questions[0] as { message: string; requestedSchema: { properties: Record<string, { title: string }> } };
    expect(q.requestedSchema.properties.always?.title).toBe("Always allow this for me");
    expect(q.message).toMatch(/it is 03:00 UTC, outside working hours/);
    r.now.t += 60_000;
    await r.client.callTool({ name: "send_email", arguments: { to: KNOWN[1], body: "night" } });
    expect(r.questions).toHaveLength(1);
    expect(r.answers).toEqual(["always", "remembered"]);
    await r.client.close();
  });

  it("onWarn block refuses warned calls without asking; onWarn warn and reasons/minRisk let them run as before", async () => {
    const block = await rig({ ask: { onWarn: "block" } });
    expect(((await block.call(EVIL.to)) as McpError).code).toBe(BLOCKED_ERROR_CODE);
    const warn = await rig({ ask: { onWarn: "warn" } });
    const other = await rig({ ask: { reasons: ["UNSEEN_TOOL"] } });
    const high = await rig({ ask: { minRisk: 0.79 } });
    for (const r of [warn, other, high]) {
      await r.call(EVIL.to);
      expect(r.ran).toEqual([EVIL.to]);
      expect(r.questions).toHaveLength(0);
    }
    expect(block.questions).toHaveLength(0);
    for (const r of [block, warn, other, high]) await r.client.close();
  });
});
