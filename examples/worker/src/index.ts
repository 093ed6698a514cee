// Example Worker: an MCP tool-call guard. Routes:
//   POST /mcp     JSON-RPC tools/call, checked before it reaches UPSTREAM_MCP_URL
//   POST /check   {tool, args, principal, tenant, time?, timeZone?} -> the decision
//   POST /after   {tool, principal, tenant, isError} -> {tracked}
//   GET  /state?tenant=...  state hash and figures of a tenant's guard
import type { Env } from "./env.js";
import { guardFor, json } from "./http.js";
import { handleMcp } from "./mcp.js";

export { TenantGuard } from "./tenant-guard.js";

async function body(request: Request): Promise<Record<string, unknown> | null> {
  const b = await request.json().catch(() => null);
  return typeof b === "object" && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : null;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const route = `${request.method} ${url.pathname}`;
    if (route === "POST /mcp") return handleMcp(request, env);
    if (route === "POST /check" || route === "POST /after") {
      const b = await body(request);
      if (!b) return json({ error: { code: "INVALID_CALL", message: "the body must be a JSON object" } }, 400);
      const tenant = typeof b.tenant === "string" ? b.tenant : "";
      const guard = guardFor(env, tenant);
      const r =
        route === "POST /check" ? await guard.check(b as never) : await guard.after(b as never, b.isError === true);
      return "error" in r ? json(r, 400) : json(r.ok);
    }
    if (route === "GET /state") return json(await guardFor(env, url.searchParams.get("tenant") ?? "").state());
    return json({ error: { code: "NOT_FOUND", message: `no route ${route}` } }, 404);
  },
} satisfies ExportedHandler<Env>;
