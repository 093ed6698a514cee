// Who is calling: ContextForge global contexts, MCP SDK requests, plain objects, and anonymous calls.
import { describe, it, expect } from "vitest";
import {
  fromContextForge,
  fromMcpExtra,
  fromObject,
  resolveIdentity,
  createDetector,
  ToolwatchError,
  ANONYMOUS,
} from "../../js/runtime/node/index.js";

describe("ContextForge global context", () => {
  it("takes user as a string, or an object's email, else its sub", () => {
    expect(fromContextForge({ user: "alice@acme.example", tenant_id: "acme" })).toEqual({
      principal: "alice@acme.example",
      tenant: "acme",
    });
    expect(fromContextForge({ user: { email: "bob@acme.example", sub: "u-2" } }).principal).toBe("bob@acme.example");
    expect(fromContextForge({ user: { sub: "u-3" } }).principal).toBe("u-3");
    expect(fromContextForge({ user: { email: "", sub: "u-4" } }).principal).toBe("u-4");
  });
  it("falls back to user_context, and takes the tenant from tenant_id else user_context.team_id", () => {
    expect(fromContextForge({ user_context: { email: "c@x.example", team_id: "team-9" } })).toEqual({
      principal: "c@x.example",
      tenant: "team-9",
    });
    expect(fromContextForge({ user_context: { user_id: "42" }, tenant_id: "t1" })).toEqual({
      principal: "42",
      tenant: "t1",
    });
    expect(fromContextForge({ user: "d", tenant_id: "t1", user_context: { team_id: "other" } }).tenant).toBe("t1");
  });
  it("treats absent and null alike", () => {
    const none = { principal: undefined, tenant: undefined };
    expect(fromContextForge({})).toEqual(none);
    expect(fromContextForge({ user: null, tenant_id: null, user_context: null })).toEqual(none);
    expect(fromContextForge(null)).toEqual(none);
    expect(fromContextForge({ user: null, user_context: { email: "e@x.example" } }).principal).toBe("e@x.example");
    // a field of the wrong type is a broken identity, named, not a missing one
    expect(() => fromContextForge({ user: 17, tenant_id: 5 })).toThrow(
      expect.objectContaining({
        code: "INVALID_IDENTITY",
        message: "global_context.user must be a string or an object (email, sub), got a number",
      }),
    );
    expect(() => fromContextForge({ user: "a", tenant_id: 5 })).toThrow(
      /global_context\.tenant_id must be a string, got a number/,
    );
  });
});

describe("ContextForge as the gateway really sends it", () => {
  // REST path: user is an object, user_context names the caller, tenant_id is the caller's team
  const rest = {
    user: { email: "alice@acme.example", is_admin: false, full_name: "Alice" },
    tenant_id: "team-alice",
    user_context: {
      user_id: "u-1",
      email: "alice@acme.example",
      team_id: "team-alice",
      teams: ["team-alice", "team-ops"],
    },
  };
  // MCP transport: user is the email, tenant_id is the *tool's* team
  const mcp = { user: "alice@acme.example", tenant_id: "team-tools" };
  const mcpWithCaller = {
    ...mcp,
    user_context: { user_id: "u-1", email: "alice@acme.example", team_id: "team-alice" },
  };

  it("'unknown' (the unauthenticated caller) identifies nobody", () => {
    expect(fromContextForge({ user: "unknown", tenant_id: "t" })).toEqual({ principal: undefined, tenant: "t" });
    expect(fromContextForge({ user: { email: "unknown", is_admin: false, full_name: "" } }).principal).toBeUndefined();
    expect(fromContextForge({ user: "unknown", user_context: { email: "real@x.example" } }).principal).toBe(
      "real@x.example",
    );
  });
  it("'unknown' is pooled as anonymous, or refused", () => {
    const time = Date.UTC(2024, 0, 8, 12);
    const shared = createDetector({ budgetBytes: 1 << 20 });
    expect(shared.check({ tool: "x", identity: fromContextForge({ user: "unknown" }), time }).identity).toEqual({
      principal: ANONYMOUS,
      tenant: "",
    });
    expect(
      shared.check({ tool: "x", identity: fromContextForge({ user: { email: "unknown" } }), time: time + 1000 })
        .newEntity,
    ).toBe(false);
    const refuse = createDetector({ budgetBytes: 1 << 20, anonymous: "refuse" });
    expect(() => refuse.check({ tool: "x", identity: fromContextForge({ user: "unknown" }), time })).toThrow(
      expect.objectContaining({ code: "ANONYMOUS_REFUSED" }),
    );
    expect(() => refuse.check({ tool: "x", identity: fromContextForge({ user: { email: "unknown" } }), time })).toThrow(
      expect.objectContaining({ code: "ANONYMOUS_REFUSED" }),
    );
  });
  it("tenantFrom tenant_id (default): tenant_id, the caller's team on REST and the tool's team on MCP", () => {
    expect(fromContextForge(rest)).toEqual({ principal: "alice@acme.example", tenant: "team-alice" });
    expect(fromContextForge(rest, { tenantFrom: "tenant_id" })).toEqual(fromContextForge(rest));
    expect(fromContextForge(mcp)).toEqual({ principal: "alice@acme.example", tenant: "team-tools" });
    expect(fromContextForge(mcpWithCaller).tenant).toBe("team-tools");
  });
  it("tenantFrom user_context: the caller's team_id when present, else tenant_id", () => {
    const o = { tenantFrom: "user_context" as const };
    expect(fromContextForge(rest, o)).toEqual({ principal: "alice@acme.example", tenant: "team-alice" });
    expect(fromContextForge(mcpWithCaller, o)).toEqual({ principal: "alice@acme.example", tenant: "team-alice" });
    expect(fromContextForge(mcp, o)).toEqual({ principal: "alice@acme.example", tenant: "team-tools" });
    expect(fromContextForge({ ...mcp, user_context: { team_id: null } }, o).tenant).toBe("team-tools");
  });
});

describe("MCP SDK request extra", () => {
  const extra = (authInfo: unknown, headers?: Record<string, string | string[]>) => ({
    authInfo,
    requestInfo: { headers },
  });
  it("reads authInfo.extra (email, sub, tenant) and clientId", () => {
    expect(fromMcpExtra(extra({ clientId: "c1", extra: { email: "a@x.example", tenant: "acme" } }))).toEqual({
      principal: "a@x.example",
      tenant: "acme",
    });
    expect(fromMcpExtra(extra({ clientId: "c1", extra: { sub: "s1", tenant_id: "t" } }))).toEqual({
      principal: "s1",
      tenant: "t",
    });
    expect(fromMcpExtra(extra({ clientId: "c1" }))).toEqual({ principal: "c1", tenant: undefined });
  });
  it("trusts identity headers only when told to, matching names case-insensitively", () => {
    const e = extra(undefined, { "X-User": "h@x.example", "x-tenant": ["acme", "ignored"] });
    const names = { principal: "x-user", tenant: "X-Tenant" };
    expect(fromMcpExtra(e, names)).toEqual({ principal: undefined, tenant: undefined });
    expect(fromMcpExtra(e, names, true)).toEqual({ principal: "h@x.example", tenant: "acme" });
    // authenticated identity wins over a header
    expect(fromMcpExtra(extra({ clientId: "c9" }, { "x-user": "spoof" }), names, true).principal).toBe("c9");
  });
});

describe("plain object", () => {
  it("reads principal | user | sub | email and tenant | tenant_id | tenantId", () => {
    expect(fromObject({ principal: "p", tenant: "t" })).toEqual({ principal: "p", tenant: "t" });
    expect(fromObject({ user: "u", tenant_id: "t" })).toEqual({ principal: "u", tenant: "t" });
    expect(fromObject({ email: "e@x.example", tenantId: "t" })).toEqual({ principal: "e@x.example", tenant: "t" });
    expect(fromObject("nope")).toEqual({ principal: undefined, tenant: undefined });
  });
});

describe("anonymous calls", () => {
  const time = Date.UTC(2024, 0, 8, 12);
  it("share one 'anonymous' baseline per tenant by default", () => {
    expect(resolveIdentity({}, "shared")).toEqual({ principal: ANONYMOUS, tenant: "" });
    const d = createDetector({ budgetBytes: 1 << 20 });
    const a = d.check({ tool: "x", identity: fromContextForge({ user: null }), time });
    const b = d.check({ tool: "x", identity: fromContextForge({}), time: time + 1000 });
    expect(a.identity).toEqual({ principal: ANONYMOUS, tenant: "" });
    expect(a.newEntity).toBe(true);
    expect(b.newEntity).toBe(false);
    expect(b.learning.learnedCalls).toBe(2);
  });
  it("are refused when configured, with a typed error and no state change", () => {
    const d = createDetector({ budgetBytes: 1 << 20, anonymous: "refuse" });
    const h = d.stateHash();
    expect(() => d.check({ tool: "x", identity: fromContextForge({}), time })).toThrow(ToolwatchError);
    expect(() => d.check({ tool: "x", principal: "", time })).toThrow(
      expect.objectContaining({ code: "ANONYMOUS_REFUSED" }),
    );
    expect(d.stateHash()).toBe(h);
    expect(d.check({ tool: "x", principal: "p", time }).action).toBe("allow");
  });
  it("refuses an identity of the wrong type", () => {
    const d = createDetector({ budgetBytes: 1 << 20 });
    expect(() => d.check({ tool: "x", principal: 5 as never, time })).toThrow(/principal must be a string/);
    expect(() => d.check({ tool: "x", principal: "p", tenant: {} as never, time })).toThrow(/tenant must be a string/);
  });
});
