// Where each setting goes in the core's config block, and its unit conversion: the table is generated
// from assembly/config.ts (js/core/abi.generated.ts), so host and core cannot disagree on a slot.
import type { Config } from "./schema.js";
import { SIGNALS, type SignalName, SETTINGS, WEIGHT_SLOT, MODE_SLOT, CONFIG_SLOTS, LABELS } from "../core/abi.js";

export { WEIGHT_SLOT, MODE_SLOT, CONFIG_SLOTS };

type ScalarKey = Exclude<
  keyof Config,
  | "signals"
  | "failurePolicy"
  | "anonymous"
  | "timeZone"
  | "timeZones"
  | "allowlist"
  | "identityHeaders"
  | "maxHistoryPerUser"
>;

/** setting -> [slot, scale from the setting's unit to the core's]. Typed by the schema's keys: a setting
 * the schema has and the core does not (or the reverse) fails to compile. */
export const SLOT_OF = Object.fromEntries(
  Object.entries(SETTINGS).map(([k, { slot, scale }]) => [k, [slot, scale] as const]),
) as Record<ScalarKey, readonly [number, number]>;
// The schema's scalar settings and the core's slots, compared at compile time in both directions.
const keysAgree: [Exclude<ScalarKey, keyof typeof SETTINGS>, Exclude<keyof typeof SETTINGS, ScalarKey>] extends [
  never,
  never,
]
  ? true
  : false = true;
void keysAgree;
const MODE_VALUE = LABELS.mode;

function encodeValue(key: ScalarKey, v: unknown): number {
  if (key === "action") return LABELS.action[v as keyof typeof LABELS.action];
  if (typeof v === "boolean") return LABELS.learnFromWarned[`${v}`];
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
  if (key === "action") return Object.entries(LABELS.action).find(([, v]) => v === coreValue)?.[0] ?? String(coreValue);
  if (key === "learnFromWarned") return coreValue === LABELS.learnFromWarned.true;
  return coreValue / SLOT_OF[key][1];
}

export function settingOfSlot(slot: number): string {
  for (const [k, [s]] of Object.entries(SLOT_OF)) if (s === slot) return k;
  if (slot >= WEIGHT_SLOT && slot < WEIGHT_SLOT + SIGNALS.length)
    return `signals.${SIGNALS[slot - WEIGHT_SLOT]}.weight`;
  if (slot >= MODE_SLOT && slot < MODE_SLOT + SIGNALS.length) return `signals.${SIGNALS[slot - MODE_SLOT]}.mode`;
  return `slot ${slot}`;
}
