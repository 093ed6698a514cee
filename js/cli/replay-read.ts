// Reads a replay file (docs/REPLAY-FORMAT.md): one JSON event per line, validated with a message
// that names the line and the field.
import type { CallInput } from "../detector.js";

export interface ReplayEvent {
  line: number;
  call: CallInput;
  /** true = attack/anomalous, false = benign, undefined = unlabelled. */
  label?: boolean;
  outcome?: "ok" | "error";
}

const POSITIVE = new Set(["attack", "malicious", "anomaly", "anomalous", "positive", "true", "1"]);
const NEGATIVE = new Set(["benign", "normal", "negative", "false", "0"]);

export class LineError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const typeName = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);

function parseTime(v: unknown, line: number): number {
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === "string") {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
    throw new LineError(line, `"time" is not an ISO-8601 date: ${JSON.stringify(v).slice(0, 60)}`);
  }
  throw new LineError(line, `"time" must be milliseconds since the epoch or an ISO-8601 string, got ${typeName(v)}`);
}

function parseLabel(v: unknown, line: number): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === "string") {
    const s = v.toLowerCase();
    if (POSITIVE.has(s)) return true;
    if (NEGATIVE.has(s)) return false;
  }
  throw new LineError(
    line,
    `"label" must be attack|benign (or true/false, 1/0), got ${JSON.stringify(v).slice(0, 40)}`,
  );
}

/** Parses one line; undefined for a blank line. */
export function parseEvent(text: string, line: number): ReplayEvent | undefined {
  if (text.trim() === "") return undefined;
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    throw new LineError(line, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof o !== "object" || o === null || Array.isArray(o))
    throw new LineError(line, `expected a JSON object, got ${typeName(o)}`);
  const e = o as Record<string, unknown>;
  if (typeof e.tool !== "string" || e.tool === "")
    throw new LineError(
      line,
      `"tool" must be a non-empty string, got ${e.tool === undefined ? "nothing" : typeName(e.tool)}`,
    );
  const args = e.args ?? {};
  if (typeof args !== "object" || args === null || Array.isArray(args))
    throw new LineError(line, `"args" must be an object, got ${typeName(args)}`);
  for (const k of ["tenant", "principal"] as const) {
    if (e[k] !== undefined && e[k] !== null && typeof e[k] !== "string")
      throw new LineError(line, `"${k}" must be a string, got ${typeName(e[k])}`);
  }
  const outcome = e.outcome;
  if (outcome !== undefined && outcome !== null && outcome !== "ok" && outcome !== "error")
    throw new LineError(line, `"outcome" must be "ok" or "error"`);
  return {
    line,
    call: {
      tool: e.tool,
      args: args as Record<string, unknown>,
      principal: (e.principal as string | undefined) ?? undefined,
      tenant: (e.tenant as string | undefined) ?? undefined,
      time: parseTime(e.time, line),
    },
    label: parseLabel(e.label, line),
    outcome: (outcome as "ok" | "error" | undefined) ?? undefined,
  };
}
