// Not an open door: loopback-only without TLS or a token, bearer tokens, client certificates, and
// admin operations only with the admin credential.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createDetector } from "../../js/runtime/node/index.js";
import {
  ContextForgePlugin,
  servePluginHttp,
  assertSafeListen,
  type RunningServer,
} from "../../js/integrations/contextforge/index.js";
import { callJson, httpClient, preInvoke } from "./helpers.js";
import { makePki, tlsFetch } from "./tls.js";

const BIN = join(__dirname, "..", "..", "bin", "toolwatch.mjs");
const HOOK = "hook-token-0123456789abcdef";
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

describe("listen policy", () => {
  it("refuses a non-loopback interface without TLS or a token", () => {
    expect(() => assertSafeListen({ host: "0.0.0.0", port: 8000 })).toThrow(/refusing to listen on 0\.0\.0\.0/);
    expect(() => assertSafeListen({ host: "10.1.2.3", port: 8000 })).toThrow(/TLS or a bearer token/);
    expect(() => assertSafeListen({ host: "0.0.0.0", port: 8000, token: HOOK })).not.toThrow();
    expect(() => assertSafeListen({ host: "0.0.0.0", port: 8000, tls: { certfile: "c", keyfile: "k" } })).not.toThrow();
    expect(() => assertSafeListen({ host: "127.0.0.1", port: 8000 })).not.toThrow();
    expect(() => assertSafeListen({ host: "::1", port: 8000 })).not.toThrow();
    expect(() => assertSafeListen({ host: "127.0.0.1", port: 8000, token: "short" })).toThrow(/at least 16/);
    expect(() => assertSafeListen({ host: "127.0.0.1", port: 8000, token: HOOK, adminToken: HOOK })).toThrow(/differ/);
    expect(() =>
      assertSafeListen({ host: "0.0.0.0", port: 1, tls: { certfile: "c", keyfile: "k", verifyClient: true } }),
    ).toThrow(/ca_bundle/);
  });

  it("the CLI exits with the reason instead of listening", () => {
    const r = spawnSync(process.execPath, [BIN, "serve", "--host", "0.0.0.0", "--port", "0"], {
      encoding: "utf8",
      env: { ...process.env, TOOLWATCH_TOKEN: "" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 \(not loopback\) without TLS or a bearer token/);
  });
});

describe("bearer tokens and admin operations", () => {
  let server: RunningServer;
  let now = Date.UTC(2026, 0, 5, 10);
  const base = () => server.url.replace(/\/mcp$/, "");
  beforeAll(async () => {
    const plugin = new ContextForgePlugin({ detector: createDetector(CONFIG), clock: () => now });
    server = await servePluginHttp(plugin, { host: "127.0.0.1", port: 0, token: HOOK, adminToken: ADMIN });
  });
  afterAll(() => server?.close());

  it("refuses MCP without the token, and with a wrong one", async () => {
    await expect(httpClient(server.url)).rejects.toThrow();
    await expect(httpClient(server.url, { authorization: "Bearer wrong-token-0123456789" })).rejects.toThrow();
    const r = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(r.status).toBe(401);
    expect((await fetch(`${base()}/health`)).status).toBe(200);
    expect((await fetch(`${base()}/metrics`)).status).toBe(401);
    expect((await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${HOOK}` } })).status).toBe(200);
  });

  it("admin needs the admin token: the hook token is refused", async () => {
    const post = (path: string, token: string | undefined, body: unknown) =>
      fetch(`${base()}/admin/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post("allowlist", undefined, { tool: "send_email" })).status).toBe(401);
    const withHook = await post("allowlist", HOOK, { tool: "send_email" });
    expect(withHook.status).toBe(403);
    expect((await withHook.json()).error.message).toMatch(/hook credential/);

    const client = await httpClient(server.url, { authorization: `Bearer ${HOOK}` });
    const call = (tool: string, args: Record<string, unknown>) => {
      now += 120_000;
      return callJson(client, "invoke_hook", preInvoke({ tool, args, user: "alice@example.com", tenant: "acme" }));
    };
    for (let i = 0; i < 20; i++) await call("read_file", { path: `/d/${i % 3}` });
    expect((await call("export_db", { table: "users" })).result.continue_processing).toBe(false);

    // "this call was fine": learned into the baseline; the same call is no longer an unseen tool
    const fb = await post("feedback", ADMIN, {
      tool: "export_db",
      args: { table: "users" },
      principal: "alice@example.com",
      tenant: "acme",
      time: now,
    });
    expect(fb.status).toBe(200);
    const again = await call("export_db", { table: "users" });
    expect(again.result.metadata.toolwatch.reasons.map((r: any) => r.code)).not.toContain("UNSEEN_TOOL");

    // allowlist a tool: allowed whatever the risk
    expect((await call("drop_table", { table: "users" })).result.continue_processing).toBe(false);
    const al = await post("allowlist", ADMIN, { tool: "drop_table" });
    expect(al.status).toBe(200);
    const allowed = await call("drop_table", { table: "users" });
    expect(allowed.result.continue_processing).toBe(true);
    expect(allowed.result.metadata.toolwatch.reasons.map((r: any) => r.code)).toContain("ALLOWLISTED");

    const bad = await post("allowlist", ADMIN, { colour: "red" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/unknown key "colour"/);
    const stats = await fetch(`${base()}/admin/stats`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect((await stats.json()).allowlistEntries).toBe(1);
    // no state directory here: snapshots are refused with a reason, not faked
    const snap = await post("snapshot", ADMIN, {});
    expect(snap.status).toBe(501);
    expect((await snap.json()).error.message).toMatch(/state directory/);
    await client.close();
  });
});

describe("admin input: clear errors, nothing applied", () => {
  let server: RunningServer;
  const base = () => server.url.replace(/\/mcp$/, "");
  beforeAll(async () => {
    server = await servePluginHttp(new ContextForgePlugin({ detector: createDetector(CONFIG) }), {
      host: "127.0.0.1",
      port: 0,
      token: HOOK,
      adminToken: ADMIN,
    });
  });
  afterAll(() => server?.close());
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${base()}/admin/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify(body),
    });
    return { status: r.status, message: (await r.json()).error?.message as string | undefined };
  };

  it("refuses an empty allowlist entry, an empty or non-string value; feedback with a bad time, args or principal", async () => {
    expect(await post("allowlist", {})).toEqual({
      status: 400,
      message: expect.stringMatching(/needs \{tool\}, \{principal\}, \{tenant\}.*got \{\}/),
    });
    expect(await post("allowlist", { tenant: "" })).toEqual({
      status: 400,
      message: "allowlist: tenant must be a non-empty string, got an empty string",
    });
    expect(await post("allowlist", { tenant: "acme", principal: 5 })).toEqual({
      status: 400,
      message: "allowlist: principal must be a non-empty string, got a number",
    });
    const stats = await fetch(`${base()}/admin/stats`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect((await stats.json()).allowlistEntries).toBe(0);
    expect(await post("feedback", { tool: "t", time: "soon" })).toEqual({
      status: 400,
      message: expect.stringMatching(/time must be the call's time in milliseconds since the epoch, got "soon"/),
    });
    expect(await post("feedback", { tool: "t", args: "x" })).toEqual({
      status: 400,
      message: expect.stringMatching(/args must be an object, got a string/),
    });
    expect(await post("feedback", { tool: "t", principal: 7 })).toEqual({
      status: 400,
      message: expect.stringMatching(/principal must be a string, got a number/),
    });
    expect(await post("feedback", { tool: "t", time: Date.UTC(2026, 0, 5) })).toEqual({
      status: 200,
      message: undefined,
    });
  });

  it("names the config key for snapshots: state.dir", async () => {
    const r = await post("snapshot", {});
    expect(r.status).toBe(501);
    expect(r.message).toMatch(/state\.dir in the config file, or TOOLWATCH_STATE_DIR/);
    expect(r.message).not.toMatch(/server\.stateDir/);
  });
});

describe("TLS with client-certificate verification", () => {
  let server: RunningServer;
  let pki: ReturnType<typeof makePki>;
  beforeAll(async () => {
    pki = makePki();
    const plugin = new ContextForgePlugin({ detector: createDetector(CONFIG) });
    server = await servePluginHttp(plugin, {
      host: "127.0.0.1",
      port: 0,
      tls: { certfile: pki.serverCert, keyfile: pki.serverKey, caBundle: pki.ca, verifyClient: true },
    });
  });
  afterAll(() => server?.close());

  it("serves a client with a certificate from the CA and refuses one without", async () => {
    expect(server.url).toMatch(/^https:/);
    const good = new Client({ name: "gw", version: "1" });
    await good.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        fetch: tlsFetch(pki.ca, { cert: pki.clientCert, key: pki.clientKey }),
      }),
    );
    const conf = await callJson(good, "get_plugin_config", { name: "ToolCallAnomalyDetection" });
    expect(conf.hooks).toContain("tool_pre_invoke");
    await good.close();
    const anon = new Client({ name: "gw", version: "1" });
    await expect(
      anon.connect(new StreamableHTTPClientTransport(new URL(server.url), { fetch: tlsFetch(pki.ca) })),
    ).rejects.toThrow();
  });
});
