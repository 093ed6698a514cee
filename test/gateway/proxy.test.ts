// The standalone proxy against real upstream MCP servers (the bundled demo server, spawned over stdio
// and over HTTP), with identities from verified JWTs (secret and JWKS) or a configured trusted header.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server as HttpServer } from "node:http";
import { spawn, type ChildProcess } from "node:child_process";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { createDetector } from "../../js/runtime/node/index.js";
import { startProxy } from "../../js/proxy/index.js";
import { BLOCKED_ERROR_CODE } from "../../js/integrations/mcp-sdk/index.js";
import type { RunningServer } from "../../js/integrations/contextforge/index.js";
import type { Decision } from "../../js/detector.js";
import { httpClient } from "./helpers.js";

const DEMO = join(__dirname, "..", "..", "examples", "demo-server", "server.mjs");
const STDIO_UPSTREAM = `"${process.execPath}" "${DEMO}"`;
const SECRET = "proxy-test-secret-0123456789abcdef";
const METRICS = "metrics-token-0123456789abcdef";
const ADMIN = "admin-token-0123456789abcdef";
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

const hs = (claims: Record<string, unknown>, secret = SECRET, exp: string | number = "10m") =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));

const texts = (r: any): string => (r.content as Array<{ text: string }>).map((c) => c.text).join("\n");

describe("proxy to a stdio upstream, JWT with a shared secret", () => {
  let proxy: RunningServer;
  let now = Date.UTC(2026, 0, 5, 10);
  const decisions: Decision[] = [];
  beforeAll(async () => {
    proxy = await startProxy({
      upstream: STDIO_UPSTREAM,
      stderr: "ignore",
      detector: createDetector(CONFIG),
      auth: { jwtSecret: SECRET },
      metricsToken: METRICS,
      adminToken: ADMIN,
      clock: () => now,
      onDecision: (d) => decisions.push(d),
    });
  });
  afterAll(() => proxy?.close());

  it("refuses requests without a JWT, with a bad signature, or expired", async () => {
    await expect(httpClient(proxy.url)).rejects.toThrow();
    await expect(
      httpClient(proxy.url, {
        authorization: `Bearer ${await hs({ sub: "alice" }, "another-secret-0123456789abcdef")}`,
      }),
    ).rejects.toThrow();
    await expect(
      httpClient(proxy.url, {
        authorization: `Bearer ${await hs({ sub: "alice" }, SECRET, Math.floor(Date.now() / 1000) - 60)}`,
      }),
    ).rejects.toThrow();
    const r = await fetch(proxy.url, {
      method: "POST",
      headers: { authorization: "Bearer not.a.jwt", "content-type": "application/json" },
      body: "{}",
    });
    expect(r.status).toBe(401);
    expect((await r.json()).error.message).toMatch(/invalid token/);
  });

  it("forwards everything, and blocks the anomalous call before it reaches the upstream", async () => {
    const alice = await httpClient(proxy.url, {
      authorization: `Bearer ${await hs({ email: "alice@acme.example", tenant: "acme" })}`,
    });
    expect(alice.getServerVersion()?.name).toBe("toolwatch-demo");
    const { tools } = await alice.listTools();
    expect(tools.map((t) => t.name)).toContain("http_post");
    // an upstream error result passes through as a result (and after() records it)
    const missing = await alice.callTool({ name: "read_file", arguments: { path: "/nope" } });
    expect(missing.isError).toBe(true);
    expect(texts(missing)).toBe("no such file: /nope");
    for (let i = 0; i < 20; i++) {
      now += 120_000;
      const r = await alice.callTool({
        name: "read_file",
        arguments: { path: i % 2 ? "/projects/roadmap.md" : "/projects/standup.md" },
      });
      expect(texts(r)).toMatch(/Q3|Yesterday/);
    }
    now += 120_000;
    const err = await alice
      .callTool({ name: "http_post", arguments: { url: "https://collect.vendor-secure.example/upload", data: "x" } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(BLOCKED_ERROR_CODE);
    expect(err.message).toMatch(/toolwatch blocked "http_post".*UNSEEN_TOOL/);
    expect(err.data.toolwatch.action).toBe("block");
    expect(decisions.at(-1)!.identity).toEqual({ principal: "alice@acme.example", tenant: "acme" });
    // a session keeps working after a block
    now += 120_000;
    expect(texts(await alice.callTool({ name: "read_file", arguments: { path: "/projects/roadmap.md" } }))).toMatch(
      /Q3/,
    );
    await alice.close();
  });

  it("relays resources, prompts and pings untouched", async () => {
    const c = await httpClient(proxy.url, { authorization: `Bearer ${await hs({ sub: "rita", tenant: "acme" })}` });
    const before = decisions.length;
    await c.ping();
    const { resources } = await c.listResources();
    expect(resources.map((r) => r.uri)).toEqual(["file:///projects/roadmap.md"]);
    const res = await c.readResource({ uri: "file:///projects/roadmap.md" });
    expect((res.contents[0] as { text: string }).text).toMatch(/^Q3/);
    const prompt = await c.getPrompt({ name: "summarise", arguments: { path: "/x" } });
    expect((prompt.messages[0]!.content as { text: string }).text).toBe("Summarise /x");
    expect(decisions.length).toBe(before); // only tools/call is scored
    await c.close();
  });

  it("each verified principal has its own baseline", async () => {
    const bob = await httpClient(proxy.url, { authorization: `Bearer ${await hs({ sub: "bob", tenant: "globex" })}` });
    now += 120_000;
    await bob.callTool({ name: "http_post", arguments: { url: "https://x.example", data: "y" } });
    expect(decisions.at(-1)!.identity).toEqual({ principal: "bob", tenant: "globex" });
    expect(decisions.at(-1)!.action).not.toBe("block");
    await bob.close();
  });

  it("serves /health, and /metrics only with a metrics or admin token (JWTs are required here)", async () => {
    const base = proxy.url.replace(/\/mcp$/, "");
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: "healthy" });
    const open = await fetch(`${base}/metrics`);
    expect(open.status).toBe(401);
    expect((await open.json()).error.message).toMatch(/Bearer <metrics or admin token>/);
    // a caller's JWT is not a metrics credential
    expect(
      (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${await hs({ sub: "alice" })}` } })).status,
    ).toBe(401);
    const m = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })).text();
    expect(m).toMatch(/toolwatch_decisions_total\{action="block"\} 1/);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
  });
});

describe("JWT times: exp required, a maximum age, little clock skew", () => {
  const sign = (b: (j: SignJWT) => SignJWT) =>
    b(new SignJWT({ sub: "gina" }).setProtectedHeader({ alg: "HS256" })).sign(new TextEncoder().encode(SECRET));
  const now = () => Math.floor(Date.now() / 1000);
  const init = (url: string, token: string) =>
    fetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
    });
  const refusal = async (url: string, token: string) => {
    const r = await init(url, token);
    return r.status === 401 ? ((await r.json()).error.message as string) : `accepted (${r.status})`;
  };
  let strict: RunningServer;
  let lax: RunningServer;
  beforeAll(async () => {
    strict = await startProxy({
      upstream: STDIO_UPSTREAM,
      stderr: "ignore",
      detector: createDetector(CONFIG),
      auth: { jwtSecret: SECRET },
    });
    lax = await startProxy({
      upstream: STDIO_UPSTREAM,
      stderr: "ignore",
      detector: createDetector(CONFIG),
      auth: { jwtSecret: SECRET, allowNoExp: true, maxTokenAgeSeconds: 0, clockSkewSeconds: 3600 },
    });
  });
  afterAll(async () => {
    await strict?.close();
    await lax?.close();
  });

  it("refuses a token without exp, issued a year ahead, or older than 24 h (by default)", async () => {
    expect(await refusal(strict.url, await sign((j) => j.setIssuedAt()))).toMatch(/no "exp" claim/);
    expect(
      await refusal(
        strict.url,
        await sign((j) => j.setIssuedAt(now() + 365 * 86400).setExpirationTime(now() + 400 * 86400)),
      ),
    ).toMatch(/"iat" is \d+ s in the future/);
    expect(
      await refusal(strict.url, await sign((j) => j.setIssuedAt(now() - 2 * 86400).setExpirationTime("1h"))),
    ).toMatch(/older than maxTokenAgeSeconds 86400/);
    expect(
      await refusal(
        strict.url,
        await sign((j) =>
          j
            .setIssuedAt()
            .setNotBefore(now() + 600)
            .setExpirationTime("1h"),
        ),
      ),
    ).toMatch(/nbf/);
    // within the skew: a clock 30 s ahead of ours is tolerated
    expect(await refusal(strict.url, await sign((j) => j.setIssuedAt(now() + 30).setExpirationTime("1h")))).toBe(
      "accepted (200)",
    );
  });

  it("/metrics is refused when JWTs are required and no metrics or admin token is set", async () => {
    const r = await fetch(strict.url.replace(/\/mcp$/, "/metrics"));
    expect(r.status).toBe(401);
    expect((await r.json()).error.message).toMatch(
      /set a metrics token \(proxy\.metrics_token or TOOLWATCH_METRICS_TOKEN\)/,
    );
  });

  it("the options relax each rule", async () => {
    expect(await refusal(lax.url, await sign((j) => j.setIssuedAt()))).toBe("accepted (200)");
    expect(await refusal(lax.url, await sign((j) => j.setIssuedAt(now() - 2 * 86400).setExpirationTime("1h")))).toBe(
      "accepted (200)",
    );
    expect(await refusal(lax.url, await sign((j) => j.setIssuedAt(now() + 600).setExpirationTime("1h")))).toBe(
      "accepted (200)",
    );
  });
});

describe("proxy to an HTTP upstream, JWT from a JWKS", () => {
  let upstream: ChildProcess;
  let jwks: HttpServer;
  let proxy: RunningServer;
  let privateKey: CryptoKey;
  beforeAll(async () => {
    upstream = spawn(process.execPath, [DEMO, "--http", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    const upstreamUrl = await new Promise<string>((resolve, reject) => {
      upstream.stdout!.on("data", (b) => {
        const m = /listening (\S+)/.exec(String(b));
        if (m) resolve(m[1]!);
      });
      upstream.once("exit", (c) => reject(new Error(`demo server exited ${c}`)));
    });
    const kp = await generateKeyPair("RS256");
    privateKey = kp.privateKey as CryptoKey;
    const jwk = { ...(await exportJWK(kp.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwks = createServer((_, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    proxy = await startProxy({
      upstream: upstreamUrl,
      detector: createDetector(CONFIG),
      auth: { jwksUrl, issuer: "https://idp.example", audience: "mcp", tenantClaim: "org" },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    jwks?.close();
    upstream?.kill();
  });

  const rs = (claims: Record<string, unknown>, iss = "https://idp.example") =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(iss)
      .setAudience("mcp")
      .setExpirationTime("5m")
      .sign(privateKey);

  it("accepts a token signed by a JWKS key and forwards to the HTTP upstream", async () => {
    const c = await httpClient(proxy.url, { authorization: `Bearer ${await rs({ sub: "dana", org: "initech" })}` });
    const r = await c.callTool({ name: "search_docs", arguments: { query: "invoices" } });
    expect(texts(r)).toBe('3 results for "invoices"');
    await c.close();
  });

  it("refuses a token from the wrong issuer", async () => {
    await expect(
      httpClient(proxy.url, { authorization: `Bearer ${await rs({ sub: "dana" }, "https://evil.example")}` }),
    ).rejects.toThrow();
  });
});

describe("JWT and a trusted header together (the header never stands in for a token)", () => {
  const initialize = (headers: Record<string, string>) => fetch_(headers);
  let proxy: RunningServer;
  const seen: Array<{ principal: string; tenant: string }> = [];
  let fetch_: (h: Record<string, string>) => Promise<Response>;
  beforeAll(async () => {
    proxy = await startProxy({
      upstream: STDIO_UPSTREAM,
      stderr: "ignore",
      detector: createDetector(CONFIG),
      auth: { jwtSecret: SECRET, trustedTenantHeader: "x-authenticated-tenant" },
      onDecision: (_, c) => seen.push(c.identity),
    });
    fetch_ = (h) =>
      fetch(proxy.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...h },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "t", version: "1" } },
        }),
      });
  });
  afterAll(() => proxy?.close());

  it("refuses to start with a JWT source and a trusted principal header", async () => {
    await expect(
      startProxy({
        upstream: STDIO_UPSTREAM,
        detector: createDetector(CONFIG),
        auth: { jwtSecret: SECRET, trustedHeader: "x-authenticated-user" },
      }),
    ).rejects.toThrow(/--trusted-header cannot be combined with JWT verification/);
  });

  it("a tenant header alone is no identity; with a token it only fills a missing tenant", async () => {
    const r = await initialize({ "x-authenticated-tenant": "acme" });
    expect(r.status).toBe(401);
    expect((await r.json()).error.message).toMatch(/bearer JWT is required/);
    const c = await httpClient(proxy.url, {
      authorization: `Bearer ${await hs({ sub: "frank" })}`,
      "x-authenticated-tenant": "acme",
    });
    await c.callTool({ name: "list_files", arguments: { folder: "/projects" } });
    expect(seen.at(-1)).toEqual({ principal: "frank", tenant: "acme" });
    await c.close();
    const t = await httpClient(proxy.url, {
      authorization: `Bearer ${await hs({ sub: "frank", tenant: "globex" })}`,
      "x-authenticated-tenant": "acme",
    });
    await t.callTool({ name: "list_files", arguments: { folder: "/projects" } });
    expect(seen.at(-1)).toEqual({ principal: "frank", tenant: "globex" });
    await t.close();
  });
});

describe("trusted header: only from trusted peers", () => {
  it("refuses the header from a peer outside trustedProxies", async () => {
    const p = await startProxy({
      upstream: STDIO_UPSTREAM,
      stderr: "ignore",
      detector: createDetector(CONFIG),
      auth: { trustedHeader: "x-authenticated-user", trustedProxies: ["10.0.0.0/8"] },
    });
    try {
      await expect(httpClient(p.url, { "x-authenticated-user": "mallory" })).rejects.toThrow();
      const r = await fetch(p.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-authenticated-user": "mallory" },
        body: "{}",
      });
      expect(r.status).toBe(401);
      expect((await r.json()).error.message).toMatch(/not a trusted proxy/);
    } finally {
      await p.close();
    }
  });

  it("off loopback a trusted header needs an explicit peer list; with one it is the protection", async () => {
    await expect(
      startProxy({
        upstream: STDIO_UPSTREAM,
        host: "0.0.0.0",
        tls: { certfile: "/nonexistent/c", keyfile: "/nonexistent/k" },
        detector: createDetector(CONFIG),
        auth: { trustedHeader: "x-user" },
      }),
    ).rejects.toThrow(/trustedProxies/);
    const p = await startProxy({
      upstream: STDIO_UPSTREAM,
      host: "0.0.0.0",
      detector: createDetector(CONFIG),
      auth: { trustedHeader: "x-user", trustedProxies: ["10.1.2.3", "fd00::/8"] },
    });
    await p.close();
    await expect(
      startProxy({
        upstream: STDIO_UPSTREAM,
        detector: createDetector(CONFIG),
        auth: { trustedHeader: "x-user", trustedProxies: ["10.1.2.300"] },
      }),
    ).rejects.toThrow(/trustedProxies.*10\.1\.2\.300/);
  });
});

describe("malformed tools/call: refused with -32602, never relayed", () => {
  // A bare JSON-RPC upstream that records every message it is sent (an SDK server would reject
  // malformed calls itself, hiding whether the proxy relayed them).
  const received: Array<{ method?: string; id?: unknown; params?: unknown }> = [];
  let upstream: HttpServer;
  let proxy: RunningServer;
  const warnings: string[] = [];
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = "";
      req.on("data", (b) => (body += b));
      req.on("end", () => {
        if (req.method !== "POST") return res.writeHead(405).end();
        const m = JSON.parse(body);
        received.push(m);
        if (m.id === undefined) return res.writeHead(202).end();
        const result =
          m.method === "initialize"
            ? {
                protocolVersion: m.params.protocolVersion,
                capabilities: { tools: {} },
                serverInfo: { name: "recorder", version: "1" },
              }
            : { content: [{ type: "text", text: "ran" }] };
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ jsonrpc: "2.0", id: m.id, result }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const logger = {
      warn: (_o: unknown, msg: string) => warnings.push(msg),
      info() {},
      debug() {},
      error() {},
      child() {
        return logger;
      },
    } as any;
    proxy = await startProxy({
      upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`,
      detector: createDetector(CONFIG),
      auth: { anonymous: true },
      logger,
    });
  });
  afterAll(async () => {
    await proxy?.close();
    upstream?.close();
  });

  it("answers array or string arguments, a non-string name, missing params with -32602; drops a tools/call notification", async () => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    const post = async (m: unknown) => {
      const r = await fetch(proxy.url, { method: "POST", headers, body: JSON.stringify(m) });
      return {
        status: r.status,
        body: r.status === 200 ? await r.json() : undefined,
        session: r.headers.get("mcp-session-id"),
      };
    };
    const init = await post({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    headers["mcp-session-id"] = init.session!;
    headers["mcp-protocol-version"] = "2025-03-26";
    await post({ jsonrpc: "2.0", method: "notifications/initialized" });
    const bad = [
      { name: "list_files", arguments: ["/etc"] },
      { name: "list_files", arguments: "/etc" },
      { name: "list_files", arguments: null },
      { name: 5, arguments: {} },
      undefined,
    ];
    for (const [i, params] of bad.entries()) {
      const r = await post({
        jsonrpc: "2.0",
        id: 10 + i,
        method: "tools/call",
        ...(params === undefined ? {} : { params }),
      });
      expect(r.body.id).toBe(10 + i);
      expect(r.body.error.code).toBe(-32602);
      expect(r.body.error.message).toMatch(/^toolwatch: invalid tools\/call params: /);
    }
    expect(
      (await post({ jsonrpc: "2.0", method: "tools/call", params: { name: "list_files", arguments: { folder: "/" } } }))
        .status,
    ).toBe(202);
    // a well-formed call still goes through, and arrives after everything above
    const ok = await post({
      jsonrpc: "2.0",
      id: 20,
      method: "tools/call",
      params: { name: "list_files", arguments: { folder: "/" } },
    });
    expect(ok.body.result.content[0].text).toBe("ran");
    expect(received.filter((m) => m.method === "tools/call").map((m) => m.id)).toEqual([20]);
    expect(warnings).toContain("tools/call notification dropped: a call needs an id");
  });
});

describe("trusted header identity", () => {
  let proxy: RunningServer;
  beforeAll(async () => {
    proxy = await startProxy({
      upstream: STDIO_UPSTREAM,
      stderr: "ignore",
      detector: createDetector(CONFIG),
      auth: { trustedHeader: "x-authenticated-user", trustedTenantHeader: "x-authenticated-tenant" },
    });
  });
  afterAll(() => proxy?.close());

  it("uses the header when configured and refuses calls without it", async () => {
    const c = await httpClient(proxy.url, { "x-authenticated-user": "erin", "x-authenticated-tenant": "acme" });
    expect(texts(await c.callTool({ name: "list_files", arguments: { folder: "/projects" } }))).toContain(
      "/projects/roadmap.md",
    );
    await c.close();
    await expect(httpClient(proxy.url)).rejects.toThrow();
  });

  it("will not listen off loopback with only a trusted header, and needs an identity source", async () => {
    await expect(
      startProxy({
        upstream: STDIO_UPSTREAM,
        host: "0.0.0.0",
        detector: createDetector(CONFIG),
        auth: { trustedHeader: "x-user" },
      }),
    ).rejects.toThrow(/not loopback/);
    await expect(startProxy({ upstream: STDIO_UPSTREAM, detector: createDetector(CONFIG), auth: {} })).rejects.toThrow(
      /identity source/,
    );
  });

  it("answers a clear error when the upstream cannot start", async () => {
    const bad = await startProxy({
      upstream: "/nonexistent/mcp-server --x",
      stderr: "ignore",
      detector: createDetector(CONFIG),
      auth: { anonymous: true },
    });
    try {
      await expect(httpClient(bad.url)).rejects.toThrow(/upstream|ENOENT|spawn/i);
      // and the proxy still answers
      expect((await fetch(bad.url.replace(/\/mcp$/, "/health"))).status).toBe(200);
    } finally {
      await bad.close();
    }
  });
});
