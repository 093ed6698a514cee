// One downstream session relayed to one upstream connection, message by message. Everything passes
// through unchanged except tools/call, which is checked first and, when blocked or malformed, answered
// here: nothing reaches the upstream unscored.
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import type { Identity } from "../identity.js";
import type { Logger } from "../log.js";
import { AskTimeout, canElicitForm, type AskChannel, type ElicitParams } from "../ask.js";

type Refusal = { code: number; message: string; data?: unknown };

export interface CallCheck {
  /**
   * undefined: forward; a refusal: the JSON-RPC error to answer with; `held`: the call waits for its user's
   * answer (asked through `channel`), and the session's other messages go on meanwhile.
   */
  check(
    call: { tool: string; args: Record<string, unknown>; identity: Identity },
    channel: AskChannel,
  ): Promise<Refusal | undefined | { held: Promise<Refusal | undefined> }>;
  after(call: { tool: string; identity: Identity }, isError: boolean): Promise<void>;
}

/**
 * The client's standalone SSE stream (GET /mcp) is open: in JSON-response mode it is the only way a request
 * reaches the client mid-call. Read from the SDK transport's internals; when they are not found, assumed open.
 */
function standaloneOpen(t: StreamableHTTPServerTransport): boolean {
  const inner = (
    t as unknown as { _webStandardTransport?: { _streamMapping?: unknown; _standaloneSseStreamId?: unknown } }
  )._webStandardTransport;
  const streams = inner?._streamMapping;
  if (!(streams instanceof Map) || typeof inner?._standaloneSseStreamId !== "string") return true;
  return streams.has(inner._standaloneSseStreamId);
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Why a tools/call's params cannot be scored; undefined when they can. */
function invalidCall(params: unknown): string | undefined {
  const p = obj(params);
  if (!p) return "params must be an object";
  if (typeof p.name !== "string" || p.name.length === 0)
    return `name must be a non-empty string, got ${p.name === undefined ? "none" : JSON.stringify(p.name).slice(0, 40)}`;
  if (p.arguments !== undefined && !obj(p.arguments))
    return `arguments must be an object, got ${Array.isArray(p.arguments) ? "an array" : p.arguments === null ? "null" : `a ${typeof p.arguments}`}`;
  return undefined;
}

function identityOf(extra: unknown): Identity | undefined {
  const x = obj(obj(obj(extra)?.authInfo)?.extra);
  return x && typeof x.principal === "string"
    ? { principal: x.principal, tenant: typeof x.tenant === "string" ? x.tenant : "" }
    : undefined;
}

export class Relay {
  private readonly pending = new Map<RequestId, { tool: string; identity: Identity }>();
  // Keeps messages in arrival order although a tools/call waits for its check.
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** The client's capabilities from its initialize request. */
  private clientCaps: Record<string, unknown> | undefined;
  /** Questions this proxy asked the client (ids of its own, never the upstream's), awaiting their answer. */
  private readonly questions = new Map<string, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  private asked = 0;
  private readonly channel: AskChannel = this.askChannel();

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
      // the answer to a question of ours: never queued (the call asking waits for it), never relayed
      const id = (m as { id?: unknown }).id;
      if (
        typeof id === "string" &&
        this.questions.has(id) &&
        (isJSONRPCResultResponse(m) || isJSONRPCErrorResponse(m))
      ) {
        const q = this.questions.get(id)!;
        this.questions.delete(id);
        if (isJSONRPCResultResponse(m)) q.resolve(m.result);
        else q.reject(new Error(`the client answered the question with an error: ${m.error.message}`));
        return;
      }
      this.queue = this.queue
        .then(() => this.fromDownstream(m, extra))
        .catch((e) => this.log.error({ err: (e as Error).message }, "relay failed"));
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
      this.log.warn(
        { tool: String(obj((m as { params?: unknown }).params)?.name).slice(0, 80) },
        "tools/call notification dropped: a call needs an id",
      );
      return;
    }
    if (isJSONRPCRequest(m) && m.method === "initialize") this.clientCaps = obj(obj(m.params)?.capabilities);
    if (isJSONRPCRequest(m) && m.method === "tools/call") {
      const identity = identityOf(extra);
      // never forward an unchecked call: without a verified identity the call is refused
      if (!identity) {
        await this.down.send({
          jsonrpc: "2.0",
          id: m.id,
          error: { code: -32001, message: "toolwatch: no verified identity for this call" },
        });
        return;
      }
      const invalid = invalidCall(m.params);
      if (invalid) {
        await this.down.send({
          jsonrpc: "2.0",
          id: m.id,
          error: { code: -32602, message: `toolwatch: invalid tools/call params: ${invalid}` },
        });
        return;
      }
      const p = obj(m.params)!;
      const tool = p.name as string;
      const verdict = await this.guard.check({ tool, args: obj(p.arguments) ?? {}, identity }, this.channel);
      if (verdict && "held" in verdict) {
        // scored in order; the answer may take a while, so the call goes on (or not) when it comes
        void verdict.held.then(
          (r) => this.release(m, r, tool, identity),
          (e) => this.release(m, { code: -32603, message: `toolwatch: ${(e as Error).message}` }, tool, identity),
        );
        return;
      }
      if (verdict) {
        await this.down.send({ jsonrpc: "2.0", id: m.id, error: verdict });
        return;
      }
      this.pending.set(m.id, { tool, identity });
    }
    await this.forward(m);
  }

  /** A held call, once its user answered (or the fallback decided). */
  private async release(
    m: JSONRPCMessage & { id: RequestId },
    refusal: Refusal | undefined,
    tool: string,
    identity: Identity,
  ): Promise<void> {
    if (this.closed) return;
    try {
      if (refusal) {
        await this.down.send({ jsonrpc: "2.0", id: m.id, error: refusal });
        return;
      }
      this.pending.set(m.id, { tool, identity });
      await this.forward(m);
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, "downstream gone; answer to a held call dropped");
    }
  }

  /** Questions go to the client's standalone stream as requests with ids of the proxy's own. */
  private askChannel(): AskChannel {
    const relay = this;
    return {
      get canAsk() {
        return canElicitForm(relay.clientCaps);
      },
      elicit: async (params: ElicitParams, timeoutMs: number) => {
        const started = performance.now();
        // a client opens its stream right after initialize; a call may come first
        while (!standaloneOpen(this.down) && !this.closed) {
          if (performance.now() - started > Math.min(timeoutMs, 3000))
            throw new Error("the client has no open stream for server requests (GET)");
          await new Promise((r) => setTimeout(r, 25));
        }
        const id = `toolwatch-ask-${++this.asked}`;
        return new Promise<unknown>((resolve, reject) => {
          const timer = setTimeout(
            () => {
              if (!this.questions.delete(id)) return;
              void this.down
                .send({
                  jsonrpc: "2.0",
                  method: "notifications/cancelled",
                  params: { requestId: id, reason: "no answer in time" },
                })
                .catch(() => undefined);
              reject(new AskTimeout(`no answer within ${timeoutMs} ms`));
            },
            Math.max(0, timeoutMs - (performance.now() - started)),
          );
          this.questions.set(id, {
            resolve: (r) => {
              clearTimeout(timer);
              resolve(r);
            },
            reject: (e) => {
              clearTimeout(timer);
              reject(e);
            },
          });
          this.down
            .send({
              jsonrpc: "2.0",
              id,
              method: "elicitation/create",
              params: params as unknown as Record<string, unknown>,
            })
            .catch((e: Error) => {
              this.questions.get(id)?.reject(e);
              this.questions.delete(id);
            });
        });
      },
    };
  }

  private async forward(m: JSONRPCMessage): Promise<void> {
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
        await this.guard
          .after(call, isError)
          .catch((e) => this.log.error({ err: (e as Error).message }, "after() failed"));
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
    for (const q of this.questions.values()) q.reject(new Error("the session closed before the answer"));
    this.questions.clear();
    await Promise.allSettled([this.up.close(), this.down.close()]);
  }
}
