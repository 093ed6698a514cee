// The configuration block: CONFIG_COUNT f64 values the host writes into IO before init().
// NaN in a slot means "use the default". Defaults live here only (defaultValue below); the hosts read them
// from the module (scripts/gen-abi.mjs) so no two copies can disagree.
//
// Each slot names the host setting that fills it, for scripts/gen-abi.mjs (layout.ts explains the tags):
// tag `setting` is the camelCase name every host accepts, `scale` the factor from the setting's unit to
// the core's (default 1), `unit` the core's unit, `labels` the words a host accepts for the numbers; the
// trailing comment (or `doc`) is the slot's meaning in docs/ABI.md.

import { SIGNAL_COUNT } from "./layout";

export const CONFIG_COUNT: i32 = 64;

// @setting budgetBytes
// @unit bytes
export const C_BUDGET_BYTES: i32 = 0; // budget bytes for the arena
// @setting maxEntities
// @unit count
export const C_MAX_ENTITIES: i32 = 1; // max records (entities + tenants); 0 = as many as the budget holds, else ≥ 2
// @setting maxToolsPerEntity
// @unit 1..255
export const C_MAX_TOOLS: i32 = 2; // distinct tools per record
// @setting maxShapesPerEntity
// @unit 1..255
export const C_MAX_SHAPES: i32 = 3; // distinct argument shapes per record
// @setting maxValuesPerEntity
// @unit 1..255
export const C_MAX_VALUES: i32 = 4; // distinct argument values per record
// @setting maxTransitionsPerEntity
// @unit 1..255
export const C_MAX_TRANSITIONS: i32 = 5; // distinct tool-to-tool transitions per record
// @setting maxValueKeysPerEntity
// @unit 1..255
export const C_MAX_VALUE_KEYS: i32 = 6; // (tool, key) pairs whose value repetition is tracked per record
// @setting burstWindowSeconds
// @scale 1000
// @unit ms
export const C_BURST_WINDOW_MS: i32 = 7; // burst window
// @setting burstThreshold
// @unit calls
export const C_BURST_THRESHOLD: i32 = 8; // burst threshold (also the ring size)
// @setting warnThreshold
// @unit 0..1
export const C_WARN_THRESHOLD: i32 = 9; // risk at or above which a call is warned
// @setting blockThreshold
// @unit 0..1
export const C_BLOCK_THRESHOLD: i32 = 10; // risk at or above which a call is blocked
// @setting action
// @unit 0/1
// @labels warn=0 block=1
export const C_ENFORCE: i32 = 11; // 1 = block at block threshold, 0 = monitor only (block becomes warn)
// @setting minCalls
// @unit count
export const C_MIN_CALLS: i32 = 12; // entity minimum evidence: learned calls
// @setting learningWindowSeconds
// @scale 1000
// @unit ms
export const C_MIN_AGE_MS: i32 = 13; // entity minimum evidence: age
// @setting tenantMinCalls
// @unit count
export const C_TENANT_MIN_CALLS: i32 = 14; // tenant minimum evidence: learned calls
// @setting tenantLearningWindowSeconds
// @scale 1000
// @unit ms
export const C_TENANT_MIN_AGE_MS: i32 = 15; // tenant minimum evidence: age
// @setting learnFromWarned
// @unit 0/1
// @labels false=0 true=1
export const C_LEARN_WARNED: i32 = 16; // learn from warned calls
// @setting offHoursStart
// @unit 0..23
export const C_OFF_HOURS_START: i32 = 17; // fixed off-hours window start (UTC hour)
// @setting offHoursEnd
// @unit 0..23
export const C_OFF_HOURS_END: i32 = 18; // fixed off-hours window end (UTC hour, exclusive; equal = never)
// @setting rareToolShare
// @unit 0..1
export const C_RARE_SHARE: i32 = 19; // share of calls under which a known tool is rare
// @setting rateSpikeLow
// @unit ratio
export const C_SPIKE_LOW: i32 = 20; // rate-spike ratio where the score starts
// @setting rateSpikeHigh
// @unit ratio
export const C_SPIKE_HIGH: i32 = 21; // rate-spike ratio where the score reaches 1
// @setting rateSpikeMinCalls
// @unit count
export const C_SPIKE_MIN_CALLS: i32 = 22; // rate-spike minimum calls in the window
// @setting rateSmoothing
// @unit 0..1
// @doc rate EWMA weight per burst window of time (an observation weighs by the time since the previous
// @doc learned call, at most one window)
export const C_RATE_ALPHA: i32 = 23;
// @setting valueMinObservations
// @unit count
export const C_VALUE_MIN_OBS: i32 = 24; // value: observations of a key before its values are judged
// @setting valueRepeatFull
// @unit ratio
export const C_VALUE_REPEAT_FULL: i32 = 25; // (distinct + 1)/(total + 1) at or below which an unseen value scores 1
// @setting valueRepeatNone
// @unit ratio
export const C_VALUE_REPEAT_NONE: i32 = 26; // (distinct + 1)/(total + 1) at or above which it scores 0 (free text)
// @setting hourMinCalls
// @unit count
export const C_HOUR_MIN_CALLS: i32 = 27; // hour profile: learned calls before it judges
// @setting unusualHourRatio
// @unit ratio
export const C_HOUR_LOW: i32 = 28; // activity ratio vs a flat week under which an hour is unusual
// @setting sessionGapSeconds
// @scale 1000
// @unit ms
export const C_SESSION_GAP_MS: i32 = 29; // session gap (a new sequence starts after it)
// @setting tenantKnownToolScore
// @unit 0..1
export const C_TENANT_KNOWN_TOOL: i32 = 30; // unseen-tool score when the tenant knows the tool
// @setting peerPromotion
// @unit count
export const C_PEER_PROMOTION: i32 = 31; // distinct entities whose warned use makes a tool tenant-known (0 off)
// @setting hashSeed
// @unit integer ≤ 2^53
export const C_HASH_SEED: i32 = 32; // hash seed
// @setting evictionSample
// @unit 1..64
export const C_EVICTION_SAMPLE: i32 = 33; // records sampled when choosing one to evict
// @setting habitHours
// @unit count
// @doc distinct hours a principal's own warned new tool or value must recur before it is learned
// @doc (0 off: warned calls never teach)
export const C_HABIT_HOURS: i32 = 34;
// @setting signals.<signal>.weight
// @unit 0..1
export const C_WEIGHTS: i32 = 40; // SIGNAL_COUNT signal weights, in signal order
// @setting signals.<signal>.mode
// @unit 0..2
// @labels off=0 on=1 shadow=2
export const C_MODES: i32 = 49; // SIGNAL_COUNT signal modes: 0 off, 1 on, 2 shadow

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
