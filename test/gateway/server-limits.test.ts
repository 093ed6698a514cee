// What one client can hold on the plugin server and the proxy: open connections (capped), slow headers
// and bodies, idle keep-alive connections and idle MCP sessions (closed after their timeouts), and the
// SDK transport's per-request stream entries (released after each answer).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect as tcp, type Socket } from "node:net";
import { createServer, type Server as NodeHttpServer } from "node:http";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { createDetector } from "../../js/runtime/node/index.js";
import { ContextForgePlugin, servePluginHttp, type RunningServer } from "../../js/integrations/contextforge/index.js";
import { McpEndpoint } from "../../js/http/mcp-endpoint.js";
import { createPluginMcpServer } from "../../js/integrations/contextforge/mcp-server.js";
import { DEFAULT_LIMITS, StartupError } from "../../js/http/listen.js";
import { startProxy } from "../../js/proxy/index.js";
import { limitsOf, loadConfig } from "../../js/cli/config-file.js";
import { silentLogger } from "../../js/log.js";
import { callJson, httpClient, preInvoke } from "./helpers.js";

const DEMO = join(__dirname, "..", "..", "examples", "demo-server", "server.mjs");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const plugin = () => new ContextForgePlugin({ detector: createDetector({ action: "warn" }) });

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((s) => s.close()));
});
async function serve(o: Partial<Parameters<typeof servePluginHttp>[1]>): Promise<RunningServer> {
  const s = await servePluginHttp(plugin(), { host: "127.0.0.1", port: 0, ...o });
  running.push(s);
  return s;
}

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};
const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/** initialize + initialized with plain fetch (no GET stream): the session id. */
async function openSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await fetch(url, { method: "POST", headers: { ...mcpHeaders, ...headers }, body: JSON.stringify(INIT) });
  expect(r.status).toBe(200);
  await r.text();
  const sid = r.headers.get("mcp-session-id")!;
  const n = await fetch(url, {
    method: "POST",
    headers: { ...mcpHeaders, ...headers, "mcp-session-id": sid },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  expect(n.status).toBe(202);
  return sid;
}

function listTools(url: string, sid: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { ...mcpHeaders, ...headers, "mcp-session-id": sid },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
  });
}

/** A raw TCP connection; `closed` settles when the server ends it, with whatever it sent. */
function rawSocket(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = tcp(port, "127.0.0.1");
    let data = "";
    socket.on("data", (b) => (data += b));
    const closed = new Promise<string>((r) => socket.once("close", () => r(data)));
    socket.once("error", () => undefined);
    socket.once("connect", () => resolve({ socket, received: () => data, closed }));
    socket.once("error", reject);
  });
}

const settledWithin = <T>(p: Promise<T>, ms: number): Promise<T | "pending"> =>
  Promise.race([p, sleep(ms).then(() => "pending" as const)]);

describe("limits: validation and defaults", () => {
  it("has defaults shorter than Node's and refuses bad values", async () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxConnections: 1024,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      sessionIdleMs: 900_000,
    });
    const s = await serve({});
    expect(s.http.maxConnections).toBe(1024);
    expect(s.http.headersTimeout).toBe(10_000);
    expect(s.http.requestTimeout).toBe(30_000);
    expect(s.http.keepAliveTimeout).toBe(5_000);
    await expect(serve({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).rejects.toThrow(StartupError);
    await expect(serve({ maxConnections: 0 })).rejects.toThrow(/maxConnections/);
    await expect(serve({ sessionIdleMs: -1 })).rejects.toThrow(/sessionIdleMs/);
  });

  it("reads server: and proxy: sections and the TOOLWATCH_* variables, in seconds", () => {
    const dir = mkdtempSync(join(tmpdir(), "tw-limits-"));
    const file = join(dir, "c.yaml");
    writeFileSync(
      file,
      [
        "server:",
        "  max_connections: 64",
        "  headers_timeout_seconds: 2",
        "  request_timeout_seconds: 4.5",
        "  keep_alive_timeout_seconds: 1",
        "  session_idle_seconds: 60",
        "  max_sessions: 10",
        "proxy:",
        "  max_connections: 32",
        "  session_idle_seconds: 0",
        "  max_sessions: 5",
      ].join("\n"),
    );
    const c = loadConfig(file, {});
    expect(limitsOf(c.server)).toEqual({
      maxConnections: 64,
      headersTimeoutMs: 2000,
      requestTimeoutMs: 4500,
      keepAliveTimeoutMs: 1000,
      sessionIdleMs: 60_000,
    });
    expect(c.server.maxSessions).toBe(10);
    expect(limitsOf(c.proxy)).toMatchObject({ maxConnections: 32, sessionIdleMs: 0, headersTimeoutMs: undefined });
    expect(c.proxy.maxSessions).toBe(5);
    const e = loadConfig(file, {
      TOOLWATCH_MAX_CONNECTIONS: "8",
      TOOLWATCH_SESSION_IDLE_SECONDS: "30",
      TOOLWATCH_MAX_SESSIONS: "3",
    });
    expect([e.server.maxConnections, e.server.sessionIdleSeconds, e.server.maxSessions]).toEqual([8, 30, 3]);
    expect([e.proxy.maxConnections, e.proxy.sessionIdleSeconds, e.proxy.maxSessions]).toEqual([8, 30, 3]);
    expect(() => loadConfig(undefined, { TOOLWATCH_MAX_CONNECTIONS: "0" })).toThrow(/server\.maxConnections/);
    expect(() => loadConfig(undefined, { TOOLWATCH_HEADERS_TIMEOUT_SECONDS: "soon" })).toThrow(
      /server\.headersTimeoutSeconds/,
    );
  });
});

describe("limits: connections", () => {
  it("refuses connections over maxConnections, and takes new ones once some close", async () => {
    const s = await serve({ maxConnections: 2 });
    const a = await rawSocket(s.port);
    const b = await rawSocket(s.port);
    const c = await rawSocket(s.port);
    // the third is closed by the server without an answer; the first two stay
    expect(await settledWithin(c.closed, 2000)).toBe("");
    expect(await settledWithin(a.closed, 200)).toBe("pending");
    a.socket.destroy();
    b.socket.destroy();
    await sleep(50);
    expect((await fetch(s.url.replace(/\/mcp$/, "/health"))).status).toBe(200);
  });

  it("closes a connection whose headers do not arrive within headersTimeout (408)", async () => {
    const s = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const t0 = Date.now();
    const slow = await rawSocket(s.port);
    slow.socket.write("POST /mcp HTTP/1.1\r\nHost: localhost\r\n");
    const got = await settledWithin(slow.closed, 3000);
    expect(got).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("closes a request whose body does not arrive within requestTimeout, but not a long answer", async () => {
    const s = await serve({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const slow = await rawSocket(s.port);
    slow.socket.write(
      'POST /mcp HTTP/1.1\r\nHost: localhost\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"jsonrpc"',
    );
    expect(await settledWithin(slow.closed, 3000)).not.toBe("pending");
    // a GET stream is an answer in progress, not a request still arriving: it outlives requestTimeout
    const sid = await openSession(s.url);
    const ctl = new AbortController();
    const sse = await fetch(s.url, {
      headers: { accept: "text/event-stream", "mcp-session-id": sid },
      signal: ctl.signal,
    });
    expect(sse.status).toBe(200);
    const reader = sse.body!.getReader();
    const ended = reader.read().then(
      (r) => (r.done ? "ended" : "data"),
      () => "error",
    );
    expect(await settledWithin(ended, 1500)).toBe("pending");
    ctl.abort();
  });

  it("closes an idle keep-alive connection after keepAliveTimeout", async () => {
    const s = await serve({ keepAliveTimeoutMs: 200 });
    const k = await rawSocket(s.port);
    const t0 = Date.now();
    k.socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const got = await settledWithin(k.closed, 2000);
    expect(got).toMatch(/^HTTP\/1\.1 200[\s\S]*keep-alive[\s\S]*healthy/i);
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});

describe("limits: idle MCP sessions", () => {
  it("serve: a session idle past sessionIdleMs is closed (404), one in use is kept", async () => {
    const s = await serve({ sessionIdleMs: 300 });
    const idle = await openSession(s.url);
    const busy = await openSession(s.url);
    for (let i = 0; i < 8; i++) {
      await sleep(100);
      expect((await listTools(s.url, busy)).status).toBe(200);
    }
    const r = await listTools(s.url, idle);
    expect(r.status).toBe(404);
    expect((await r.json()).error.message).toMatch(/session not found/);
    expect((await listTools(s.url, busy)).status).toBe(200);
  });

  it("serve: an SDK client keeps its session while it works; sessionIdleMs 0 never closes", async () => {
    const s = await serve({ sessionIdleMs: 0 });
    const sid = await openSession(s.url);
    await sleep(300);
    expect((await listTools(s.url, sid)).status).toBe(200);
    const t = await serve({ sessionIdleMs: 200 });
    const c = await httpClient(t.url);
    for (let i = 0; i < 3; i++) {
      await sleep(100);
      expect(
        (await callJson(c, "invoke_hook", preInvoke({ tool: "read_file", user: "u", tenant: "t" }))).result
          .continue_processing,
      ).toBe(true);
    }
    await c.close();
  });

  describe("proxy", () => {
    let upstream: RunningServer;
    beforeAll(async () => {
      // any MCP server will do as the upstream: the plugin server itself
      upstream = await servePluginHttp(plugin(), { host: "127.0.0.1", port: 0 });
    });
    afterAll(() => upstream?.close());

    it("closes an idle session (404) with its upstream connection, and caps connections", async () => {
      const p = await startProxy({
        upstream: upstream.url,
        detector: createDetector({ action: "warn" }),
        auth: { anonymous: true },
        sessionIdleMs: 300,
        maxConnections: 3,
        headersTimeoutMs: 1000,
        requestTimeoutMs: 2000,
        keepAliveTimeoutMs: 1000,
      });
      running.push(p);
      expect([p.http.maxConnections, p.http.headersTimeout, p.http.requestTimeout, p.http.keepAliveTimeout]).toEqual([
        3, 1000, 2000, 1000,
      ]);
      const sid = await openSession(p.url);
      expect((await listTools(p.url, sid)).status).toBe(200);
      await sleep(900);
      expect((await listTools(p.url, sid)).status).toBe(404);
    });

    it("an idle session with a spawned stdio upstream is closed too", async () => {
      const p = await startProxy({
        upstream: `"${process.execPath}" "${DEMO}"`,
        stderr: "ignore",
        detector: createDetector({ action: "warn" }),
        auth: { anonymous: true },
        sessionIdleMs: 300,
      });
      running.push(p);
      const sid = await openSession(p.url);
      expect((await listTools(p.url, sid)).status).toBe(200);
      await sleep(900);
      expect((await listTools(p.url, sid)).status).toBe(404);
    });
  });
});

describe("the SDK transport's per-request streams are released", () => {
  let http: NodeHttpServer;
  let url: string;
  const transports: StreamableHTTPServerTransport[] = [];
  let endpoint: McpEndpoint;
  beforeAll(async () => {
    const p = plugin();
    endpoint = new McpEndpoint({
      maxBodyBytes: 1 << 20,
      maxSessions: 10,
      logger: silentLogger(),
      jsonResponse: true,
      connect: (t) => {
        transports.push(t);
        return createPluginMcpServer(p).connect(t);
      },
    });
    http = createServer((req, res) => void endpoint.handle(req, res));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    await endpoint.closeAll();
    http.close();
  });

  it("after sequential and concurrent calls on one session nothing per request is left", async () => {
    const c = await httpClient(url);
    for (let i = 0; i < 20; i++)
      await callJson(
        c,
        "invoke_hook",
        preInvoke({ tool: "read_file", user: `u${i % 3}`, tenant: "t", requestId: `r${i}` }),
      );
    // concurrent POSTs: each waits for its own answer while the others are released
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        callJson(c, "invoke_hook", preInvoke({ tool: "list_files", user: `u${i}`, tenant: "t", requestId: `c${i}` })),
      ),
    );
    expect(answers.every((a) => a.result.continue_processing === true)).toBe(true);
    const inner = (transports[0] as any)._webStandardTransport;
    // the SDK client's GET stream, if it opened one, is the only stream left
    expect([...inner._streamMapping.keys()].filter((k: string) => k !== "_GET_stream")).toEqual([]);
    expect(inner._requestToStreamMapping.size).toBe(0);
    expect(inner._requestResponseMap.size).toBe(0);
    await c.close();
  });
});
