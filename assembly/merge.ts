// Merges one record into another of the same key: how two replicas' views of one principal (or tenant)
// become one. Rules per structure, and what is approximate, are in docs/STATE.md "Merge".
// Both records have this core's layout (the caller checked the layout hash).

import { cfg, cfgI, C_MAX_TOOLS, C_MAX_SHAPES, C_MAX_VALUES, C_MAX_TRANSITIONS, C_MAX_VALUE_KEYS,
  C_VALUE_REPEAT_NONE } from "./config";
import {
  countSlotEvictions, R_FIRST, R_LAST, R_LEARNED, R_SEEN, R_PREV, R_LAST_LEARN, R_RATE, R_RING_BASE, R_RING_HEAD,
  R_RING_LEN, R_HOUR_TOTAL, R_OK, R_ERR, R_SLOT_EVICTIONS, R_HOURS, HOURS, ringOff, ringCap, toolsOff, shapesOff,
  valuesOff, vcandOff, R_VEPOCH, R_RUN, R_STEP_RATE, transOff, vkeysOff, R_KEY, R_TENANT_KEY, R_FLAGS, rec, findRecord,
  getOrCreate, recSize,
} from "./arena";
import { CANDIDATE } from "./slots";
import { sketchMerge } from "./sketch";
import { VCAND, VFP_MASK, PROTECT_DAYS, valueEntryFp, entryUses } from "./values";
import { XFER, REC_HDR, checkXfer, xferKey, recordFor, created } from "./transfer";

const HOUR_MS: f64 = 3600000.0;
const COUNT_MAX: u32 = 0x7FFF;

// Scratch: up to 2 × 255 set entries {u32 fp, u32 count, f64 last use (ms)}, and 2 × 1000 ring times.
const SET_TMP: usize = memory.data(8192, 8);
const RING_TMP: usize = memory.data(16384, 8);

@inline function eFp(i: i32): usize { return SET_TMP + (<usize>i << 4); }
@inline function eCount(i: i32): usize { return SET_TMP + (<usize>i << 4) + 4; }
@inline function eLast(i: i32): usize { return SET_TMP + (<usize>i << 4) + 8; }

function satAdd(a: u32, b: u32): u32 {
  const s = <u64>a + <u64>b;
  return s > 0xFFFFFFFF ? 0xFFFFFFFF : <u32>s;
}

function relHoursFrom(first: f64, at: f64): u16 {
  const h = Math.floor((at - first) / HOUR_MS);
  if (!(h > 0)) return 0;
  return h >= 65535 ? 65535 : <u16>h;
}

// Collects one set's entries into SET_TMP (from `n0` on), folding equal fingerprints; returns the new end.
function collect(base: usize, n: i32, first: f64, n0: i32, vkeys: bool): i32 {
  let m = n0;
  for (let i = 0; i < n; i++) {
    const p = base + (<usize>i << 3);
    const fp = load<u32>(p);
    if (fp == 0) continue;
    const last = first + <f64>load<u16>(p + 6) * HOUR_MS;
    let j = 0;
    while (j < m && load<u32>(eFp(j)) != fp) j++;
    const raw = <u32>load<u16>(p + 4);
    // while merging, a candidate is marked by a bit no sum of learned counts reaches
    const c = vkeys ? raw : (raw & CANDIDATE) != 0 ? CAND | (raw & COUNT_MAX) : raw;
    if (j == m) {
      store<u32>(eFp(m), fp);
      store<u32>(eCount(m), c);
      store<f64>(eLast(m), last);
      m++;
      continue;
    }
    if (load<f64>(eLast(j)) < last) store<f64>(eLast(j), last);
    const a = load<u32>(eCount(j));
    store<u32>(eCount(j), vkeys ? mergeVkey(a, c) : mergeCount(a, c));
  }
  return m;
}

// Learned counts add; a learned slot beats a candidate; two candidates add their counts (peers in a
// tenant's tools, warned hours and their days in a principal's sets, recurrence.ts): an upper bound,
// the same peer, hour or day may have been counted on both replicas.
const CAND: u32 = 0x40000000;
function mergeCount(a: u32, b: u32): u32 {
  const ac = (a & CAND) != 0;
  const bc = (b & CAND) != 0;
  if (ac && bc) {
    const peers = (a & COUNT_MAX) + (b & COUNT_MAX);
    return CAND | (peers < COUNT_MAX ? peers : COUNT_MAX);
  }
  if (ac) return b;
  if (bc) return a;
  return a + b; // may pass COUNT_MAX: halved below, as learning would
}

// Value keys pack u8 total | u8 distinct << 8. Totals add. Distinct values: the larger side when both
// sides look repetitive (replicas saw the same few recipients), the sum otherwise (free text is new
// everywhere). Returned widened: bit 31 set, total in bits 0-15, distinct in bits 16-30.
function mergeVkey(a: u32, b: u32): u32 {
  const ta = wideTotal(a), da = wideDistinct(a);
  const tb = wideTotal(b), db = wideDistinct(b);
  const none = cfg(C_VALUE_REPEAT_NONE);
  const repA = ta == 0 || <f64>da / <f64>ta < none;
  const repB = tb == 0 || <f64>db / <f64>tb < none;
  const t = ta + tb;
  let d = repA && repB ? (da > db ? da : db) : da + db;
  if (d > t) d = t;
  return WIDE | t | (d << 16);
}
// A collected vkey count is either the raw u16 (u8 total, u8 distinct) or already widened by mergeVkey.
const WIDE: u32 = 0x80000000;
@inline function wideTotal(c: u32): u32 { return (c & WIDE) != 0 ? c & 0xFFFF : c & 0xFF; }
@inline function wideDistinct(c: u32): u32 { return (c & WIDE) != 0 ? (c >> 16) & 0x7FFF : (c >> 8) & 0xFF; }

// Writes the best n entries back: learned entries before candidates (candidates never push learned
// entries out, as in slots.ts), then most recently used, then most counted (the order per-record
// eviction keeps). Returns how many entries did not fit.
function writeBack(rp: usize, base: usize, n: i32, m: i32, first: f64, vkeys: bool): i32 {
  memory.fill(base, 0, <usize>n << 3);
  let kept = 0;
  while (kept < n) {
    let best = -1;
    let bLearned = false;
    let bLast: f64 = -Infinity;
    let bCount: u32 = 0;
    for (let j = 0; j < m; j++) {
      if (load<u32>(eFp(j)) == 0) continue;
      const l = load<f64>(eLast(j));
      const raw = load<u32>(eCount(j));
      const learned = vkeys || (raw & CAND) == 0;
      const c = vkeys ? wideTotal(raw) : raw & ~CAND;
      const better = best < 0 || (learned && !bLearned) ||
        (learned == bLearned && (l > bLast || (l == bLast && c > bCount)));
      if (better) { best = j; bLearned = learned; bLast = l; bCount = c; }
    }
    if (best < 0) break;
    const p = base + (<usize>kept << 3);
    const c = load<u32>(eCount(best));
    store<u32>(p, load<u32>(eFp(best)));
    if (vkeys) {
      let t = wideTotal(c), d = wideDistinct(c);
      while (t > 255) { t >>= 1; d = (d + 1) >> 1; } // keep the ratio, as vkeyRecord does
      if (d > t) d = t;
      store<u8>(p + 4, <u8>t);
      store<u8>(p + 5, <u8>d);
    } else {
      store<u16>(p + 4, <u16>((c & CAND) != 0 ? CANDIDATE | (c & COUNT_MAX) : c));
    }
    store<u16>(p + 6, relHoursFrom(first, bLast));
    store<u32>(eFp(best), 0);
    kept++;
  }
  const dropped = m - kept;
  if (dropped > 0) countSlotEvictions(rp, <u32>dropped);
  return dropped;
}

// Counts above the u16 range are halved across the whole set, as slotLearn does on saturation.
function halveIfSaturated(m: i32): void {
  while (true) {
    let over = false;
    for (let j = 0; j < m; j++) {
      const c = load<u32>(eCount(j));
      if ((c & CAND) == 0 && c > COUNT_MAX) over = true;
    }
    if (!over) return;
    for (let j = 0; j < m; j++) {
      const c = load<u32>(eCount(j));
      if ((c & CAND) != 0 || c == 0) continue;
      const h = c >> 1;
      store<u32>(eCount(j), h == 0 ? 1 : h);
    }
  }
}

function mergeSet(d: usize, s: usize, off: i32, n: i32, fd: f64, fs: f64, first: f64, vkeys: bool): void {
  let m = collect(d + <usize>off, n, fd, 0, vkeys);
  m = collect(s + <usize>off, n, fs, m, vkeys);
  if (!vkeys) halveIfSaturated(m);
  writeBack(d, d + <usize>off, n, m, first, vkeys);
}

// Hour-of-week bins add; if one would pass 255 every bin is halved (learnHour's rule) until it fits.
function mergeHours(d: usize, s: usize): void {
  let max: u32 = 0;
  for (let i = 0; i < HOURS; i++) {
    const v = <u32>load<u8>(d + R_HOURS + <usize>i) + <u32>load<u8>(s + R_HOURS + <usize>i);
    store<u32>(SET_TMP + (<usize>i << 2), v);
    if (v > max) max = v;
  }
  let shift: u32 = 0;
  while ((max >> shift) > 255) shift++;
  let total: u32 = 0;
  for (let i = 0; i < HOURS; i++) {
    const v = load<u32>(SET_TMP + (<usize>i << 2)) >> shift;
    store<u8>(d + R_HOURS + <usize>i, <u8>v);
    total += v;
  }
  store<u32>(d + R_HOUR_TOTAL, total);
}

function ringTimes(p: usize, at: i32): i32 {
  const base = load<f64>(p + R_RING_BASE);
  const len = <i32>load<u16>(p + R_RING_LEN);
  const head = <i32>load<u16>(p + R_RING_HEAD);
  let m = at;
  for (let k = 0; k < len; k++) {
    let idx = head - 1 - k;
    if (idx < 0) idx += ringCap;
    store<f64>(RING_TMP + (<usize>m << 3), base + <f64>load<u32>(p + <usize>ringOff + (<usize>idx << 2)));
    m++;
  }
  return m;
}

// The burst ring keeps the newest ringCap call times of both sides: exact when each side's ring held
// all of its calls inside the window.
function mergeRing(d: usize, s: usize): void {
  let m = ringTimes(d, 0);
  m = ringTimes(s, m);
  // insertion sort, newest first (m ≤ 2 × ringCap)
  for (let i = 1; i < m; i++) {
    const v = load<f64>(RING_TMP + (<usize>i << 3));
    let j = i - 1;
    while (j >= 0 && load<f64>(RING_TMP + (<usize>j << 3)) < v) {
      store<f64>(RING_TMP + (<usize>(j + 1) << 3), load<f64>(RING_TMP + (<usize>j << 3)));
      j--;
    }
    store<f64>(RING_TMP + (<usize>(j + 1) << 3), v);
  }
  const keep = m < ringCap ? m : ringCap;
  let base = load<f64>(d + R_RING_BASE);
  const sb = load<f64>(s + R_RING_BASE);
  if (sb < base) base = sb;
  if (keep > 0) {
    const newest = load<f64>(RING_TMP);
    const oldest = load<f64>(RING_TMP + (<usize>(keep - 1) << 3));
    if (oldest < base) base = oldest;
    if (newest - base >= 2147483647.0) base = newest - 1073741824.0; // older entries fall far outside any window
  }
  store<f64>(d + R_RING_BASE, base);
  for (let k = 0; k < ringCap; k++) store<u32>(d + <usize>ringOff + (<usize>k << 2), 0);
  for (let i = 0; i < keep; i++) {
    const at = load<f64>(RING_TMP + (<usize>(keep - 1 - i) << 3)); // oldest first
    store<u32>(d + <usize>ringOff + (<usize>i << 2), at > base ? <u32>(at - base) : 0);
  }
  store<u16>(d + R_RING_HEAD, <u16>(keep % ringCap));
  store<u16>(d + R_RING_LEN, <u16>keep);
}

// Each replica's average counts only the calls it saw. When both were active over the same period (calls
// spread over replicas) the true rate is about the sum less one; when their periods do not overlap it is
// the learned-weighted mean. The overlap share of the shorter period interpolates between the two.
function mergeRate(d: usize, s: usize): f64 {
  const ld = <f64>load<u32>(d + R_LEARNED), ls = <f64>load<u32>(s + R_LEARNED);
  const rd = load<f64>(d + R_RATE), rs = load<f64>(s + R_RATE);
  if (ld == 0) return rs;
  if (ls == 0) return rd;
  const mean = (rd * ld + rs * ls) / (ld + ls);
  const fd = load<f64>(d + R_FIRST), lastD = load<f64>(d + R_LAST_LEARN);
  const fs = load<f64>(s + R_FIRST), lastS = load<f64>(s + R_LAST_LEARN);
  const ov = Math.min(lastD, lastS) - Math.max(fd, fs);
  const shorter = Math.min(lastD - fd, lastS - fs);
  let f: f64 = 0;
  if (ov > 0) f = shorter > 0 ? Math.min(1.0, ov / shorter) : 1.0;
  // every window count includes the judged call itself: interleaved, the other side adds its count minus that one
  let both = rd + rs - 1;
  if (both < mean) both = mean;
  return mean + f * (both - mean);
}

// Values (values.ts): the union; an entry on both sides keeps the later last use and the sum of uses
// (saturating); when more than fit, the ones per-record eviction would keep.
const DAY_MS: f64 = 86400000.0;
function collectValues(p: usize, recFirst: f64, m: i32): i32 {
  const n = cfgI(C_MAX_VALUES);
  const epoch = <f64>load<u16>(p + R_VEPOCH);
  for (let i = 0; i < n; i++) {
    const e = load<u32>(p + <usize>valuesOff + (<usize>i << 2));
    if (e == 0) continue;
    const fp = e & VFP_MASK;
    const last = recFirst + (epoch + <f64>(e & 0xFF)) * DAY_MS;
    let j = 0;
    while (j < m && load<u32>(eFp(j)) != fp) j++;
    if (j == m) {
      store<u32>(eFp(m), fp);
      store<u32>(eCount(m), entryUses(e));
      store<f64>(eLast(m), last);
      m++;
      continue;
    }
    if (load<f64>(eLast(j)) < last) store<f64>(eLast(j), last);
    const u = load<u32>(eCount(j)) + entryUses(e);
    store<u32>(eCount(j), u < 15 ? u : 15);
  }
  return m;
}

function mergeValues(d: usize, s: usize, fd: f64, fs: f64, first: f64): void {
  const n = cfgI(C_MAX_VALUES);
  let m = collectValues(d, fd, 0);
  m = collectValues(s, fs, m);
  // the latest use fixes the epoch, as learning would have moved it
  let maxDay: f64 = 0;
  for (let j = 0; j < m; j++) {
    const day = Math.floor((load<f64>(eLast(j)) - first) / DAY_MS);
    if (day > maxDay) maxDay = day;
  }
  let epoch = maxDay > 255 ? maxDay - 255 : 0;
  if (epoch > 65535) epoch = 65535;
  memory.fill(d + <usize>valuesOff, 0, <usize>(n << 2));
  store<u16>(d + R_VEPOCH, <u16>epoch);
  let kept = 0;
  while (kept < n) {
    let best = -1;
    let bAge: f64 = -Infinity;
    for (let j = 0; j < m; j++) {
      if (load<u32>(eFp(j)) == 0) continue;
      const age = load<f64>(eLast(j)) + <f64>(load<u32>(eCount(j)) * PROTECT_DAYS) * DAY_MS;
      if (best < 0 || age > bAge) { best = j; bAge = age; }
    }
    if (best < 0) break;
    let day = Math.floor((load<f64>(eLast(best)) - first) / DAY_MS) - epoch;
    if (!(day > 0)) day = 0;
    if (day > 255) day = 255;
    const packed = valueEntryFp(load<u32>(eFp(best))) | (load<u32>(eCount(best)) << 8) | <u32>day;
    store<u32>(d + <usize>valuesOff + (<usize>kept << 2), packed);
    store<u32>(eFp(best), 0);
    kept++;
  }
  if (m > kept) countSlotEvictions(d, <u32>(m - kept));
}

// Merges record s into record d (same key, same kind).
export function mergeRecord(d: usize, s: usize): void {
  const fd = load<f64>(d + R_FIRST);
  const fs = load<f64>(s + R_FIRST);
  const first = fs < fd ? fs : fd;
  mergeSet(d, s, toolsOff, cfgI(C_MAX_TOOLS), fd, fs, first, false);
  mergeSet(d, s, shapesOff, cfgI(C_MAX_SHAPES), fd, fs, first, false);
  mergeValues(d, s, fd, fs, first);
  mergeSet(d, s, vcandOff, VCAND, fd, fs, first, false);
  mergeSet(d, s, transOff, cfgI(C_MAX_TRANSITIONS), fd, fs, first, false);
  mergeSet(d, s, vkeysOff, cfgI(C_MAX_VALUE_KEYS), fd, fs, first, true);
  sketchMerge(d, s);
  mergeHours(d, s);
  mergeRing(d, s);
  store<f64>(d + R_RATE, mergeRate(d, s));
  if (load<f64>(s + R_LAST_LEARN) > load<f64>(d + R_LAST_LEARN))
    store<f64>(d + R_LAST_LEARN, load<f64>(s + R_LAST_LEARN));
  store<f64>(d + R_FIRST, first);
  // the latest call's side knows the session's previous step and its run of unusual steps
  if (load<f64>(s + R_LAST) > load<f64>(d + R_LAST)) {
    store<f64>(d + R_LAST, load<f64>(s + R_LAST));
    store<u32>(d + R_PREV, load<u32>(s + R_PREV));
    store<u8>(d + R_RUN, load<u8>(s + R_RUN));
  }
  // the rate of unusual steps: each side's weighed by the calls it learned
  const ld = <u64>load<u32>(d + R_LEARNED), ls = <u64>load<u32>(s + R_LEARNED);
  if (ld + ls > 0) {
    const sum = <u64>load<u8>(d + R_STEP_RATE) * ld + <u64>load<u8>(s + R_STEP_RATE) * ls;
    store<u8>(d + R_STEP_RATE, <u8>((sum + ((ld + ls) >> 1)) / (ld + ls)));
  }
  store<u32>(d + R_LEARNED, satAdd(load<u32>(d + R_LEARNED), load<u32>(s + R_LEARNED)));
  store<u32>(d + R_SEEN, satAdd(load<u32>(d + R_SEEN), load<u32>(s + R_SEEN)));
  store<u32>(d + R_OK, satAdd(load<u32>(d + R_OK), load<u32>(s + R_OK)));
  store<u32>(d + R_ERR, satAdd(load<u32>(d + R_ERR), load<u32>(s + R_ERR)));
  store<u32>(d + R_SLOT_EVICTIONS, satAdd(load<u32>(d + R_SLOT_EVICTIONS), load<u32>(s + R_SLOT_EVICTIONS)));
}

// Merges a sane record (any position outside the arena's records) into the state: into its twin when
// tracked, else as a new record. Returns 1 merged, 2 created, 0 skipped (the key is held by a record
// of the other kind, a 2^-64 event).
export function mergeIn(s: usize): i32 {
  const key = load<u64>(s + R_KEY);
  const r = findRecord(key);
  if (r >= 0) {
    const d = rec(r);
    if (load<u32>(d + R_FLAGS) != load<u32>(s + R_FLAGS) || load<u64>(d + R_TENANT_KEY) != load<u64>(s + R_TENANT_KEY))
      return 0;
    mergeRecord(d, s);
    return 1;
  }
  const nr = getOrCreate(key, load<u64>(s + R_TENANT_KEY), load<f64>(s + R_LAST), -1);
  memory.copy(rec(nr), s, <usize>recSize);
  return 2;
}

// Merges the transferred record in XFER into the identity's record (creating it if absent).
// Returns 1 merged, 2 created, or a negative code; on error nothing changed.
export function recordMerge(which: i32, len: i32): i32 {
  const err = checkXfer(which, len);
  if (err < 0) return err;
  const src = XFER + <usize>REC_HDR;
  const r = recordFor(which, xferKey, src);
  if (created) {
    memory.copy(rec(r), src, <usize>recSize);
    return 2;
  }
  mergeRecord(rec(r), src);
  return 1;
}
