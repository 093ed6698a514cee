import type { Env } from "./env.js";

export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/**
 * Who calls. Behind Cloudflare Access the user's email arrives in a header Access sets itself;
 * x-toolwatch-* headers are for a gateway in front that authenticated the caller. Never expose this
 * Worker directly to clients that could set them.
 */
export function identityOf(request: Request): { principal?: string; tenant: string } {
  const h = request.headers;
  return {
    principal: h.get("cf-access-authenticated-user-email") ?? h.get("x-toolwatch-principal") ?? undefined,
    tenant: h.get("x-toolwatch-tenant") ?? "",
  };
}

/** The Durable Object of a tenant (one per tenant: see docs/HOSTS.md). */
export function guardFor(env: Env, tenant: string) {
  return env.GUARD.get(env.GUARD.idFromName(`tenant:${tenant}`));
}
