// Identity as the ContextForge gateway really sends it, over the real plugin server: the literal
// "unknown" user, and the tenant from tenant_id (the tool's team on the MCP transport) or from
// user_context.team_id (tenantFrom), settable in the config file and the environment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { createDetector } from "../../js/runtime/node/index.js";
import { ContextForgePlugin, servePluginHttp, type RunningServer } from "../../js/integrations/contextforge/index.js";
import type { DetectorLike } from "../../js/integrations/mcp-sdk/index.js";
import { ANONYMOUS, fromContextForge, type Identity } from "../../js/identity.js";
import { loadConfig } from "../../js/cli/config-file.js";
import { callJson, httpClient, preInvoke } from "./helpers.js";

/** A detector that remembers the identity each check() was given. */
function recording(config: Parameters<typeof createDetector>[0]) {
  const d = createDetector(config);
  const seen: Array<Partial<Identity> | undefined> = [];
  const like: DetectorLike = {
    get config() {
      return d.config;
    },
    check: (c) => {
      seen.push(c.identity);
      return d.check(c);
    },
    after: (c, o) => d.after(c, o),
    learn: (c) => d.learn(c),
    allow: (e) => d.allow(e),
    clearAllowlist: () => d.clearAllowlist(),
    stats: () => d.stats(),
  };
  return { like, seen };
}

// REST path: user object, user_context of the caller, tenant_id = the caller's team
const REST = {
  user: { email: "alice@acme.example", is_admin: false, full_name: "Alice A." },
  tenant: "team-alice",
  extraGlobal: {
    user_context: {
      user_id: "u-17",
      email: "alice@acme.example",
      team_id: "team-alice",
      teams: ["team-alice", "team-ops"],
    },
  },
};
// MCP transport: user = the email, tenant_id = the team that owns the tool
const MCP = { user: "alice@acme.example", tenant: "team-tools" };
const MCP_WITH_CALLER = {
  ...MCP,
  extraGlobal: { user_context: { user_id: "u-17", email: "alice@acme.example", team_id: "team-alice" } },
};

describe("tenantFrom over the plugin server", () => {
  const running: Array<{ server: RunningServer; client: Client }> = [];
  async function serve(tenantFrom?: "tenant_id" | "user_context", config = {}) {
    const rec = recording(config);
    const plugin = new ContextForgePlugin({ detector: rec.like, ...(tenantFrom ? { tenantFrom } : {}) });
    const server = await servePluginHttp(plugin, { host: "127.0.0.1", port: 0 });
    const client = await httpClient(server.url);
    running.push({ server, client });
    const call = async (o: Partial<Parameters<typeof preInvoke>[0]>) => {
      const r = await callJson(client, "invoke_hook", preInvoke({ tool: "read_file", args: { path: "/a" }, ...o }));
      return { r, identity: rec.seen.at(-1) };
    };
    return { call };
  }
  let byTenantId: Awaited<ReturnType<typeof serve>>;
  let byDefault: Awaited<ReturnType<typeof serve>>;
  let byUserContext: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    byDefault = await serve();
    byTenantId = await serve("tenant_id");
    byUserContext = await serve("user_context");
  });
  afterAll(async () => {
    for (const { server, client } of running) {
      await client.close();
      await server.close();
    }
  });

  it("tenant_id (default): tenant_id as sent, the caller's team on REST, the tool's team on MCP", async () => {
    for (const s of [byDefault, byTenantId]) {
      expect((await s.call(REST)).identity).toEqual({ principal: "alice@acme.example", tenant: "team-alice" });
      expect((await s.call(MCP)).identity).toEqual({ principal: "alice@acme.example", tenant: "team-tools" });
      expect((await s.call(MCP_WITH_CALLER)).identity).toEqual({
        principal: "alice@acme.example",
        tenant: "team-tools",
      });
    }
  });

  it("user_context: the caller's team_id when the gateway sends it, else tenant_id", async () => {
    expect((await byUserContext.call(REST)).identity).toEqual({
      principal: "alice@acme.example",
      tenant: "team-alice",
    });
    expect((await byUserContext.call(MCP_WITH_CALLER)).identity).toEqual({
      principal: "alice@acme.example",
      tenant: "team-alice",
    });
    expect((await byUserContext.call(MCP)).identity).toEqual({ principal: "alice@acme.example", tenant: "team-tools" });
  });

  it('user "unknown" is no identity: refused with anonymous: refuse', async () => {
    const s = await serve(undefined, { anonymous: "refuse" });
    for (const user of ["unknown", { email: "unknown", is_admin: false, full_name: "" }]) {
      const { r, identity } = await s.call({ user, tenant: "team-tools" });
      expect(identity?.principal).toBeUndefined();
      expect(r.result.continue_processing).toBe(false);
      expect(r.result.violation.details.toolwatch.reasons[0].code).toBe("ANONYMOUS_REFUSED");
    }
    expect((await s.call(MCP)).r.result.continue_processing).toBe(true);
  });

  it('user "unknown" is pooled as the anonymous principal with anonymous: shared', async () => {
    const { r, identity } = await byDefault.call({ user: "unknown" });
    expect(identity?.principal).toBeUndefined();
    expect(r.result.continue_processing).toBe(true);
  });
});

describe("identity fields of the wrong type, and the reserved anonymous principal", () => {
  let server: RunningServer;
  let client: Client;
  beforeAll(async () => {
    server = await servePluginHttp(new ContextForgePlugin({ detector: createDetector({}) }), {
      host: "127.0.0.1",
      port: 0,
    });
    client = await httpClient(server.url);
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it("global_context.user: 5 is refused naming the field, not pooled as anonymous", async () => {
    for (const [extra, where] of [
      [{ user: 5 }, "global_context.user must be a string or an object (email, sub), got a number"],
      [{ user: { email: 5 } }, "global_context.user.email must be a string, got a number"],
      [
        { user: "a@b.example", extraGlobal: { user_context: { team_id: ["t"] } } },
        "global_context.user_context.team_id must be a string, got an array",
      ],
    ] as const) {
      const r = await callJson(client, "invoke_hook", preInvoke({ tool: "read_file", args: { path: "/a" }, ...extra }));
      expect(r.result.continue_processing).toBe(false);
      expect(r.result.violation.details.toolwatch.reasons[0]).toEqual({ code: "INVALID_IDENTITY", message: where });
    }
    expect(() => fromContextForge({ user: 5 })).toThrow(/global_context\.user must be/);
  });

  it('a principal named "anonymous" has its own baseline; the pooled one is reserved', () => {
    const d = createDetector({});
    const time = Date.UTC(2026, 0, 5, 10);
    expect(d.check({ tool: "x", identity: { principal: "anonymous" }, time }).identity).toEqual({
      principal: "anonymous",
      tenant: "",
    });
    expect(d.check({ tool: "x", identity: fromContextForge({ user: "unknown" }), time }).identity).toEqual({
      principal: ANONYMOUS,
      tenant: "",
    });
    expect(ANONYMOUS).not.toBe("anonymous");
    expect(d.stats().entities).toBe(2);
    expect(() => d.check({ tool: "x", identity: { principal: ANONYMOUS }, time })).toThrow(
      /is reserved for calls without identity/,
    );
  });
});

describe("tenantFrom in the config file and the environment", () => {
  const dir = mkdtempSync(join(tmpdir(), "tw-tenant-from-"));
  it("server.tenant_from, overridden by TOOLWATCH_TENANT_FROM; anything else is refused naming the key", () => {
    const file = join(dir, "t.yaml");
    writeFileSync(file, "server:\n  tenant_from: user_context\n");
    expect(loadConfig(file, {}).server.tenantFrom).toBe("user_context");
    expect(loadConfig(file, { TOOLWATCH_TENANT_FROM: "tenant_id" }).server.tenantFrom).toBe("tenant_id");
    expect(loadConfig(undefined, {}).server.tenantFrom).toBeUndefined();
    expect(() => loadConfig(undefined, { TOOLWATCH_TENANT_FROM: "team" })).toThrow(/server\.tenantFrom/);
  });
});
