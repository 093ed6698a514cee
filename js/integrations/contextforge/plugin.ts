// The ContextForge external plugin itself, transport-free: plugin config answers and invoke_hook.
// Translates the gateway's payload/context into a detector call and the decision back; no scoring here.
import type { Decision } from "../../detector.js";
import { fromContextForge, type TenantFrom } from "../../identity.js";
import { decisionMetadata, METADATA_KEY } from "../../metadata.js";
import type { Logger } from "../../log.js";
import { silentLogger } from "../../log.js";
import { describeBlock, BLOCKED_ERROR_CODE } from "../../blocked-call.js";
import { describeRefusal, isRefusedInput, isToolwatchError, nestingError } from "../../refused-input.js";
import type { DetectorLike } from "../../guard.js";
import { Metrics } from "../../http/prometheus.js";
import {
  HOOKS,
  HookError,
  errorEnvelope,
  type Envelope,
  type HookType,
  type PluginContext,
  type PluginResult,
  type Violation,
} from "./envelope.js";

export const DEFAULT_PLUGIN_NAME = "ToolCallAnomalyDetection";
/** Consecutive calls without arguments after which the log says arguments may be withheld. */
const EMPTY_ARGS_WARN_AFTER = 100;
/** The `kind` get_plugin_config answers with: anything but "external" (see pluginConfig). */
export const SERVER_KIND = "toolwatch.serve";

export interface PluginOptions {
  detector: DetectorLike;
  name?: string;
  priority?: number;
  mode?: string;
  /** Largest accepted invoke_hook arguments, in bytes of JSON. */
  maxPayloadBytes?: number;
  metrics?: Metrics;
  logger?: Logger;
  /** Milliseconds since the epoch; injectable for tests and replays. */
  clock?: () => number;
  /**
   * Where the tenant comes from: "tenant_id" (default) or "user_context" (user_context.team_id, else
   * tenant_id). On the gateway's MCP transport tenant_id is the tool's team, not the caller's.
   */
  tenantFrom?: TenantFrom;
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

const typeName = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);

export class ContextForgePlugin {
  readonly name: string;
  readonly detector: DetectorLike;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Tool calls being answered (a stdio server drains them before exiting). */
  inflight = 0;
  /** Consecutive pre-invokes whose arguments arrived empty (see noteArgs). */
  private emptyArgsRun = 0;
  private warnedEmptyArgs = false;
  private readonly priority: number;
  private readonly mode: string;
  private readonly maxPayloadBytes: number;
  private readonly clock: () => number;
  private readonly tenantFrom: TenantFrom;

  constructor(o: PluginOptions) {
    this.detector = o.detector;
    this.name = o.name ?? DEFAULT_PLUGIN_NAME;
    this.priority = o.priority ?? 201;
    this.mode = o.mode ?? "sequential";
    this.maxPayloadBytes = o.maxPayloadBytes ?? 1 << 20;
    this.metrics = o.metrics ?? new Metrics();
    this.logger = o.logger ?? silentLogger();
    this.clock = o.clock ?? Date.now;
    this.tenantFrom = o.tenantFrom ?? "tenant_id";
  }

  /**
   * The plugin config get_plugin_config answers with. The gateway entry's own fields override these.
   * The gateway validates this answer on its own before merging: "external" with a `config`, or
   * "external" without a transport section, is refused and the plugin silently skipped. So the kind
   * names what serves it; the gateway puts its local entry's "external" back after the merge.
   */
  pluginConfig(): Record<string, unknown> {
    return {
      name: this.name,
      kind: SERVER_KIND,
      description:
        "toolwatch: behavioural anomaly detection for tool calls (learns each tenant/principal baseline; allow, warn or block)",
      author: "toolwatch",
      version: "0.1.0",
      hooks: [...HOOKS],
      tags: ["security", "anomaly", "toolwatch"],
      mode: this.mode,
      priority: this.priority,
      config: { ...this.detector.config },
    };
  }

  matches(name: unknown): boolean {
    return typeof name === "string" && name.toLowerCase() === this.name.toLowerCase();
  }

  /** invoke_hook: always an envelope, never a throw. */
  async invokeHook(args: unknown): Promise<Envelope> {
    try {
      return await this.dispatch(args);
    } catch (err) {
      const e =
        err instanceof HookError
          ? err
          : isToolwatchError(err)
            ? new HookError(err.code, err.message)
            : new HookError("INTERNAL_ERROR", `toolwatch failed: ${err instanceof Error ? err.message : String(err)}`);
      this.metrics.error(e.code);
      this.logger.warn({ code: e.code, err: e.message }, "invoke_hook refused");
      return errorEnvelope(this.name, e.code, e.message, e.details);
    }
  }

  private async dispatch(args: unknown): Promise<Envelope> {
    const a = obj(args);
    if (!a) throw new HookError("INVALID_REQUEST", `invoke_hook arguments must be an object, got ${typeName(args)}`);
    // Oversize or too deep arguments are the call's input: answered once the hook is known.
    let refused: { code: string; message: string } | undefined = nestingError(obj(a.payload)?.args);
    if (!refused) {
      let size: number;
      try {
        size = JSON.stringify(a).length;
      } catch (err) {
        throw new HookError(
          "INVALID_REQUEST",
          `invoke_hook arguments cannot be measured (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      if (size > this.maxPayloadBytes) {
        refused = {
          code: "PAYLOAD_TOO_LARGE",
          message: `invoke_hook arguments are ${size} bytes, over the ${this.maxPayloadBytes}-byte limit`,
        };
      }
    }
    const missing = ["hook_type", "plugin_name", "payload", "context"].filter(
      (k) => a[k] === undefined || a[k] === null,
    );
    if (missing.length)
      throw new HookError("MISSING_FIELD", `invoke_hook is missing ${missing.map((m) => `"${m}"`).join(", ")}`, {
        missing,
      });
    if (!this.matches(a.plugin_name)) {
      throw new HookError(
        "UNKNOWN_PLUGIN",
        `no plugin named ${JSON.stringify(a.plugin_name)} here (this server runs "${this.name}")`,
      );
    }
    const hook = a.hook_type;
    if (typeof hook !== "string" || !(HOOKS as readonly string[]).includes(hook)) {
      throw new HookError(
        "UNKNOWN_HOOK",
        `unknown hook_type ${JSON.stringify(hook)}; this plugin serves ${HOOKS.join(", ")}`,
      );
    }
    const payload = obj(a.payload);
    if (!payload) throw new HookError("INVALID_PAYLOAD", `payload must be an object, got ${typeName(a.payload)}`);
    const ctx = obj(a.context);
    if (!ctx) throw new HookError("INVALID_CONTEXT", `context must be an object, got ${typeName(a.context)}`);
    for (const k of ["state", "metadata", "global_context"] as const) {
      if (ctx[k] !== undefined && ctx[k] !== null && !obj(ctx[k]))
        throw new HookError("INVALID_CONTEXT", `context.${k} must be an object, got ${typeName(ctx[k])}`);
    }
    // Absent and null alike; everything the gateway sent is echoed back.
    const context: PluginContext = {
      ...ctx,
      state: { ...(obj(ctx.state) ?? {}) },
      metadata: { ...(obj(ctx.metadata) ?? {}) },
      global_context: obj(ctx.global_context) ?? {},
    };
    if ((hook as HookType) === "tool_pre_invoke") return this.pre(payload, context, refused);
    if (refused) return this.postUnrecorded(payload, context, refused);
    if (typeof payload.name !== "string" || payload.name.length === 0) {
      throw new HookError(
        "INVALID_PAYLOAD",
        `payload.name must be a non-empty string (the tool name), got ${payload.name === undefined ? "nothing" : typeName(payload.name)}`,
      );
    }
    return this.post(payload, context);
  }

  private async pre(
    payload: Record<string, unknown>,
    context: PluginContext,
    refused?: { code: string; message: string },
  ): Promise<Envelope> {
    const tool = payload.name;
    const args = payload.args ?? {};
    // The tool name and arguments are the call's input: refusing them is a decision, not an error.
    if (refused) return this.refuseInput(tool, refused, context);
    if (typeof tool !== "string" || tool.length === 0) {
      return this.refuseInput(
        tool,
        {
          code: "INVALID_TOOL",
          message: `payload.name must be a non-empty string (the tool name), got ${tool === undefined ? "nothing" : tool === "" ? "an empty string" : typeName(tool)}`,
        },
        context,
      );
    }
    if (!obj(args))
      return this.refuseInput(
        tool,
        { code: "INVALID_ARGS", message: `payload.args must be an object, got ${typeName(args)}` },
        context,
      );
    this.noteArgs(args as Record<string, unknown>);
    const time = this.clock();
    let d: Decision;
    const t0 = performance.now();
    try {
      const identity = fromContextForge(context.global_context, { tenantFrom: this.tenantFrom });
      d = await this.detector.check({ tool, args: args as Record<string, unknown>, identity, time });
    } catch (err) {
      if (isToolwatchError(err))
        return isRefusedInput(err) ? this.refuseInput(tool, err, context) : this.refuseAnonymous(tool, context);
      throw err;
    }
    this.metrics.decision(d, (performance.now() - t0) / 1000);
    const metadata = decisionMetadata(d);
    context.state[METADATA_KEY] = {
      action: d.action,
      risk_score: metadata.toolwatch.risk_score,
      time,
      reasons: metadata.toolwatch.reasons.filter((r) => r.counted).map((r) => r.code),
    };
    const log = {
      tool,
      action: d.action,
      risk: metadata.toolwatch.risk_score,
      reasons: metadata.toolwatch.reasons.map((r) => r.code),
      request_id: context.global_context.request_id,
    };
    const result: PluginResult = { continue_processing: true, metadata, retry_delay_ms: 0 };
    if (d.action === "block") {
      const b = describeBlock(d, this.detector.config);
      const retryHeaders =
        b.retryAfterMs !== undefined ? { "Retry-After": String(Math.ceil(b.retryAfterMs / 1000)) } : undefined;
      result.continue_processing = false;
      result.violation = {
        reason: b.reason,
        description: b.description,
        code: b.code,
        details: { ...metadata, ...(b.retryAfterMs !== undefined ? { retry_delay_ms: b.retryAfterMs } : {}) },
        mcp_error_code: BLOCKED_ERROR_CODE,
        http_status_code: b.httpStatus,
        ...(retryHeaders ? { http_headers: retryHeaders } : {}),
      };
      if (b.retryAfterMs !== undefined) {
        result.retry_delay_ms = b.retryAfterMs;
        result.http_headers = retryHeaders;
      }
      this.logger.warn(log, "tool call blocked");
    } else if (d.action === "warn") {
      this.logger.warn(log, "tool call warned");
    } else {
      this.logger.debug(log, "tool call allowed");
    }
    return { plugin_name: this.name, result, context };
  }

  /** Input the detector refused (or that cannot be scored): the failure policy decides. */
  private refuseInput(tool: unknown, err: { code: string; message: string }, context: PluginContext): Envelope {
    const r = describeRefusal(tool, err, this.detector.config);
    this.metrics.refused(r.code, r.action);
    // post-invoke reads this: a refused call was never scored, so its outcome is not recorded
    context.state[METADATA_KEY] = { action: r.action, refused: r.code, time: this.clock() };
    this.logger.warn(
      {
        tool: typeof tool === "string" ? tool.slice(0, 80) : undefined,
        code: r.code,
        err: r.message,
        action: r.action,
        request_id: context.global_context.request_id,
      },
      r.action === "block"
        ? "tool call input refused: blocked (failure policy closed)"
        : "tool call input refused: allowed unchecked (failure policy open)",
    );
    if (r.action === "allow")
      return {
        plugin_name: this.name,
        context,
        result: { continue_processing: true, metadata: r.metadata, retry_delay_ms: 0 },
      };
    return this.stopped(context, {
      reason: r.reason,
      description: r.description,
      code: "BLOCKED",
      details: r.metadata,
      mcp_error_code: BLOCKED_ERROR_CODE,
      http_status_code: r.httpStatus,
    });
  }

  /** A pre-invoke answer that stops the call with `violation` (no metadata: the details carry it). */
  private stopped(context: PluginContext, violation: Violation): Envelope {
    return {
      plugin_name: this.name,
      context,
      result: { continue_processing: false, metadata: {}, retry_delay_ms: 0, violation },
    };
  }

  /**
   * Behind ContextForge's plugin framework an external plugin can receive every call's arguments as {}
   * (its payload isolation serialises them empty): a long run of empty arguments says so, once, in the log.
   */
  private noteArgs(args: Record<string, unknown>): void {
    for (const _ in args) {
      this.emptyArgsRun = 0;
      return;
    }
    if (++this.emptyArgsRun < EMPTY_ARGS_WARN_AFTER || this.warnedEmptyArgs) return;
    this.warnedEmptyArgs = true;
    this.logger.warn(
      { calls: this.emptyArgsRun },
      `the last ${this.emptyArgsRun} tool calls all arrived with empty arguments: if your tools take arguments, the gateway is not passing them to external plugins ` +
        "(ContextForge's payload policies do this), so argument shapes and values are not judged; see docs/GATEWAY.md for the in-process plugin",
    );
  }

  private refuseAnonymous(tool: string, context: PluginContext): Envelope {
    this.metrics.error("ANONYMOUS_REFUSED");
    this.logger.warn({ tool, request_id: context.global_context.request_id }, "anonymous tool call refused");
    return this.stopped(context, {
      reason: "Anonymous tool call",
      description: "toolwatch refuses tool calls that carry no user identity (config.anonymous = refuse)",
      code: "BLOCKED",
      details: { [METADATA_KEY]: { action: "block", reasons: [{ code: "ANONYMOUS_REFUSED" }] } },
      mcp_error_code: BLOCKED_ERROR_CODE,
      http_status_code: 403,
    });
  }

  private async post(payload: Record<string, unknown>, context: PluginContext): Promise<Envelope> {
    const tool = payload.name as string;
    const isError = obj(payload.result)?.isError === true;
    const pre = obj(context.state[METADATA_KEY]) ?? {};
    // The pre hook refused this call's input (and the policy let it run): it was never scored.
    if (pre.refused !== undefined) return this.postUnrecorded(payload, context);
    let identity: ReturnType<typeof fromContextForge>;
    try {
      identity = fromContextForge(context.global_context, { tenantFrom: this.tenantFrom });
    } catch (err) {
      if (isToolwatchError(err)) return this.postUnrecorded(payload, context, err);
      throw err;
    }
    let tracked = false;
    try {
      ({ tracked } = await this.detector.after({ tool, identity, time: this.clock() }, { isError }));
    } catch (err) {
      // A refused anonymous call never reached the tool; nothing to record.
      if (!(isToolwatchError(err) && err.code === "ANONYMOUS_REFUSED")) throw err;
    }
    const metadata = {
      [METADATA_KEY]: {
        tool,
        action: pre.action,
        risk_score: pre.risk_score,
        reasons: pre.reasons,
        outcome: isError ? "error" : "ok",
        tracked,
      },
    };
    return { plugin_name: this.name, result: { continue_processing: true, metadata, retry_delay_ms: 0 }, context };
  }

  /** Post-invoke for a call whose outcome is not recorded: nothing to decide, the tool already ran. */
  private postUnrecorded(
    payload: Record<string, unknown>,
    context: PluginContext,
    refused?: { code: string; message: string },
  ): Envelope {
    const pre = obj(context.state[METADATA_KEY]) ?? {};
    if (refused)
      this.logger.warn(
        { code: refused.code, err: refused.message, request_id: context.global_context.request_id },
        "tool_post_invoke input refused: outcome not recorded",
      );
    const tool = typeof payload.name === "string" ? payload.name : undefined;
    const isError = obj(payload.result)?.isError === true;
    const metadata = {
      [METADATA_KEY]: {
        tool,
        action: pre.action,
        refused: refused ? { code: refused.code, message: refused.message } : pre.refused,
        outcome: isError ? "error" : "ok",
        tracked: false,
      },
    };
    return { plugin_name: this.name, result: { continue_processing: true, metadata, retry_delay_ms: 0 }, context };
  }
}
