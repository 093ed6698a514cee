// `toolwatch serve`: the ContextForge external plugin server.
import { ContextForgePlugin } from "../integrations/contextforge/plugin.js";
import { servePluginHttp, servePluginStdio } from "../integrations/contextforge/serve.js";
import { createLogger } from "../log.js";
import { limitsOf, loadConfig } from "./config-file.js";
import { setupScoring } from "./detector-setup.js";
import type { Flags } from "./flags.js";

export const SERVE_HELP = `toolwatch serve [options]   ContextForge external plugin server (MCP)

  --config <file>        YAML or JSON: detector settings, plus a server: section   [TOOLWATCH_CONFIG]
  --stdio                speak MCP on stdin/stdout instead of HTTP (logs go to stderr)
  --host <addr>          listen address (default 127.0.0.1)                        [TOOLWATCH_HOST]
  --port <n>             listen port (default 8000; 0 = any free port)             [TOOLWATCH_PORT]
  --path <p>             MCP endpoint path (default /mcp)                          [TOOLWATCH_PATH]
  --plugin-name <name>   default ToolCallAnomalyDetection                          [TOOLWATCH_PLUGIN_NAME]
  --log-level <level>    fatal|error|warn|info|debug|trace|silent (default info)   [TOOLWATCH_LOG_LEVEL]
  Credentials and TLS come from the config file or the environment only:
  TOOLWATCH_TOKEN, TOOLWATCH_ADMIN_TOKEN, TOOLWATCH_TLS_CERTFILE, TOOLWATCH_TLS_KEYFILE,
  TOOLWATCH_TLS_CA_BUNDLE, TOOLWATCH_TLS_VERIFY_CLIENT=true
  Off loopback the server refuses to start without TLS or a token.
  Limits (config file or environment): TOOLWATCH_MAX_CONNECTIONS (default 1024), TOOLWATCH_MAX_SESSIONS
  (1000), TOOLWATCH_HEADERS_TIMEOUT_SECONDS (10), TOOLWATCH_REQUEST_TIMEOUT_SECONDS (30),
  TOOLWATCH_KEEP_ALIVE_TIMEOUT_SECONDS (5), TOOLWATCH_SESSION_IDLE_SECONDS (900; 0 = never).
  Tenant: TOOLWATCH_TENANT_FROM=tenant_id (default) or user_context (the caller's team_id; on the
  gateway's MCP transport tenant_id is the tool's team), or server.tenant_from in the config file.
  State: in memory unless TOOLWATCH_STATE_DIR (snapshots) or TOOLWATCH_REDIS_URL (shared by replicas),
  or a state: section in the config file.`;

export function gatewayYaml(name: string, url: string): string {
  return [
    "plugins:",
    `  - name: "${name}"`,
    '    kind: "external"',
    "    priority: 201",
    '    mode: "sequential"',
    "    mcp:",
    "      proto: STREAMABLEHTTP",
    `      url: ${url}`,
  ].join("\n");
}

export async function runServe(flags: Flags): Promise<void> {
  const cfg = loadConfig(flags.string("config"));
  const s = cfg.server;
  const logger = createLogger(flags.string("log-level") ?? s.logLevel ?? "info");
  const scoring = await setupScoring(cfg.detector, cfg.state, logger);
  const plugin = new ContextForgePlugin({
    detector: scoring.detector,
    logger,
    name: flags.string("plugin-name") ?? s.pluginName,
    priority: s.priority,
    mode: s.mode,
    maxPayloadBytes: s.maxBodyBytes,
    tenantFrom: s.tenantFrom,
  });
  if (flags.bool("stdio")) {
    const srv = await servePluginStdio(plugin);
    const stop = () =>
      void srv
        .close()
        .then(() => scoring.close())
        .finally(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    process.stdin.once("end", stop);
    return;
  }
  const host = flags.string("host") ?? s.host ?? "127.0.0.1";
  const port = flags.int("port") ?? s.port ?? 8000;
  const srv = await servePluginHttp(plugin, {
    host,
    port,
    path: flags.string("path") ?? s.path,
    token: s.token,
    adminToken: s.adminToken,
    tls: s.tls,
    maxBodyBytes: s.maxBodyBytes,
    maxSessions: s.maxSessions,
    store: scoring.store,
    ...limitsOf(s),
  });
  // Gateways refuse private IP literals by default: print a hostname.
  const gatewayUrl = srv.url.replace("//127.0.0.1:", "//localhost:").replace("//[::1]:", "//localhost:");
  process.stdout.write(
    `${[
      `toolwatch plugin "${plugin.name}" listening on ${srv.url}`,
      `  health:  ${srv.url.replace(/\/[^/]*$/, "")}/health`,
      `  metrics: ${srv.url.replace(/\/[^/]*$/, "")}/metrics`,
      `  config:  ${cfg.source ?? "defaults"}`,
      `  state:   ${scoring.describe}`,
      "",
      "Add this to the gateway's plugins/config.yaml (and set PLUGINS_ENABLED=true):",
      "",
      gatewayYaml(plugin.name, gatewayUrl),
      "",
    ].join("\n")}\n`,
  );
  const stop = () =>
    void srv
      .close()
      .then(() => scoring.close())
      .finally(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
