// Puts toolwatch in front of every tools/call of an @modelcontextprotocol/sdk server. It wraps the
// server's tools/call handler (now, or when one is registered later): check before, after on the result.
import { ElicitResultSchema, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import {
  Asker,
  AskTimeout,
  canElicitForm,
  resolveAsk,
  type AskAnswer,
  type AskChannel,
  type AskInput,
} from "../../ask.js";
import { ToolwatchError } from "../../core/errors.js";
import type { Decision } from "../../detector.js";
import { fromMcpExtra, type HeaderNames, type Identity } from "../../identity.js";
import { decisionMetadata } from "../../metadata.js";
import type { Logger } from "../../log.js";
import { silentLogger } from "../../log.js";
import { BLOCKED_ERROR_CODE, describeBlock } from "../../blocked-call.js";
import { describeRefusal, isRefusedInput, isToolwatchError, nestingError } from "../../refused-input.js";
import { toDetectorLike, type DetectorLike } from "../../guard.js";

type RawHandler = (request: { method: string; params?: Record<string, unknown> }, extra: unknown) => Promise<unknown>;

interface ProtocolInternals {
  setRequestHandler: (schema: unknown, handler: unknown) => void;
  _requestHandlers: Map<string, RawHandler>;
  getClientCapabilities?: () => { elicitation?: Record<string, unknown> } | undefined;
}

type SendRequest = (
  request: { method: string; params?: unknown },
  schema: unknown,
  options?: { timeout?: number },
) => Promise<unknown>;

export interface GuardOptions {
  /** Identity from the request's `extra` (authInfo, requestInfo); default: authInfo, then trusted headers. */
  identity?: (extra: unknown, request: { name: string; arguments: Record<string, unknown> }) => Partial<Identity>;
  /** Headers carrying identity; default the detector config's identityHeaders. */
  identityHeaders?: HeaderNames;
  /** Trust those headers: only when an authenticating proxy in front sets them. Default false. */
  trustHeaders?: boolean;
  /** Called with every decision (after it is made, before the tool runs). */
  onDecision?: (decision: Decision, call: { tool: string; identity: Partial<Identity> }) => void;
  logger?: Logger;
  clock?: () => number;
  /**
   * Ask the user before a warned call runs (MCP elicitation), docs/GATEWAY.md "Ask". E.g. `{ onWarn: "ask",
   * timeoutMs: 60000, fallback: "block" }`; absent: warned calls run, as before.
   */
  ask?: AskInput;
  /** Called with every answer (or the fallback taken) when a call was held for a question. */
  onAnswer?: (answer: AskAnswer, call: { tool: string; identity: Partial<Identity> }) => void;
}

export interface GuardHandle {
  /** Puts the original handler back. */
  unguard(): void;
}

const GUARDED = Symbol.for("toolwatch.guarded");

function protocolOf(server: unknown): ProtocolInternals {
  const s = server as { server?: unknown };
  const p = (
    s && typeof s === "object" && s.server && typeof (s.server as ProtocolInternals).setRequestHandler === "function"
      ? s.server
      : server
  ) as ProtocolInternals;
  if (!p || typeof p.setRequestHandler !== "function" || !(p._requestHandlers instanceof Map)) {
    throw new ToolwatchError(
      "INVALID_SERVER",
      "guardMcpServer needs an @modelcontextprotocol/sdk McpServer or Server (1.x)",
    );
  }
  return p;
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * Guards every tools/call of an SDK server with a detector.
 * @example
 *   const server = new McpServer({ name: "files", version: "1.0.0" });
 *   guardMcpServer(server, createDetector({ action: "block" }));
 *   server.registerTool("read_file", ...);
 */
export function guardMcpServer(
  server: unknown,
  detector: DetectorLike | Parameters<typeof toDetectorLike>[0],
  options: GuardOptions = {},
): GuardHandle {
  const p = protocolOf(server);
  const d = toDetectorLike(detector);
  const log = options.logger ?? silentLogger();
  const clock = options.clock ?? Date.now;
  const names = options.identityHeaders ?? d.config.identityHeaders ?? {};

  const asker =
    options.ask !== undefined
      ? new Asker({
          detector: d,
          settings: resolveAsk(options.ask),
          logger: log,
          clock,
          onAnswer: (a, c) => options.onAnswer?.(a, { tool: c.tool, identity: c.identity }),
        })
      : undefined;
  // The question goes out on the request's own stream (extra.sendRequest), which the SDK client answers.
  const channelOf = (extra: unknown): AskChannel => {
    const send = obj(extra)?.sendRequest as SendRequest | undefined;
    return {
      canAsk: typeof send === "function" && canElicitForm(p.getClientCapabilities?.()),
      elicit: async (params, timeoutMs) => {
        try {
          return await send!({ method: "elicitation/create", params }, ElicitResultSchema, { timeout: timeoutMs });
        } catch (err) {
          if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) throw new AskTimeout(err.message);
          throw err;
        }
      },
    };
  };

  const identityOf = (extra: unknown, tool: string, args: Record<string, unknown>): Partial<Identity> =>
    options.identity
      ? options.identity(extra, { name: tool, arguments: args })
      : fromMcpExtra(extra, names, options.trustHeaders === true);

  const wrap = (orig: RawHandler): RawHandler => {
    if ((orig as unknown as Record<symbol, unknown>)[GUARDED]) return orig;
    const guarded: RawHandler = async (request, extra) => {
      const params = obj(request.params);
      const tool = params?.name;
      const args = params?.arguments ?? {};
      // Malformed calls go to the original handler, whose schema check rejects them.
      if (typeof tool !== "string" || !obj(args)) return orig(request, extra);
      const identity = identityOf(extra, tool, args as Record<string, unknown>);
      let decision: Decision;
      try {
        const deep = nestingError(args);
        if (deep) throw deep;
        decision = await d.check({ tool, args: args as Record<string, unknown>, identity, time: clock() });
      } catch (err) {
        if (!isToolwatchError(err)) throw err;
        if (!isRefusedInput(err)) {
          log.warn({ tool, code: err.code }, "tool call refused");
          throw new McpError(BLOCKED_ERROR_CODE, `toolwatch refused "${tool}": ${err.message}`, {
            toolwatch: { action: "block", code: err.code },
          });
        }
        // Input the detector refused: the failure policy decides, as in the plugin server and the proxy.
        const r = describeRefusal(tool, err, d.config);
        log.warn(
          { tool: tool.slice(0, 80), code: r.code, err: r.message, action: r.action },
          r.action === "block"
            ? "tool call input refused: blocked (failure policy closed)"
            : "tool call input refused: allowed unchecked (failure policy open)",
        );
        if (r.action === "block")
          throw new McpError(BLOCKED_ERROR_CODE, r.description, {
            ...r.metadata,
            code: "BLOCKED",
            http_status: r.httpStatus,
          });
        // never scored, so its outcome is not recorded either
        return orig(request, extra);
      }
      options.onDecision?.(decision, { tool, identity });
      const metadata = decisionMetadata(decision);
      if (decision.action === "block") {
        const b = describeBlock(decision, d.config);
        log.warn(
          { tool, risk: metadata.toolwatch.risk_score, reasons: b.reasons.map((r) => r.code) },
          "tool call blocked",
        );
        throw new McpError(BLOCKED_ERROR_CODE, b.description, {
          ...metadata,
          code: b.code,
          http_status: b.httpStatus,
          ...(b.retryAfterMs !== undefined ? { retry_after_ms: b.retryAfterMs } : {}),
        });
      }
      if (asker?.applies(decision)) {
        const settled = await asker.settle(
          decision,
          { tool, args: args as Record<string, unknown>, identity },
          channelOf(extra),
        );
        if (!settled.run) throw new McpError(settled.refusal!.code, settled.refusal!.message, settled.refusal!.data);
      } else if (decision.action === "warn")
        log.warn(
          { tool, risk: metadata.toolwatch.risk_score, reasons: metadata.toolwatch.reasons.map((r) => r.code) },
          "tool call warned",
        );
      let isError = true;
      try {
        const result = await orig(request, extra);
        isError = obj(result)?.isError === true;
        return result;
      } finally {
        try {
          await d.after({ tool, identity, time: clock() }, { isError });
        } catch (err) {
          log.error({ tool, err: (err as Error).message }, "after() failed");
        }
      }
    };
    (guarded as unknown as Record<symbol, unknown>)[GUARDED] = true;
    return guarded;
  };

  const original = p._requestHandlers.get("tools/call");
  if (original) p._requestHandlers.set("tools/call", wrap(original));
  // McpServer installs its tools/call handler with the first registered tool: wrap it then.
  const ownSet = Object.hasOwn(p, "setRequestHandler") ? p.setRequestHandler : undefined;
  const protoSet = p.setRequestHandler;
  p.setRequestHandler = (schema: unknown, handler: unknown) => {
    protoSet.call(p, schema, handler);
    const h = p._requestHandlers.get("tools/call");
    if (h) p._requestHandlers.set("tools/call", wrap(h));
  };
  return {
    unguard() {
      if (ownSet) p.setRequestHandler = ownSet;
      else delete (p as Partial<ProtocolInternals>).setRequestHandler;
      const h = p._requestHandlers.get("tools/call");
      if (h && original && (h as unknown as Record<symbol, unknown>)[GUARDED])
        p._requestHandlers.set("tools/call", original);
    },
  };
}
