// The external-plugin wire shapes (see docs/GATEWAY.md): the invoke_hook answer is
// {plugin_name, result, context} or {plugin_name, error}.
export const HOOKS = ["tool_pre_invoke", "tool_post_invoke"] as const;
export type HookType = (typeof HOOKS)[number];

/** mcp_error_code the gateway uses when a plugin gives none; errors here use it too. */
export const INVALID_PARAMS = -32602;

export interface Violation {
  reason: string;
  description: string;
  code: string;
  details: Record<string, unknown>;
  mcp_error_code?: number;
  http_status_code?: number;
  http_headers?: Record<string, string>;
}

export interface PluginResult {
  continue_processing: boolean;
  modified_payload?: unknown;
  violation?: Violation | null;
  metadata: Record<string, unknown>;
  http_headers?: Record<string, string> | null;
  retry_delay_ms: number;
}

export interface PluginContext {
  state: Record<string, unknown>;
  metadata: Record<string, unknown>;
  global_context: Record<string, unknown>;
  [k: string]: unknown;
}

export interface ResultEnvelope {
  plugin_name: string;
  result: PluginResult;
  context: PluginContext;
}

export interface ErrorEnvelope {
  plugin_name: string;
  error: {
    message: string;
    plugin_name: string;
    code: string;
    details: Record<string, unknown>;
    mcp_error_code: number;
  };
}

export type Envelope = ResultEnvelope | ErrorEnvelope;

/** A request the server refuses: turned into an error envelope, never a crash. */
export class HookError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function errorEnvelope(
  pluginName: string,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): ErrorEnvelope {
  return {
    plugin_name: pluginName,
    error: { message, plugin_name: pluginName, code, details, mcp_error_code: INVALID_PARAMS },
  };
}
