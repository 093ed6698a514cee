// Who is calling: (tenant, principal). Adapters extract it here and nowhere else.
import { ToolwatchError } from "./core/errors.js";

export interface Identity {
  tenant: string;
  principal: string;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Where a ContextForge tenant comes from (see fromContextForge). */
export type TenantFrom = "tenant_id" | "user_context";

// The gateway's placeholder for a caller it could not authenticate: nobody, not a shared principal.
const UNKNOWN_USER = "unknown";
const known = (v: unknown): string | undefined => {
  const s = str(v);
  return s === UNKNOWN_USER ? undefined : s;
};

/**
 * From a ContextForge global context: `user` (a string, or an object's email, else sub), then
 * `user_context` (email, else user_id); the literal "unknown" (the gateway's unauthenticated caller)
 * identifies nobody. Tenant with `tenantFrom: "tenant_id"` (default): `tenant_id`, else
 * `user_context.team_id`; with "user_context": `user_context.team_id`, else `tenant_id` (on the
 * gateway's MCP transport tenant_id is the tool's team, not the caller's).
 * Absent and null fields are treated alike. Returns undefined principal when nothing identifies.
 */
export function fromContextForge(globalContext: unknown, o: { tenantFrom?: TenantFrom } = {}): Partial<Identity> {
  const g = obj(globalContext) ?? {};
  const user = g.user;
  // A field of the wrong type is a broken identity, not a missing one: pooling it as anonymous would hide it.
  if (user !== undefined && user !== null && typeof user !== "string" && !obj(user))
    throw badField("global_context.user", user, "a string or an object (email, sub)");
  for (const [where, v] of [
    ["global_context.user.email", obj(user)?.email],
    ["global_context.user.sub", obj(user)?.sub],
    ["global_context.user_context.email", obj(g.user_context)?.email],
    ["global_context.user_context.user_id", obj(g.user_context)?.user_id],
    ["global_context.tenant_id", g.tenant_id],
    ["global_context.user_context.team_id", obj(g.user_context)?.team_id],
  ] as const) {
    if (v !== undefined && v !== null && typeof v !== "string") throw badField(where, v, "a string");
  }
  const uo = obj(user);
  const uc = obj(g.user_context);
  const principal = known(user) ?? known(uo?.email) ?? known(uo?.sub) ?? known(uc?.email) ?? known(uc?.user_id);
  const tenant =
    o.tenantFrom === "user_context" ? (str(uc?.team_id) ?? str(g.tenant_id)) : (str(g.tenant_id) ?? str(uc?.team_id));
  return { principal, tenant };
}

const typeName = (v: unknown): string => (Array.isArray(v) ? "an array" : v === null ? "null" : `a ${typeof v}`);
const badField = (where: string, v: unknown, want: string) =>
  new ToolwatchError("INVALID_IDENTITY", `${where} must be ${want}, got ${typeName(v)}`);

export interface HeaderNames {
  principal?: string;
  tenant?: string;
}

function header(headers: unknown, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const h = obj(headers);
  if (!h) return undefined;
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(h)) {
    if (k.toLowerCase() !== want) continue;
    if (Array.isArray(v)) return str(v[0]);
    return str(v);
  }
  return undefined;
}

/**
 * From an MCP SDK request's `extra`: `authInfo.extra` (sub, email, tenant/tenant_id) or
 * `authInfo.clientId`; then the configured headers, when `trustHeaders` says the transport
 * authenticated them.
 */
export function fromMcpExtra(extra: unknown, names: HeaderNames = {}, trustHeaders = false): Partial<Identity> {
  const e = obj(extra) ?? {};
  const auth = obj(e.authInfo);
  const ax = obj(auth?.extra);
  let principal = str(ax?.email) ?? str(ax?.sub) ?? str(ax?.principal) ?? str(auth?.clientId);
  let tenant = str(ax?.tenant) ?? str(ax?.tenant_id) ?? str(ax?.tenantId);
  if (trustHeaders) {
    const headers = obj(e.requestInfo)?.headers;
    principal = principal ?? header(headers, names.principal);
    tenant = tenant ?? header(headers, names.tenant);
  }
  return { principal, tenant };
}

/** From a plain object: principal | user | sub | email, and tenant | tenant_id | tenantId. */
export function fromObject(o: unknown): Partial<Identity> {
  const x = obj(o) ?? {};
  return {
    principal: str(x.principal) ?? str(x.user) ?? str(x.sub) ?? str(x.email),
    tenant: str(x.tenant) ?? str(x.tenant_id) ?? str(x.tenantId),
  };
}

/** The principal calls without identity are pooled under. Reserved: a caller that names itself this is
 * refused, so no real principal (a user called "anonymous" included) shares the pooled baseline. The
 * Python and C hosts use the same string (their state and the vectors must match). */
export const ANONYMOUS = "(anonymous)";

/** Applies the anonymous policy: the shared reserved ANONYMOUS principal, or refusal. */
export function resolveIdentity(id: Partial<Identity>, anonymous: "shared" | "refuse"): Identity {
  if (id.principal !== undefined && typeof id.principal !== "string") {
    throw new ToolwatchError("INVALID_IDENTITY", "principal must be a string");
  }
  if (id.tenant !== undefined && typeof id.tenant !== "string") {
    throw new ToolwatchError("INVALID_IDENTITY", "tenant must be a string");
  }
  if (id.principal === ANONYMOUS) {
    throw new ToolwatchError(
      "INVALID_IDENTITY",
      `principal "${ANONYMOUS}" is reserved for calls without identity; leave the principal out to pool a call there`,
    );
  }
  const principal = id.principal && id.principal.length > 0 ? id.principal : undefined;
  if (principal === undefined) {
    if (anonymous === "refuse")
      throw new ToolwatchError("ANONYMOUS_REFUSED", "the call carries no identity and anonymous calls are refused");
    return { tenant: id.tenant ?? "", principal: ANONYMOUS };
  }
  return { tenant: id.tenant ?? "", principal };
}
