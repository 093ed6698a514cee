// Input the detector refuses is a decision by failurePolicy, not an error: over the real plugin
// server (closed: a BLOCKED violation naming the problem; open: continue, the reason in metadata),
// and the same rule in the SDK middleware and the proxy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { SignJWT } from "jose";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { CallToolRequestSchema, ListToolsRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { createDetector } from "../../js/runtime/node/index.js";
import { ContextForgePlugin, servePluginHttp, type RunningServer } from "../../js/integrations/contextforge/index.js";
import { guardMcpServer, BLOCKED_ERROR_CODE } from "../../js/integrations/mcp-sdk/index.js";
import { startProxy } from "../../js/proxy/index.js";
import { PLUGIN, callJson, connect, postInvoke, preInvoke } from "./helpers.js";

const DEPTH = 50_000;
/** The JSON text of `{"a":{"a":…1…}}`, DEPTH levels: JSON.stringify itself overflows on it. */
const deepJson = (depth = DEPTH): string => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const deepObject = (depth = DEPTH): Record<string, unknown> => JSON.parse(deepJson(depth));

// [name, args (as JSON text, so the deep one can be sent at all), refusal code, HTTP status for a block]
const INPUTS: Array<[string, () => string, string, number, RegExp]> = [
  [
    "129 top-level keys",
    () => JSON.stringify(Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, i]))),
    "ARGS_TOO_LARGE",
    413,
    /more than 128 entries/,
  ],
  ["a 257-byte key", () => JSON.stringify({ ["k".repeat(257)]: 1 }), "TOO_LONG", 403, /longer than 256 bytes/],
  [
    "a lone surrogate in a key",
    () => JSON.stringify({ "name\uD800": "x" }),
    "INVALID_STRING",
    403,
    /lone UTF-16 surrogate/,
  ],
  [
    "over 64 KiB of arguments",
    () => JSON.stringify(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, "v".repeat(1000)]))),
    "ARGS_TOO_LARGE",
    413,
    /64 KiB/,
  ],
  [`${DEPTH} levels of nesting`, () => deepJson(), "ARGS_TOO_DEEP", 403, /nest deeper than 1000 levels/],
];

/** An MCP session over streamable HTTP that can send a body JSON.stringify could not produce. */
async function rawSession(url: string, headers: Record<string, string> = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = await connect(transport);
  return {
    client,
    async call(name: string, argumentsJson: string): Promise<any> {
      const body = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":${JSON.stringify(name)},"arguments":${argumentsJson}}}`;
      const r = await fetch(url, {
        method: "POST",
        headers: {
          ...headers,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-session-id": transport.sessionId!,
        },
        body,
      });
      return r.json();
    },
  };
}

/** invoke_hook arguments for a pre hook, with the payload's args spliced in as JSON text. */
function hookJson(tool: string, argsJson: string, requestId: string): string {
  const req = preInvoke({ tool, user: "alice@acme.example", tenant: "acme", requestId });
  return `{"hook_type":"tool_pre_invoke","plugin_name":"${PLUGIN}","payload":{"name":${JSON.stringify(tool)},"args":${argsJson}},"context":${JSON.stringify(req.context)}}`;
}

const hookAnswer = (rpc: any) => JSON.parse(rpc.result.content[0].text);

describe("plugin server over HTTP", () => {
  const servers: Record<"closed" | "open", { server: RunningServer; session: Awaited<ReturnType<typeof rawSession>> }> =
    {} as never;
  beforeAll(async () => {
    for (const policy of ["closed", "open"] as const) {
      // failurePolicy left at its default for "closed": the default must block
      const detector = createDetector(
        policy === "open" ? { action: "block", failurePolicy: "open" } : { action: "block" },
      );
      const plugin = new ContextForgePlugin({ detector, maxPayloadBytes: 512 * 1024 });
      const server = await servePluginHttp(plugin, { host: "127.0.0.1", port: 0, maxBodyBytes: 2 << 20 });
      servers[policy] = { server, session: await rawSession(server.url) };
    }
  });
  afterAll(async () => {
    for (const s of Object.values(servers)) {
      await s.session.client.close();
      await s.server.close();
    }
  });

  const cases = [
    ...INPUTS,
    [
      "an invoke_hook body over maxPayloadBytes",
      () => JSON.stringify({ blob: "b".repeat(600_000) }),
      "PAYLOAD_TOO_LARGE",
      413,
      /over the 524288-byte limit/,
    ] as const,
  ];
  for (const [name, args, code, status, msg] of cases) {
    it(`${name}: closed blocks with a violation naming the problem`, async () => {
      const r = hookAnswer(
        await servers.closed.session.call("invoke_hook", hookJson("store_note", args(), "rq-closed")),
      );
      expect(r.error).toBeUndefined();
      expect(r.result.continue_processing).toBe(false);
      const v = r.result.violation;
      expect(v).toMatchObject({ code: "BLOCKED", mcp_error_code: BLOCKED_ERROR_CODE, http_status_code: status });
      expect(v.description).toMatch(msg);
      expect(v.description).toContain(`(${code})`);
      expect(v.description).toContain('"store_note"');
      expect(v.details.toolwatch).toEqual({
        action: "block",
        reasons: [{ code, message: expect.stringMatching(msg) }],
      });
      expect(r.context.global_context.request_id).toBe("rq-closed");
    });

    it(`${name}: open continues with the reason in metadata`, async () => {
      const r = hookAnswer(await servers.open.session.call("invoke_hook", hookJson("store_note", args(), "rq-open")));
      expect(r.error).toBeUndefined();
      expect(r.result.continue_processing).toBe(true);
      expect(r.result.violation ?? null).toBeNull();
      expect(r.result.metadata.toolwatch).toEqual({
        action: "allow",
        refused: { code, message: expect.stringMatching(msg) },
      });
      expect(r.context.global_context.request_id).toBe("rq-open");
      // the post hook answers too, without recording an outcome for a call that was never scored
      const post = await callJson(
        servers.open.session.client,
        "invoke_hook",
        postInvoke(preInvoke({ tool: "store_note" }), r.context),
      );
      expect(post.result.continue_processing).toBe(true);
      expect(post.result.metadata.toolwatch).toMatchObject({ tracked: false, refused: code });
    });
  }

  it("a missing tool name and non-object args are the call's input too", async () => {
    const noName = await callJson(servers.closed.session.client, "invoke_hook", {
      ...preInvoke({ tool: "x" }),
      payload: { args: {} },
    });
    expect(noName.result.violation.details.toolwatch.reasons[0].code).toBe("INVALID_TOOL");
    const open = await callJson(servers.open.session.client, "invoke_hook", {
      ...preInvoke({ tool: "x" }),
      payload: { name: "x", args: "a=b" },
    });
    expect(open.result.continue_processing).toBe(true);
    expect(open.result.metadata.toolwatch.refused.code).toBe("INVALID_ARGS");
  });

  it("envelope problems stay error envelopes under either policy", async () => {
    for (const { session } of Object.values(servers)) {
      const r = await callJson(session.client, "invoke_hook", { ...preInvoke({ tool: "x" }), plugin_name: "Other" });
      expect(r.error.code).toBe("UNKNOWN_PLUGIN");
    }
  });

  it("counts refusals by action and code", async () => {
    const text = await (await fetch(servers.closed.server.url.replace("/mcp", "/metrics"))).text();
    expect(text).toMatch(/toolwatch_refused_inputs_total\{action="block",code="ARGS_TOO_DEEP"\} 1/);
    expect(text).toMatch(/toolwatch_refused_inputs_total\{action="block",code="ARGS_TOO_LARGE"\} 2/);
    const open = await (await fetch(servers.open.server.url.replace("/mcp", "/metrics"))).text();
    expect(open).toMatch(/toolwatch_refused_inputs_total\{action="allow",code="TOO_LONG"\} 1/);
    expect(open).not.toMatch(/hook_errors_total\{code="(ARGS|TOO|INVALID_STRING)/);
  });
});

describe("SDK middleware", () => {
  async function guarded(failurePolicy?: "open") {
    const ran: string[] = [];
    const server = new Server({ name: "notes", version: "1.0.0" }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: [{ name: "store_note", inputSchema: { type: "object" as const } }],
    }));
    server.setRequestHandler(CallToolRequestSchema, async (req) => {
      ran.push(req.params.name);
      return { content: [{ type: "text", text: "stored" }] };
    });
    const detector = createDetector({ action: "block", ...(failurePolicy ? { failurePolicy } : {}) });
    guardMcpServer(server, detector, { identity: () => ({ principal: "alice", tenant: "acme" }) });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    return { client: await connect(a), ran, detector };
  }

  for (const [name, args, code, status, msg] of INPUTS) {
    it(`${name}: closed throws a BLOCKED McpError, open runs the tool`, async () => {
      // the in-memory transport passes objects: no JSON text on the way
      const closed = await guarded();
      const err = await closed.client
        .callTool({ name: "store_note", arguments: code === "ARGS_TOO_DEEP" ? deepObject() : JSON.parse(args()) })
        .catch((e) => e);
      expect(err).toBeInstanceOf(McpError);
      expect(err.code).toBe(BLOCKED_ERROR_CODE);
      expect(err.message).toMatch(msg);
      expect(err.message).toContain(`(${code})`);
      expect(err.data).toMatchObject({
        code: "BLOCKED",
        http_status: status,
        toolwatch: { action: "block", reasons: [{ code }] },
      });
      expect(closed.ran).toEqual([]);
      await closed.client.close();

      const open = await guarded("open");
      const r = await open.client.callTool({
        name: "store_note",
        arguments: code === "ARGS_TOO_DEEP" ? deepObject() : JSON.parse(args()),
      });
      expect((r.content as any)[0].text).toBe("stored");
      expect(open.ran).toEqual(["store_note"]);
      expect(open.detector.stats().entities).toBe(0); // refused: never scored, nothing recorded
      await open.client.close();
    });
  }

  it("anonymous refusal stays a block under the open policy", async () => {
    const server = new Server({ name: "notes", version: "1.0.0" }, { capabilities: { tools: {} } });
    let ran = false;
    server.setRequestHandler(CallToolRequestSchema, async () => {
      ran = true;
      return { content: [] };
    });
    guardMcpServer(server, createDetector({ failurePolicy: "open", anonymous: "refuse" }));
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = await connect(a);
    const err = await client.callTool({ name: "store_note", arguments: {} }).catch((e) => e);
    expect(err.code).toBe(BLOCKED_ERROR_CODE);
    expect(ran).toBe(false);
    await client.close();
  });
});

describe("proxy", () => {
  const DEMO = join(__dirname, "..", "..", "examples", "demo-server", "server.mjs");
  const SECRET = "refused-input-secret-0123456789abcdef";
  const METRICS = "refused-input-metrics-0123456789";
  const proxies: Record<"closed" | "open", RunningServer> = {} as never;
  let auth: Record<string, string>;
  beforeAll(async () => {
    for (const policy of ["closed", "open"] as const) {
      proxies[policy] = await startProxy({
        upstream: `"${process.execPath}" "${DEMO}"`,
        stderr: "ignore",
        auth: { jwtSecret: SECRET },
        metricsToken: METRICS,
        maxBodyBytes: 2 << 20,
        detector: createDetector(policy === "open" ? { action: "block", failurePolicy: "open" } : { action: "block" }),
      });
    }
    const jwt = await new SignJWT({ email: "alice@acme.example", tenant: "acme" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(SECRET));
    auth = { authorization: `Bearer ${jwt}` };
  });
  afterAll(async () => {
    for (const p of Object.values(proxies)) await p?.close();
  });

  // read_file's schema keeps `path` and drops the rest, so the upstream runs it when let through
  const withPath = (argsJson: string) => `{"path":"/projects/roadmap.md",${argsJson.slice(1)}`;

  for (const [name, args, code, status, msg] of INPUTS) {
    it(`${name}: closed answers a BLOCKED error, open relays the call`, async () => {
      const closed = await rawSession(proxies.closed.url, auth);
      const c = await closed.call("read_file", withPath(args()));
      expect(c.error.code).toBe(BLOCKED_ERROR_CODE);
      expect(c.error.message).toMatch(msg);
      expect(c.error.message).toContain(`(${code})`);
      expect(c.error.data).toMatchObject({
        code: "BLOCKED",
        http_status: status,
        toolwatch: { action: "block", reasons: [{ code }] },
      });
      await closed.client.close();

      const open = await rawSession(proxies.open.url, auth);
      const o = await open.call("read_file", withPath(args()));
      if (code === "ARGS_TOO_DEEP") {
        // let through, but no MCP transport can write 50 000 levels of JSON: the relay says so
        expect(o.error.message).toMatch(/upstream unavailable/);
      } else {
        expect(o.error).toBeUndefined();
        expect(o.result.content[0].text).toMatch(/^Q3/);
      }
      await open.client.close();
    });
  }

  it("counts refusals in its metrics", async () => {
    const text = await (
      await fetch(proxies.closed.url.replace(/\/mcp$/, "/metrics"), { headers: { authorization: `Bearer ${METRICS}` } })
    ).text();
    expect(text).toMatch(/toolwatch_refused_inputs_total\{action="block",code="TOO_LONG"\} 1/);
  });
});
