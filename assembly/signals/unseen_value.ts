// Signal 3: a never-seen value for an argument whose values normally repeat (a recipient, an account,
// a URL host). A key counts as repeating once it has MIN_OBS observations and few distinct values.
// A contact (e-mail address, URL host, bank account) that nobody in the tenant has ever used is a
// first contact, judged even where the key's statistics cannot say (too few calls, or lost from the
// record's few key slots): an organisation's first payment to an account or first mail to an address
// is where exfiltration goes. Dates are never judged: they change with the calendar.

import { cfg, cfgI, C_MAX_VALUE_KEYS, C_VALUE_MIN_OBS, C_VALUE_REPEAT_FULL, C_VALUE_REPEAT_NONE } from "../config";
import { vkeysOff } from "../arena";
import { valueKnown } from "../values";
import { baseline, tenant, entity, mode, toolKnown, toolSketched, toolFp, young } from "../context";
import { toolsOff } from "../arena";
import { toolHash, valueCount, valKeyHash, valHash, valEntry, valDomain, valClass, omitCount, omitIsArray,
  omitKeyHash, omitEntry, VC_ADDRESS, VC_ACCOUNT, VC_DATE } from "../input";
import { sketchHas, SK_CONTACT, SK_DOMAIN } from "../sketch";
import { combine, fp32 } from "../hash";
import { slotKnown, vkeyFind, vkeyTotal, vkeyDistinct, vkeyFreeText } from "../slots";
import { C_MAX_TOOLS } from "../config";
import {
  SIG_UNSEEN_VALUE, MODE_COLD, MODE_TENANT, MODE_OWN, REASON_FLAG_TENANT, REASON_FLAG_DOMAIN_KNOWN,
  REASON_FLAG_DOMAIN_NEW, REASON_FLAG_UNJUDGED,
} from "../layout";
import { report } from "../result";
import { tenantKnowsTool } from "./unseen_tool";

@inline export function valueKeyFp(i: i32): u32 { return fp32(combine(toolHash, valKeyHash(i))); }
@inline export function valueFp(i: i32): u32 { return fp32(combine(combine(toolHash, valKeyHash(i)), valHash(i))); }
// The value's domain (input.ts), learned beside the value: 0 when it is not an address.
@inline export function domainFp(i: i32): u32 {
  const d = valDomain(i);
  return d == 0 ? 0 : fp32(combine(combine(toolHash, valKeyHash(i)), d));
}

// Scores of a never-seen value of a repeating key: 1 for a first contact (above), OTHER_NEW for any
// other value, and half of either for an address at a domain already used (a new colleague, a new page
// of a known site).
const OTHER_NEW: f64 = 0.88;
const DOMAIN_KNOWN: f64 = 0.5;

@inline function isContact(i: i32): bool { const c = valClass(i); return c == VC_ADDRESS || c == VC_ACCOUNT; }

// Nobody in the tenant, and not this principal, has learned this address or account.
export function firstContact(i: i32): bool {
  if (!isContact(i)) return false;
  const h = valHash(i);
  return !sketchHas(tenant, SK_CONTACT, h) && !sketchHas(entity, SK_CONTACT, h);
}
// Nor its domain.
export function newDomain(i: i32): bool {
  const d = valDomain(i);
  return d != 0 && !sketchHas(tenant, SK_DOMAIN, d) && !sketchHas(entity, SK_DOMAIN, d);
}

// How surely a key's values repeat, from its observations t and distinct values d: 0 while it has too few
// observations or too many distinct values to judge, else 1 down to just above 0 along the configured ramp.
// Add-one smoothed: a key seen a few times is less surely repetitive than its raw ratio says.
// `tighten` (for a value its tenant has met, not a first contact): the full score's ratio tightens as
// the key's evidence grows past EVIDENCE_CALLS: over a few calls a ratio of 0.3 says the key repeats,
// over forty it says one call in three or four brings a new value, and one more of the organisation's
// own values (a colleague, a service, a status, a period) is the key's habit, not news.
const EVIDENCE_CALLS: f64 = 10;
function repeatScore(t: f64, d: f64, tighten: bool = false): f64 {
  if (t < cfg(C_VALUE_MIN_OBS)) return 0;
  const full = cfg(C_VALUE_REPEAT_FULL) * (tighten && t > EVIDENCE_CALLS ? EVIDENCE_CALLS / t : 1.0);
  const none = cfg(C_VALUE_REPEAT_NONE);
  const ratio = (d + 1) / (t + 1);
  if (ratio >= none) return 0;
  return ratio <= full ? 1.0 : (none - ratio) / (none - full);
}

export function scoreUnseenValue(): void {
  if (mode == MODE_COLD || (valueCount == 0 && omitCount == 0)) return;
  let judge = baseline;
  let flags = mode == MODE_TENANT ? REASON_FLAG_TENANT : 0;
  if (!toolKnown && !toolSketched) {
    // a tool new to the principal but used in its tenant: its values are judged by the tenant's
    if (mode != MODE_OWN || !tenantKnowsTool()) return;
    judge = tenant;
    flags = REASON_FLAG_TENANT;
  }
  const nk = cfgI(C_MAX_VALUE_KEYS);
  let best: f64 = 0;
  let bestKey: u64 = 0;
  let bestEntry: i32 = -1;
  let bestD: f64 = 0;
  let bestT: f64 = 0;
  let bestDomain = false;
  let bestFirst = false;
  const kbase = judge + <usize>vkeysOff;
  // whose domains count as known for a first contact: the principal's own, once it has a baseline and
  // is not young (a person joining writes to the team's domains before its own record knows them)
  const dj = mode == MODE_OWN && !young ? entity : tenant;
  const minObs = cfg(C_VALUE_MIN_OBS);
  for (let i = 0; i < valueCount; i++) {
    if (valClass(i) == VC_DATE) continue;
    // a newcomer (judged by its tenant, or young) works on things its team has not seen: of its values,
    // only contacts nobody in the tenant used are news
    if ((young || mode == MODE_TENANT) && !isContact(i)) continue;
    const k = vkeyFind(kbase, nk, valueKeyFp(i));
    const t = k >= 0 ? <f64>vkeyTotal(kbase, k) : 0;
    const d = k >= 0 ? <f64>vkeyDistinct(kbase, k) : 0;
    let s = k >= 0 ? repeatScore(t, d) : 0;
    // a key whose values are mostly new (free-form) says a new one is no news, contact or not
    const thin = t < minObs;
    if (s == 0 && !(thin && isContact(i))) continue;
    if (valueKnown(judge, valueFp(i))) continue;
    // a young principal's value its tenant knows (a colleague's recipient, the team's project)
    if (young && judge != tenant &&
      (valueKnown(tenant, valueFp(i)) || (isContact(i) && sketchHas(tenant, SK_CONTACT, valHash(i))))) continue;
    const first = firstContact(i);
    if (!first && t > EVIDENCE_CALLS) {
      s = repeatScore(t, d, true);
      if (s == 0) continue;
    }
    let dk = false;
    if (first) {
      if (thin) s = OTHER_NEW;
      dk = !newDomain(i) && valDomain(i) != 0 && sketchHas(dj, SK_DOMAIN, valDomain(i));
    } else {
      if (thin) continue;
      const dfp = domainFp(i);
      dk = dfp != 0 && valueKnown(judge, dfp);
      s *= OTHER_NEW;
    }
    if (dk) s *= DOMAIN_KNOWN;
    const kh = valKeyHash(i);
    // ties go to the smaller key hash so the reported key does not depend on argument order
    if (s > best || (s == best && s > 0 && kh < bestKey)) {
      best = s; bestKey = kh; bestEntry = valEntry(i); bestD = d; bestT = t; bestDomain = dk; bestFirst = first && !dk;
    }
  }
  // Elements of an array past what the host could pass were not looked at: where the array's values
  // repeat (recipients, accounts), one of them may be a never-seen one, so they score as one.
  let bestUnjudged = false;
  for (let i = 0; i < omitCount; i++) {
    if (!omitIsArray(i)) continue;
    const kh = omitKeyHash(i);
    const k = vkeyFind(kbase, nk, fp32(combine(toolHash, kh)));
    if (k < 0) continue;
    const t = <f64>vkeyTotal(kbase, k);
    const d = <f64>vkeyDistinct(kbase, k);
    const r = repeatScore(t, d);
    if (r == 0) continue;
    const s = r * OTHER_NEW;
    if (s > best || (s == best && s > 0 && kh < bestKey)) {
      best = s;
      bestKey = kh;
      bestEntry = omitEntry(i);
      bestD = d;
      bestT = t;
      bestDomain = false;
      bestFirst = false;
      bestUnjudged = true;
    }
  }
  if (best <= 0) return;
  // actual: distinct values seen for the key; typical: calls with the key; context: argument entry index
  const reasonFlags = flags | (bestDomain ? REASON_FLAG_DOMAIN_KNOWN : 0) | (bestFirst ? REASON_FLAG_DOMAIN_NEW : 0) |
    (bestUnjudged ? REASON_FLAG_UNJUDGED : 0);
  report(SIG_UNSEEN_VALUE, reasonFlags, best, bestD, bestT, <f64>bestEntry);
}
