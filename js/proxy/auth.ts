// Who is calling through the proxy: a JWT verified against a secret or a JWKS, or a header trusted
// only when configured (behind an authenticating proxy) and only from listed peers. With JWT
// verification a token is always required: a header never stands in for one. Anything unverifiable
// is refused.
import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";
import { readFileSync } from "node:fs";
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { Identity } from "../identity.js";
import { StartupError } from "../http/listen.js";

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
  /** Header carrying the principal, set by an authenticating proxy in front. Not with a JWT source. */
  trustedHeader?: string;
  /** Header carrying the tenant: with trustedHeader, or with a JWT whose token names no tenant. */
  trustedTenantHeader?: string;
  /** Peers (IPs or CIDRs) whose identity headers are believed; default loopback only. */
  trustedProxies?: string[];
  /** Accept tokens without `exp` (default false: refused). */
  allowNoExp?: boolean;
  /** Refuse tokens whose `iat` is older than this; default 86400 (24 h); 0 = no limit. */
  maxTokenAgeSeconds?: number;
  /** Tolerated clock difference for exp, nbf and iat; default 60. */
  clockSkewSeconds?: number;
  /** Accept calls without any identity (all share one anonymous baseline). */
  anonymous?: boolean;
}

export class AuthError extends Error {}

export type Authenticator = ((req: IncomingMessage) => Promise<Identity>) & {
  usesJwt: boolean;
  /** Identity headers are configured (believed from trustedProxies only). */
  usesHeaders: boolean;
  /** trustedProxies was given, not the loopback default. */
  peersListed: boolean;
  /** Only a trusted proxy's header admits a caller: trustedHeader with a listed peer, and no anonymous calls. */
  headerGuarded: boolean;
};

const LOOPBACK = ["127.0.0.0/8", "::1"];

/** IPs and CIDRs as a BlockList (it matches IPv4-mapped IPv6 peers against IPv4 rules too). */
export function peerList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const e of entries) {
    const [addr = "", bits, extra] = e.trim().split("/");
    const v = isIP(addr);
    const max = v === 4 ? 32 : 128;
    const n = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (v === 0 || extra !== undefined || !(n >= 0 && n <= max))
      throw new StartupError(
        `trustedProxies: "${e}" is not an IP address or CIDR (e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)`,
      );
    list.addSubnet(addr, n, v === 4 ? "ipv4" : "ipv6");
  }
  return list;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return str(Array.isArray(v) ? v[0] : v);
}

function jwksUrl(u: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(u);
  } catch {
    // reported below
  }
  if (url?.protocol !== "https:" && url?.protocol !== "http:")
    throw new StartupError(`jwksUrl (--jwks-url) must be an http(s) URL, got "${u}"`);
  return url;
}

export function createAuthenticator(o: ProxyAuthOptions): Authenticator {
  const sources = [o.jwtSecret, o.jwksUrl, o.jwksFile].filter((x) => x !== undefined).length;
  if (sources > 1) throw new StartupError("give one of jwtSecret, jwksUrl, jwksFile");
  if (o.jwtSecret !== undefined && o.jwtSecret.length < 16)
    throw new StartupError("the JWT secret must be at least 16 characters");
  if (sources === 0 && !o.trustedHeader && !o.anonymous) {
    throw new StartupError(
      "the proxy needs an identity source: --jwt-secret, --jwks-url, --jwks-file, --trusted-header (behind an authenticating proxy), or --anonymous",
    );
  }
  // Either the token or the header names the caller; a fallback from one to the other would let a
  // header stand in for a missing token.
  if (sources > 0 && o.trustedHeader) {
    throw new StartupError(
      "--trusted-header cannot be combined with JWT verification (--jwt-secret, --jwks-url, --jwks-file): every request must then carry a valid token; use --trusted-tenant-header to take only a missing tenant from the proxy in front",
    );
  }
  const num = (v: number | undefined, d: number, name: string): number => {
    if (v === undefined) return d;
    if (!Number.isFinite(v) || v < 0) throw new StartupError(`${name} must be a number of seconds >= 0, got ${v}`);
    return v;
  };
  const maxAge = num(o.maxTokenAgeSeconds, 86400, "maxTokenAgeSeconds");
  const skew = num(o.clockSkewSeconds, 60, "clockSkewSeconds");
  const peers = peerList(o.trustedProxies ?? LOOPBACK);
  const usesHeaders = o.trustedHeader !== undefined || o.trustedTenantHeader !== undefined;
  const peerOf = (req: IncomingMessage): string => req.socket.remoteAddress ?? "";
  const trustedPeer = (req: IncomingMessage): boolean => {
    const a = peerOf(req);
    const v = isIP(a);
    return v !== 0 && peers.check(a, v === 4 ? "ipv4" : "ipv6");
  };
  // An identity header from anyone else is refused, not ignored: ignoring it could fall through to anonymous.
  const header = (req: IncomingMessage, name: string | undefined): string | undefined => {
    if (!name) return undefined;
    const v = headerValue(req, name);
    if (v !== undefined && !trustedPeer(req))
      throw new AuthError(
        `identity header "${name}" from ${peerOf(req) || "an unknown peer"}, which is not a trusted proxy (trustedProxies)`,
      );
    return v;
  };
  let key: Uint8Array | JWTVerifyGetKey | undefined;
  if (o.jwtSecret) key = new TextEncoder().encode(o.jwtSecret);
  else if (o.jwksUrl) key = createRemoteJWKSet(jwksUrl(o.jwksUrl));
  else if (o.jwksFile) {
    try {
      key = createLocalJWKSet(JSON.parse(readFileSync(o.jwksFile, "utf8")));
    } catch (err) {
      throw new StartupError(`cannot load JWKS file ${o.jwksFile}: ${(err as Error).message}`);
    }
  }

  const fromClaims = (p: JWTPayload): Identity => {
    const c = p as Record<string, unknown>;
    const principal = o.principalClaim ? str(c[o.principalClaim]) : (str(c.email) ?? str(c.sub));
    if (!principal)
      throw new AuthError(`token has no ${o.principalClaim ? `"${o.principalClaim}"` : "email or sub"} claim`);
    const tenant = o.tenantClaim
      ? str(c[o.tenantClaim])
      : (str(c.tenant) ?? str(c.tenant_id) ?? str(c.team_id) ?? str(c.org_id));
    return { principal, tenant: tenant ?? "" };
  };

  // jose checks signature, exp and nbf (with the skew), issuer and audience; the rest is ours.
  const checkTimes = (p: JWTPayload): void => {
    const now = Date.now() / 1000;
    if (p.exp === undefined && !o.allowNoExp)
      throw new AuthError('invalid token: no "exp" claim (tokens must expire; allowNoExp accepts them)');
    if (p.iat !== undefined) {
      if (p.iat > now + skew)
        throw new AuthError(
          `invalid token: "iat" is ${Math.round(p.iat - now)} s in the future (clockSkewSeconds ${skew})`,
        );
      if (maxAge > 0 && now - p.iat > maxAge)
        throw new AuthError(
          `invalid token: issued ${Math.round(now - p.iat)} s ago, older than maxTokenAgeSeconds ${maxAge}`,
        );
    }
  };

  const auth = async (req: IncomingMessage): Promise<Identity> => {
    const h = req.headers.authorization;
    const bearer = typeof h === "string" ? /^Bearer\s+(\S+)$/i.exec(h.trim())?.[1] : undefined;
    if (key !== undefined && bearer !== undefined) {
      let payload: JWTPayload;
      try {
        const opts = {
          clockTolerance: skew,
          ...(o.issuer ? { issuer: o.issuer } : {}),
          ...(o.audience ? { audience: o.audience } : {}),
        };
        payload = (typeof key === "function" ? await jwtVerify(bearer, key, opts) : await jwtVerify(bearer, key, opts))
          .payload;
      } catch (err) {
        throw new AuthError(`invalid token: ${(err as Error).message}`);
      }
      checkTimes(payload);
      const id = fromClaims(payload);
      const tenant = header(req, o.trustedTenantHeader);
      // the proxy in front may name the tenant when the token does not; the token's own always wins
      if (!id.tenant) id.tenant = tenant ?? "";
      return id;
    }
    if (key !== undefined) throw new AuthError("a bearer JWT is required");
    if (o.trustedHeader) {
      const principal = header(req, o.trustedHeader);
      if (principal) return { principal, tenant: header(req, o.trustedTenantHeader) ?? "" };
    }
    // no principal: the detector pools the call under its reserved anonymous identity
    if (o.anonymous) return { principal: "", tenant: "" };
    throw new AuthError(`identity header "${o.trustedHeader}" is required`);
  };
  const peersListed = o.trustedProxies !== undefined;
  return Object.assign(auth, {
    usesJwt: key !== undefined,
    usesHeaders,
    peersListed,
    headerGuarded: !!o.trustedHeader && peersListed && !o.anonymous,
  });
}
