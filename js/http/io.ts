// Reading requests and writing answers for the gateway servers: bearer tokens compared in constant time,
// bounded JSON bodies, JSON and JSON-RPC error answers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual, createHash } from "node:crypto";

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

/** Constant-time comparison of the request's bearer token with `expected`. */
export function hasBearer(req: IncomingMessage, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  const h = req.headers.authorization;
  if (typeof h !== "string") return false;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  if (!m) return false;
  return timingSafeEqual(digest(m[1]!), digest(expected));
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** A JSON-RPC error answer (id null: the request could not be read). */
export function sendRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { jsonrpc: "2.0", id: null, error: { code, message } }, headers);
}

export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly rpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a JSON body of at most `limit` bytes. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new BodyError(413, -32600, `payload too large: ${declared} bytes, limit ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new BodyError(413, -32600, `payload too large: over ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new BodyError(400, -32700, "parse error: empty request body");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BodyError(400, -32700, `parse error: invalid JSON (${(err as Error).message})`);
  }
}
