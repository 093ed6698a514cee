// Runs the plugin: streamable HTTP on the gateway server (js/http: /health, /metrics, /admin/*) or stdio.
import type { IncomingMessage } from "node:http";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { ContextForgePlugin } from "./plugin.js";
import { createPluginMcpServer } from "./mcp-server.js";
import { watchStdioPeers } from "./stdio-peers.js";
import type { SnapshotStore } from "../../http/admin.js";
import { hasBearer } from "../../http/io.js";
import { assertSafeListen, type ListenSettings, type ServerLimits } from "../../http/listen.js";
import { Unauthorized, createGatewayServer, type RunningServer } from "../../http/gateway-server.js";

export type { RunningServer } from "../../http/gateway-server.js";

export interface HttpServeOptions extends ListenSettings, ServerLimits {
  /** MCP endpoint path; default /mcp. */
  path?: string;
  maxBodyBytes?: number;
  maxSessions?: number;
  /** Snapshot store for the admin snapshot/revert operations. */
  store?: SnapshotStore;
}

export async function servePluginHttp(plugin: ContextForgePlugin, o: HttpServeOptions): Promise<RunningServer> {
  assertSafeListen(o);
  const log = plugin.logger;
  // the hook token, when set, guards the MCP endpoint and /metrics (which the admin token also opens)
  const authorised = (req: IncomingMessage): boolean => o.token === undefined || hasBearer(req, o.token);
  const server = await createGatewayServer({
    host: o.host,
    port: o.port,
    tls: o.tls,
    limits: o,
    path: o.path ?? "/mcp",
    detector: plugin.detector,
    metrics: plugin.metrics,
    logger: log,
    admin: { adminToken: o.adminToken, hookToken: o.token, store: o.store },
    metricsRefusal: (req) => (authorised(req) || hasBearer(req, o.adminToken) ? undefined : "bearer token required"),
    authenticate: async (req) => {
      if (authorised(req)) return undefined;
      log.warn({ path: new URL(req.url ?? "/", "http://x").pathname }, "MCP request without a valid bearer token");
      throw new Unauthorized("'Authorization: Bearer <token>' required");
    },
    mcp: {
      connect: (transport) => createPluginMcpServer(plugin).connect(transport),
      maxBodyBytes: o.maxBodyBytes ?? 1 << 20,
      maxSessions: o.maxSessions ?? 1000,
    },
    failure: { status: 500, message: (err) => `internal error: ${err.message}`, log: "request failed" },
  });
  log.info(
    { url: server.url, tls: o.tls !== undefined, token: o.token !== undefined, admin: o.adminToken !== undefined },
    "toolwatch plugin server listening",
  );
  return server;
}

/** Stdio: the process's stdin/stdout carry the protocol and nothing else (logs go to stderr). */
export async function servePluginStdio(plugin: ContextForgePlugin): Promise<{ close(): Promise<void> }> {
  const server = createPluginMcpServer(plugin);
  const transport = new StdioServerTransport();
  await server.connect(transport);
  plugin.logger.info({ transport: "stdio" }, "toolwatch plugin server on stdio");
  // the gateway starts one stdio process per (team, tool) context: say so when there are several
  const peers = watchStdioPeers(plugin.name, plugin.logger);
  return {
    async close() {
      peers.close();
      // stdin may end right after the last request: answer what is in flight first
      const deadline = Date.now() + 5000;
      while (plugin.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await server.close();
    },
  };
}
