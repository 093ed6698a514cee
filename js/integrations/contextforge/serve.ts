// Runs the plugin: streamable HTTP (with /health, /metrics, /admin/*) or stdio.
import type { IncomingMessage, ServerResponse, Server as HttpServer } from "node:http";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { ContextForgePlugin } from "./plugin.js";
import { createPluginMcpServer } from "./mcp-server.js";
import { watchStdioPeers } from "./stdio-peers.js";
import { McpEndpoint } from "./mcp-endpoint.js";
import { handleAdmin, ADMIN_PREFIX, type SnapshotStore } from "./admin.js";
import {
  assertSafeListen, createHttpServer, hasBearer, listen, resolveLimits, sendJson, sendRpcError, urlOf, type ListenSettings, type ServerLimits,
} from "./http-common.js";

export interface HttpServeOptions extends ListenSettings, ServerLimits {
  /** MCP endpoint path; default /mcp. */
  path?: string;
  maxBodyBytes?: number;
  maxSessions?: number;
  /** Snapshot store for the admin snapshot/revert operations. */
  store?: SnapshotStore;
}

export interface RunningServer {
  url: string;
  port: number;
  http: HttpServer;
  close(): Promise<void>;
}

export async function servePluginHttp(plugin: ContextForgePlugin, o: HttpServeOptions): Promise<RunningServer> {
  assertSafeListen(o);
  const limits = resolveLimits(o);
  const path = o.path ?? "/mcp";
  if (!path.startsWith("/")) throw new Error(`path must start with "/", got "${path}"`);
  const log = plugin.logger;
  const endpoint = new McpEndpoint({
    maxBodyBytes: o.maxBodyBytes ?? 1 << 20,
    maxSessions: o.maxSessions ?? 1000,
    sessionIdleMs: limits.sessionIdleMs,
    logger: log,
    // hooks answer once and send no notifications: plain JSON saves the SSE framing
    jsonResponse: true,
    connect: (transport) => createPluginMcpServer(plugin).connect(transport),
  });
  const authorised = (req: IncomingMessage): boolean =>
    o.token === undefined || hasBearer(req, o.token);

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://x");
    const p = url.pathname;
    if (p === "/health" && req.method === "GET") return sendJson(res, 200, { status: "healthy" });
    if (p === "/metrics" && req.method === "GET") {
      if (!(authorised(req) || hasBearer(req, o.adminToken))) return sendJson(res, 401, { error: { code: "UNAUTHORIZED", message: "bearer token required" } });
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(plugin.metrics.render(await plugin.detector.stats()));
      return;
    }
    if (p.startsWith(ADMIN_PREFIX)) {
      return handleAdmin({ detector: plugin.detector, store: o.store, adminToken: o.adminToken, hookToken: o.token, logger: log }, req, res, p.slice(ADMIN_PREFIX.length));
    }
    if (p === path) {
      if (!authorised(req)) {
        log.warn({ path: p }, "MCP request without a valid bearer token");
        return sendRpcError(res, 401, -32001, "unauthorized: 'Authorization: Bearer <token>' required", { "www-authenticate": "Bearer" });
      }
      return endpoint.handle(req, res);
    }
    sendJson(res, 404, { error: { code: "NOT_FOUND", message: `nothing at ${p}; MCP is at ${path}` } });
  };

  const http = createHttpServer(o.tls, (req, res) => {
    route(req, res).catch((err) => {
      log.error({ err: (err as Error).message, url: req.url }, "request failed");
      sendRpcError(res, 500, -32603, `internal error: ${(err as Error).message}`);
    });
  }, limits);
  const port = await listen(http, o.host, o.port);
  const url = urlOf(o.host, port, path, o.tls !== undefined);
  log.info({ url, tls: o.tls !== undefined, token: o.token !== undefined, admin: o.adminToken !== undefined }, "toolwatch plugin server listening");
  return {
    url, port, http,
    async close() {
      await endpoint.closeAll();
      http.closeAllConnections?.();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
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
