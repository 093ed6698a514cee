// One downstream session relayed to one upstream connection, message by message. Everything passes
// through unchanged except tools/call, which is checked first and, when blocked or malformed, answered
// here: nothing reaches the upstream unscored.
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  isJSONRPCErrorResponse, isJSONRPCRequest, isJSONRPCResultResponse,
  type JSONRPCMessage, type RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import type { Identity } from "../identity.js";
import type { Logger } from "../log.js";

export interface CallCheck {
  /** undefined: forward; otherwise the JSON-RPC error to answer with. */
  check(call: { tool: string; args: Record<string, unknown>; identity: Identity }): Promise<{ code: number; message: string; data?: unknown } | undefined>;
  after(call: { tool: string; identity: Identity }, isError: boolean): Promise<void>;
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Why a tools/call's params cannot be scored; undefined when they can. */
function invalidCall(params: unknown): string | undefined {
  const p = obj(params);
  if (!p) return "params must be an object";
  if (typeof p.name !== "string" || p.name.length === 0) return `name must be a non-empty string, got ${p.name === undefined ? "none" : JSON.stringify(p.name).slice(0, 40)}`;
  if (p.arguments !== undefined && !obj(p.arguments)) return `arguments must be an object, got ${Array.isArray(p.arguments) ? "an array" : p.arguments === null ? "null" : `a ${typeof p.arguments}`}`;
  return undefined;
}

function identityOf(extra: unknown): Identity | undefined {
  const x = obj(obj(obj(extra)?.authInfo)?.extra);
  return x && typeof x.principal === "string" ? { principal: x.principal, tenant: typeof x.tenant === "string" ? x.tenant : "" } : undefined;
}

export class Relay {
  private readonly pending = new Map<RequestId, { tool: string; identity: Identity }>();
  // Keeps messages in arrival order although a tools/call waits for its check.
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly down: StreamableHTTPServerTransport,
    private readonly up: Transport,
    private readonly guard: CallCheck,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.up.onmessage = (m) => void this.fromUpstream(m);
    this.up.onerror = (e) => this.log.warn({ err: e.message }, "upstream transport error");
    this.up.onclose = () => void this.close();
    this.down.onmessage = (m, extra) => {
      this.queue = this.queue.then(() => this.fromDownstream(m, extra)).catch((e) => this.log.error({ err: (e as Error).message }, "relay failed"));
    };
    this.down.onerror = (e) => this.log.warn({ err: e.message }, "downstream transport error");
    const endpointClose = this.down.onclose;
    this.down.onclose = () => {
      endpointClose?.();
      void this.close();
    };
    await this.up.start();
    await this.down.start();
  }

  private async fromDownstream(m: JSONRPCMessage, extra: unknown): Promise<void> {
    // a notification has no id to answer a block with, so it could only run unchecked
    if (!isJSONRPCRequest(m) && (m as { method?: unknown }).method === "tools/call") {
      this.log.warn({ tool: String(obj((m as { params?: unknown }).params)?.name).slice(0, 80) }, "tools/call notification dropped: a call needs an id");
      return;
    }
    if (isJSONRPCRequest(m) && m.method === "tools/call") {
      const identity = identityOf(extra);
      // never forward an unchecked call: without a verified identity the call is refused
      if (!identity) {
        await this.down.send({ jsonrpc: "2.0", id: m.id, error: { code: -32001, message: "toolwatch: no verified identity for this call" } });
        return;
      }
      const invalid = invalidCall(m.params);
      if (invalid) {
        await this.down.send({ jsonrpc: "2.0", id: m.id, error: { code: -32602, message: `toolwatch: invalid tools/call params: ${invalid}` } });
        return;
      }
      const p = obj(m.params)!;
      const tool = p.name as string;
      const refusal = await this.guard.check({ tool, args: (obj(p.arguments) ?? {}), identity });
      if (refusal) {
        await this.down.send({ jsonrpc: "2.0", id: m.id, error: refusal });
        return;
      }
      this.pending.set(m.id, { tool, identity });
    }
    try {
      await this.up.send(m);
    } catch (err) {
      const message = `upstream unavailable: ${(err as Error).message}`;
      this.log.error({ err: (err as Error).message }, "cannot forward to upstream");
      if (isJSONRPCRequest(m)) {
        this.pending.delete(m.id);
        await this.down.send({ jsonrpc: "2.0", id: m.id, error: { code: -32603, message } });
      }
    }
  }

  private async fromUpstream(m: JSONRPCMessage): Promise<void> {
    if (isJSONRPCResultResponse(m) || isJSONRPCErrorResponse(m)) {
      const id = (m as { id: RequestId }).id;
      const call = this.pending.get(id);
      if (call) {
        this.pending.delete(id);
        const isError = isJSONRPCErrorResponse(m) || obj(m.result)?.isError === true;
        await this.guard.after(call, isError).catch((e) => this.log.error({ err: (e as Error).message }, "after() failed"));
      }
      // The upstream HTTP transport must send the negotiated version on later requests.
      const pv = isJSONRPCResultResponse(m) ? obj(m.result)?.protocolVersion : undefined;
      if (typeof pv === "string") this.up.setProtocolVersion?.(pv);
    }
    try {
      await this.down.send(m);
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, "downstream gone; message dropped");
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.up.close(), this.down.close()]);
  }
}
