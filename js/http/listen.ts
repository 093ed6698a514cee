// Where and how the gateway servers listen: the listen policy (no open door off loopback), TLS with optional
// client certificates, and the limits on what one client can hold open.
import {
  createServer as createHttp,
  type IncomingMessage,
  type ServerResponse,
  type Server as HttpServer,
} from "node:http";
import { createServer as createHttps } from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";

export interface TlsSettings {
  certfile: string;
  keyfile: string;
  /** CA bundle for verifying client certificates. */
  caBundle?: string;
  /** Require and verify a client certificate (needs caBundle). */
  verifyClient?: boolean;
}

export interface ListenSettings {
  host: string;
  port: number;
  tls?: TlsSettings;
  /** Bearer token required on the MCP endpoint. */
  token?: string;
  /** Bearer token for admin operations; never the same as `token`. */
  adminToken?: string;
}

export class StartupError extends Error {}

/**
 * What one client can hold open, for the plugin server and the proxy. Node's own defaults (no
 * connection cap, 60 s for headers, 300 s for a request) let a slow or idle client keep sockets and
 * sessions for minutes; these are shorter. Times in milliseconds.
 */
export interface ServerLimits {
  /** Open connections at most; further ones are closed as they arrive. Default 1024. */
  maxConnections?: number;
  /** Time to receive a request's headers. Default 10 000. */
  headersTimeoutMs?: number;
  /** Time to receive a whole request (headers and body; the answer is not limited). Default 30 000. */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open. Default 5000. */
  keepAliveTimeoutMs?: number;
  /** An MCP session with nothing in progress for this long is closed (0: never). Default 900 000. */
  sessionIdleMs?: number;
}

export const DEFAULT_LIMITS: Required<ServerLimits> = {
  maxConnections: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  sessionIdleMs: 15 * 60_000,
};

/** The limits with defaults filled in; refuses values Node would reject or that disable a limit by accident. */
export function resolveLimits(l: ServerLimits = {}): Required<ServerLimits> {
  const r = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(DEFAULT_LIMITS) as Array<keyof ServerLimits>) {
    const v = l[k];
    if (v === undefined) continue;
    const min = k === "sessionIdleMs" ? 0 : 1;
    if (!Number.isFinite(v) || v < min) throw new StartupError(`${k} must be a number >= ${min}, got ${v}`);
    r[k] = k === "maxConnections" ? Math.floor(v) : Math.round(v);
  }
  if (r.headersTimeoutMs > r.requestTimeoutMs) {
    throw new StartupError(
      `headersTimeoutMs (${r.headersTimeoutMs}) must not exceed requestTimeoutMs (${r.requestTimeoutMs})`,
    );
  }
  return r;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1";
}

/** Off loopback, something must stand between the network and the endpoint. */
export function assertSafeListen(s: ListenSettings): void {
  if (!Number.isInteger(s.port) || s.port < 0 || s.port > 65535)
    throw new StartupError(`port must be an integer 0..65535, got ${s.port}`);
  if (s.tls && (!s.tls.certfile || !s.tls.keyfile)) throw new StartupError("TLS needs both certfile and keyfile");
  if (s.tls?.verifyClient && !s.tls.caBundle) throw new StartupError("client-certificate verification needs ca_bundle");
  if (s.token !== undefined && s.token.length < 16)
    throw new StartupError("the bearer token must be at least 16 characters");
  if (s.adminToken !== undefined && s.adminToken.length < 16)
    throw new StartupError("the admin token must be at least 16 characters");
  if (s.token !== undefined && s.token === s.adminToken)
    throw new StartupError("the admin token must differ from the hook token");
  if (!isLoopback(s.host) && !s.tls && !s.token) {
    throw new StartupError(
      `refusing to listen on ${s.host} (not loopback) without TLS or a bearer token: set tls certfile/keyfile (TOOLWATCH_TLS_CERTFILE, TOOLWATCH_TLS_KEYFILE) or a token (TOOLWATCH_TOKEN)`,
    );
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function createHttpServer(
  tls: TlsSettings | undefined,
  handler: Handler,
  limits: ServerLimits = {},
): HttpServer {
  const l = resolveLimits(limits);
  const opts = {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    // Node checks the two timeouts only this often (default 30 s): a fraction of the shorter one
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(l.headersTimeoutMs / 4))),
  };
  const server = tls ? createHttpsServer(tls, handler, opts) : createHttp(opts, handler);
  server.maxConnections = l.maxConnections;
  return server;
}

function createHttpsServer(tls: TlsSettings, handler: Handler, opts: Record<string, number>): HttpServer {
  return createHttps(
    {
      ...opts,
      // a client that never finishes the TLS handshake is held no longer than one that never sends headers
      handshakeTimeout: opts.headersTimeout,
      cert: readFileSync(tls.certfile),
      key: readFileSync(tls.keyfile),
      ...(tls.caBundle ? { ca: readFileSync(tls.caBundle) } : {}),
      requestCert: tls.verifyClient === true,
      rejectUnauthorized: tls.verifyClient === true,
    },
    handler,
  ) as unknown as HttpServer;
}

export function listen(server: HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function urlOf(host: string, port: number, path: string, tls: boolean): string {
  const h = host.includes(":") ? `[${host}]` : host;
  return `${tls ? "https" : "http"}://${h}:${port}${path}`;
}
