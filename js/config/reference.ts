// The settings reference (docs/API.md) and the signal table (README.md), generated from the schema and the core's defaults so the two
// cannot drift (test/docs.test.ts compares them with the documents; npm run docs writes them).
import { z } from "zod";
import { configSchema, signalsSchema, HOST_DEFAULTS } from "./schema.js";
import { SLOT_OF, WEIGHT_SLOT, MODE_SLOT, fromCoreValue } from "./core-block.js";
import { CORE_DEFAULTS } from "./defaults.generated.js";
import { SIGNALS } from "../core/abi.js";

function typeOf(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { unrepresentable: "any" }) as Record<string, unknown>;
  if (Array.isArray(json.enum)) return json.enum.map((e) => `"${String(e)}"`).join(" \\| ");
  if (Array.isArray(json.anyOf))
    return (json.anyOf as Array<Record<string, unknown>>).map((a) => String(a.type)).join(" \\| ");
  const t = String(json.type ?? "object");
  const lo = json.minimum;
  const hi = json.maximum;
  // An exclusive bound (0 refused) reads differently from an inclusive one, as the schema has it.
  if ((t === "number" || t === "integer") && json.exclusiveMinimum !== undefined) {
    return `${t} >${String(json.exclusiveMinimum)}${hi !== undefined ? `, ≤${String(hi)}` : ""}`;
  }
  if ((t === "number" || t === "integer") && (lo !== undefined || hi !== undefined)) {
    return `${t} ${lo ?? "…"}..${hi ?? "…"}`;
  }
  return t;
}

/** A top-level setting's default, as a user would write it (undefined: none, or the key is absent by default). */
export function settingDefault(key: string): unknown {
  if (key in SLOT_OF) {
    const k = key as keyof typeof SLOT_OF;
    return fromCoreValue(k, CORE_DEFAULTS[SLOT_OF[k][0]]!);
  }
  return key in HOST_DEFAULTS ? HOST_DEFAULTS[key as keyof typeof HOST_DEFAULTS] : undefined;
}

const fmt = (v: unknown): string => (typeof v === "string" ? `"${v}"` : typeof v === "number" ? String(v) : String(v));

export function configReference(): string {
  const rows = ["| key | type | default | meaning |", "|---|---|---|---|"];
  for (const [key, schema] of Object.entries(configSchema.shape)) {
    if (key === "signals") continue;
    const s = schema as z.ZodType;
    const d = settingDefault(key);
    let def = d === undefined ? "—" : fmt(d);
    if (key === "maxEntities" && def === "0") def = "0 (fit the budget)";
    rows.push(`| \`${key}\` | ${typeOf(s)} | ${def} | ${s.description ?? ""} |`);
  }
  rows.push(
    "",
    '`signals.<name>` takes `{ weight, mode }`; mode is "on", "off" or "shadow" (computed and reported, not counted).',
    "",
    signalReference(),
  );
  return rows.join("\n");
}

/** The nine signals with their default weights and meanings (README.md and docs/API.md). */
export function signalReference(): string {
  const rows = ["| signal | default weight | meaning |", "|---|---|---|"];
  for (const [i, name] of SIGNALS.entries()) {
    const s = signalsSchema.shape[name] as z.ZodType;
    const modeDefault = CORE_DEFAULTS[MODE_SLOT + i] === 1 ? "" : " (off by default)";
    rows.push(`| \`${name}\` | ${CORE_DEFAULTS[WEIGHT_SLOT + i]}${modeDefault} | ${s.description ?? ""} |`);
  }
  return rows.join("\n");
}
