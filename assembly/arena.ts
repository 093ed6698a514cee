// The arena: one block of linear memory sized from the byte budget at init() and never grown after.
// Layout (byte offsets from arenaBase):
//   [0, HEADER_SIZE)             state header (counters, PRNG) — part of the state
//   [ALLOW_OFF, +ALLOW_CAP*16)   allowlist entries: u64 hash, u32 kind, u32 zero
//   [indexOff, +indexSize*4)     entity index: open addressing, u32 = record number + 1, 0 = empty
//   [recOff, +capacity*recSize)  entity records (entities and tenant baselines alike)

import {
  cfg, cfgI, C_MAX_TOOLS, C_MAX_SHAPES, C_MAX_VALUES, C_MAX_TRANSITIONS, C_MAX_VALUE_KEYS, C_BURST_THRESHOLD,
  C_BUDGET_BYTES, C_MAX_ENTITIES, C_EVICTION_SAMPLE, C_MIN_CALLS, C_TENANT_MIN_CALLS,
} from "./config";

export const HEADER_SIZE: i32 = 128;
export const VCAND_SLOTS: i32 = 4; // candidate values per record (values.ts VCAND)
export const SKETCH_BYTES: i32 = 128; // the record's sketch of tools and contacts (sketch.ts)
export const H_USED: i32 = 0; // u32 records ever handed out (high-water mark)
export const H_LIVE: i32 = 4; // u32 records in the index
export const H_TENANTS: i32 = 8; // u32 live tenant records
export const H_ALLOW_N: i32 = 12; // u32 allowlist entries
export const H_ENTITY_EVICTIONS: i32 = 16; // f64
export const H_SLOT_EVICTIONS: i32 = 24; // f64 tools/shapes/values/transitions pushed out by per-entity caps
export const H_CHECKS: i32 = 32; // f64
export const H_RNG: i32 = 40; // u64 eviction sampler state
export const H_ALLOWED: i32 = 48; // f64
export const H_WARNED: i32 = 56; // f64
export const H_BLOCKED: i32 = 64; // f64
export const H_LEARNED: i32 = 72; // f64
export const H_PROMOTIONS: i32 = 80; // f64

export const ALLOW_OFF: i32 = HEADER_SIZE;
export const ALLOW_CAP: i32 = 1024;

// Entity record: fixed header, then the hour profile, the burst ring, five slot sets and the sketch.
export const R_KEY: i32 = 0; // u64 entity key
export const R_TENANT_KEY: i32 = 8; // u64 key of its tenant's record (0 in tenant records)
export const R_FIRST: i32 = 16; // f64 ms, first call
export const R_LAST: i32 = 24; // f64 ms, latest call (monotonic: earlier times are clamped to it)
export const R_LEARNED: i32 = 32; // u32 calls learned
export const R_SEEN: i32 = 36; // u32 calls checked
export const R_FLAGS: i32 = 40; // u32 RF_*
export const R_PREV: i32 = 44; // u32 fingerprint of the tool of the latest call (the step the next one follows)
export const R_LAST_LEARN: i32 = 48; // f64 ms of the last learned call
export const R_RATE: i32 = 56; // f64 EWMA of calls-in-window at learned calls
export const R_RING_BASE: i32 = 64; // f64 ms; ring entries are u32 ms after it
export const R_RING_HEAD: i32 = 72; // u16 next write position
export const R_RING_LEN: i32 = 74; // u16 entries in use
export const R_HOUR_TOTAL: i32 = 76; // u32 sum of hour bins
export const R_OK: i32 = 80; // u32 post-invoke outcomes without error
export const R_ERR: i32 = 84; // u32 post-invoke outcomes with error
export const R_SLOT_EVICTIONS: i32 = 88; // u32 this record's slot evictions
export const R_VEPOCH: i32 = 92; // u16 day (after R_FIRST) the value leases count from (values.ts)
// u8 unusual steps in a row up to the latest call, bit 7: not all one tool (unseen_transition.ts)
export const R_RUN: i32 = 94;
// u8 how often this principal's judged, learned steps were unusual: an average over recent ones, 255 = all
export const R_STEP_RATE: i32 = 95;
export const R_HEADER: i32 = 96;
export const R_HOURS: i32 = R_HEADER; // u8[168], local hour of week, Monday 00h first
export const HOURS: i32 = 168;

export const RF_TENANT: u32 = 1;

export let arenaBase: usize = 0;
export let arenaBytes: usize = 0;
export let capacity: i32 = 0;
export let indexSize: i32 = 0;
export let indexOff: usize = 0;
export let recOff: usize = 0;
export let recSize: i32 = 0;
export let ringCap: i32 = 0;
export let ringOff: i32 = 0;
export let toolsOff: i32 = 0;
export let shapesOff: i32 = 0;
export let valuesOff: i32 = 0;
export let vcandOff: i32 = 0; // candidate values: VCAND 8-byte slots after the 4-byte value entries
export let transOff: i32 = 0;
export let vkeysOff: i32 = 0;
export let sketchOff: i32 = 0; // SKETCH_BYTES of Bloom filter: tools and contacts ever learned (sketch.ts)
export let initialised: bool = false;

@inline export function hdr(off: i32): usize { return arenaBase + <usize>off; }
@inline export function rec(r: i32): usize { return recOff + <usize>r * <usize>recSize; }

function align8(n: i32): i32 { return (n + 7) & ~7; }

function indexSlots(records: u64): u64 {
  return records + (records >> 2) + 1;
}

// Computes the layout from the config and claims memory. Returns 0 or ERR_BUDGET's meaning as false.
export function layoutArena(): bool {
  ringCap = cfgI(C_BURST_THRESHOLD);
  ringOff = R_HOURS + HOURS;
  toolsOff = align8(ringOff + ringCap * 4);
  shapesOff = toolsOff + cfgI(C_MAX_TOOLS) * 8;
  valuesOff = shapesOff + cfgI(C_MAX_SHAPES) * 8;
  vcandOff = valuesOff + align8(cfgI(C_MAX_VALUES) * 4);
  transOff = vcandOff + VCAND_SLOTS * 8;
  vkeysOff = transOff + cfgI(C_MAX_TRANSITIONS) * 8;
  sketchOff = vkeysOff + cfgI(C_MAX_VALUE_KEYS) * 8;
  recSize = align8(sketchOff + SKETCH_BYTES);

  const budget = <u64>cfg(C_BUDGET_BYTES);
  const fixed: u64 = <u64>HEADER_SIZE + <u64>ALLOW_CAP * 16;
  if (budget <= fixed) return false;
  let cap: u64 = <u64>cfg(C_MAX_ENTITIES);
  let idx: u64;
  // The index holds 1.25 slots per record (load at most 0.8): 5 bytes a record, where a power-of-two
  // table would cost up to 8 and push a default record past 1 KiB of memory.
  if (cap > 0) {
    idx = indexSlots(cap);
    if (fixed + idx * 4 + cap * <u64>recSize > budget) return false;
  } else {
    cap = (budget - fixed) / (<u64>recSize + 5);
    while (cap > 0 && fixed + indexSlots(cap) * 4 + cap * <u64>recSize > budget) cap--;
    idx = indexSlots(cap);
    if (cap < 2) return false;
  }
  if (cap > 0x7FFFFFF0) return false;
  capacity = <i32>cap;
  indexSize = <i32>idx;

  if (arenaBase == 0) arenaBase = (__heap_base + 15) & ~15;
  indexOff = arenaBase + <usize>fixed;
  recOff = indexOff + <usize>(idx * 4);
  arenaBytes = <usize>(fixed + idx * 4 + cap * <u64>recSize);
  const end: u64 = <u64>arenaBase + <u64>arenaBytes;
  const havePages = memory.size();
  const needPages = <i32>((end + 65535) >> 16);
  if (needPages > havePages) {
    if (memory.grow(needPages - havePages) < 0) return false;
  }
  memory.fill(arenaBase, 0, arenaBytes);
  store<u64>(hdr(H_RNG), 0x2545F4914F6CDD1D);
  return true;
}

// ---- entity index ----

@inline function slotAt(i: u32): usize { return indexOff + (<usize>i << 2); }
// Home slot of a key: its low 32 bits scaled onto the table (no power-of-two size needed).
@inline export function indexHome(key: u64): u32 { return <u32>((<u64><u32>key * <u64>indexSize) >> 32); }
@inline export function indexNext(i: u32): u32 { return i + 1 == <u32>indexSize ? 0 : i + 1; }
// Probe distance from a to b going forward, wrapping.
@inline function dist(from: u32, to: u32): u32 { return to >= from ? to - from : to + <u32>indexSize - from; }

export function findRecord(key: u64): i32 {
  let i = indexHome(key);
  while (true) {
    const e = load<u32>(slotAt(i));
    if (e == 0) return -1;
    const r = <i32>(e - 1);
    if (load<u64>(rec(r) + R_KEY) == key) return r;
    i = indexNext(i);
  }
  return -1;
}

export function indexInsert(key: u64, r: i32): void {
  let i = indexHome(key);
  while (load<u32>(slotAt(i)) != 0) i = indexNext(i);
  store<u32>(slotAt(i), <u32>r + 1);
}

// Backward-shift deletion keeps probe chains intact without tombstones.
export function indexRemove(key: u64, r: i32): void {
  let j = indexHome(key);
  while (load<u32>(slotAt(j)) != <u32>r + 1) j = indexNext(j);
  let k = j;
  while (true) {
    k = indexNext(k);
    const e = load<u32>(slotAt(k));
    if (e == 0) break;
    const home = indexHome(load<u64>(rec(<i32>(e - 1)) + R_KEY));
    if (dist(home, k) >= dist(j, k)) {
      store<u32>(slotAt(j), e);
      j = k;
    }
  }
  store<u32>(slotAt(j), 0);
}

function nextRandom(): u64 {
  let x = load<u64>(hdr(H_RNG));
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  store<u64>(hdr(H_RNG), x);
  return x;
}

// A record with enough evidence to judge counts as this much more recently used when choosing what to
// evict (four times as much for a tenant's baseline, which all its newcomers rely on).
export const PROTECT_MS: f64 = 7 * 86400000;

// Sampled least-recently-used with protection by evidence: among EVICTION_SAMPLE random records the
// one with the lowest (last call + protection) goes; `pinned` is never chosen. So a flood of new
// principals (or tenants) evicts its own short-lived records, while an established baseline goes
// only once it has been idle PROTECT_MS longer than them.
function evictOne(pinned: i32): i32 {
  const used = <u64>load<u32>(hdr(H_USED));
  const samples = cfgI(C_EVICTION_SAMPLE);
  let best: i32 = -1;
  let bestScore: f64 = Infinity;
  for (let s = 0; s < samples; s++) {
    const r = <i32>(nextRandom() % used);
    if (r == pinned) continue;
    const p = rec(r);
    const isTenant = (load<u32>(p + R_FLAGS) & RF_TENANT) != 0;
    const need = isTenant ? cfg(C_TENANT_MIN_CALLS) : cfg(C_MIN_CALLS);
    let score = load<f64>(p + R_LAST);
    if (<f64>load<u32>(p + R_LEARNED) >= need) score += isTenant ? 4 * PROTECT_MS : PROTECT_MS;
    if (score < bestScore) { bestScore = score; best = r; }
  }
  if (best < 0) best = pinned == 0 ? 1 : 0;
  const p = rec(best);
  indexRemove(load<u64>(p + R_KEY), best);
  if (load<u32>(p + R_FLAGS) & RF_TENANT) store<u32>(hdr(H_TENANTS), load<u32>(hdr(H_TENANTS)) - 1);
  store<u32>(hdr(H_LIVE), load<u32>(hdr(H_LIVE)) - 1);
  store<f64>(hdr(H_ENTITY_EVICTIONS), load<f64>(hdr(H_ENTITY_EVICTIONS)) + 1);
  return best;
}

export let lastCreateEvicted: bool = false;

// Returns the record for key, creating it (and evicting if full). `pinned` is protected from eviction.
export function getOrCreate(key: u64, tenantKey: u64, now: f64, pinned: i32): i32 {
  lastCreateEvicted = false;
  const found = findRecord(key);
  if (found >= 0) return found;
  let r: i32;
  const used = <i32>load<u32>(hdr(H_USED));
  if (used < capacity) {
    r = used;
    store<u32>(hdr(H_USED), <u32>used + 1);
  } else {
    r = evictOne(pinned);
    lastCreateEvicted = true;
  }
  const p = rec(r);
  memory.fill(p, 0, <usize>recSize);
  store<u64>(p + R_KEY, key);
  store<u64>(p + R_TENANT_KEY, tenantKey);
  store<f64>(p + R_FIRST, now);
  store<f64>(p + R_LAST, now);
  store<f64>(p + R_RING_BASE, now);
  if (tenantKey == 0) {
    store<u32>(p + R_FLAGS, RF_TENANT);
    store<u32>(hdr(H_TENANTS), load<u32>(hdr(H_TENANTS)) + 1);
  }
  indexInsert(key, r);
  store<u32>(hdr(H_LIVE), load<u32>(hdr(H_LIVE)) + 1);
  return r;
}

// Entries a record's bounded sets pushed out, counted in the record and in the state header.
export function countSlotEvictions(record: usize, n: u32): void {
  const r = <u64>load<u32>(record + R_SLOT_EVICTIONS) + <u64>n;
  store<u32>(record + R_SLOT_EVICTIONS, r > 0xFFFFFFFF ? 0xFFFFFFFF : <u32>r);
  store<f64>(hdr(H_SLOT_EVICTIONS), load<f64>(hdr(H_SLOT_EVICTIONS)) + <f64>n);
}

@inline export function bumpHeader(off: i32): void {
  store<f64>(hdr(off), load<f64>(hdr(off)) + 1);
}
