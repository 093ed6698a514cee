// JSON Schema of the configuration, for editors (YAML/JSON config files) and non-JS tooling.
import { z } from "zod";
import { configSchema } from "./schema.js";
import { PRIOR_ART_KEYS } from "./parse.js";
import { settingDefault } from "./reference.js";
import { CORE_DEFAULTS } from "./defaults.generated.js";
import { MODE_SLOT, WEIGHT_SLOT } from "./core-block.js";
import { SIGNALS } from "../core/abi.js";

type Json = Record<string, unknown>;

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const isJson = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Adds the snake_case spelling of every camelCase property next to it (same schema), since the
 * config readers accept both; `deep` does it in nested objects too (the file's sections are read so).
 * Maps whose keys are data (records: `additionalProperties`, no `properties`) are left alone.
 */
export function withSnakeCase(schema: Json, deep: boolean): Json {
  const props = schema.properties;
  if (!isJson(props)) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(props)) {
    const p = deep && isJson(v) ? withSnakeCase(v, true) : v;
    out[k] = p;
    if (snake(k) !== k) out[snake(k)] = p;
  }
  return { ...schema, properties: out };
}

const DRAFT = "https://json-schema.org/draft/2020-12/schema";

/** The JSON Schema of a zod schema, as a fresh tree (zod may share nodes between properties). */
export function toJson(schema: z.ZodType): Json {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { unrepresentable: "any" }) as Json;
  // zod labels startsWith() with a format no validator knows; its pattern says the same thing
  return JSON.parse(JSON.stringify(json), (_k, v: unknown) => {
    if (!isJson(v) || v.format !== "starts_with") return v;
    const { format: _f, ...rest } = v;
    return rest;
  }) as Json;
}

const MODE_NAME = ["off", "on", "shadow"] as const;

/** The detector settings (`createDetector(config)`, the top level of a config file): both spellings, with defaults. */
export function configJsonSchema(): Record<string, unknown> {
  const json = toJson(configSchema);
  const props = json.properties as Record<string, Json>;
  for (const [k, p] of Object.entries(props)) {
    const d = settingDefault(k);
    if (d !== undefined) p.default = d;
  }
  const signals = props.signals?.properties as Record<string, { properties: Record<string, Json> }> | undefined;
  SIGNALS.forEach((name, i) => {
    const s = signals?.[name]?.properties;
    if (!s) return;
    s.weight!.default = CORE_DEFAULTS[WEIGHT_SLOT + i];
    s.mode!.default = MODE_NAME[CORE_DEFAULTS[MODE_SLOT + i]!];
  });
  // The prior ContextForge plugin's weights are accepted and mapped onto signal weights (js/config/parse.ts).
  for (const k of PRIOR_ART_KEYS) {
    props[k] = {
      type: "number",
      minimum: 0,
      maximum: 1,
      description: "prior ContextForge plugin setting, mapped onto the matching signal weights",
    };
  }
  return { $schema: DRAFT, title: "toolwatch configuration", ...withSnakeCase(json, false) };
}
