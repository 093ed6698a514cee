// The ask posture through `toolwatch proxy` started from the command line (a config file's proxy.ask
// section) in front of the bundled demo server: the TypeScript SDK client answering (accept, decline, cancel,
// too late, no elicitation capability) and the Python SDK client (accept, decline); /metrics and the log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";

const ROOT = join(__dirname, "..", "..");
const BIN = join(ROOT, "bin", "toolwatch.mjs");
const PYTHON = join(ROOT, ".venv-contextforge", "bin", "python");
const SECRET = "ask-proxy-secret-0123456789abcdef";
const METRICS = "ask-metrics-token-0123456789";
const KNOWN = ["bob@acme.example", "carol@acme.example", "dan@acme.example"];
const EVIL = { to: "mallory@evil.example", subject: "Q3", body: "the figures" };

// Real time: the proxy's clock. Volume signals are out of the way, so only the new recipient is unusual.
const CONFIG = `
minCalls: 5
learningWindowSeconds: 0
tenantMinCalls: 5
tenantLearningWindowSeconds: 0
burstThreshold: 1000
offHoursStart: 0
offHoursEnd: 0
signals: { rateSpike: { mode: "off" } }
proxy:
  ask:
    on_warn: ask
    timeout_ms: 1500
    fallback: block
`;

let child: ChildProcess;
let url = "";
let log = "";
const clients: Client[] = [];

const token = (sub: string) =>
  new SignJWT({ sub, tenant: "acme" })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(SECRET));

type Answer = "accept" | "decline" | "cancel" | "slow" | "none";

async function client(principal: string, answer: Answer, questions: string[] = []): Promise<Client> {
  const c = new Client(
    { name: "ask-proxy-test", version: "1" },
    { capabilities: answer === "none" ? {} : { elicitation: {} } },
  );
  if (answer !== "none") {
    c.setRequestHandler(ElicitRequestSchema, async (req) => {
      questions.push((req.params as { message: string }).message);
      if (answer === "slow") {
        await new Promise((r) => setTimeout(r, 4000));
        return { action: "accept" };
      }
      return { action: answer };
    });
  }
  await c.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${await token(principal)}` } },
    }),
  );
  clients.push(c);
  return c;
}

const email = (c: Client, to: string) =>
  c.callTool({ name: "send_email", arguments: { ...EVIL, to } }).then(
    (r) => (r.content as Array<{ text: string }>)[0]!.text,
    (e) => e as McpError,
  );

/** Twelve e-mails to three colleagues: the recipient key is judged from then on. */
async function routine(principal: string): Promise<void> {
  const c = await client(principal, "none");
  for (let i = 0; i < 12; i++) expect(await email(c, KNOWN[i % 3]!)).toBe(`sent to ${KNOWN[i % 3]}`);
  await c.close();
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "tw-ask-"));
  writeFileSync(join(dir, "toolwatch.yaml"), CONFIG);
  child = spawn(
    process.execPath,
    [
      BIN,
      "proxy",
      "--config",
      join(dir, "toolwatch.yaml"),
      "--port",
      "0",
      "--log-level",
      "info",
      "--upstream",
      `"${process.execPath}" "${join(ROOT, "examples", "demo-server", "server.mjs")}"`,
    ],
    {
      env: { ...process.env, TOOLWATCH_JWT_SECRET: SECRET, TOOLWATCH_METRICS_TOKEN: METRICS },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stderr!.on("data", (b) => (log += b));
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b) => {
      out += b;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (c) => reject(new Error(`proxy exited ${c}: ${log}`)));
  });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  child?.kill("SIGTERM");
});

describe("toolwatch proxy with proxy.ask, the TypeScript SDK client", () => {
  it("accept: the call runs after one question, and the recipient is the user's from then on", async () => {
    await routine("ann");
    const questions: string[] = [];
    const c = await client("ann", "accept", questions);
    expect(await email(c, EVIL.to)).toBe(`sent to ${EVIL.to}`);
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain('Your assistant wants to run "send_email" with');
    expect(questions[0]).toContain("  to: mallory@evil.example");
    expect(questions[0]).toMatch(/to = mallory@evil\.example was never used with send_email by you/);
    expect(await email(c, EVIL.to)).toBe(`sent to ${EVIL.to}`);
    expect(questions).toHaveLength(1);
  });

  it("decline: refused with a clear error and not relayed; the retry is refused without a second question", async () => {
    await routine("dee");
    const questions: string[] = [];
    const c = await client("dee", "decline", questions);
    const err = await email(c, EVIL.to);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(-32003);
    expect((err as McpError).message).toMatch(/"send_email" was not run: the user refused it when asked to confirm it/);
    expect(((err as McpError).data as any).code).toBe("DECLINED");
    const again = await email(c, EVIL.to);
    expect(((again as McpError).data as any).asked).toBe("refused_again");
    expect(questions).toHaveLength(1);
  });

  it("cancel, an answer too late, and a client without elicitation: the fallback (block)", async () => {
    for (const [who, answer, asked] of [
      ["cal", "cancel", "cancelled"],
      ["sam", "slow", "timeout"],
      ["max", "none", "unsupported"],
    ] as const) {
      await routine(who);
      const c = await client(who, answer);
      const err = await email(c, EVIL.to);
      expect(err, who).toBeInstanceOf(McpError);
      expect(((err as McpError).data as any).asked).toBe(asked);
      expect((err as McpError).message).toMatch(/it needed the user's confirmation/);
    }
  });

  it("a held call does not hold up the session: a routine call made meanwhile is answered first", async () => {
    await routine("hal");
    const c = await client("hal", "slow");
    let heldSettled = false;
    const held = email(c, EVIL.to).then((r) => {
      heldSettled = true;
      return r;
    });
    expect(await email(c, KNOWN[0]!)).toBe(`sent to ${KNOWN[0]}`);
    expect(heldSettled).toBe(false);
    expect(((await held) as McpError).code).toBe(-32003);
  });
});

describe.skipIf(!existsSync(PYTHON))("toolwatch proxy with proxy.ask, the Python SDK client", () => {
  const py = async (principal: string, answer: string, calls: unknown[]) => {
    const r = spawnSync(
      PYTHON,
      [join(__dirname, "ask_client.py"), url, await token(principal), answer, JSON.stringify(calls)],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (r.status !== 0) throw new Error(`python client failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as {
      results: Array<{ text?: string; error?: { code: number; message: string; data: any } }>;
      questions: Array<{ message: string }>;
    };
  };
  const call = { name: "send_email", arguments: EVIL };

  it("accept: asked once, the call runs; decline: refused", async () => {
    await routine("pya");
    await routine("pyd");
    const yes = await py("pya", "accept", [call, call]);
    expect(yes.results.map((r) => r.text)).toEqual([`sent to ${EVIL.to}`, `sent to ${EVIL.to}`]);
    expect(yes.questions).toHaveLength(1);
    expect(yes.questions[0]!.message).toContain("to = mallory@evil.example was never used with send_email by you");
    const no = await py("pyd", "decline", [call]);
    expect(no.results[0]!.error?.code).toBe(-32003);
    expect(no.results[0]!.error?.data.code).toBe("DECLINED");
  });
});

describe("what the operator sees", () => {
  it("/metrics counts the answers; the log names each refusal a confirmed anomaly", async () => {
    const m = await fetch(url.replace(/\/mcp$/, "/metrics"), { headers: { authorization: `Bearer ${METRICS}` } }).then(
      (r) => r.text(),
    );
    const count = (answer: string) =>
      Number(new RegExp(`toolwatch_questions_total\\{answer="${answer}"\\} (\\d+)`).exec(m)?.[1] ?? 0);
    expect(count("accepted")).toBeGreaterThanOrEqual(1);
    expect(count("declined")).toBeGreaterThanOrEqual(1);
    expect(count("refused_again")).toBe(1);
    expect(count("cancelled")).toBe(1);
    expect(count("timeout")).toBeGreaterThanOrEqual(2);
    expect(count("unsupported")).toBe(1);
    const refusals = log
      .split("\n")
      .filter((l) => l.includes("confirmed anomaly"))
      .map((l) => JSON.parse(l));
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    expect(refusals[0]).toMatchObject({ tool: "send_email", answer: "declined", reasons: ["UNSEEN_ARG_VALUE"] });
  });
});

describe("toolwatch demo", () => {
  it("asks the user twice on day 7: a yes runs the call and teaches it, a no refuses it", () => {
    const r = spawnSync(process.execPath, [BIN, "demo"], { encoding: "utf8", timeout: 120_000 });
    expect(r.status).toBe(0);
    const day7 = r.stdout.slice(r.stdout.indexOf("day 7:"));
    expect(day7.match(/the user is asked:/g)).toHaveLength(2);
    expect(day7).toMatch(
      /\|\s+to: dana@partner\.example[\s\S]*the user answers: accept\n {2}day 7 \d\d:\d\d {2}ran: sent to dana@partner\.example/,
    );
    expect(day7).toMatch(
      /\|\s+to: payments@vendor-secure\.example[\s\S]*the user answers: decline\n.*"send_email" was not run: the user refused it/,
    );
    // the third step, to the contact the user confirmed, runs without a question
    expect(day7.trimEnd().split("\n").at(-1)).toMatch(/ran: sent to dana@partner\.example$/);
  });
});
