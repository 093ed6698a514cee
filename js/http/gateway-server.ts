// The HTTP server both gateways run (`toolwatch serve`'s plugin server and `toolwatch proxy`): /health,
// /metrics, the admin routes, one MCP endpoint, 404 for anything else, the connection limits and close().
// What differs between them comes in as hooks: who may read /metrics, who may call the MCP endpoint, what
// answers a session (the plugin's MCP server, or a relay to the upstream), and how a failed request is told.
import type { IncomingMessage, ServerResponse, Server as HttpServer } from "node:http";
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { DetectorLike } from "../guard.js";
import type { Logger } from "../log.js";
import { ADMIN_PREFIX, handleAdmin, type SnapshotStore } from "./admin.js";
import { sendJson, sendRpcError } from "./io.js";
import { createHttpServer, listen, resolveLimits, urlOf, type ServerLimits, type TlsSettings } from "./listen.js";
import { McpEndpoint } from "./mcp-endpoint.js";
import type { Metrics } from "./prometheus.js";

export interface RunningServer {
  url: string;
  port: number;
  http: HttpServer;
  close(): Promise<void>;
}

/** Thrown by an `authenticate` hook: the MCP request is answered 401 with `unauthorized: <message>`. */
export class Unauthorized extends Error {}

export interface GatewayServerOptions {
  host: string;
  port: number;
  tls?: TlsSettings;
  limits?: ServerLimits;
  /** The MCP endpoint's path; must start with "/". */
  path: string;
  /** Stats for /metrics and the target of the admin operations. */
  detector: DetectorLike;
  metrics: Metrics;
  logger: Logger;
  admin: { adminToken?: string; hookToken?: string; store?: SnapshotStore };
  /** undefined when this request may read /metrics, else the message of its 401. */
  metricsRefusal(req: IncomingMessage): string | undefined;
  /** Who calls the MCP endpoint: throws Unauthorized to refuse; an AuthInfo reaches handlers as extra.authInfo. */
  authenticate(req: IncomingMessage): Promise<AuthInfo | undefined>;
  mcp: {
    /** Attaches what answers a new session. */
    connect: (transport: StreamableHTTPServerTransport, req: IncomingMessage) => Promise<void>;
    maxBodyBytes: number;
    maxSessions: number;
  };
  /** How a request that failed unexpectedly is answered and logged. */
  failure: { status: number; message: (err: Error) => string; log: string };
}

export async function createGatewayServer(o: GatewayServerOptions): Promise<RunningServer> {
  const limits = resolveLimits(o.limits);
  if (!o.path.startsWith("/")) throw new Error(`path must start with "/", got "${o.path}"`);
  const log = o.logger;
  const endpoint = new McpEndpoint({
    maxBodyBytes: o.mcp.maxBodyBytes,
    maxSessions: o.mcp.maxSessions,
    // an idle session also holds what answers it (a server, or an upstream connection or process)
    sessionIdleMs: limits.sessionIdleMs,
    logger: log,
    // neither gateway sends notifications on a request's stream: plain JSON saves the SSE framing
    jsonResponse: true,
    connect: o.mcp.connect,
  });

  const route = async (req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse): Promise<void> => {
    const p = new URL(req.url ?? "/", "http://x").pathname;
    if (p === "/health" && req.method === "GET") return sendJson(res, 200, { status: "healthy" });
    if (p === "/metrics" && req.method === "GET") {
      const refused = o.metricsRefusal(req);
      if (refused !== undefined) return sendJson(res, 401, { error: { code: "UNAUTHORIZED", message: refused } });
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(o.metrics.render(await o.detector.stats()));
      return;
    }
    if (p.startsWith(ADMIN_PREFIX)) {
      return handleAdmin({ detector: o.detector, logger: log, ...o.admin }, req, res, p.slice(ADMIN_PREFIX.length));
    }
    if (p !== o.path) {
      return sendJson(res, 404, { error: { code: "NOT_FOUND", message: `nothing at ${p}; MCP is at ${o.path}` } });
    }
    try {
      const auth = await o.authenticate(req);
      if (auth) req.auth = auth;
    } catch (err) {
      if (!(err instanceof Unauthorized)) throw err;
      return sendRpcError(res, 401, -32001, `unauthorized: ${err.message}`, { "www-authenticate": "Bearer" });
    }
    return endpoint.handle(req, res);
  };

  const http = createHttpServer(
    o.tls,
    (req, res) => {
      route(req, res).catch((err: Error) => {
        log.error({ err: err.message, url: req.url }, o.failure.log);
        sendRpcError(res, o.failure.status, -32603, o.failure.message(err));
      });
    },
    limits,
  );
  const port = await listen(http, o.host, o.port);
  return {
    url: urlOf(o.host, port, o.path, o.tls !== undefined),
    port,
    http,
    async close() {
      await endpoint.closeAll();
      http.closeAllConnections?.();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
