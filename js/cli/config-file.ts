// The config file (YAML or JSON): detector settings at the top level, validated by the library's
// schema, plus optional `server:` and `proxy:` sections for deployment. Environment variables
// override the file; command-line flags override both.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { PRIOR_ART_KEYS, keysAt, parseConfig } from "../config/parse.js";
import { configSchema, type Config } from "../config/schema.js";
import { didYouMean } from "../util/did-you-mean.js";
import { configJsonSchema, toJson, withSnakeCase } from "../config/json-schema.js";
import { ToolwatchError } from "../core/errors.js";
import { LOG_LEVELS } from "../log.js";
import type { ServerLimits } from "../http/listen.js";
import { askSchema } from "../ask.js";

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
// Keys of these maps are data (header names), not settings: left as written.
const VERBATIM = new Set(["upstreamHeaders"]);
function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), VERBATIM.has(camel(k)) ? x : camelKeys(x)]));
}

// `default` metadata documents what an absent key means (the JSON Schema for editors shows it);
// parsing leaves absent keys absent, and the code that uses a value applies its default.
const dflt = (value: unknown, description?: string) => ({ default: value, ...(description ? { description } : {}) });

// What one client can hold (both server: and proxy:); times in seconds. Defaults in http-common's DEFAULT_LIMITS.
const limits = {
  maxSessions: z.number().int().min(1).optional().meta(dflt(1000, "MCP sessions held at once")),
  maxConnections: z.number().int().min(1).optional().meta(dflt(1024, "open connections")),
  headersTimeoutSeconds: z.number().positive().optional().meta(dflt(10)),
  requestTimeoutSeconds: z.number().positive().optional().meta(dflt(30)),
  keepAliveTimeoutSeconds: z.number().positive().optional().meta(dflt(5)),
  /** 0: sessions are never closed for idleness. */
  sessionIdleSeconds: z.number().min(0).optional().meta(dflt(900, "0 = never closed for idleness")),
};

const tls = z.strictObject({
  certfile: z.string().min(1),
  keyfile: z.string().min(1),
  caBundle: z.string().min(1).optional(),
  verifyClient: z.boolean().optional(),
});

export const serverSchema = z.strictObject({
  host: z.string().min(1).optional().meta(dflt("127.0.0.1", "listen address")),
  port: z.number().int().min(0).max(65535).optional().meta(dflt(8000, "listen port; 0 = any free port")),
  path: z.string().startsWith("/").optional().meta(dflt("/mcp", "MCP endpoint path")),
  pluginName: z.string().min(1).optional().meta(dflt("ToolCallAnomalyDetection")),
  priority: z.number().int().optional().meta(dflt(201)),
  mode: z.string().min(1).optional().meta(dflt("sequential")),
  token: z.string().min(16).optional().describe("bearer token the gateway must send"),
  adminToken: z.string().min(16).optional().describe("bearer token of the admin routes"),
  tls: tls.optional(),
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .optional()
    .meta(dflt(1 << 20)),
  ...limits,
  logLevel: z.enum(LOG_LEVELS).optional().meta(dflt("info")),
  // the caller's team: tenant_id is the tool's team on the gateway's MCP transport (docs/GATEWAY.md)
  tenantFrom: z.enum(["tenant_id", "user_context"]).optional().meta(dflt("tenant_id")),
});

export const proxySchema = z.strictObject({
  upstream: z.string().min(1).optional().describe("http(s)://host/mcp, or a command to spawn"),
  upstreamHeaders: z.record(z.string(), z.string()).optional().describe("headers sent to an HTTP upstream"),
  host: z.string().min(1).optional().meta(dflt("127.0.0.1", "listen address")),
  port: z.number().int().min(0).max(65535).optional().meta(dflt(8080, "listen port; 0 = any free port")),
  path: z.string().startsWith("/").optional().meta(dflt("/mcp", "MCP endpoint path")),
  tls: tls.optional(),
  adminToken: z.string().min(16).optional(),
  /** Opens /metrics (so does the admin token). */
  metricsToken: z.string().min(16).optional(),
  /** Ask the user before a warned call runs (docs/GATEWAY.md "Ask"). */
  ask: askSchema
    .optional()
    .describe("ask the user (MCP elicitation) before a warned call runs; absent: warned calls run"),
  ...limits,
  logLevel: z.enum(LOG_LEVELS).optional().meta(dflt("info")),
  auth: z
    .strictObject({
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
      maxTokenAgeSeconds: z.number().min(0).optional().meta(dflt(86400, "0 = no limit")),
      clockSkewSeconds: z.number().min(0).optional().meta(dflt(60)),
    })
    .optional(),
});

export const stateSchema = z.strictObject({
  dir: z.string().min(1).optional().describe("snapshot directory (one process); default: state in memory only"),
  keep: z.number().int().min(1).optional().meta(dflt(5, "snapshots kept")),
  intervalSeconds: z.number().min(0).optional().meta(dflt(300, "seconds between snapshots")),
  redis: z
    .strictObject({
      url: z.string().min(1).optional().describe("one Redis: redis://[user:password@]host:port[/db] (or give cluster)"),
      cluster: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe("a Redis Cluster: seed node URLs, redis://[user:password@]host:port (or give url)"),
      waitReplicas: z
        .number()
        .int()
        .min(0)
        .optional()
        .meta(dflt(0, "acknowledge a call once its write reached this many replicas (WAIT)")),
      waitTimeoutMs: z.number().int().min(1).optional().meta(dflt(200)),
      prefix: z.string().optional().meta(dflt("toolwatch:")),
      failurePolicy: z
        .enum(["open", "closed"])
        .optional()
        .describe("when Redis cannot be reached; default: the detector's failurePolicy"),
      commandTimeoutMs: z.number().int().min(1).optional().meta(dflt(1000)),
      ttlSeconds: z.number().int().min(0).optional().meta(dflt(0, "0 = records never expire")),
      cacheEntries: z.number().int().min(0).optional().meta(dflt(10000)),
      maxAttempts: z.number().int().min(1).optional().meta(dflt(64)),
      tenantSync: z.enum(["strict", "batched"]).optional().meta(dflt("strict")),
      tenantFlushMs: z.number().int().min(1).optional().meta(dflt(1000)),
    })
    .refine((r) => (r.url === undefined) !== (r.cluster === undefined), {
      message: "give url (one Redis) or cluster (a Redis Cluster's seed node URLs): exactly one of them",
    })
    .optional()
    .describe("baselines shared by replicas through Redis (not with dir)"),
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

function readFile(path: string, fromEnv: boolean): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new ToolwatchError(
      "CONFIG_FILE",
      `cannot read config file ${path}${fromEnv ? ` (named by ${envLabel("TOOLWATCH_CONFIG", path)})` : ""}: ${why}`,
    );
  }
  let data: unknown;
  try {
    data = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ToolwatchError(
      "CONFIG_FILE",
      `${path}: not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`,
    );
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data))
    throw new ToolwatchError("CONFIG_FILE", `${path}: the top level must be a mapping`);
  return data as Record<string, unknown>;
}

const SECTIONS = { server: serverSchema, proxy: proxySchema, state: stateSchema } as const;
type SectionName = keyof typeof SECTIONS;

/** The JSON Schema of a whole config file (dist/config.schema.json, for editors): the detector settings
 * at the top level and the server:, proxy: and state: sections, each key in camelCase or snake_case. */
export function configFileJsonSchema(): Record<string, unknown> {
  const base = configJsonSchema();
  const about: Record<SectionName, string> = {
    server: "toolwatch serve (the ContextForge plugin server)",
    proxy: "toolwatch proxy",
    state: "where baselines live for serve and proxy: snapshots in a directory, or Redis",
  };
  const sections = Object.fromEntries(
    (Object.keys(SECTIONS) as SectionName[]).map((n) => [
      n,
      { description: about[n], ...withSnakeCase(toJson(SECTIONS[n]), true) },
    ]),
  );
  return { ...base, title: "toolwatch config file", properties: { ...(base.properties as object), ...sections } };
}

/** Where a value came from when it was not the config file: the environment variable and its value. */
type EnvLabels = Map<string, string>;

/** Validates one section; returns its problems, each naming the key (and the variable, if one set it). */
function section<T>(
  schema: z.ZodType<T>,
  raw: Record<string, unknown>,
  name: string,
  labels: EnvLabels,
): { data?: T; problems: string[] } {
  const r = schema.safeParse(raw);
  if (r.success) return { data: r.data, problems: [] };
  const problems = r.error.issues.flatMap((i) => {
    const where = [name, ...i.path.map(String)].join(".");
    if (i.code === "unrecognized_keys") {
      const valid = keysAt(schema, i.path);
      return i.keys.map((k) => `${where}: unknown key "${k}"${didYouMean(k, valid)}`);
    }
    const label = labels.get(i.path.map(String).join("."));
    return [`${label ? `${label} (${where})` : where}: ${i.message}`];
  });
  return { problems };
}

// Environment values are text: numbers and booleans are read strictly, so a typo is refused by name
// instead of becoming NaN or false.
const num = (v: string): number | undefined =>
  /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(v) ? Number(v) : undefined;
const bool = (v: string): boolean | undefined =>
  /^(1|true|yes|on)$/i.test(v) ? true : /^(0|false|no|off)$/i.test(v) ? false : undefined;

const ENV_DETECTOR: Array<[string, string, (v: string) => unknown]> = [
  ["TOOLWATCH_BUDGET_BYTES", "budgetBytes", num],
  ["TOOLWATCH_ACTION", "action", String],
  ["TOOLWATCH_FAILURE_POLICY", "failurePolicy", String],
  ["TOOLWATCH_WARN_THRESHOLD", "warnThreshold", num],
  ["TOOLWATCH_BLOCK_THRESHOLD", "blockThreshold", num],
  ["TOOLWATCH_TIME_ZONE", "timeZone", String],
];

const ENV_SERVER: Array<[string, string, (v: string) => unknown]> = [
  ["TOOLWATCH_HOST", "host", String],
  ["TOOLWATCH_PORT", "port", num],
  ["TOOLWATCH_PATH", "path", String],
  ["TOOLWATCH_PLUGIN_NAME", "pluginName", String],
  ["TOOLWATCH_TOKEN", "token", String],
  ["TOOLWATCH_ADMIN_TOKEN", "adminToken", String],
  ["TOOLWATCH_MAX_BODY_BYTES", "maxBodyBytes", num],
  ["TOOLWATCH_LOG_LEVEL", "logLevel", String],
  ["TOOLWATCH_TENANT_FROM", "tenantFrom", String],
];

const ENV_STATE: Array<[string, string, (v: string) => unknown]> = [["TOOLWATCH_STATE_DIR", "dir", String]];

// Apply to the server: and the proxy: section alike.
const ENV_LIMITS: Array<[string, string, (v: string) => unknown]> = [
  ["TOOLWATCH_MAX_SESSIONS", "maxSessions", num],
  ["TOOLWATCH_MAX_CONNECTIONS", "maxConnections", num],
  ["TOOLWATCH_HEADERS_TIMEOUT_SECONDS", "headersTimeoutSeconds", num],
  ["TOOLWATCH_REQUEST_TIMEOUT_SECONDS", "requestTimeoutSeconds", num],
  ["TOOLWATCH_KEEP_ALIVE_TIMEOUT_SECONDS", "keepAliveTimeoutSeconds", num],
  ["TOOLWATCH_SESSION_IDLE_SECONDS", "sessionIdleSeconds", num],
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

const envLabel = (name: string, v: string) => `${name}=${JSON.stringify(v)}`;

/** Copies the set variables of `table` into `target` (the `at` section), recording each one's label under `prefix + key`. */
function applyEnv(
  target: Record<string, unknown>,
  table: typeof ENV_SERVER,
  env: NodeJS.ProcessEnv,
  labels: EnvLabels,
  at: string,
  prefix = "",
): void {
  for (const [name, key, conv] of table) {
    const v = env[name];
    if (v === undefined || v === "") continue;
    const x = conv(v);
    if (x === undefined) {
      const want = conv === bool ? "true or false" : "a number";
      throw new ToolwatchError(
        "INVALID_CONFIG",
        `environment: ${envLabel(name, v)} (${at}.${prefix}${key}): expected ${want}`,
      );
    }
    target[key] = x;
    labels.set(prefix + key, envLabel(name, v));
  }
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Top-level keys that are not detector settings: a section name misspelt, or a section's key written at the top. */
function misplacedKeys(raw: Record<string, unknown>): Map<string, string> {
  const detectorKeys = [...Object.keys(configSchema.shape), ...PRIOR_ART_KEYS];
  const problems = new Map<string, string>();
  for (const k of Object.keys(raw)) {
    const c = camel(k);
    if (c in SECTIONS || detectorKeys.includes(c) || detectorKeys.includes(k)) continue;
    const homes = (Object.keys(SECTIONS) as SectionName[])
      .filter((n) => keysAt(SECTIONS[n], []).includes(c))
      .map((n) => `${n}.${c}`);
    const hint = homes.length
      ? ` (it belongs in a section: ${homes.map((h) => `"${h}"`).join(" or ")})`
      : didYouMean(c, [...Object.keys(SECTIONS), ...Object.keys(configSchema.shape)]);
    problems.set(k, `config: unknown key "${k}"${hint}`);
  }
  return problems;
}

/** Loads --config (or TOOLWATCH_CONFIG) and the environment; every error names the file and key, or the variable. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const source = path ?? env.TOOLWATCH_CONFIG;
  const raw = source ? readFile(source, path === undefined) : {};
  const { server: rawServer, proxy: rawProxy, state: rawState, ...detectorRaw } = raw;
  const misplaced = misplacedKeys(detectorRaw);
  const fileProblems: string[] = [...misplaced.values()];
  const envProblems: string[] = [];

  // The file alone first, so that a problem the environment brings is blamed on the variable, not the file.
  const fromFile = Object.fromEntries(Object.entries(detectorRaw).filter(([k]) => !misplaced.has(k)));
  let detector: Config = {};
  try {
    detector = parseConfig(fromFile);
  } catch (err) {
    if (!(err instanceof ToolwatchError)) throw err;
    fileProblems.push(err.message);
  }
  const detLabels: EnvLabels = new Map();
  const det: Record<string, unknown> = { ...fromFile };
  applyEnv(det, ENV_DETECTOR, env, detLabels, "config");
  // A variable overrides the file's setting in either spelling (block_threshold as well as blockThreshold).
  for (const k of Object.keys(det)) if (k !== camel(k) && detLabels.has(camel(k))) delete det[k];
  if (detLabels.size && fileProblems.length === 0) {
    try {
      detector = parseConfig(det, { where: (k) => detLabels.get(k) });
    } catch (err) {
      if (!(err instanceof ToolwatchError)) throw err;
      envProblems.push(err.message);
    }
  }

  const sections = {} as { [K in SectionName]: Record<string, unknown> };
  for (const [name, v] of [
    ["server", rawServer],
    ["proxy", rawProxy],
    ["state", rawState],
  ] as const) {
    if (v !== undefined && v !== null && !isMapping(v))
      fileProblems.push(`${name}: expected a mapping of settings, got ${Array.isArray(v) ? "a list" : typeof v}`);
    sections[name] = isMapping(v) ? (camelKeys(v) as Record<string, unknown>) : {};
  }
  const labels: Record<SectionName, EnvLabels> = { server: new Map(), proxy: new Map(), state: new Map() };
  const withEnv: Record<SectionName, Record<string, unknown>> = {
    server: { ...sections.server },
    proxy: { ...sections.proxy },
    state: { ...sections.state },
  };
  applyEnv(withEnv.server, ENV_SERVER, env, labels.server, "server");
  applyEnv(withEnv.server, ENV_LIMITS, env, labels.server, "server");
  const tlsRaw = { ...(isMapping(withEnv.server.tls) ? withEnv.server.tls : {}) };
  applyEnv(tlsRaw, ENV_TLS, env, labels.server, "server", "tls.");
  if (Object.keys(tlsRaw).length) withEnv.server.tls = tlsRaw;
  applyEnv(withEnv.proxy, ENV_LIMITS, env, labels.proxy, "proxy");
  applyEnv(withEnv.state, ENV_STATE, env, labels.state, "state");
  if (env.TOOLWATCH_REDIS_URL) {
    withEnv.state.redis = {
      ...(isMapping(withEnv.state.redis) ? withEnv.state.redis : {}),
      url: env.TOOLWATCH_REDIS_URL,
    };
    labels.state.set("redis.url", envLabel("TOOLWATCH_REDIS_URL", env.TOOLWATCH_REDIS_URL));
  }
  const out = {} as { server: ServerSection; proxy: ProxySection; state: StateSection };
  for (const name of Object.keys(SECTIONS) as SectionName[]) {
    const file = section(SECTIONS[name] as z.ZodType<unknown>, sections[name], name, new Map());
    fileProblems.push(...file.problems);
    if (file.problems.length) continue;
    const both = section(SECTIONS[name] as z.ZodType<unknown>, withEnv[name], name, labels[name]);
    envProblems.push(...both.problems);
    (out as Record<SectionName, unknown>)[name] = both.data;
  }
  const problems = [...fileProblems.map((p) => `${source}: ${p}`), ...envProblems.map((p) => `environment: ${p}`)];
  if (problems.length === 1) throw new ToolwatchError("INVALID_CONFIG", problems[0]!);
  if (problems.length)
    throw new ToolwatchError(
      "INVALID_CONFIG",
      `${problems.length} problems in the configuration:\n  - ${problems.join("\n  - ")}`,
    );
  return { detector, ...out, source };
}
