// The one configuration schema. Types, validation, JSON Schema and the README reference derive from it.
// Numeric defaults live in the core (assembly/config.ts) and are read into defaults.generated.ts.
import { z } from "zod";
import { CORE_DEFAULTS } from "./defaults.generated.js";
import { SETTINGS } from "../core/abi.generated.js";

const unit = z.number().min(0).max(1);
const signalMode = z.enum(["on", "off", "shadow"]);
const signal = z.strictObject({
  weight: unit.optional().describe("weight of this signal's 0..1 score in the risk"),
  mode: signalMode.optional().describe("on: counted; shadow: computed and reported, not counted; off: not computed"),
});

export const signalsSchema = z.strictObject({
  unseenTool: signal
    .optional()
    .describe(
      "a tool this principal never used (0.75 when its tenant uses it, unless it is the second such tool in a session)",
    ),
  unseenArgShape: signal.optional().describe("a known tool with never-sent argument keys/types"),
  unseenArgValue: signal
    .optional()
    .describe(
      "a never-seen value of an argument whose values repeat, or a first contact (an e-mail address, URL host or account nobody in the tenant used, judged even on keys too new to have statistics): the full weight for a first contact, 0.88 of it for other values, half of either at a domain or issuer already used; dates are never judged",
    ),
  burst: signal.optional().describe("calls in the burst window against burstThreshold"),
  rateSpike: signal.optional().describe("calls in the burst window against the principal's own usual count"),
  rareTool: signal.optional().describe("a known tool that is a tiny share of the principal's calls"),
  offHours: signal.optional().describe("the fixed UTC off-hours window"),
  unusualHour: signal.optional().describe("an hour of the week this principal is rarely active (tenant time zone)"),
  unseenTransition: signal
    .optional()
    .describe(
      "tool A followed by tool B, never seen for this principal (half alone, less for a principal whose steps are often new); a run of unusual steps scores near 1: four, or longer for such a principal",
    ),
});

const tz = z.union([z.string().min(1), z.number().int().min(-1439).max(1439)]);

export const configSchema = z
  .strictObject({
    // memory
    budgetBytes: z
      .number()
      .int()
      .min(65536)
      .max(4292870144)
      .optional()
      .describe("bytes of WebAssembly memory for all baselines; allocated once"),
    maxEntities: z
      .number()
      .int()
      .min(0)
      .max(67108864)
      .refine((n) => n !== 1, "must be 0 (as many as the budget holds) or at least 2 (a tenant and a principal)")
      .optional()
      .describe("records to hold (principals + tenants); 0 = as many as the budget holds"),
    maxToolsPerEntity: z
      .number()
      .int()
      .min(1)
      .max(255)
      .optional()
      .describe("distinct tools remembered per principal (least recently used evicted)"),
    maxShapesPerEntity: z
      .number()
      .int()
      .min(1)
      .max(255)
      .optional()
      .describe("distinct argument shapes remembered per principal"),
    maxValuesPerEntity: z
      .number()
      .int()
      .min(1)
      .max(255)
      .optional()
      .describe("distinct argument values remembered per principal"),
    maxTransitionsPerEntity: z
      .number()
      .int()
      .min(1)
      .max(255)
      .optional()
      .describe("distinct tool-to-tool transitions remembered per principal"),
    maxValueKeysPerEntity: z
      .number()
      .int()
      .min(1)
      .max(255)
      .optional()
      .describe("(tool, argument key) pairs whose value repetition is tracked per principal"),
    evictionSample: z
      .number()
      .int()
      .min(1)
      .max(64)
      .optional()
      .describe("records sampled when choosing the least recently used one to evict"),
    // burst and rate
    burstWindowSeconds: z
      .number()
      .min(0.001)
      .max(86400)
      .optional()
      .describe("sliding window for burst and rate signals"),
    burstThreshold: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe("calls in the window (this one included) that make a full burst"),
    rateSpikeLow: z
      .number()
      .min(0)
      .optional()
      .describe("ratio of window calls to the usual count where the rate-spike score starts"),
    rateSpikeHigh: z.number().min(0).optional().describe("ratio where it reaches 1"),
    rateSpikeMinCalls: z
      .number()
      .min(0)
      .optional()
      .describe("calls in the window below which no rate spike is reported"),
    rateSmoothing: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .describe(
        "EWMA weight of the usual count per burst window of time (observations weigh by the time since the previous learned call)",
      ),
    // decision
    warnThreshold: unit.optional().describe("risk at or above which a call is warned"),
    blockThreshold: unit.optional().describe("risk at or above which a call is blocked"),
    action: z
      .enum(["warn", "block"])
      .optional()
      .describe("block: enforce blockThreshold; warn: monitor only (blocks become warnings)"),
    // learning
    minCalls: z.number().int().min(0).optional().describe("learned calls before a principal's own baseline judges it"),
    learningWindowSeconds: z
      .number()
      .min(0)
      .optional()
      .describe("seconds since a principal's first call before its own baseline judges it"),
    tenantMinCalls: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("learned calls before a tenant's baseline judges its new principals"),
    tenantLearningWindowSeconds: z
      .number()
      .min(0)
      .optional()
      .describe("seconds since a tenant's first call before its baseline judges"),
    learnFromWarned: z.boolean().optional().describe("let warned calls enter baselines (blocked calls never do)"),
    peerPromotion: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .optional()
      .describe(
        "distinct principals whose warned use of a new tool makes it known to their tenant (0 = never); one stolen account cannot do it alone",
      ),
    habitHours: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .optional()
      .describe(
        "distinct hours in which a principal's own warned new tool or value must recur before it joins that principal's baseline (each occurrence is warned; 0 = never: warned calls never teach)",
      ),
    tenantKnownToolScore: unit
      .optional()
      .describe("unseen-tool score when the principal's tenant already uses the tool"),
    // signal details
    offHoursStart: z.number().int().min(0).max(23).optional().describe("UTC hour the fixed off-hours window starts"),
    offHoursEnd: z
      .number()
      .int()
      .min(0)
      .max(23)
      .optional()
      .describe("UTC hour it ends (exclusive; wraps past midnight; equal = never)"),
    rareToolShare: unit.optional().describe("share of calls under which a known tool counts as rare"),
    valueMinObservations: z.number().min(1).optional().describe("calls with a key before its values are judged"),
    valueRepeatFull: unit
      .optional()
      .describe("(distinct + 1)/(calls + 1) ratio of a key at or below which an unseen value scores 1"),
    valueRepeatNone: unit
      .optional()
      .describe("(distinct + 1)/(calls + 1) ratio at or above which a key is free text: its values never score"),
    hourMinCalls: z.number().min(0).optional().describe("learned calls before the hour-of-week profile judges"),
    unusualHourRatio: z
      .number()
      .gt(0)
      .optional()
      .describe("activity at an hour, relative to a flat week, under which it is unusual"),
    sessionGapSeconds: z
      .number()
      .min(0)
      .optional()
      .describe("idle time after which the next call starts a new sequence"),
    hashSeed: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .describe("seed of the core's hash; keep it equal on replicas that share state"),
    signals: signalsSchema.optional(),
    // host
    failurePolicy: z
      .enum(["open", "closed"])
      .optional()
      .describe(
        "what a call gets if the detector itself fails, or (in the gateways: plugin server, middleware, proxy) if it refuses the call's input: open = allow, closed = block",
      ),
    anonymous: z
      .enum(["shared", "refuse"])
      .optional()
      .describe("calls with no identity: one shared 'anonymous' baseline, or refused"),
    timeZone: tz
      .optional()
      .describe("default tenant time zone: IANA name, '+02:00' style offset, or minutes east of UTC"),
    timeZones: z.record(z.string(), tz).optional().describe("time zone per tenant id"),
    allowlist: z
      .strictObject({
        tools: z.array(z.string().min(1)).optional(),
        principals: z.array(z.string().min(1)).optional(),
        tenants: z.array(z.string().min(1)).optional(),
        entities: z.array(z.strictObject({ tenant: z.string(), principal: z.string().min(1) })).optional(),
      })
      .optional()
      .describe("calls that are always allowed (still scored, reported and learned)"),
    identityHeaders: z
      .strictObject({ principal: z.string().optional(), tenant: z.string().optional() })
      .optional()
      .describe(
        "request headers that carry identity, trusted only where the adapter says the transport authenticates them",
      ),
    maxHistoryPerUser: z
      .number()
      .int()
      .min(10)
      .optional()
      .describe("accepted for compatibility with the prior plugin; memory is bounded by budgetBytes"),
  })
  .superRefine((c, ctx) => {
    // Ordered pairs are checked against the core's default for the half that is not given, so the
    // error names the key the user set rather than coming back from the core as a slot number.
    const pair = (
      lo: "warnThreshold" | "rateSpikeLow" | "valueRepeatFull",
      hi: "blockThreshold" | "rateSpikeHigh" | "valueRepeatNone",
      strict: boolean,
    ) => {
      if (c[lo] === undefined && c[hi] === undefined) return;
      const l = c[lo] ?? CORE_DEFAULTS[SETTINGS[lo].slot]!;
      const h = c[hi] ?? CORE_DEFAULTS[SETTINGS[hi].slot]!;
      if (strict ? h > l : h >= l) return;
      const shown = (k: string, v: number, given: boolean) => `${k} (${v}${given ? "" : ", the default"})`;
      ctx.addIssue({
        code: "custom",
        path: [c[lo] !== undefined ? lo : hi],
        message: `${shown(lo, l, c[lo] !== undefined)} must be ${strict ? "<" : "<="} ${shown(hi, h, c[hi] !== undefined)}`,
      });
    };
    pair("warnThreshold", "blockThreshold", false);
    pair("rateSpikeLow", "rateSpikeHigh", true);
    pair("valueRepeatFull", "valueRepeatNone", true);
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type SignalsConfig = z.output<typeof signalsSchema>;

/** Defaults of the host-side settings (numeric defaults come from the core). */
export const HOST_DEFAULTS = {
  failurePolicy: "closed",
  anonymous: "shared",
  timeZone: "UTC",
} as const;
