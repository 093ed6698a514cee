// A principal's own new habit. Flagged calls never teach, so without this a legitimate recipient or
// tool first used after the baseline formed is warned on every use, forever. A warned call's
// never-seen tool, and its never-seen values of repeating arguments, become candidates in the
// principal's own sets; warned again in HABIT_HOURS distinct hours, the call is learned into the
// principal's baseline (never the tenant's). With bounded memory a legitimate habit can be evicted and
// come back as new; without this it would then be warned forever (the timed scenarios measure about ten
// times the false alarms with HABIT_HOURS 0). 0 makes warned calls never teach. Blocked calls never count, a burst
// within one hour
// counts once, and each occurrence was reported to the operator as a warning.
// Something new to the whole tenant (a tool nobody learned, a first contact: an address, account or
// domain nobody used) needs stronger evidence: it must also have been warned on FRESH_DAYS distinct
// days, so a compromised account cannot make its drop address habit in an afternoon. An operator's
// learn() still teaches it at once.

import { cfg, cfgI, C_MAX_TOOLS, C_MAX_VALUE_KEYS, C_VALUE_MIN_OBS, C_HABIT_HOURS } from "./config";
import { toolsOff, vcandOff, vkeysOff } from "./arena";
import { valueKnown, VCAND } from "./values";
import { now, toolFp, mode } from "./context";
import { MODE_TENANT } from "./layout";
import { valueCount, valClass, VC_DATE } from "./input";
import { sketchHas, SK_TOOL } from "./sketch";
import { tenantKnowsTool } from "./signals/unseen_tool";
import { slotFind, slotPtr, slotKnown, relHours, vkeyFind, vkeyTotal, vkeyFreeText, CANDIDATE } from "./slots";
import { valueKeyFp, valueFp, firstContact } from "./signals/unseen_value";
import { learnInto } from "./learn";

const COUNT_MASK: u32 = 0x7FFF;
// A principal's candidate counts warned hours in bits 0-9 and the days they fell on in bits 10-14.
const HOURS_MASK: u32 = 0x3FF;
const DAYS_SHIFT: u32 = 10;
const DAYS_MAX: u32 = 31;
const FRESH_DAYS: u32 = 2;

@inline function packed(hours: u32, days: u32): u32 { return hours | (days << DAYS_SHIFT); }

// Counts one more hour in which fp was warned; returns the packed hours and days counted (0: learned
// or no room).
function recur(base: usize, n: i32, fp: u32, h: u32): u32 {
  const i = slotFind(base, n, fp);
  if (i >= 0) {
    const p = slotPtr(base, i);
    const c = <u32>load<u16>(p + 4);
    if ((c & CANDIDATE) == 0) return 0;
    let k = c & HOURS_MASK;
    let days = (c & COUNT_MASK) >> DAYS_SHIFT;
    const last = <u32>load<u16>(p + 6);
    if (k == 0 || last != h) {
      if (k < HOURS_MASK) k++;
      if (days == 0 || last / 24 != h / 24) { if (days < DAYS_MAX) days++; }
      store<u16>(p + 4, <u16>(CANDIDATE | packed(k, days)));
      store<u16>(p + 6, <u16>h);
    }
    return packed(k, days);
  }
  // room: an empty slot, else the least recently warned candidate, else the least recently used entry
  // learned exactly once (free text stored before its key proved free-form): never an entry seen twice,
  // so a flood of warned calls cannot erase a habit, but a full set of one-off values cannot lock out
  // a real new one either
  let victim: i32 = -1;
  let vLast: u32 = 0xFFFFFFFF;
  let once: i32 = -1;
  let oLast: u32 = 0xFFFFFFFF;
  for (let j = 0; j < n; j++) {
    const p = slotPtr(base, j);
    if (load<u32>(p) == 0) { victim = j; break; }
    const c = <u32>load<u16>(p + 4);
    const last = <u32>load<u16>(p + 6);
    if ((c & CANDIDATE) == 0) {
      if (c == 1 && last < oLast) { once = j; oLast = last; }
      continue;
    }
    if (last < vLast) { victim = j; vLast = last; }
  }
  if (victim < 0) victim = once;
  if (victim < 0) return 0;
  const p = slotPtr(base, victim);
  store<u32>(p, fp);
  store<u16>(p + 4, <u16>(CANDIDATE | packed(1, 1)));
  store<u16>(p + 6, <u16>h);
  return packed(1, 1);
}

// judge: the record that judged the call (its key statistics say which arguments repeat).
// Returns true when the call was learned into the principal's baseline.
export function noteRecurrence(e: usize, judge: usize, transFp: u32): bool {
  const need = cfgI(C_HABIT_HOURS);
  if (need <= 0) return false;
  const h = relHours(e, now);
  // the call is learned once one candidate has recurred in HABIT_HOURS hours, and every candidate new
  // to the tenant on FRESH_DAYS days
  let most: u32 = 0;
  let any = false;
  let freshOk = true;
  const nt = cfgI(C_MAX_TOOLS);
  const toolOwn = slotKnown(e + <usize>toolsOff, nt, toolFp) >= 0 || sketchHas(e, SK_TOOL, <u64>toolFp);
  if (!toolOwn) {
    const c = recur(e + <usize>toolsOff, nt, toolFp, h);
    any = true;
    most = c & HOURS_MASK;
    if (!tenantKnowsTool() && (c >> DAYS_SHIFT) < FRESH_DAYS) freshOk = false;
  }
  const nk = cfgI(C_MAX_VALUE_KEYS);
  const minObs = cfg(C_VALUE_MIN_OBS);
  const kbase = judge + <usize>vkeysOff;
  for (let i = 0; i < valueCount; i++) {
    if (valClass(i) == VC_DATE) continue;
    const first = firstContact(i);
    const k = vkeyFind(kbase, nk, valueKeyFp(i));
    // a first contact is a candidate wherever it was judged (scoreUnseenValue judges it on thin keys)
    if (!first && (k < 0 || <f64>vkeyTotal(kbase, k) < minObs || vkeyFreeText(kbase, k))) continue;
    const vfp = valueFp(i);
    if (valueKnown(e, vfp)) continue;
    const c = recur(e + <usize>vcandOff, VCAND, vfp, h);
    any = true;
    if ((c & HOURS_MASK) > most) most = c & HOURS_MASK;
    if (first && (c >> DAYS_SHIFT) < FRESH_DAYS) freshOk = false;
  }
  // While the tenant judges a newcomer (its own baseline too young), a call whose tool and values are
  // already the newcomer's own habits is learned: it was warned for what the tenant does not know,
  // and the newcomer's baseline must grow to take over.
  if (!any) {
    if (mode != MODE_TENANT || !toolOwn) return false;
  } else if (most < <u32>need || !freshOk) return false;
  learnInto(e, true, transFp);
  return true;
}

// The principal refused the call when asked: the hours in which its new tool and values were warned stop
// counting toward a habit, so an attempt the user turned down cannot become habit by being retried. The
// candidates stay (the tool's also marks the principal as already counted among the tool's peers), empty.
function resetCandidate(base: usize, n: i32, fp: u32): void {
  const i = slotFind(base, n, fp);
  if (i < 0) return;
  const p = slotPtr(base, i);
  if ((<u32>load<u16>(p + 4) & CANDIDATE) != 0) store<u16>(p + 4, <u16>CANDIDATE);
}

export function forgetRecurrence(e: usize): void {
  resetCandidate(e + <usize>toolsOff, cfgI(C_MAX_TOOLS), toolFp);
  for (let i = 0; i < valueCount; i++) {
    if (valClass(i) != VC_DATE) resetCandidate(e + <usize>vcandOff, VCAND, valueFp(i));
  }
}
