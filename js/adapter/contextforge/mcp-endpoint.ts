// A stateful streamable-HTTP MCP endpoint: one transport per session, created on `initialize`,
// gone on DELETE or close. `connect` attaches whatever answers the session (a Server, a relay).
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import { BodyError, readJsonBody, sendRpcError } from "./http-common.js";
import type { Logger } from "../../log.js";

export interface EndpointOptions {
  connect: (transport: StreamableHTTPServerTransport, req: IncomingMessage) => Promise<void>;
  maxBodyBytes: number;
  maxSessions: number;
  logger: Logger;
  /** Answer POSTs with plain JSON instead of an SSE stream (fine when handlers send no notifications). */
  jsonResponse?: boolean;
}

export class McpEndpoint {
  private readonly sessions = new Map<string, StreamableHTTPServerTransport>();
  constructor(private readonly o: EndpointOptions) {}

  get sessionCount(): number {
    return this.sessions.size;
  }

  async handle(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse): Promise<void> {
    const sid = req.headers["mcp-session-id"];
    const sessionId = typeof sid === "string" ? sid : undefined;
    if (req.method === "POST") {
      let body: unknown;
      try {
        body = await readJsonBody(req, this.o.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyError) {
          this.o.logger.warn({ status: err.status, err: err.message }, "bad MCP request body");
          return sendRpcError(res, err.status, err.rpcCode, err.message);
        }
        throw err;
      }
      if (sessionId !== undefined) return this.forward(sessionId, req, res, body);
      if (!isInitializeRequest(body)) {
        return sendRpcError(res, 400, -32600, "bad request: no mcp-session-id header and the body is not an initialize request");
      }
      // Clients that vanish without DELETE must not fill the table: the least recently used session goes.
      if (this.sessions.size >= this.o.maxSessions) {
        const [oldId, oldest] = this.sessions.entries().next().value as [string, StreamableHTTPServerTransport];
        this.sessions.delete(oldId);
        this.o.logger.warn({ maxSessions: this.o.maxSessions }, "session table full; closed the least recently used session");
        await oldest.close().catch(() => undefined);
      }
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: this.o.jsonResponse === true,
        onsessioninitialized: (id) => {
          this.sessions.set(id, transport);
        },
        onsessionclosed: (id) => {
          this.sessions.delete(id);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) this.sessions.delete(transport.sessionId);
      };
      await this.o.connect(transport, req);
      try {
        await transport.handleRequest(req, res, body);
      } finally {
        releaseAnsweredStreams(transport);
      }
      return;
    }
    if (req.method === "GET" || req.method === "DELETE") {
      if (sessionId === undefined) return sendRpcError(res, 400, -32600, "bad request: mcp-session-id header required");
      return this.forward(sessionId, req, res, undefined);
    }
    res.setHeader("allow", "GET, POST, DELETE");
    return sendRpcError(res, 405, -32600, `method ${req.method} not allowed`);
  }

  private async forward(sessionId: string, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const t = this.sessions.get(sessionId);
    // 404 tells a client its session is gone, so it starts a new one.
    if (!t) return sendRpcError(res, 404, -32001, "session not found");
    // most recently used last
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, t);
    try {
      await t.handleRequest(req, res, body);
    } finally {
      if (req.method === "POST") releaseAnsweredStreams(t);
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((t) => t.close()));
  }
}

interface StreamEntry {
  resolveJson?: unknown;
  controller?: unknown;
  cleanup?: () => void;
}

/**
 * Works around a leak in the SDK's transport (1.32): in JSON-response mode every POST that carries a
 * request registers a `_streamMapping` entry (its resolver, hence the answered Response, and a cleanup
 * closure holding the request and parsed body: ~7 KB) that only the SSE path ever deletes. Once all of
 * a stream's requests are answered, `send()` drops them from `_requestToStreamMapping`; an entry with
 * `resolveJson` that no pending request points at is therefore finished and is released here. Streams
 * still waiting (concurrent POSTs on the session) and SSE streams are left alone. Everything is checked
 * before use, so an SDK that renames these fields or fixes the leak makes this a no-op.
 */
export function releaseAnsweredStreams(transport: StreamableHTTPServerTransport): void {
  const inner = (transport as unknown as { _webStandardTransport?: Record<string, unknown> })._webStandardTransport;
  const streams = inner?._streamMapping;
  const pending = inner?._requestToStreamMapping;
  if (!(streams instanceof Map) || !(pending instanceof Map) || streams.size === 0) return;
  const waiting = new Set<unknown>(pending.values());
  for (const [id, entry] of streams as Map<unknown, StreamEntry>) {
    if (waiting.has(id) || typeof entry?.resolveJson !== "function" || entry.controller !== undefined) continue;
    // the SDK's own cleanup for a JSON stream only deletes the entry; fall back to deleting it
    if (typeof entry.cleanup === "function") entry.cleanup();
    if (streams.get(id) === entry) streams.delete(id);
  }
}
