// `toolwatch proxy`: toolwatch in front of any MCP server.
import { startProxy } from "../proxy/server.js";
import { checkUpstream } from "../proxy/upstream.js";
import { createAuthenticator } from "../proxy/auth.js";
import { createLogger } from "../log.js";
import { limitsOf, loadConfig } from "./config-file.js";
import { setupScoring } from "./detector-setup.js";
import { UsageError, type Flags } from "./flags.js";

export const PROXY_HELP = `toolwatch proxy --upstream <url | command> [options]

  --upstream <x>             http(s)://host/mcp, or a command to spawn ("node server.mjs")
  --config <file>            YAML/JSON: detector settings, plus a proxy: section       [TOOLWATCH_CONFIG]
  --host <addr> --port <n>   listen address (default 127.0.0.1:8080) --path <p> (default /mcp)
  Identity (one is required; anything unverifiable is refused with 401):
  --jwt-secret <s>           verify HS256/384/512 JWTs (prefer TOOLWATCH_JWT_SECRET)
  --jwks-url <url>           verify JWTs against a JWKS endpoint    --jwks-file <file>  a local JWKS
  --issuer <iss> --audience <aud>     required claims
  --principal-claim <c>      default email, else sub   --tenant-claim <c>  default tenant|tenant_id|team_id|org_id
  --max-token-age <s>        refuse tokens issued (iat) longer ago (default 86400; 0 = no limit)
  --clock-skew <s>           tolerated clock difference for exp, nbf, iat (default 60)
  --allow-no-exp             accept tokens without exp (default: refused)
  --trusted-header <h>       take the principal from a header set by an authenticating proxy in front
                             (not with a JWT source: then every request needs a valid token)
  --trusted-tenant-header <h>  the tenant from a header: with --trusted-header, or filling a token's missing tenant
  --trusted-proxy <list>     comma-separated IPs/CIDRs whose identity headers are believed (default
                             loopback; required off loopback); a header from any other peer is refused
  --anonymous                accept calls without identity (one shared baseline)
  /metrics needs 'Bearer <metrics or admin token>' when either is set [TOOLWATCH_METRICS_TOKEN,
  TOOLWATCH_ADMIN_TOKEN], and is refused without one when JWTs are required.
  Ask before a warned call runs: a proxy.ask section in --config (onWarn, timeoutMs, fallback, ...).
  --log-level <level>                                                                   [TOOLWATCH_LOG_LEVEL]
  Limits (proxy: section or environment): TOOLWATCH_MAX_CONNECTIONS (default 1024), TOOLWATCH_MAX_SESSIONS
  (1000), TOOLWATCH_HEADERS_TIMEOUT_SECONDS (10), TOOLWATCH_REQUEST_TIMEOUT_SECONDS (30),
  TOOLWATCH_KEEP_ALIVE_TIMEOUT_SECONDS (5), TOOLWATCH_SESSION_IDLE_SECONDS (900; 0 = never).`;

export async function runProxy(flags: Flags): Promise<void> {
  const cfg = loadConfig(flags.string("config"));
  const p = cfg.proxy;
  const upstream = flags.string("upstream") ?? p.upstream ?? process.env.TOOLWATCH_UPSTREAM;
  if (!upstream) throw new UsageError("--upstream is required");
  const logger = createLogger(flags.string("log-level") ?? p.logLevel ?? cfg.server.logLevel ?? "info");
  const a = p.auth ?? {};
  const auth = {
    jwtSecret: flags.string("jwt-secret") ?? process.env.TOOLWATCH_JWT_SECRET ?? a.jwtSecret,
    jwksUrl: flags.string("jwks-url") ?? a.jwksUrl,
    jwksFile: flags.string("jwks-file") ?? a.jwksFile,
    issuer: flags.string("issuer") ?? a.issuer,
    audience: flags.string("audience") ?? a.audience,
    principalClaim: flags.string("principal-claim") ?? a.principalClaim,
    tenantClaim: flags.string("tenant-claim") ?? a.tenantClaim,
    trustedHeader: flags.string("trusted-header") ?? a.trustedHeader,
    trustedTenantHeader: flags.string("trusted-tenant-header") ?? a.trustedTenantHeader,
    trustedProxies:
      flags
        .string("trusted-proxy")
        ?.split(",")
        .map((x) => x.trim())
        .filter(Boolean) ?? a.trustedProxies,
    anonymous: flags.bool("anonymous") || a.anonymous === true,
    allowNoExp: flags.bool("allow-no-exp") || a.allowNoExp === true,
    maxTokenAgeSeconds: flags.int("max-token-age") ?? a.maxTokenAgeSeconds,
    clockSkewSeconds: flags.int("clock-skew") ?? a.clockSkewSeconds,
  };
  // Identity settings first (cheap, and the likelier mistake), then the upstream itself, so that a
  // misspelt command or an unreachable URL stops the proxy now rather than failing its first client.
  createAuthenticator(auth);
  const server = await checkUpstream({ upstream, headers: p.upstreamHeaders });
  const scoring = await setupScoring(cfg.detector, cfg.state, logger);
  const srv = await startProxy({
    upstream,
    headers: p.upstreamHeaders,
    detector: scoring.detector,
    store: scoring.store,
    auth,
    logger,
    host: flags.string("host") ?? p.host ?? "127.0.0.1",
    port: flags.int("port") ?? p.port ?? 8080,
    path: flags.string("path") ?? p.path,
    tls: p.tls,
    adminToken: p.adminToken ?? process.env.TOOLWATCH_ADMIN_TOKEN,
    metricsToken: p.metricsToken ?? (process.env.TOOLWATCH_METRICS_TOKEN || undefined),
    maxSessions: p.maxSessions,
    ...limitsOf(p),
    ...(p.ask !== undefined ? { ask: p.ask } : {}),
  });
  const about = server.name ? ` (${server.name}${server.version ? ` ${server.version}` : ""})` : "";
  process.stdout.write(
    `toolwatch proxy listening on ${srv.url} -> ${upstream}${about}\n  state: ${scoring.describe}\n  point MCP clients at ${srv.url}\n`,
  );
  const stop = () =>
    void srv
      .close()
      .then(() => scoring.close())
      .finally(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
