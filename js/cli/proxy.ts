// `toolwatch proxy`: toolwatch in front of any MCP server.
import { startProxy } from "../proxy/server.js";
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
  --trusted-header <h>       take the principal from a header set by an authenticating proxy in front
  --trusted-tenant-header <h>
  --anonymous                accept calls without identity (one shared baseline)
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
    anonymous: flags.bool("anonymous") || a.anonymous === true,
  };
  const scoring = await setupScoring(cfg.detector, cfg.state, logger);
  const srv = await startProxy({
    upstream, headers: p.upstreamHeaders, detector: scoring.detector, store: scoring.store, auth, logger,
    host: flags.string("host") ?? p.host ?? "127.0.0.1", port: flags.int("port") ?? p.port ?? 8080, path: flags.string("path") ?? p.path,
    tls: p.tls, adminToken: p.adminToken ?? process.env.TOOLWATCH_ADMIN_TOKEN, maxSessions: p.maxSessions, ...limitsOf(p),
  });
  process.stdout.write(`toolwatch proxy listening on ${srv.url} -> ${upstream}\n  state: ${scoring.describe}\n  point MCP clients at ${srv.url}\n`);
  const stop = () => void srv.close().then(() => scoring.close()).finally(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
