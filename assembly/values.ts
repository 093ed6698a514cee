// Learned argument values, the set that fills fastest (every recipient, channel, URL host, account a
// principal uses), kept in 4-byte entries so that about twice as many fit a record as in the 8-byte
// slot sets:
//   bits 12-31: the value fingerprint's top 20 bits (never 0: 0 is an empty entry)
//   bits 8-11:  uses, saturating at 15
//   bits 0-7:   day of the last use, after the record's value epoch (R_VEPOCH, moved on as days pass)
// When the set is full the entry with the earliest last use plus PROTECT_DAYS per use is replaced, so
// a habit used on many days outlives one-off values that are more recent (the rule slots.ts keeps in
// hours). 20 bits make a never-seen value match a stored one by chance about 4 times in 100 000 with
// 40 values: less than one missed recipient in a year of a busy principal's new ones.
// Warned values waiting to become habits (recurrence.ts) live apart, in VCAND ordinary 8-byte slots.

import { cfgI, C_MAX_VALUES } from "./config";
import { valuesOff, R_FIRST, R_VEPOCH, VCAND_SLOTS, countSlotEvictions } from "./arena";

export const VCAND: i32 = VCAND_SLOTS;
export const PROTECT_DAYS: u32 = 7;
const USES_MAX: u32 = 15;
const DAY_MS: f64 = 86400000.0;
export const VFP_MASK: u32 = 0xFFFFF000;

@inline export function valueEntryFp(fp: u32): u32 {
  const f = fp & VFP_MASK;
  return f == 0 ? 0x1000 : f;
}
@inline export function entryUses(e: u32): u32 { return (e >> 8) & 0xF; }
@inline function entry(p: usize, i: i32): usize { return p + <usize>valuesOff + (<usize>i << 2); }

// Whole days from the record's first call to t (0 before it).
export function dayOf(p: usize, t: f64): u32 {
  const d = Math.floor((t - load<f64>(p + R_FIRST)) / DAY_MS);
  if (!(d > 0)) return 0;
  return d >= 65535 ? 65535 : <u32>d;
}

export function valueFind(p: usize, fp: u32): i32 {
  const f = valueEntryFp(fp);
  const n = cfgI(C_MAX_VALUES);
  for (let i = 0; i < n; i++) if ((load<u32>(entry(p, i)) & VFP_MASK) == f) return i;
  return -1;
}

@inline export function valueKnown(p: usize, fp: u32): bool { return valueFind(p, fp) >= 0; }

// Moves the epoch to `epoch` (later than the current one): older last uses read as on the epoch day.
function rebase(p: usize, epoch: u32): void {
  const shift = epoch - <u32>load<u16>(p + R_VEPOCH);
  const n = cfgI(C_MAX_VALUES);
  for (let i = 0; i < n; i++) {
    const q = entry(p, i);
    const e = load<u32>(q);
    if (e == 0) continue;
    const s = e & 0xFF;
    store<u32>(q, (e & ~<u32>0xFF) | (s > shift ? s - shift : 0));
  }
  store<u16>(p + R_VEPOCH, <u16>epoch);
}

// An empty entry, else the one with the earliest last use plus protection (lowest index among equals).
function claim(p: usize): i32 {
  const n = cfgI(C_MAX_VALUES);
  let victim = 0;
  let vAge: u32 = 0xFFFFFFFF;
  for (let i = 0; i < n; i++) {
    const e = load<u32>(entry(p, i));
    if (e == 0) return i;
    const age = (e & 0xFF) + entryUses(e) * PROTECT_DAYS;
    if (age < vAge) { victim = i; vAge = age; }
  }
  countSlotEvictions(p, 1);
  return victim;
}

// Learns one use of fp at time t; `at` is fp's entry when the caller has looked it up (-1: absent,
// -2: not looked up).
export function valueLearn(p: usize, fp: u32, t: f64, at: i32 = -2): void {
  const today = dayOf(p, t);
  if (today > <u32>load<u16>(p + R_VEPOCH) + 255) rebase(p, today - 255);
  let i = at == -2 ? valueFind(p, fp) : at;
  let uses: u32 = 1;
  if (i >= 0) {
    const u = entryUses(load<u32>(entry(p, i)));
    uses = u < USES_MAX ? u + 1 : USES_MAX;
  } else {
    i = claim(p);
  }
  const day = today - <u32>load<u16>(p + R_VEPOCH);
  store<u32>(entry(p, i), valueEntryFp(fp) | (uses << 8) | day);
}
