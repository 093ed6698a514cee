import { CORE_ERRORS } from "./abi.js";

/** Every error toolwatch throws on purpose. `code` is stable; `message` names what was wrong. */
export class ToolwatchError extends Error {
  readonly code: string;
  readonly details?: unknown;
  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.name = "ToolwatchError";
    this.code = code;
    this.details = details;
  }
}

export function coreError(rc: number, what: string): ToolwatchError {
  const e = CORE_ERRORS[rc] ?? { code: "CORE_ERROR", message: `core returned ${rc}` };
  return new ToolwatchError(e.code, `${what}: ${e.message}`);
}
