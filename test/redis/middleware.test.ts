// The MCP SDK middleware on two "replicas" (two McpServers, each with its own guard) sharing one Redis:
// a principal's calls spread over both build one baseline and one burst window. The same calls on two
// local detectors are the control: each replica then sees only half.
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { startRedis } from "../../scripts/redis-server.mjs";
import { createGuard, type Guard } from "../../js/runtime/node/index.js";
import { guardMcpServer, BLOCKED_ERROR_CODE } from "../../js/integrations/mcp-sdk/index.js";
import type { Decision } from "../../js/detector.js";

const CONFIG = {
  action: "block" as const,
  minCalls: 15,
  learningWindowSeconds: 0,
  tenantMinCalls: 1000,
  burstThreshold: 10,
  burstWindowSeconds: 10,
  offHoursStart: 0,
  offHoursEnd: 0,
  blockThreshold: 0.55,
  warnThreshold: 0.3,
};

async function replica(guard: Guard, clock: () => number, decisions: Decision[]): Promise<Client> {
  const server = new McpServer({ name: "files", version: "1.0.0" });
  guardMcpServer(server, guard, {
    clock,
    identity: () => ({ principal: "alice", tenant: "acme" }),
    onDecision: (d) => decisions.push(d),
  });
  server.registerTool("read_file", { description: "read", inputSchema: { path: z.string() } }, async ({ path }) => ({
    content: [{ type: "text", text: path }],
  }));
  server.registerTool("send_email", { description: "send", inputSchema: { to: z.string() } }, async () => ({
    content: [{ type: "text", text: "sent" }],
  }));
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(b);
  const client = new Client({ name: "agent", version: "1.0.0" });
  await client.connect(a);
  return client;
}

/** Routine calls alternating over the two replicas, then a burst, then an unseen tool. */
async function scenario(guards: [Guard, Guard]) {
  let now = Date.UTC(2026, 0, 5, 10);
  const decisions: Decision[][] = [[], []];
  const clients = [
    await replica(guards[0], () => now, decisions[0]!),
    await replica(guards[1], () => now, decisions[1]!),
  ];
  for (let i = 0; i < 20; i++) {
    now += 120_000;
    await clients[i % 2]!.callTool({ name: "read_file", arguments: { path: `/docs/${i % 3}` } });
  }
  const learned = decisions[1]!.at(-1)!.learning;
  const burst: Decision[] = [];
  now += 120_000;
  for (let i = 0; i < 12; i++) {
    now += 100;
    await clients[i % 2]!.callTool({ name: "read_file", arguments: { path: "/docs/1" } }).catch(() => undefined);
    burst.push(decisions[i % 2]!.at(-1)!);
  }
  now += 600_000;
  const unseen = await clients[1]!
    .callTool({ name: "send_email", arguments: { to: "x@evil.example" } })
    .catch((e) => e);
  for (const c of clients) await c.close();
  return {
    learned,
    windows: burst.slice(0, 10).map((d) => d.windowCount),
    maxBurst: Math.max(...burst.map((d) => d.signals.burst)),
    unseen,
  };
}

describe("MCP middleware on two replicas", () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  const guards: Guard[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const g of guards) await g.close();
    await server.stop();
  });

  test("sharing Redis, the replicas judge alice on all her calls", async () => {
    const mk = () => createGuard(CONFIG, { state: { redis: { url: server.url } } });
    const pair: [Guard, Guard] = [await mk(), await mk()];
    guards.push(...pair);
    const r = await scenario(pair);
    expect(r.learned.learnedCalls).toBe(20);
    expect(r.learned.baseline).toBe("own");
    // every call of the burst, whichever replica served it, is in one window (exact up to the threshold)
    expect(r.windows).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.maxBurst).toBe(1);
    expect(r.unseen).toBeInstanceOf(McpError);
    expect(r.unseen.code).toBe(BLOCKED_ERROR_CODE);
    expect(r.unseen.message).toContain("UNSEEN_TOOL");
  });

  test("control: two local detectors each see half, so neither baseline nor burst is whole", async () => {
    const pair: [Guard, Guard] = [await createGuard(CONFIG), await createGuard(CONFIG)];
    const r = await scenario(pair);
    expect(r.learned.learnedCalls).toBe(10);
    expect(r.learned.baseline).not.toBe("own");
    expect(r.windows).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(r.maxBurst).toBeLessThan(0.1);
  });
});
