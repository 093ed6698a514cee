// Where each setting goes in the core's config block (assembly/config.ts), and its unit conversion.
import type { Config } from "./schema.js";
import { SIGNALS, type SignalName } from "../core/abi.js";

export const CONFIG_SLOTS = 64;

type ScalarKey = Exclude<keyof Config, "signals" | "failurePolicy" | "anonymous" | "timeZone" | "timeZones" |
  "allowlist" | "identityHeaders" | "maxHistoryPerUser">;

/** setting -> [slot, scale from the setting's unit to the core's] */
export const SLOT_OF: Record<ScalarKey, readonly [number, number]> = {
  budgetBytes: [0, 1],
  maxEntities: [1, 1],
  maxToolsPerEntity: [2, 1],
  maxShapesPerEntity: [3, 1],
  maxValuesPerEntity: [4, 1],
  maxTransitionsPerEntity: [5, 1],
  maxValueKeysPerEntity: [6, 1],
  burstWindowSeconds: [7, 1000],
  burstThreshold: [8, 1],
  warnThreshold: [9, 1],
  blockThreshold: [10, 1],
  action: [11, 1],
  minCalls: [12, 1],
  learningWindowSeconds: [13, 1000],
  tenantMinCalls: [14, 1],
  tenantLearningWindowSeconds: [15, 1000],
  learnFromWarned: [16, 1],
  offHoursStart: [17, 1],
  offHoursEnd: [18, 1],
  rareToolShare: [19, 1],
  rateSpikeLow: [20, 1],
  rateSpikeHigh: [21, 1],
  rateSpikeMinCalls: [22, 1],
  rateSmoothing: [23, 1],
  valueMinObservations: [24, 1],
  valueRepeatFull: [25, 1],
  valueRepeatNone: [26, 1],
  hourMinCalls: [27, 1],
  unusualHourRatio: [28, 1],
  sessionGapSeconds: [29, 1000],
  tenantKnownToolScore: [30, 1],
  peerPromotion: [31, 1],
  hashSeed: [32, 1],
  evictionSample: [33, 1],
  habitHours: [34, 1],
};
export const WEIGHT_SLOT = 40;
export const MODE_SLOT = 49;
const MODE_VALUE = { off: 0, on: 1, shadow: 2 } as const;

function encodeValue(key: ScalarKey, v: unknown): number {
  if (key === "action") return v === "block" ? 1 : 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  return (v as number) * SLOT_OF[key][1];
}

/** The f64 block init() reads: NaN wherever the config leaves the core's default. */
export function toCoreBlock(config: Config): Float64Array {
  const block = new Float64Array(CONFIG_SLOTS).fill(NaN);
  for (const key of Object.keys(SLOT_OF) as ScalarKey[]) {
    const v = config[key];
    if (v !== undefined) block[SLOT_OF[key][0]] = encodeValue(key, v);
  }
  SIGNALS.forEach((name: SignalName, i) => {
    const s = config.signals?.[name];
    if (s?.weight !== undefined) block[WEIGHT_SLOT + i] = s.weight;
    if (s?.mode !== undefined) block[MODE_SLOT + i] = MODE_VALUE[s.mode];
  });
  return block;
}

/** Inverse of toCoreBlock for documentation: a core block value in the setting's unit. */
export function fromCoreValue(key: ScalarKey, coreValue: number): number | boolean | string {
  if (key === "action") return coreValue === 1 ? "block" : "warn";
  if (key === "learnFromWarned") return coreValue === 1;
  return coreValue / SLOT_OF[key][1];
}

export function settingOfSlot(slot: number): string {
  for (const [k, [s]] of Object.entries(SLOT_OF)) if (s === slot) return k;
  if (slot >= WEIGHT_SLOT && slot < WEIGHT_SLOT + SIGNALS.length) return `signals.${SIGNALS[slot - WEIGHT_SLOT]}.weight`;
  if (slot >= MODE_SLOT && slot < MODE_SLOT + SIGNALS.length) return `signals.${SIGNALS[slot - MODE_SLOT]}.mode`;
  return `slot ${slot}`;
}
