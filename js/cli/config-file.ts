// The config file (YAML or JSON): detector settings at the top level, validated by the library's
// schema, plus optional `server:` and `proxy:` sections for deployment. Environment variables
// override the file; command-line flags override both.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseConfig } from "../config/parse.js";
import type { Config } from "../config/schema.js";
import { ToolwatchError } from "../core/errors.js";
import { LOG_LEVELS } from "../log.js";
import type { ServerLimits } from "../integrations/contextforge/http-common.js";

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
// Keys of these maps are data (header names), not settings: left as written.
const VERBATIM = new Set(["upstreamHeaders"]);
function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), VERBATIM.has(camel(k)) ? x : camelKeys(x)]));
}

// What one client can hold (both server: and proxy:); times in seconds. Defaults in http-common's DEFAULT_LIMITS.
const limits = {
  maxSessions: z.number().int().min(1).optional(),
  maxConnections: z.number().int().min(1).optional(),
  headersTimeoutSeconds: z.number().positive().optional(),
  requestTimeoutSeconds: z.number().positive().optional(),
  keepAliveTimeoutSeconds: z.number().positive().optional(),
  /** 0: sessions are never closed for idleness. */
  sessionIdleSeconds: z.number().min(0).optional(),
};

const tls = z.strictObject({
  certfile: z.string().min(1),
  keyfile: z.string().min(1),
  caBundle: z.string().min(1).optional(),
  verifyClient: z.boolean().optional(),
});

export const serverSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  path: z.string().startsWith("/").optional(),
  pluginName: z.string().min(1).optional(),
  priority: z.number().int().optional(),
  mode: z.string().min(1).optional(),
  token: z.string().min(16).optional(),
  adminToken: z.string().min(16).optional(),
  tls: tls.optional(),
  maxBodyBytes: z.number().int().min(1024).optional(),
  ...limits,
  logLevel: z.enum(LOG_LEVELS).optional(),
  // the caller's team: tenant_id is the tool's team on the gateway's MCP transport (docs/GATEWAY.md)
  tenantFrom: z.enum(["tenant_id", "user_context"]).optional(),
});

export const proxySchema = z.strictObject({
  upstream: z.string().min(1).optional(),
  upstreamHeaders: z.record(z.string(), z.string()).optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  path: z.string().startsWith("/").optional(),
  tls: tls.optional(),
  adminToken: z.string().min(16).optional(),
  /** Opens /metrics (so does the admin token). */
  metricsToken: z.string().min(16).optional(),
  ...limits,
  logLevel: z.enum(LOG_LEVELS).optional(),
  auth: z.strictObject({
    jwtSecret: z.string().min(16).optional(),
    jwksUrl: z.string().url().optional(),
    jwksFile: z.string().min(1).optional(),
    issuer: z.string().optional(),
    audience: z.string().optional(),
    principalClaim: z.string().optional(),
    tenantClaim: z.string().optional(),
    trustedHeader: z.string().optional(),
    trustedTenantHeader: z.string().optional(),
    /** Peers whose identity headers are believed (IPs or CIDRs); default loopback. */
    trustedProxies: z.array(z.string().min(1)).optional(),
    anonymous: z.boolean().optional(),
    allowNoExp: z.boolean().optional(),
    /** 0: no limit. */
    maxTokenAgeSeconds: z.number().min(0).optional(),
    clockSkewSeconds: z.number().min(0).optional(),
  }).optional(),
});

export const stateSchema = z.strictObject({
  dir: z.string().min(1).optional(),
  keep: z.number().int().min(1).optional(),
  intervalSeconds: z.number().min(0).optional(),
  redis: z.strictObject({
    url: z.string().min(1).optional(),
    cluster: z.array(z.string().min(1)).min(1).optional(),
    waitReplicas: z.number().int().min(0).optional(),
    waitTimeoutMs: z.number().int().min(1).optional(),
    prefix: z.string().optional(),
    failurePolicy: z.enum(["open", "closed"]).optional(),
    commandTimeoutMs: z.number().int().min(1).optional(),
    ttlSeconds: z.number().int().min(0).optional(),
    cacheEntries: z.number().int().min(0).optional(),
    maxAttempts: z.number().int().min(1).optional(),
    tenantSync: z.enum(["strict", "batched"]).optional(),
    tenantFlushMs: z.number().int().min(1).optional(),
  }).refine((r) => (r.url === undefined) !== (r.cluster === undefined), {
    message: "give url (one Redis) or cluster (a Redis Cluster's seed node URLs): exactly one of them",
  }).optional(),
});

export type StateSection = z.output<typeof stateSchema>;
export type ServerSection = z.output<typeof serverSchema>;
export type ProxySection = z.output<typeof proxySchema>;

export interface LoadedConfig {
  detector: Config;
  server: ServerSection;
  proxy: ProxySection;
  state: StateSection;
  source?: string;
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ToolwatchError("CONFIG_FILE", `cannot read config file ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ToolwatchError("CONFIG_FILE", `${path}: not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) throw new ToolwatchError("CONFIG_FILE", `${path}: the top level must be a mapping`);
  return data as Record<string, unknown>;
}

function section<T>(schema: z.ZodType<T>, raw: unknown, name: string, source: string): T {
  const r = schema.safeParse(camelKeys(raw ?? {}));
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    const where = [name, ...i.path.map(String)].join(".");
    return i.code === "unrecognized_keys" ? `${where}: unknown key(s) ${i.keys.map((k) => `"${k}"`).join(", ")}` : `${where}: ${i.message}`;
  });
  throw new ToolwatchError("INVALID_CONFIG", `${source}: ${problems.join("; ")}`);
}

const ENV_DETECTOR: Array<[string, string, (v: string) => unknown]> = [
  ["TOOLWATCH_BUDGET_BYTES", "budgetBytes", Number],
  ["TOOLWATCH_ACTION", "action", String],
  ["TOOLWATCH_FAILURE_POLICY", "failurePolicy", String],
  ["TOOLWATCH_WARN_THRESHOLD", "warnThreshold", Number],
  ["TOOLWATCH_BLOCK_THRESHOLD", "blockThreshold", Number],
  ["TOOLWATCH_TIME_ZONE", "timeZone", String],
];

const bool = (v: string): boolean => /^(1|true|yes|on)$/i.test(v);

const ENV_SERVER: Array<[string, string, (v: string) => unknown]> = [
  ["TOOLWATCH_HOST", "host", String],
  ["TOOLWATCH_PORT", "port", Number],
  ["TOOLWATCH_PATH", "path", String],
  ["TOOLWATCH_PLUGIN_NAME", "pluginName", String],
  ["TOOLWATCH_TOKEN", "token", String],
  ["TOOLWATCH_ADMIN_TOKEN", "adminToken", String],
  ["TOOLWATCH_MAX_BODY_BYTES", "maxBodyBytes", Number],
  ["TOOLWATCH_LOG_LEVEL", "logLevel", String],
  ["TOOLWATCH_TENANT_FROM", "tenantFrom", String],
];

// Apply to the server: and the proxy: section alike.
const ENV_LIMITS: Array<[string, string, (v: string) => unknown]> = [
  ["TOOLWATCH_MAX_SESSIONS", "maxSessions", Number],
  ["TOOLWATCH_MAX_CONNECTIONS", "maxConnections", Number],
  ["TOOLWATCH_HEADERS_TIMEOUT_SECONDS", "headersTimeoutSeconds", Number],
  ["TOOLWATCH_REQUEST_TIMEOUT_SECONDS", "requestTimeoutSeconds", Number],
  ["TOOLWATCH_KEEP_ALIVE_TIMEOUT_SECONDS", "keepAliveTimeoutSeconds", Number],
  ["TOOLWATCH_SESSION_IDLE_SECONDS", "sessionIdleSeconds", Number],
];

/** A section's limits in the units servePluginHttp and startProxy take (milliseconds). */
export function limitsOf(s: ServerSection | ProxySection): ServerLimits {
  const ms = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 1000));
  return {
    maxConnections: s.maxConnections,
    headersTimeoutMs: ms(s.headersTimeoutSeconds),
    requestTimeoutMs: ms(s.requestTimeoutSeconds),
    keepAliveTimeoutMs: ms(s.keepAliveTimeoutSeconds),
    sessionIdleMs: ms(s.sessionIdleSeconds),
  };
}

const ENV_TLS: Array<[string, string, (v: string) => unknown]> = [
  ["TOOLWATCH_TLS_CERTFILE", "certfile", String],
  ["TOOLWATCH_TLS_KEYFILE", "keyfile", String],
  ["TOOLWATCH_TLS_CA_BUNDLE", "caBundle", String],
  ["TOOLWATCH_TLS_VERIFY_CLIENT", "verifyClient", bool],
];

function applyEnv(target: Record<string, unknown>, table: typeof ENV_SERVER, env: NodeJS.ProcessEnv): void {
  for (const [name, key, conv] of table) {
    const v = env[name];
    if (v !== undefined && v !== "") target[key] = conv(v);
  }
}

/** Loads --config (or TOOLWATCH_CONFIG) and the environment; every error names the file and key. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const source = path ?? env.TOOLWATCH_CONFIG;
  const raw = source ? readFile(source) : {};
  const { server: rawServer, proxy: rawProxy, state: rawState, ...detectorRaw } = raw;
  const det: Record<string, unknown> = { ...detectorRaw };
  applyEnv(det, ENV_DETECTOR, env);
  let detector: Config;
  try {
    detector = parseConfig(det);
  } catch (err) {
    if (err instanceof ToolwatchError) throw new ToolwatchError(err.code, `${source ?? "environment"}: ${err.message}`);
    throw err;
  }
  const srv = { ...(camelKeys(rawServer ?? {}) as Record<string, unknown>) };
  applyEnv(srv, ENV_SERVER, env);
  applyEnv(srv, ENV_LIMITS, env);
  const tlsRaw = { ...((srv.tls as Record<string, unknown>) ?? {}) };
  applyEnv(tlsRaw, ENV_TLS, env);
  if (Object.keys(tlsRaw).length) srv.tls = tlsRaw;
  const server = section(serverSchema, srv, "server", source ?? "environment");
  const prx = { ...(camelKeys(rawProxy ?? {}) as Record<string, unknown>) };
  applyEnv(prx, ENV_LIMITS, env);
  const proxy = section(proxySchema, prx, "proxy", source ?? "config");
  const st = { ...(camelKeys(rawState ?? {}) as Record<string, unknown>) };
  if (env.TOOLWATCH_STATE_DIR) st.dir = env.TOOLWATCH_STATE_DIR;
  if (env.TOOLWATCH_REDIS_URL) st.redis = { ...((st.redis as Record<string, unknown>) ?? {}), url: env.TOOLWATCH_REDIS_URL };
  const state = section(stateSchema, st, "state", source ?? "environment");
  return { detector, server, proxy, state, source };
}
