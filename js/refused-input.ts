// What a tool call gets when its input is refused (a ToolwatchError from check(): too many or too
// long keys, a lone surrogate, oversize or too deeply nested arguments, no tool name). The call was
// not scored, so nothing says it is safe or not: the config's failurePolicy decides, the same way in
// the plugin server, the middleware and the proxy.
import type { Config } from "./config/schema.js";
import { HOST_DEFAULTS } from "./config/schema.js";
import { ToolwatchError } from "./core/errors.js";

/** Nesting the hosts accept in arguments. The core reads only the top level; deeper than this,
 * JSON.stringify on the way (size checks, relaying) would overflow the stack. */
export const MAX_ARGS_DEPTH = 1000;
// Bounds the walk over an in-process object (a cycle fanning out would never end).
const MAX_NODES = 1 << 20;

const SIZE_CODES = new Set(["ARGS_TOO_LARGE", "PAYLOAD_TOO_LARGE"]);

export interface Refusal {
  /** block when failurePolicy is closed (the default), allow when open. */
  action: "block" | "allow";
  /** The refusal's ToolwatchError code, e.g. ARGS_TOO_LARGE. */
  code: string;
  message: string;
  /** For a block: 413 when the arguments are too large, else 403. */
  httpStatus: 403 | 413;
  reason: string;
  /** One line naming the tool, the problem, its code and what the policy did. */
  description: string;
  /** `{toolwatch: ...}`: the violation's details / the error's data for a block, metadata for an allow. */
  metadata: { toolwatch: Record<string, unknown> };
}

/**
 * A ToolwatchError from any copy of the library (each package entry point is its own bundle, so
 * `instanceof` would miss errors thrown by a detector created through another entry).
 */
export function isToolwatchError(e: unknown): e is Error & { code: string } {
  return e instanceof Error && e.name === "ToolwatchError" && typeof (e as { code?: unknown }).code === "string";
}

/** Errors that are a decision already, not refused input: never turned into an allow. */
export function isRefusedInput(err: { code: string }): boolean {
  return err.code !== "ANONYMOUS_REFUSED";
}

const toolName = (tool: unknown): string =>
  typeof tool === "string" && tool.length > 0
    ? JSON.stringify(tool.length > 80 ? `${tool.slice(0, 80)}…` : tool)
    : "(no tool name)";

export function describeRefusal(tool: unknown, err: { code: string; message: string }, config: Config): Refusal {
  const closed = (config.failurePolicy ?? HOST_DEFAULTS.failurePolicy) === "closed";
  const { code, message } = err;
  const base = `toolwatch refused ${toolName(tool)}: ${message} (${code})`;
  if (closed) {
    return {
      action: "block",
      code,
      message,
      httpStatus: SIZE_CODES.has(code) ? 413 : 403,
      reason: "Tool call input refused",
      description: `${base}; failure policy closed: blocked`,
      metadata: { toolwatch: { action: "block", reasons: [{ code, message }] } },
    };
  }
  return {
    action: "allow",
    code,
    message,
    httpStatus: 403,
    reason: "Tool call input refused",
    description: `${base}; failure policy open: allowed unchecked`,
    metadata: { toolwatch: { action: "allow", refused: { code, message } } },
  };
}

/**
 * ARGS_TOO_DEEP when `args` nests deeper than `max` levels (args itself is level 1), else undefined.
 * Iterative, so depth itself cannot overflow the stack.
 */
export function nestingError(args: unknown, max = MAX_ARGS_DEPTH): ToolwatchError | undefined {
  const values: unknown[] = [args];
  const depths: number[] = [1];
  let seen = 0;
  try {
    while (values.length > 0 && seen++ < MAX_NODES) {
      const v = values.pop();
      const d = depths.pop()!;
      if (typeof v !== "object" || v === null) continue;
      if (d > max) return new ToolwatchError("ARGS_TOO_DEEP", `arguments nest deeper than ${max} levels`);
      for (const k in v) {
        const c = (v as Record<string, unknown>)[k];
        if (typeof c === "object" && c !== null) {
          values.push(c);
          depths.push(d + 1);
        }
      }
    }
  } catch {
    // an unreadable object (throwing getter, revoked Proxy): check() names that itself
  }
  return undefined;
}
