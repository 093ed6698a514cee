// A stateful streamable-HTTP MCP endpoint: one transport per session, created on `initialize`,
// gone on DELETE or close. `connect` attaches whatever answers the session (a Server, a relay).
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import { BodyError, readJsonBody, sendRpcError } from "./io.js";
import type { Logger } from "../log.js";

export interface EndpointOptions {
  connect: (transport: StreamableHTTPServerTransport, req: IncomingMessage) => Promise<void>;
  maxBodyBytes: number;
  maxSessions: number;
  logger: Logger;
  /** Answer POSTs with plain JSON instead of an SSE stream (fine when handlers send no notifications). */
  jsonResponse?: boolean;
  /**
   * Close a session with no request in progress (an open GET stream counts as one) for this many
   * milliseconds: clients that vanish without DELETE hold nothing for long. 0 or absent: never.
   */
  sessionIdleMs?: number;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  /** HTTP requests of this session still being answered. */
  active: number;
  /** performance.now() when the session last had something in progress. */
  lastUsed: number;
}

export class McpEndpoint {
  private readonly sessions = new Map<string, Session>();
  private sweeper: ReturnType<typeof setInterval> | undefined;
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
        return sendRpcError(
          res,
          400,
          -32600,
          "bad request: no mcp-session-id header and the body is not an initialize request",
        );
      }
      // Clients that vanish without DELETE must not fill the table: the least recently used session goes.
      if (this.sessions.size >= this.o.maxSessions) {
        const [oldId, oldest] = this.sessions.entries().next().value as [string, Session];
        this.sessions.delete(oldId);
        this.o.logger.warn(
          { maxSessions: this.o.maxSessions },
          "session table full; closed the least recently used session",
        );
        await oldest.transport.close().catch(() => undefined);
      }
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: this.o.jsonResponse === true,
        onsessioninitialized: (id) => {
          const session: Session = { transport, active: 0, lastUsed: performance.now() };
          this.sessions.set(id, session);
          this.track(session, res);
          this.startSweeper();
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
    const session = this.sessions.get(sessionId);
    // 404 tells a client its session is gone, so it starts a new one.
    if (!session) return sendRpcError(res, 404, -32001, "session not found");
    // most recently used last
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, session);
    this.track(session, res);
    const t = session.transport;
    try {
      await t.handleRequest(req, res, body);
    } finally {
      if (req.method === "POST") releaseAnsweredStreams(t);
    }
  }

  /** The session is in use until this answer is finished or its connection closes. */
  private track(session: Session, res: ServerResponse): void {
    session.active++;
    session.lastUsed = performance.now();
    res.once("close", () => {
      session.active--;
      session.lastUsed = performance.now();
    });
  }

  private startSweeper(): void {
    const idle = this.o.sessionIdleMs ?? 0;
    if (idle <= 0 || this.sweeper) return;
    // checked a few times per idle period (at most every 30 s); unref: never keeps the process alive
    this.sweeper = setInterval(() => this.closeIdle(idle), Math.max(10, Math.min(30_000, Math.floor(idle / 4))));
    this.sweeper.unref();
  }

  /** Closes the sessions with nothing in progress for `idleMs`; answers how many. */
  closeIdle(idleMs = this.o.sessionIdleMs ?? 0): number {
    if (idleMs <= 0) return 0;
    const cutoff = performance.now() - idleMs;
    let closed = 0;
    for (const [id, s] of this.sessions) {
      if (s.active > 0 || s.lastUsed > cutoff) continue;
      this.sessions.delete(id);
      closed++;
      void s.transport.close().catch(() => undefined);
    }
    if (closed > 0) this.o.logger.info({ closed, idleMs, sessions: this.sessions.size }, "closed idle MCP sessions");
    return closed;
  }

  async closeAll(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((s) => s.transport.close()));
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
