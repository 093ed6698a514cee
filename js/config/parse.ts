// Turns user config (camelCase, or the prior ContextForge plugin's snake_case block) into a validated
// Config, with errors that name the key and suggest the closest valid one.
import type { z } from "zod";
import { configSchema, type Config, type ConfigInput } from "./schema.js";
import { ToolwatchError } from "../core/errors.js";
import { closest, didYouMean } from "../util/did-you-mean.js";

export { closest };

/** Prior plugin keys whose meaning maps onto toolwatch's signals (weights scaled to equal effect). */
const PRIOR_ART_WEIGHTS: Record<string, Array<[string, number]>> = {
  novelty_score_weight: [
    ["unseenTool", 1],
    ["unseenArgShape", 0.5],
  ],
  burst_score_weight: [["burst", 1]],
  frequency_score_weight: [["rareTool", 0.6]],
  off_hours_score_bonus: [["offHours", 1]],
};

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The keys an object at `path` inside `schema` accepts (optional/array/record wrappers looked through). */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: z.ZodType | undefined = schema;
  for (let i = 0; s !== undefined; ) {
    const def = (s as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    const inner = (def.innerType ?? (def.type === "pipe" ? def.in : undefined)) as z.ZodType | undefined;
    if (inner) {
      s = inner;
      continue;
    }
    if (i === path.length) return def.type === "object" ? Object.keys(def.shape as object) : [];
    const step = path[i++]!;
    s = (
      def.type === "object"
        ? (def.shape as Record<string, z.ZodType>)[String(step)]
        : def.type === "array"
          ? def.element
          : def.type === "record"
            ? def.valueType
            : undefined
    ) as z.ZodType | undefined;
  }
  return [];
}

/** Keys toolwatch takes at the top level of a config besides the schema's: the prior plugin's weights. */
export const PRIOR_ART_KEYS: readonly string[] = Object.keys(PRIOR_ART_WEIGHTS);

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
  return path.length ? `config.${path.map(String).join(".")}` : "config";
}

export interface ParseOptions {
  /** Where a top-level setting came from when not from the config itself (e.g. an environment variable), for errors. */
  where?: (key: string) => string | undefined;
}

/** Validates a config; throws ToolwatchError("INVALID_CONFIG") naming every problem. */
export function parseConfig(input: ConfigInput | Record<string, unknown> | undefined, opts: ParseOptions = {}): Config {
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
      const valid = keysAt(configSchema, issue.path);
      for (const k of issue.keys) {
        const written = issue.path.length === 0 ? (origin[k] ?? k) : k;
        problems.push(`${describePath(issue.path)}: unknown key "${written}"${didYouMean(camel(k), valid)}`);
      }
    } else {
      const path = [...issue.path];
      const from = typeof path[0] === "string" ? opts.where?.(path[0]) : undefined;
      if (from) {
        problems.push(`${from} (${describePath(path)}): ${issue.message}`);
        continue;
      }
      if (
        path.length > 0 &&
        typeof path[0] === "string" &&
        origin[path[0]] !== undefined &&
        origin[path[0]] !== path[0]
      ) {
        path[0] = `${origin[path[0]]} (${path[0]})`;
      }
      problems.push(`${describePath(path)}: ${issue.message}`);
    }
  }
  throw new ToolwatchError("INVALID_CONFIG", problems.join("; "), r.error.issues);
}
