// Turns user config (camelCase, or the prior ContextForge plugin's snake_case block) into a validated
// Config, with errors that name the key and suggest the closest valid one.
import { configSchema, signalsSchema, type Config, type ConfigInput } from "./schema.js";
import { ToolwatchError } from "../core/errors.js";

/** Prior plugin keys whose meaning maps onto toolwatch's signals (weights scaled to equal effect). */
const PRIOR_ART_WEIGHTS: Record<string, Array<[string, number]>> = {
  novelty_score_weight: [["unseenTool", 1], ["unseenArgShape", 0.5]],
  burst_score_weight: [["burst", 1]],
  frequency_score_weight: [["rareTool", 0.6]],
  off_hours_score_bonus: [["offHours", 1]],
};

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

export function closest(key: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const v of valid) {
    const d = levenshtein(key.toLowerCase(), v.toLowerCase());
    if (d < bestD) { bestD = d; best = v; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function normalise(input: Record<string, unknown>, origin: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const weights: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key in PRIOR_ART_WEIGHTS) {
      if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
        throw new ToolwatchError("INVALID_CONFIG", `config.${key}: expected a number between 0 and 1`);
      }
      for (const [sig, scale] of PRIOR_ART_WEIGHTS[key]!) weights[sig] = { weight: value * scale };
      continue;
    }
    const k = camel(key);
    if (k in out) {
      throw new ToolwatchError("INVALID_CONFIG", `config: "${key}" and "${origin[k]}" set the same option; give one`);
    }
    out[k] = value;
    origin[k] = key;
  }
  if (Object.keys(weights).length > 0) {
    const given = (out.signals ?? {}) as Record<string, Record<string, unknown>>;
    if (typeof given !== "object" || given === null) return out;
    const merged: Record<string, unknown> = { ...given };
    for (const [sig, w] of Object.entries(weights)) merged[sig] = { ...w, ...(given[sig] ?? {}) };
    out.signals = merged;
  }
  return out;
}

function describePath(path: PropertyKey[]): string {
  return path.length ? "config." + path.map(String).join(".") : "config";
}

/** Validates a config; throws ToolwatchError("INVALID_CONFIG") naming every problem. */
export function parseConfig(input: ConfigInput | Record<string, unknown> | undefined): Config {
  if (input === undefined || input === null) return {};
  if (typeof input !== "object" || Array.isArray(input)) {
    throw new ToolwatchError("INVALID_CONFIG", "config: expected an object");
  }
  const origin: Record<string, string> = {}; // camelCase key -> the spelling the user wrote
  const normalised = normalise(input as Record<string, unknown>, origin);
  const r = configSchema.safeParse(normalised);
  if (r.success) return r.data;
  const problems: string[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === "unrecognized_keys") {
      const inSignals = issue.path.length === 1 && issue.path[0] === "signals";
      const shape = issue.path.length === 0 ? configSchema.shape : inSignals ? signalsSchema.shape : undefined;
      const valid = shape ? Object.keys(shape) : [];
      for (const k of issue.keys) {
        const hint = closest(camel(k), valid);
        const written = issue.path.length === 0 ? origin[k] ?? k : k;
        problems.push(`${describePath(issue.path)}: unknown key "${written}"${hint ? ` (did you mean "${hint}"?)` : ""}`);
      }
    } else {
      const path = [...issue.path];
      if (path.length > 0 && typeof path[0] === "string" && origin[path[0]] !== undefined && origin[path[0]] !== path[0]) {
        path[0] = `${origin[path[0]]} (${path[0]})`;
      }
      problems.push(`${describePath(path)}: ${issue.message}`);
    }
  }
  throw new ToolwatchError("INVALID_CONFIG", problems.join("; "), r.error.issues);
}
