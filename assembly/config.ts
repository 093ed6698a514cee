// The configuration block: CONFIG_COUNT f64 values the host writes into IO before init().
// NaN in a slot means "use the default". Defaults live here only; the TypeScript schema reads them
// from the module (scripts/gen-defaults.mjs) so the two never disagree.

import { SIGNAL_COUNT } from "./layout";

export const CONFIG_COUNT: i32 = 64;

export const C_BUDGET_BYTES: i32 = 0;
export const C_MAX_ENTITIES: i32 = 1; // 0 = as many as the budget holds
export const C_MAX_TOOLS: i32 = 2;
export const C_MAX_SHAPES: i32 = 3;
export const C_MAX_VALUES: i32 = 4;
export const C_MAX_TRANSITIONS: i32 = 5;
export const C_MAX_VALUE_KEYS: i32 = 6;
export const C_BURST_WINDOW_MS: i32 = 7;
export const C_BURST_THRESHOLD: i32 = 8;
export const C_WARN_THRESHOLD: i32 = 9;
export const C_BLOCK_THRESHOLD: i32 = 10;
export const C_ENFORCE: i32 = 11; // 1 = block at block threshold, 0 = monitor only (block becomes warn)
export const C_MIN_CALLS: i32 = 12;
export const C_MIN_AGE_MS: i32 = 13;
export const C_TENANT_MIN_CALLS: i32 = 14;
export const C_TENANT_MIN_AGE_MS: i32 = 15;
export const C_LEARN_WARNED: i32 = 16;
export const C_OFF_HOURS_START: i32 = 17;
export const C_OFF_HOURS_END: i32 = 18;
export const C_RARE_SHARE: i32 = 19;
export const C_SPIKE_LOW: i32 = 20;
export const C_SPIKE_HIGH: i32 = 21;
export const C_SPIKE_MIN_CALLS: i32 = 22;
export const C_RATE_ALPHA: i32 = 23;
export const C_VALUE_MIN_OBS: i32 = 24;
export const C_VALUE_REPEAT_FULL: i32 = 25; // (distinct + 1)/(total + 1) at or below which an unseen value scores 1
export const C_VALUE_REPEAT_NONE: i32 = 26; // (distinct + 1)/(total + 1) at or above which it scores 0
export const C_HOUR_MIN_CALLS: i32 = 27;
export const C_HOUR_LOW: i32 = 28; // activity ratio vs a flat week under which an hour is unusual
export const C_SESSION_GAP_MS: i32 = 29;
export const C_TENANT_KNOWN_TOOL: i32 = 30; // unseen-tool score when the tenant knows the tool
export const C_PEER_PROMOTION: i32 = 31; // distinct entities whose warned use makes a tool tenant-known
export const C_HASH_SEED: i32 = 32;
export const C_EVICTION_SAMPLE: i32 = 33;
export const C_HABIT_HOURS: i32 = 34; // distinct hours a principal's warned new tool/value must recur before it is learned; 0 = never
export const C_WEIGHTS: i32 = 40; // SIGNAL_COUNT weights
export const C_MODES: i32 = 49; // SIGNAL_COUNT modes: 0 off, 1 on, 2 shadow

// Working copy, read by every signal.
export const CFG: usize = memory.data(64 * 8, 8);

@inline export function cfg(i: i32): f64 {
  return load<f64>(CFG + (<usize>i << 3));
}
@inline export function cfgI(i: i32): i32 {
  return <i32>load<f64>(CFG + (<usize>i << 3));
}

export function defaultValue(i: i32): f64 {
  switch (i) {
    case C_BUDGET_BYTES: return 64.0 * 1024 * 1024;
    case C_MAX_ENTITIES: return 0;
    case C_MAX_TOOLS: return 16;
    case C_MAX_SHAPES: return 16;
    case C_MAX_VALUES: return 40; // 4 bytes each (values.ts)
    case C_MAX_TRANSITIONS: return 20;
    case C_MAX_VALUE_KEYS: return 8;
    case C_BURST_WINDOW_MS: return 60000;
    case C_BURST_THRESHOLD: return 20;
    case C_WARN_THRESHOLD: return 0.5;
    case C_BLOCK_THRESHOLD: return 0.8;
    case C_ENFORCE: return 1;
    case C_MIN_CALLS: return 5; // with learningWindowSeconds: judged by its own calls after 5 and an hour
    case C_MIN_AGE_MS: return 3600000;
    case C_TENANT_MIN_CALLS: return 50;
    case C_TENANT_MIN_AGE_MS: return 3600000;
    case C_LEARN_WARNED: return 0;
    case C_OFF_HOURS_START: return 22;
    case C_OFF_HOURS_END: return 6;
    case C_RARE_SHARE: return 0.01;
    case C_SPIKE_LOW: return 3;
    case C_SPIKE_HIGH: return 10;
    case C_SPIKE_MIN_CALLS: return 5;
    case C_RATE_ALPHA: return 0.05;
    case C_VALUE_MIN_OBS: return 3;
    case C_VALUE_REPEAT_FULL: return 0.34;
    case C_VALUE_REPEAT_NONE: return 0.7;
    case C_HOUR_MIN_CALLS: return 100;
    case C_HOUR_LOW: return 0.3;
    case C_SESSION_GAP_MS: return 1800000;
    case C_TENANT_KNOWN_TOOL: return 0.75; // 0.45 at the default weight: under warn alone, above a reordering (0.3)
    case C_PEER_PROMOTION: return 3;
    case C_HASH_SEED: return 0;
    case C_EVICTION_SAMPLE: return 8;
    case C_HABIT_HOURS: return 3; // a habit warned in 3 distinct hours is learned; 0 = warned calls never teach
    // weights, in signal order
    case C_WEIGHTS + 0: return 0.6; // unseen tool
    case C_WEIGHTS + 1: return 0.4; // unseen argument shape
    case C_WEIGHTS + 2: return 0.625; // unseen argument value: 0.625 at a domain new to the tenant, else 0.55
    case C_WEIGHTS + 3: return 0.6; // burst
    case C_WEIGHTS + 4: return 0.5; // rate spike
    case C_WEIGHTS + 5: return 0.25; // rare tool
    case C_WEIGHTS + 6: return 0.15; // fixed off-hours window
    case C_WEIGHTS + 7: return 0.45; // unusual hour for this entity
    case C_WEIGHTS + 8: return 0.6; // unusual transition: one unseen alone scores half (0.3); a run of them warns
    default:
      if (i >= C_MODES && i < C_MODES + SIGNAL_COUNT) return 1;
      return 0;
  }
}

// Checks that keep memory and arithmetic safe; the host schema gives friendlier messages for the rest.
// Returns -1 when valid, else the index of the first bad slot.
export function validate(): i32 {
  for (let i = 0; i < CONFIG_COUNT; i++) {
    const v = cfg(i);
    if (!isFinite(v)) return i;
  }
  if (cfg(C_BUDGET_BYTES) < 65536 || cfg(C_BUDGET_BYTES) > 4294967296.0 - 2 * 1048576) return C_BUDGET_BYTES;
  // 0 = as the budget holds; else room for a tenant and a principal at least (1 would leave eviction
  // nothing it may choose)
  const me = cfg(C_MAX_ENTITIES);
  if (me < 0 || me > 67108864 || (me != 0 && me < 2)) return C_MAX_ENTITIES;
  for (let i = C_MAX_TOOLS; i <= C_MAX_VALUE_KEYS; i++) if (cfg(i) < 1 || cfg(i) > 255) return i;
  if (cfg(C_BURST_WINDOW_MS) < 1 || cfg(C_BURST_WINDOW_MS) > 86400000) return C_BURST_WINDOW_MS;
  if (cfg(C_BURST_THRESHOLD) < 1 || cfg(C_BURST_THRESHOLD) > 1000) return C_BURST_THRESHOLD;
  if (cfg(C_WARN_THRESHOLD) < 0 || cfg(C_WARN_THRESHOLD) > 1) return C_WARN_THRESHOLD;
  if (cfg(C_BLOCK_THRESHOLD) < cfg(C_WARN_THRESHOLD) || cfg(C_BLOCK_THRESHOLD) > 1) return C_BLOCK_THRESHOLD;
  if (cfg(C_OFF_HOURS_START) < 0 || cfg(C_OFF_HOURS_START) > 23) return C_OFF_HOURS_START;
  if (cfg(C_OFF_HOURS_END) < 0 || cfg(C_OFF_HOURS_END) > 23) return C_OFF_HOURS_END;
  if (cfg(C_SPIKE_HIGH) <= cfg(C_SPIKE_LOW)) return C_SPIKE_HIGH;
  if (cfg(C_RATE_ALPHA) <= 0 || cfg(C_RATE_ALPHA) > 1) return C_RATE_ALPHA;
  if (cfg(C_VALUE_REPEAT_NONE) <= cfg(C_VALUE_REPEAT_FULL)) return C_VALUE_REPEAT_NONE;
  if (cfg(C_HOUR_LOW) <= 0) return C_HOUR_LOW;
  if (cfg(C_HASH_SEED) < 0 || cfg(C_HASH_SEED) > 9007199254740991.0) return C_HASH_SEED;
  if (cfg(C_EVICTION_SAMPLE) < 1 || cfg(C_EVICTION_SAMPLE) > 64) return C_EVICTION_SAMPLE;
  if (cfg(C_PEER_PROMOTION) < 0 || cfg(C_PEER_PROMOTION) > 1000) return C_PEER_PROMOTION;
  if (cfg(C_HABIT_HOURS) < 0 || cfg(C_HABIT_HOURS) > 1000) return C_HABIT_HOURS;
  for (let s = 0; s < SIGNAL_COUNT; s++) {
    const w = cfg(C_WEIGHTS + s);
    if (w < 0 || w > 1) return C_WEIGHTS + s;
    const m = cfg(C_MODES + s);
    if (m != 0 && m != 1 && m != 2) return C_MODES + s;
  }
  return -1;
}
