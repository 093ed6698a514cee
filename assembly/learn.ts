// Puts one call into a baseline record (entity or tenant). Only allowed calls come here (and warned
// ones when the config says so, and calls an operator vouched for): flagged calls never teach.

import { cfgI, C_MAX_TOOLS, C_MAX_SHAPES, C_MAX_TRANSITIONS, C_MAX_VALUE_KEYS, C_PEER_PROMOTION } from "./config";
import {
  toolsOff,
  shapesOff,
  vcandOff,
  transOff,
  vkeysOff,
  R_LEARNED,
  R_PREV,
  R_LAST_LEARN,
  hdr,
  H_PROMOTIONS,
  bumpHeader,
} from "./arena";
import { now, toolFp } from "./context";
import { valueCount, valClass, valHash, valDomain, VC_DATE, VC_ADDRESS, VC_ACCOUNT } from "./input";
import { sketchAdd, SK_TOOL, SK_CONTACT, SK_DOMAIN } from "./sketch";
import { valueFind, valueLearn, VCAND } from "./values";
import {
  slotLearn,
  slotForget,
  slotFind,
  relHours,
  vkeyFind,
  vkeyFreeText,
  vkeyRecord,
  slotMarkCandidate,
  slotAddPeer,
  slotKnown,
} from "./slots";
import { shapeFp } from "./signals/unseen_shape";
import { valueKeyFp, valueFp, domainFp } from "./signals/unseen_value";
import { learnHour } from "./signals/hours";
import { learnRate } from "./signals/rate_spike";
import { transitionFp } from "./signals/unseen_transition";
import { tenantKnowsTool } from "./signals/unseen_tool";

function learnValues(p: usize, lastH: u32): void {
  const kbase = p + <usize>vkeysOff;
  const nk = cfgI(C_MAX_VALUE_KEYS);
  for (let i = 0; i < valueCount; i++) {
    const cls = valClass(i);
    if (cls == VC_DATE) continue; // a date is new every day: neither a habit nor news
    if (cls == VC_ADDRESS || cls == VC_ACCOUNT) sketchAdd(p, SK_CONTACT, valHash(i));
    if (valDomain(i) != 0) sketchAdd(p, SK_DOMAIN, valDomain(i));
    const kfp = valueKeyFp(i);
    const vfp = valueFp(i);
    // a candidate (warned, never learned) is still new to the key's statistics
    slotForget(p + <usize>vcandOff, VCAND, vfp);
    const vi = valueFind(p, vfp);
    // A new value is stored only while the key still looks repetitive: free text would flush the set.
    let k: i32 = -1;
    if (vi < 0) k = vkeyFind(kbase, nk, kfp);
    if (k < 0 || !vkeyFreeText(kbase, k)) {
      valueLearn(p, vfp, now, vi);
      const dfp = domainFp(i);
      if (dfp != 0) valueLearn(p, dfp, now);
    }
    vkeyRecord(p, kbase, nk, kfp, vi < 0, lastH);
  }
}

// transFp is computed by the caller from the entity's previous tool before anything is updated; 0 when
// the call's predecessor is unknown (feedback on an earlier call): no transition, and the entity's
// latest step stays the one the next call follows.
export function learnInto(p: usize, isEntity: bool, transFp: u32): void {
  const lastH = relHours(p, now);
  if (isEntity) learnRate(p); // before R_LEARNED moves: the first call seeds the average
  slotLearn(p, p + <usize>toolsOff, cfgI(C_MAX_TOOLS), toolFp, lastH);
  sketchAdd(p, SK_TOOL, <u64>toolFp);
  slotLearn(p, p + <usize>shapesOff, cfgI(C_MAX_SHAPES), shapeFp(), lastH);
  if (transFp != 0) slotLearn(p, p + <usize>transOff, cfgI(C_MAX_TRANSITIONS), transFp, lastH);
  learnValues(p, lastH);
  learnHour(p);
  store<u32>(p + R_LEARNED, load<u32>(p + R_LEARNED) + 1);
  if (isEntity) {
    if (transFp != 0) store<u32>(p + R_PREV, toolFp);
    store<f64>(p + R_LAST_LEARN, now);
  }
}

// A warned call with a tool its tenant does not know: the entity becomes one peer of that tool.
// When PEER_PROMOTION distinct entities have used it, the tenant learns the tool (adoption by a team,
// which one compromised account cannot fake alone). Returns 1 if counted, 2 if it promoted the tool.
export function notePeer(e: usize, t: usize): i32 {
  const need = cfgI(C_PEER_PROMOTION);
  if (need <= 0) return 0;
  const n = cfgI(C_MAX_TOOLS);
  const tb = t + <usize>toolsOff;
  if (tenantKnowsTool()) return 0;
  if (!slotMarkCandidate(e, e + <usize>toolsOff, n, toolFp, relHours(e, now))) return 0;
  const peers = slotAddPeer(t, tb, n, toolFp, relHours(t, now));
  if (peers == 0) return 0;
  if (peers >= <u32>need) {
    // Adopted: the tenant learns this call whole (tool, shape, transition, values, hour), so that the
    // next newcomer using the tool the way the team does is not warned for its shape or sequence.
    learnInto(t, false, transitionFp());
    bumpHeader(H_PROMOTIONS);
    return 2;
  }
  return 1;
}
