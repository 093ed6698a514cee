// The plugin server over real streamable HTTP, driven by the official MCP SDK client with the
// exact argument shapes the ContextForge gateway sends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDetector } from "../../js/runtime/node/index.js";
import { ContextForgePlugin, servePluginHttp, type RunningServer } from "../../js/integrations/contextforge/index.js";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { PLUGIN, callJson, httpClient, postInvoke, preInvoke } from "./helpers.js";

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0); // a Monday, 10:00 UTC
let now = T0;
let server: RunningServer;
let client: Client;

beforeAll(async () => {
  const detector = createDetector({
    action: "block",
    minCalls: 5,
    learningWindowSeconds: 0,
    tenantMinCalls: 5,
    tenantLearningWindowSeconds: 0,
    blockThreshold: 0.55,
    warnThreshold: 0.3,
    offHoursStart: 0,
    offHoursEnd: 0,
  });
  const plugin = new ContextForgePlugin({ detector, clock: () => now, maxPayloadBytes: 32 * 1024 });
  server = await servePluginHttp(plugin, { host: "127.0.0.1", port: 0, maxBodyBytes: 64 * 1024 });
  client = await httpClient(server.url);
});

afterAll(async () => {
  await client?.close();
  await server?.close();
});

async function train(user: string, tenant: string, n: number) {
  for (let i = 0; i < n; i++) {
    now += 120_000;
    const r = await callJson(
      client,
      "invoke_hook",
      preInvoke({
        tool: i % 2 ? "read_file" : "list_files",
        args: { path: `/docs/${i % 3}` },
        user,
        tenant,
        requestId: `t${i}`,
      }),
    );
    expect(r.result.continue_processing).toBe(true);
  }
}

describe("handshake", () => {
  it("lists the three protocol tools", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["get_plugin_config", "get_plugin_configs", "invoke_hook"]);
    expect(tools.find((t) => t.name === "invoke_hook")!.outputSchema).toBeUndefined();
  });

  it("get_plugin_config answers the name case-insensitively with hooks, mode, priority and config", async () => {
    const c = await callJson(client, "get_plugin_config", { name: "toolcallanomalydetection" });
    expect(c.name).toBe(PLUGIN);
    // the gateway refuses "external" with a config in this answer (validated with cpex itself in cpex.test.ts)
    expect(c.kind).toBe("toolwatch.serve");
    expect(c.hooks).toEqual(["tool_pre_invoke", "tool_post_invoke"]);
    expect(c.priority).toBe(201);
    expect(c.mode).toBe("sequential");
    expect(c.config.blockThreshold).toBe(0.55);
    expect(await callJson(client, "get_plugin_config", { name: "SomethingElse" })).toEqual({});
    const all = await callJson(client, "get_plugin_configs", {});
    expect(all).toHaveLength(1);
    expect(all[0].name).toBe(PLUGIN);
  });
});

describe("tool_pre_invoke and tool_post_invoke", () => {
  it("allows, returns namespaced metadata without ids, and echoes the whole context", async () => {
    now += 60_000;
    const req = preInvoke({
      tool: "db_query",
      args: { query: "SELECT 1" },
      user: "carol@example.com",
      tenant: "team9",
      requestId: "req-42",
      headers: { "x-trace": "1" },
      extraGlobal: { content_type: "application/json", user_context: { user_id: "u9", email: "carol@example.com" } },
      state: { other: 1 },
    });
    (req.context as any).metadata = { kept: "yes" };
    const r = await callJson(client, "invoke_hook", req);
    expect(r.plugin_name).toBe(PLUGIN);
    expect(r.result.continue_processing).toBe(true);
    expect(r.result.violation ?? null).toBeNull();
    expect(["allow", "warn"]).toContain(r.result.metadata.toolwatch.action);
    expect(JSON.stringify(r.result.metadata)).not.toContain("carol");
    expect(JSON.stringify(r.result.metadata)).not.toContain("team9");
    expect(r.context.global_context).toEqual(req.context.global_context);
    expect(r.context.metadata).toEqual({ kept: "yes" });
    expect(r.context.state.other).toBe(1);
    expect(r.context.state.toolwatch.action).toBe(r.result.metadata.toolwatch.action);

    const p = await callJson(client, "invoke_hook", postInvoke(req, r.context));
    expect(p.result.continue_processing).toBe(true);
    expect(p.result.metadata.toolwatch.outcome).toBe("ok");
    expect(p.result.metadata.toolwatch.tracked).toBe(true);
    expect(p.result.metadata.toolwatch.action).toBe(r.result.metadata.toolwatch.action);
    expect(p.context.global_context.request_id).toBe("req-42");
  });

  it("treats absent and null fields alike (user, tenant_id, headers, args, state)", async () => {
    const absent = preInvoke({ tool: "ping" });
    const nulls: any = preInvoke({ tool: "ping", tenant: null, user: null });
    nulls.payload.args = null;
    nulls.payload.headers = null;
    nulls.context.state = null;
    nulls.context.metadata = null;
    for (const req of [absent, nulls]) {
      const r = await callJson(client, "invoke_hook", req);
      expect(r.result.continue_processing).toBe(true);
      expect(r.context.global_context.request_id).toBe("r1");
      expect(r.context.state.toolwatch).toBeDefined();
    }
  });

  it("takes the user from a user object or user_context", async () => {
    const r = await callJson(
      client,
      "invoke_hook",
      preInvoke({ tool: "ping", user: { email: "dave@example.com", full_name: "Dave" }, tenant: "t1" }),
    );
    expect(r.result.continue_processing).toBe(true);
  });

  it("blocks a never-seen tool for a trained principal with 403, a violation and an MCP error code", async () => {
    await train("alice@example.com", "acme", 30);
    now += 120_000;
    const r = await callJson(
      client,
      "invoke_hook",
      preInvoke({
        tool: "send_email",
        args: { to: "x@evil.example", body: "secrets" },
        user: "alice@example.com",
        tenant: "acme",
      }),
    );
    expect(r.result.continue_processing).toBe(false);
    const v = r.result.violation;
    expect(v.code).toBe("BLOCKED");
    expect(v.http_status_code).toBe(403);
    expect(v.mcp_error_code).toBeTypeOf("number");
    expect(v.reason).toBeTruthy();
    expect(v.description).toContain("UNSEEN_TOOL");
    expect(v.details.toolwatch.action).toBe("block");
    expect(r.result.retry_delay_ms).toBe(0);
  });

  it("answers a burst with 429 and retry information", async () => {
    let last: any;
    for (let i = 0; i < 30; i++) {
      now += 50;
      last = await callJson(
        client,
        "invoke_hook",
        preInvoke({
          tool: "read_file",
          args: { path: "/docs/1" },
          user: "bob@example.com",
          tenant: "acme",
          requestId: `b${i}`,
        }),
      );
      if (!last.result.continue_processing) break;
    }
    expect(last.result.continue_processing).toBe(false);
    expect(last.result.violation.code).toBe("RATE_LIMIT");
    expect(last.result.violation.http_status_code).toBe(429);
    expect(last.result.retry_delay_ms).toBeGreaterThan(0);
    expect(last.result.violation.http_headers["Retry-After"]).toMatch(/^\d+$/);
    expect(last.result.violation.details.retry_delay_ms).toBe(last.result.retry_delay_ms);
  });

  it("reports post-invoke errors as the outcome", async () => {
    const req = preInvoke({ tool: "read_file", args: { path: "/docs/1" }, user: "alice@example.com", tenant: "acme" });
    now += 120_000;
    const r = await callJson(client, "invoke_hook", req);
    const p = await callJson(client, "invoke_hook", postInvoke(req, r.context, true));
    expect(p.result.metadata.toolwatch.outcome).toBe("error");
  });
});

describe("malformed requests get an error envelope and the server keeps serving", () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    [
      "unknown hook",
      { ...preInvoke({ tool: "x" }), hook_type: "prompt_pre_fetch" },
      "UNKNOWN_HOOK",
      /prompt_pre_fetch/,
    ],
    ["missing payload", { hook_type: "tool_pre_invoke", plugin_name: PLUGIN, context: {} }, "MISSING_FIELD", /payload/],
    ["null context", { ...preInvoke({ tool: "x" }), context: null }, "MISSING_FIELD", /context/],
    ["wrong plugin", { ...preInvoke({ tool: "x" }), plugin_name: "Other" }, "UNKNOWN_PLUGIN", /Other/],
    ["payload not an object", { ...preInvoke({ tool: "x" }), payload: "x" }, "INVALID_PAYLOAD", /payload/],
    ["context not an object", { ...preInvoke({ tool: "x" }), context: [1] }, "INVALID_CONTEXT", /context/],
    [
      "global_context not an object",
      { ...preInvoke({ tool: "x" }), context: { global_context: "nope" } },
      "INVALID_CONTEXT",
      /global_context/,
    ],
  ];
  for (const [name, args, code, msg] of cases) {
    it(name, async () => {
      const r = await callJson(client, "invoke_hook", args);
      expect(r.plugin_name).toBe(PLUGIN);
      expect(r.result).toBeUndefined();
      expect(r.error.code).toBe(code);
      expect(r.error.message).toMatch(msg);
      expect(r.error.plugin_name).toBe(PLUGIN);
      expect(r.error.mcp_error_code).toBeTypeOf("number");
    });
  }

  // the call's own input, not the envelope: a decision by failurePolicy (closed here), see refused-input.test.ts
  const refused: Array<[string, Record<string, unknown>, string, number, RegExp]> = [
    [
      "args not an object",
      { ...preInvoke({ tool: "x" }), payload: { name: "x", args: [1, 2] } },
      "INVALID_ARGS",
      403,
      /payload\.args/,
    ],
    ["no tool name", { ...preInvoke({ tool: "x" }), payload: { args: {} } }, "INVALID_TOOL", 403, /payload\.name/],
    ["empty tool name", preInvoke({ tool: "" }), "INVALID_TOOL", 403, /empty string/],
    ["oversize", preInvoke({ tool: "x", args: { blob: "a".repeat(40_000) } }), "PAYLOAD_TOO_LARGE", 413, /limit/],
  ];
  for (const [name, args, code, status, msg] of refused) {
    it(`${name}: blocked, not an error`, async () => {
      const r = await callJson(client, "invoke_hook", args);
      expect(r.error).toBeUndefined();
      expect(r.result.continue_processing).toBe(false);
      expect(r.result.violation).toMatchObject({ code: "BLOCKED", http_status_code: status, mcp_error_code: -32003 });
      expect(r.result.violation.description).toMatch(msg);
      expect(r.result.violation.description).toContain(code);
      expect(r.result.violation.details.toolwatch).toMatchObject({ action: "block", reasons: [{ code }] });
      expect(r.context.global_context.request_id).toBe("r1");
    });
  }

  it("unknown tool", async () => {
    const r = await callJson(client, "nope", {});
    expect(r.error.code).toBe("UNKNOWN_TOOL");
  });

  it("bad JSON and oversize HTTP bodies get JSON-RPC errors naming the problem", async () => {
    const bad = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/invalid JSON/);
    const big = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ x: "a".repeat(100_000) }),
    });
    expect(big.status).toBe(413);
    expect((await big.json()).error.message).toMatch(/too large/);
    const noSession = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(noSession.status).toBe(400);
    // still serving
    const c = await callJson(client, "get_plugin_configs", {});
    expect(c[0].name).toBe(PLUGIN);
  });
});

describe("health and metrics", () => {
  it("GET /health", async () => {
    const r = await fetch(server.url.replace("/mcp", "/health"));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: "healthy" });
  });

  it("GET /metrics in Prometheus text format", async () => {
    const r = await fetch(server.url.replace("/mcp", "/metrics"));
    expect(r.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await r.text();
    const value = (line: string) =>
      Number(
        text
          .split("\n")
          .find((l) => l.startsWith(`${line} `))!
          .slice(line.length + 1),
      );
    expect(value('toolwatch_decisions_total{action="block"}')).toBeGreaterThanOrEqual(2);
    expect(value('toolwatch_decisions_total{action="allow"}')).toBeGreaterThan(10);
    expect(text).toContain('toolwatch_decision_reasons_total{action="block",reason="UNSEEN_TOOL"}');
    expect(text).toContain('toolwatch_decision_reasons_total{action="block",reason="BURST"}');
    expect(value("toolwatch_tracked_entities")).toBeGreaterThanOrEqual(4);
    expect(value("toolwatch_memory_used_bytes")).toBeGreaterThan(0);
    expect(value("toolwatch_memory_budget_bytes")).toBeGreaterThan(value("toolwatch_memory_used_bytes"));
    expect(value('toolwatch_check_duration_seconds_bucket{le="+Inf"}')).toBe(
      value("toolwatch_check_duration_seconds_count"),
    );
    expect(text).toContain('toolwatch_evictions_total{kind="entity"}');
    expect(value('toolwatch_hook_errors_total{code="UNKNOWN_HOOK"}')).toBe(1);
    // every sample line is `name{labels} number`
    for (const line of text.trim().split("\n")) {
      if (!line.startsWith("#")) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$/);
    }
  });
});

describe("session table", () => {
  it("closes the least recently used session when full, and keeps serving", async () => {
    const plugin = new ContextForgePlugin({ detector: createDetector({}) });
    const small = await servePluginHttp(plugin, { host: "127.0.0.1", port: 0, maxSessions: 2 });
    try {
      const a = await httpClient(small.url);
      const b = await httpClient(small.url);
      await callJson(a, "get_plugin_configs", {}); // a is now more recent than b
      const c = await httpClient(small.url); // evicts b
      expect((await callJson(a, "get_plugin_configs", {}))[0].name).toBe(PLUGIN);
      expect((await callJson(c, "get_plugin_configs", {}))[0].name).toBe(PLUGIN);
      await expect(b.callTool({ name: "get_plugin_configs", arguments: {} })).rejects.toThrow();
      await Promise.all([a.close(), c.close()]);
    } finally {
      await small.close();
    }
  });
});
