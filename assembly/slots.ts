// Bounded fingerprint sets inside an entity record. Each slot is 8 bytes:
//   u32 fingerprint (0 = empty), u16 count, u16 last use (hours after the record's first call).
// Count bit 15 marks a candidate (seen in a warned call, not learned); its low bits count peers.
// When a set is full the least recently used slot (then the least counted) is replaced.

import { R_FIRST, countSlotEvictions } from "./arena";
import { cfg, C_VALUE_MIN_OBS, C_VALUE_REPEAT_NONE } from "./config";

export const CANDIDATE: u32 = 0x8000;
const COUNT_MAX: u32 = 0x7FFF;

@inline export function slotPtr(base: usize, i: i32): usize { return base + (<usize>i << 3); }
@inline export function slotFp(base: usize, i: i32): u32 { return load<u32>(slotPtr(base, i)); }
@inline export function slotCount(base: usize, i: i32): u32 { return <u32>load<u16>(slotPtr(base, i) + 4); }

export function relHours(record: usize, now: f64): u32 {
  const h = Math.floor((now - load<f64>(record + R_FIRST)) / 3600000.0);
  if (h <= 0) return 0;
  if (h >= 65535) return 65535;
  return <u32>h;
}

export function slotFind(base: usize, n: i32, fp: u32): i32 {
  for (let i = 0; i < n; i++) if (load<u32>(slotPtr(base, i)) == fp) return i;
  return -1;
}

// A learned slot: present and not a candidate.
export function slotKnown(base: usize, n: i32, fp: u32): i32 {
  const i = slotFind(base, n, fp);
  if (i < 0) return -1;
  const c = slotCount(base, i);
  return (c & CANDIDATE) != 0 || c == 0 ? -1 : i;
}

// Each use of a slot protects it for a week more, up to about six months: an entry used on many days
// outranks a more recent one-off, so free text, one-off recipients and stray tools evict their own
// kind before they push out a habit used weekly (plain recency, or an hour per use, evicted such
// habits and warned on their next use: the timed scenarios measured 10.2 false alarms per 1 000
// benign calls with an hour per use, 2.4 with a week).
const PROTECT_PER_USE: u32 = 168;
const PROTECT_HOURS_MAX: u32 = 4320;

// Claims a slot for fp (count 0), replacing the one least recently used (counting that protection)
// when full. `vkey`: a value-key set, whose count is the u8 total.
export function slotClaim(record: usize, base: usize, n: i32, fp: u32, lastH: u32, vkey: bool = false): i32 {
  let victim: i32 = -1;
  let vAge: u32 = 0xFFFFFFFF;
  let vCount: u32 = 0xFFFFFFFF;
  for (let i = 0; i < n; i++) {
    const p = slotPtr(base, i);
    if (load<u32>(p) == 0) { victim = i; break; }
    const c = vkey ? <u32>load<u8>(p + 4) : <u32>load<u16>(p + 4) & COUNT_MAX;
    const pr = c * PROTECT_PER_USE;
    const age = <u32>load<u16>(p + 6) + (pr < PROTECT_HOURS_MAX ? pr : PROTECT_HOURS_MAX);
    if (age < vAge || (age == vAge && c < vCount)) { victim = i; vAge = age; vCount = c; }
  }
  const p = slotPtr(base, victim);
  if (load<u32>(p) != 0) {
    countSlotEvictions(record, 1);
  }
  store<u32>(p, fp);
  store<u16>(p + 4, 0);
  store<u16>(p + 6, <u16>lastH);
  return victim;
}

// Learns one use of fp: count + 1 (halving the whole set when it saturates), last use = lastH.
export function slotLearn(record: usize, base: usize, n: i32, fp: u32, lastH: u32): void {
  let i = slotFind(base, n, fp);
  if (i < 0) i = slotClaim(record, base, n, fp, lastH);
  const p = slotPtr(base, i);
  let c = <u32>load<u16>(p + 4);
  if (c & CANDIDATE) c = 0; // a candidate that is learned starts its real count
  if (c >= COUNT_MAX) {
    halve(base, n);
    c = <u32>load<u16>(p + 4);
  }
  store<u16>(p + 4, <u16>(c + 1));
  store<u16>(p + 6, <u16>lastH);
}

function halve(base: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const p = slotPtr(base, i);
    if (load<u32>(p) == 0) continue;
    const c = <u32>load<u16>(p + 4);
    if (c & CANDIDATE) continue;
    let h = c >> 1;
    if (h == 0) h = 1;
    store<u16>(p + 4, <u16>h);
  }
}

// Empties fp's slot, if any (a candidate that has just been learned elsewhere).
export function slotForget(base: usize, n: i32, fp: u32): void {
  const i = slotFind(base, n, fp);
  if (i >= 0) store<u64>(slotPtr(base, i), 0);
}

export function slotTotal(base: usize, n: i32): u32 {
  let t: u32 = 0;
  for (let i = 0; i < n; i++) {
    const p = slotPtr(base, i);
    if (load<u32>(p) == 0) continue;
    const c = <u32>load<u16>(p + 4);
    if ((c & CANDIDATE) == 0) t += c;
  }
  return t;
}

export function slotUsed(base: usize, n: i32): u32 {
  let t: u32 = 0;
  for (let i = 0; i < n; i++) {
    const p = slotPtr(base, i);
    if (load<u32>(p) != 0 && (<u32>load<u16>(p + 4) & CANDIDATE) == 0) t++;
  }
  return t;
}

// The effective number of learned entries, (sum of counts)^2 / sum of squared counts (inverse Simpson):
// n for n entries used alike, near 1 when one dominates, and one-off entries barely count.
export function slotEffective(base: usize, n: i32): f64 {
  let s1: f64 = 0;
  let s2: f64 = 0;
  for (let i = 0; i < n; i++) {
    const p = slotPtr(base, i);
    const c = <u32>load<u16>(p + 4);
    if (load<u32>(p) == 0 || (c & CANDIDATE) != 0) continue;
    s1 += <f64>c;
    s2 += <f64>c * <f64>c;
  }
  return s2 > 0 ? s1 * s1 / s2 : 0;
}

// Learned slots unused for this many hours may make room for a candidate.
export const STALE_HOURS: u32 = 720;

// A slot for a new candidate: an empty one, else the least recently used candidate, else a learned
// slot unused for STALE_HOURS; -1 when there is none. Candidates come from warned calls, so they never
// push out what is in use (a flood of unseen tool names must not erase a baseline), while a set full
// of long-unused tools can still take part in adoption.
function claimCandidate(record: usize, base: usize, n: i32, fp: u32, lastH: u32): i32 {
  let victim: i32 = -1;
  let vLast: u32 = 0xFFFFFFFF;
  let stale: i32 = -1;
  let sLast: u32 = 0xFFFFFFFF;
  for (let i = 0; i < n; i++) {
    const p = slotPtr(base, i);
    if (load<u32>(p) == 0) { victim = i; break; }
    const last = <u32>load<u16>(p + 6);
    if ((<u32>load<u16>(p + 4) & CANDIDATE) == 0) {
      if (last + STALE_HOURS <= lastH && last < sLast) { stale = i; sLast = last; }
      continue;
    }
    if (last < vLast) { victim = i; vLast = last; }
  }
  if (victim < 0) {
    if (stale < 0) return -1;
    victim = stale;
    countSlotEvictions(record, 1);
  }
  const p = slotPtr(base, victim);
  store<u32>(p, fp);
  store<u16>(p + 4, <u16>CANDIDATE);
  store<u16>(p + 6, <u16>lastH);
  return victim;
}

// Marks fp as a candidate in this set (if not already present). Returns true when newly marked.
export function slotMarkCandidate(record: usize, base: usize, n: i32, fp: u32, lastH: u32): bool {
  if (slotFind(base, n, fp) >= 0) return false;
  return claimCandidate(record, base, n, fp, lastH) >= 0;
}

// Adds one peer to a candidate; returns the peer count after (0 if fp is already learned here, or
// if there is no room for a candidate).
export function slotAddPeer(record: usize, base: usize, n: i32, fp: u32, lastH: u32): u32 {
  let i = slotFind(base, n, fp);
  if (i < 0) {
    i = claimCandidate(record, base, n, fp, lastH);
    if (i < 0) return 0;
  }
  const p = slotPtr(base, i);
  const c = <u32>load<u16>(p + 4);
  if ((c & CANDIDATE) == 0 && c != 0) return 0;
  const peers = (c & COUNT_MAX) + 1;
  store<u16>(p + 4, <u16>(CANDIDATE | (peers < COUNT_MAX ? peers : COUNT_MAX)));
  store<u16>(p + 6, <u16>lastH);
  return peers;
}

// ---- value-key statistics: u32 fingerprint(tool, key), u8 total, u8 distinct, u16 last use ----

export function vkeyFind(base: usize, n: i32, fp: u32): i32 {
  return slotFind(base, n, fp);
}
@inline export function vkeyTotal(base: usize, i: i32): u32 { return <u32>load<u8>(slotPtr(base, i) + 4); }
@inline export function vkeyDistinct(base: usize, i: i32): u32 { return <u32>load<u8>(slotPtr(base, i) + 5); }

// A key judged as free text: seen valueMinObs times, and most of its values were new. Its values are
// neither stored (they would flush the set) nor judged (a new one is no news).
export function vkeyFreeText(base: usize, i: i32): bool {
  const t = <f64>vkeyTotal(base, i);
  return t >= cfg(C_VALUE_MIN_OBS) && <f64>vkeyDistinct(base, i) / t >= cfg(C_VALUE_REPEAT_NONE);
}

export function vkeyRecord(record: usize, base: usize, n: i32, fp: u32, isNew: bool, lastH: u32): void {
  let i = slotFind(base, n, fp);
  if (i < 0) i = slotClaim(record, base, n, fp, lastH, true);
  const p = slotPtr(base, i);
  let t = <u32>load<u8>(p + 4);
  let d = <u32>load<u8>(p + 5);
  if (t >= 255) { t >>= 1; d = (d + 1) >> 1; } // keep the ratio, forget old evidence
  t++;
  if (isNew) d++;
  if (d > t) d = t;
  store<u8>(p + 4, <u8>t);
  store<u8>(p + 5, <u8>d);
  store<u16>(p + 6, <u16>lastH);
}
