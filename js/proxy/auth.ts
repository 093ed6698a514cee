// Who is calling through the proxy: a JWT verified against a secret or a JWKS, or a header trusted
// only when configured (behind an authenticating proxy). Anything unverifiable is refused.
import type { IncomingMessage } from "node:http";
import { readFileSync } from "node:fs";
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { Identity } from "../identity.js";
import { ANONYMOUS } from "../identity.js";
import { StartupError } from "../adapter/contextforge/http-common.js";

export interface ProxyAuthOptions {
  /** HMAC secret (HS256/384/512). */
  jwtSecret?: string;
  /** JWKS endpoint (RS*, ES*, EdDSA keys). */
  jwksUrl?: string;
  /** A JWKS JSON file. */
  jwksFile?: string;
  issuer?: string;
  audience?: string;
  /** Claim naming the principal; default email, else sub. */
  principalClaim?: string;
  /** Claim naming the tenant; default tenant, tenant_id, team_id, org_id. */
  tenantClaim?: string;
  /** Header carrying the principal, set by an authenticating proxy in front. */
  trustedHeader?: string;
  trustedTenantHeader?: string;
  /** Accept calls without any identity (all share one anonymous baseline). */
  anonymous?: boolean;
}

export class AuthError extends Error {}

export type Authenticator = ((req: IncomingMessage) => Promise<Identity>) & { usesJwt: boolean };

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return str(Array.isArray(v) ? v[0] : v);
}

export function createAuthenticator(o: ProxyAuthOptions): Authenticator {
  const sources = [o.jwtSecret, o.jwksUrl, o.jwksFile].filter((x) => x !== undefined).length;
  if (sources > 1) throw new StartupError("give one of jwtSecret, jwksUrl, jwksFile");
  if (o.jwtSecret !== undefined && o.jwtSecret.length < 16) throw new StartupError("the JWT secret must be at least 16 characters");
  if (sources === 0 && !o.trustedHeader && !o.anonymous) {
    throw new StartupError("the proxy needs an identity source: --jwt-secret, --jwks-url, --jwks-file, --trusted-header (behind an authenticating proxy), or --anonymous");
  }
  let key: Uint8Array | JWTVerifyGetKey | undefined;
  if (o.jwtSecret) key = new TextEncoder().encode(o.jwtSecret);
  else if (o.jwksUrl) key = createRemoteJWKSet(new URL(o.jwksUrl));
  else if (o.jwksFile) {
    try {
      key = createLocalJWKSet(JSON.parse(readFileSync(o.jwksFile, "utf8")));
    } catch (err) {
      throw new StartupError(`cannot load JWKS file ${o.jwksFile}: ${(err as Error).message}`);
    }
  }

  const fromClaims = (p: JWTPayload): Identity => {
    const c = p as Record<string, unknown>;
    const principal = o.principalClaim ? str(c[o.principalClaim]) : str(c.email) ?? str(c.sub);
    if (!principal) throw new AuthError(`token has no ${o.principalClaim ? `"${o.principalClaim}"` : "email or sub"} claim`);
    const tenant = o.tenantClaim ? str(c[o.tenantClaim]) : str(c.tenant) ?? str(c.tenant_id) ?? str(c.team_id) ?? str(c.org_id);
    return { principal, tenant: tenant ?? "" };
  };

  const auth = async (req: IncomingMessage): Promise<Identity> => {
    const h = req.headers.authorization;
    const bearer = typeof h === "string" ? /^Bearer\s+(\S+)$/i.exec(h.trim())?.[1] : undefined;
    if (key !== undefined && bearer !== undefined) {
      let payload: JWTPayload;
      try {
        const opts = { ...(o.issuer ? { issuer: o.issuer } : {}), ...(o.audience ? { audience: o.audience } : {}) };
        payload = (typeof key === "function" ? await jwtVerify(bearer, key, opts) : await jwtVerify(bearer, key, opts)).payload;
      } catch (err) {
        throw new AuthError(`invalid token: ${(err as Error).message}`);
      }
      return fromClaims(payload);
    }
    if (o.trustedHeader) {
      const principal = headerValue(req, o.trustedHeader);
      if (principal) return { principal, tenant: (o.trustedTenantHeader && headerValue(req, o.trustedTenantHeader)) || "" };
    }
    if (key !== undefined) throw new AuthError("a bearer JWT is required");
    if (o.anonymous) return { principal: ANONYMOUS, tenant: "" };
    throw new AuthError(`identity header "${o.trustedHeader}" is required`);
  };
  return Object.assign(auth, { usesJwt: key !== undefined });
}
