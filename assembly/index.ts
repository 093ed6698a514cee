// The module's whole ABI: functions over i32/i64/f64 and the memory. docs/ABI.md describes each export.

import {
  ABI_VERSION, IO, IO_SIZE, RESULT, RESULT_SIZE, MAX_IDENT_BYTES, MAX_TOOL_BYTES, MAX_KEY_BYTES, MAX_VALUE_BYTES,
  MAX_ARGS, MAX_EXTRA, REASON_VALUES_UNJUDGED, ERR_NOT_INITIALISED, ERR_BAD_TIME, ERR_BAD_CONFIG, ERR_BUDGET,
  ERR_BAD_TZ, ERR_BAD_RECORD, RES_ENTITY_LEARNED, RES_ENTITY_AGE, RES_BASELINE_CALLS, RES_WINDOW_COUNT,
  REASON_ALLOWLISTED, REASON_LEARNING, REASON_CLOCK_STEP, MODE_OWN, MODE_TENANT, MODE_COLD, ACTION_ALLOW, ACTION_WARN,
  ACTION_BLOCK, FLAG_LEARNED, FLAG_ALLOWLISTED, FLAG_NEW_ENTITY, FLAG_EVICTED, FLAG_CANDIDATE, FLAG_PROMOTED,
  FLAG_CLOCK_STEP, MAX_ELEMENTS, MAX_SCANNED, MAX_WALK, MAX_DEPTH, LIMIT_IDENT_BYTES, LIMIT_TOOL_BYTES, LIMIT_KEY_BYTES,
  LIMIT_VALUE_BYTES, LIMIT_ARGS, LIMIT_EXTRA, LIMIT_ELEMENTS, LIMIT_SCANNED, LIMIT_WALK, LIMIT_DEPTH, ALLOW_TOOL,
  ALLOW_PRINCIPAL, ALLOW_TENANT, ALLOW_ENTITY, STAT_ENTITIES, STAT_TENANTS, STAT_CAPACITY, STAT_ENTITY_EVICTIONS,
  STAT_SLOT_EVICTIONS, STAT_CHECKS, STAT_ALLOWED, STAT_WARNED, STAT_BLOCKED, STAT_LEARNED, STAT_PROMOTIONS,
  STAT_ARENA_BYTES, STAT_BUDGET_BYTES, STAT_MEMORY_BYTES, STAT_RECORD_BYTES, STAT_RECORDS_USED, STAT_ALLOWLIST_ENTRIES,
  INFO_TRACKED, INFO_LEARNED, INFO_SEEN, INFO_FIRST, INFO_LAST, INFO_OK, INFO_ERRORS, INFO_SIZE,
} from "./layout";
import { CONFIG_COUNT, CFG, cfg, cfgI, defaultValue, validate, C_HASH_SEED, C_MIN_CALLS, C_MIN_AGE_MS,
  C_TENANT_MIN_CALLS, C_TENANT_MIN_AGE_MS, C_WARN_THRESHOLD, C_BLOCK_THRESHOLD, C_ENFORCE, C_LEARN_WARNED,
  C_MAX_TOOLS, C_BURST_WINDOW_MS, C_BUDGET_BYTES } from "./config";
import { layoutArena, getOrCreate, findRecord, lastCreateEvicted, rec, hdr, bumpHeader, arenaBase, arenaBytes,
  capacity, recSize, toolsOff, initialised as _init, HEADER_SIZE, ALLOW_OFF, ALLOW_CAP, recOff,
  H_USED, H_LIVE, H_TENANTS, H_ALLOW_N, H_ENTITY_EVICTIONS, H_SLOT_EVICTIONS, H_CHECKS, H_ALLOWED, H_WARNED,
  H_BLOCKED, H_LEARNED, H_PROMOTIONS, R_LAST, R_FIRST, R_LEARNED, R_SEEN, R_OK, R_ERR, R_PREV } from "./arena";
import {
  parseRecord,
  entityKey,
  tenantKey,
  toolHash,
  principalHash,
  tenantHash,
  omittedTotal,
  omitEntry,
} from "./input";
import {
  setCall,
  setRecords,
  setTool,
  setYoung,
  YOUNG_MS,
  JOINED_MS,
  entity,
  tenant,
  baseline,
  mode,
  now,
  toolFp,
  windowCount,
} from "./context";
import { fp32, hashBytes, combine, seed as _seed } from "./hash";
import * as hash from "./hash";
import { slotKnown } from "./slots";
import { resetResult, setOutcome, addReason } from "./result";
import { scoreCall } from "./score";
import { countWindow, pushRing, stepClock } from "./signals/burst";
import { transitionFp, pushRun } from "./signals/unseen_transition";
import { learnInto, notePeer } from "./learn";
import { noteRecurrence, forgetRecurrence } from "./recurrence";
import { sketchHas, SK_TOOL } from "./sketch";
import { allowAdd, allowClear, allowed } from "./allowlist";
import { validUtf8 } from "./utf8";
import * as transfer from "./transfer";
import * as merge from "./merge";
import * as snapshot from "./snapshot";

let ready = false;

export function abi_version(): i32 { return ABI_VERSION; }
export function io_ptr(): i32 { return <i32>IO; }
export function io_size(): i32 { return IO_SIZE; }
export function result_ptr(): i32 { return <i32>RESULT; }
export function result_size(): i32 { return RESULT_SIZE; }
export function config_count(): i32 { return CONFIG_COUNT; }
export function config_default(i: i32): f64 { return defaultValue(i); }
export function config_value(i: i32): f64 { return i >= 0 && i < CONFIG_COUNT ? cfg(i) : NaN; }
export function limit(id: i32): i32 {
  switch (id) {
    case LIMIT_IDENT_BYTES: return MAX_IDENT_BYTES;
    case LIMIT_TOOL_BYTES: return MAX_TOOL_BYTES;
    case LIMIT_KEY_BYTES: return MAX_KEY_BYTES;
    case LIMIT_VALUE_BYTES: return MAX_VALUE_BYTES;
    case LIMIT_ARGS: return MAX_ARGS;
    case LIMIT_EXTRA: return MAX_EXTRA;
    case LIMIT_ELEMENTS: return MAX_ELEMENTS;
    case LIMIT_SCANNED: return MAX_SCANNED;
    case LIMIT_WALK: return MAX_WALK;
    case LIMIT_DEPTH: return MAX_DEPTH;
    default: return 0;
  }
}

// Reads CONFIG_COUNT f64 from IO (NaN = default), validates, and lays out a fresh, empty arena.
// On ERR_BAD_CONFIG the first bad slot's index is written as an i32 at RESULT.
export function init(): i32 {
  const old = memory.data(64 * 8, 8);
  memory.copy(old, CFG, 64 * 8);
  for (let i = 0; i < CONFIG_COUNT; i++) {
    const v = load<f64>(IO + (<usize>i << 3));
    store<f64>(CFG + (<usize>i << 3), isNaN(v) ? defaultValue(i) : v);
  }
  const bad = validate();
  if (bad >= 0) {
    memory.copy(CFG, old, 64 * 8);
    store<i32>(RESULT, bad);
    return ERR_BAD_CONFIG;
  }
  hash.seed = <u64>cfg(C_HASH_SEED);
  if (!layoutArena()) {
    ready = false;
    return ERR_BUDGET;
  }
  ready = true;
  return 0;
}

// A baseline judges once it has minCalls learned calls and minAge of history, and never while empty:
// an empty baseline would call everything new, and flagged calls never teach, so with a minimum of 0
// it would never settle.
function established(p: usize, t: f64, minCalls: i32, minAge: f64): bool {
  const need = minCalls > 1 ? <u32>minCalls : 1;
  return load<u32>(p + R_LEARNED) >= need && t - load<f64>(p + R_FIRST) >= minAge;
}

function checkTime(t: f64, tz: i32): i32 {
  if (!(t >= 0 && t <= 8.64e15)) return ERR_BAD_TIME;
  if (tz <= -1440 || tz >= 1440) return ERR_BAD_TZ;
  return 0;
}

// The clock step locate() saw on this call (0: none) and the entity's latest time before it.
let clockStep: f64 = 0;
let clockFrom: f64 = 0;

// Finds or creates the tenant and entity records and sets up the call context. Returns result flags.
function locate(t: f64, tz: i32, feedback: bool = false): i32 {
  let flags = 0;
  const tk = tenantKey();
  const ek = entityKey();
  const known = findRecord(ek);
  const existed = known >= 0;
  const tr = getOrCreate(tk, 0, t, known); // recreating the tenant must not evict this very entity
  if (lastCreateEvicted) flags |= FLAG_EVICTED;
  const er = getOrCreate(ek, tk, t, tr);
  if (lastCreateEvicted) flags |= FLAG_EVICTED;
  if (!existed) flags |= FLAG_NEW_ENTITY;
  const e = rec(er);
  const tp = rec(tr);
  // time never runs backwards inside one entity: a slightly earlier timestamp (requests racing) is
  // treated as the latest seen; a step back of more than a burst window is a clock step (burst.ts),
  // except in feedback, which is about a call already seen
  clockStep = 0;
  if (!feedback && load<f64>(e + R_LAST) - t > cfg(C_BURST_WINDOW_MS)) {
    clockStep = load<f64>(e + R_LAST) - t;
    clockFrom = load<f64>(e + R_LAST);
    stepClock(e, tp, t);
    flags |= FLAG_CLOCK_STEP;
  }
  const last = load<f64>(e + R_LAST);
  const tt = t < last ? last : t;
  setCall(tt, tz);
  let b: usize = 0;
  let m = MODE_COLD;
  if (established(e, tt, cfgI(C_MIN_CALLS), cfg(C_MIN_AGE_MS))) { b = e; m = MODE_OWN; }
  else if (established(tp, tt, cfgI(C_TENANT_MIN_CALLS), cfg(C_TENANT_MIN_AGE_MS))) { b = tp; m = MODE_TENANT; }
  setRecords(e, tp, b, m);
  // young: in its first days, and first seen a day or more after its tenant (it joined a team)
  const ef = load<f64>(e + R_FIRST);
  setYoung(m == MODE_OWN && tt - ef < YOUNG_MS && ef - load<f64>(tp + R_FIRST) >= JOINED_MS &&
    established(tp, tt, cfgI(C_TENANT_MIN_CALLS), cfg(C_TENANT_MIN_AGE_MS)));
  const tfp = fp32(toolHash);
  const inSet = b != 0 && slotKnown(b + <usize>toolsOff, cfgI(C_MAX_TOOLS), tfp) >= 0;
  setTool(tfp, inSet, b != 0 && !inSet && sketchHas(b, SK_TOOL, <u64>tfp));
  return flags;
}

function touch(): void {
  store<u32>(entity + R_SEEN, load<u32>(entity + R_SEEN) + 1);
  store<f64>(entity + R_LAST, now);
  if (now > load<f64>(tenant + R_LAST)) store<f64>(tenant + R_LAST, now);
}

// Scores the call record in IO at time `t` (ms since the epoch) with the tenant's UTC offset `tz`
// (minutes), records it as the rules say, and writes the decision to RESULT. Returns the action
// (0 allow, 1 warn, 2 block) or a negative error code; on error no state has changed.
export function check(t: f64, tz: i32): i32 {
  if (!ready) return ERR_NOT_INITIALISED;
  let err = checkTime(t, tz);
  if (err < 0) return err;
  err = parseRecord(true);
  if (err < 0) return err;
  resetResult();
  bumpHeader(H_CHECKS);
  let flags = locate(t, tz);
  countWindow();
  const risk = scoreCall();
  let action = ACTION_ALLOW;
  if (allowed(toolHash, principalHash, tenantHash, entityKey())) {
    flags |= FLAG_ALLOWLISTED;
    addReason(REASON_ALLOWLISTED, 0, 0, 0, 0, 0);
  } else if (risk >= cfg(C_BLOCK_THRESHOLD)) {
    action = cfgI(C_ENFORCE) == 1 ? ACTION_BLOCK : ACTION_WARN;
  } else if (risk >= cfg(C_WARN_THRESHOLD)) {
    action = ACTION_WARN;
  }
  if (mode != MODE_OWN) {
    addReason(
      REASON_LEARNING, 0, 0, <f64>load<u32>(entity + R_LEARNED), cfg(C_MIN_CALLS), now - load<f64>(entity + R_FIRST));
  }
  // actual: seconds stepped back; typical: the tolerance (burst window, seconds); context: the latest time before (ms)
  if (clockStep > 0) addReason(REASON_CLOCK_STEP, 0, 0, clockStep / 1000, cfg(C_BURST_WINDOW_MS) / 1000, clockFrom);
  // actual: values the host did not pass; typical: the extra values it may pass; context: the entry index
  if (omittedTotal > 0) addReason(REASON_VALUES_UNJUDGED, 0, 0, omittedTotal, MAX_EXTRA, <f64>omitEntry(0));
  const learnIt = action == ACTION_ALLOW || (action == ACTION_WARN && cfgI(C_LEARN_WARNED) == 1);
  const tfp = transitionFp();
  if (learnIt) {
    learnInto(tenant, false, tfp);
    learnInto(entity, true, tfp);
    flags |= FLAG_LEARNED;
    bumpHeader(H_LEARNED);
  } else if (action == ACTION_WARN && mode != MODE_COLD) {
    const r = notePeer(entity, tenant);
    if (r >= 1) flags |= FLAG_CANDIDATE;
    if (r == 2) flags |= FLAG_PROMOTED;
    if (noteRecurrence(entity, baseline, tfp)) { flags |= FLAG_LEARNED; bumpHeader(H_LEARNED); }
  }
  pushRing();
  pushRun(learnIt);
  touch();
  bumpHeader(action == ACTION_BLOCK ? H_BLOCKED : action == ACTION_WARN ? H_WARNED : H_ALLOWED);
  store<f64>(RESULT + RES_ENTITY_LEARNED, <f64>load<u32>(entity + R_LEARNED));
  store<f64>(RESULT + RES_ENTITY_AGE, now - load<f64>(entity + R_FIRST));
  store<f64>(RESULT + RES_BASELINE_CALLS, baseline != 0 ? <f64>load<u32>(baseline + R_LEARNED) : 0);
  store<f64>(RESULT + RES_WINDOW_COUNT, windowCount);
  setOutcome(action, flags, mode, risk);
  return action;
}

// Feedback on the call in IO (learn, confirm): checks the time, reads the call and finds (or makes) its
// entity and tenant records. Returns 0 or a negative error code.
function locateFeedback(t: f64, tz: i32): i32 {
  if (!ready) return ERR_NOT_INITIALISED;
  let err = checkTime(t, tz);
  if (err < 0) return err;
  err = parseRecord(true);
  if (err < 0) return err;
  locate(t, tz, true);
  return 0;
}

// The step a feedback call teaches. Feedback on an earlier call (older than the entity's latest, or the
// latest itself: same time, same tool) teaches none: the tool that preceded it is not known any more,
// and the next call still follows the latest one.
function feedbackTransition(t: f64): u32 {
  const latest = load<f64>(entity + R_LAST);
  const past = t < latest || (t == latest && load<u32>(entity + R_PREV) == toolFp);
  return past ? 0 : transitionFp();
}

// Operator feedback, "this call was fine": learns the call in IO into the entity and its tenant now,
// whatever it would score. Returns 0 or a negative error code.
export function learn(t: f64, tz: i32): i32 {
  const err = locateFeedback(t, tz);
  if (err < 0) return err;
  const tfp = feedbackTransition(t);
  learnInto(tenant, false, tfp);
  learnInto(entity, true, tfp);
  bumpHeader(H_LEARNED);
  touch();
  return 0;
}

// The principal's own answer when asked to confirm the call in IO, checked at time t (its own time).
// yes = 1: the call is learned into the principal's baseline only; its tenant counts the principal as one
// peer of a tool the tenant does not know (peer promotion): one account's yes does not teach its tenant.
// yes = 0: nothing is learned, and the hours in which the call's new tool and values were
// warned stop counting toward a habit. Returns 0 or a negative error code.
export function confirm(t: f64, tz: i32, yes: i32): i32 {
  const err = locateFeedback(t, tz);
  if (err < 0) return err;
  if (yes == 0) {
    forgetRecurrence(entity);
    return 0;
  }
  if (mode != MODE_COLD) notePeer(entity, tenant);
  learnInto(entity, true, feedbackTransition(t));
  bumpHeader(H_LEARNED);
  return 0;
}

// Post-invoke outcome for the identity in IO (the tool and args are not needed). Never creates an
// entity. Returns 1 if the entity is tracked, 0 if not, or a negative error code.
export function after(t: f64, isError: i32): i32 {
  if (!ready) return ERR_NOT_INITIALISED;
  const err = parseRecord(false);
  if (err < 0) return err;
  const r = findRecord(entityKey());
  if (r < 0) return 0;
  const p = rec(r);
  if (isError != 0) store<u32>(p + R_ERR, load<u32>(p + R_ERR) + 1);
  else store<u32>(p + R_OK, load<u32>(p + R_OK) + 1);
  return 1;
}

// Adds the identity or tool in IO's call record to the allowlist. kind: 0 tool, 1 principal (any
// tenant), 2 tenant, 3 (tenant, principal). Returns 1 added, 0 already there, or a negative error.
export function allow_add(kind: i32): i32 {
  if (!ready) return ERR_NOT_INITIALISED;
  const err = parseRecord(false);
  if (err < 0) return err;
  let h: u64;
  if (kind == ALLOW_TOOL) h = toolHash;
  else if (kind == ALLOW_PRINCIPAL) h = principalHash;
  else if (kind == ALLOW_TENANT) h = tenantHash;
  else if (kind == ALLOW_ENTITY) h = entityKey();
  else return ERR_BAD_RECORD;
  return allowAdd(kind, h);
}

export function allow_clear(): void {
  if (ready) allowClear();
}

// Figures about the state. See docs/ABI.md for the ids.
export function stat(id: i32): f64 {
  if (!ready && id < STAT_BLOCKED) return 0;
  switch (id) {
    case STAT_ENTITIES: return <f64>load<u32>(hdr(H_LIVE)) - <f64>load<u32>(hdr(H_TENANTS));
    case STAT_TENANTS: return <f64>load<u32>(hdr(H_TENANTS));
    case STAT_CAPACITY: return <f64>capacity; // records the arena holds (entities + tenants)
    case STAT_ENTITY_EVICTIONS: return load<f64>(hdr(H_ENTITY_EVICTIONS));
    case STAT_SLOT_EVICTIONS: return load<f64>(hdr(H_SLOT_EVICTIONS));
    case STAT_CHECKS: return load<f64>(hdr(H_CHECKS));
    case STAT_ALLOWED: return load<f64>(hdr(H_ALLOWED));
    case STAT_WARNED: return load<f64>(hdr(H_WARNED));
    case STAT_BLOCKED: return ready ? load<f64>(hdr(H_BLOCKED)) : 0;
    case STAT_LEARNED: return ready ? load<f64>(hdr(H_LEARNED)) : 0;
    case STAT_PROMOTIONS: return ready ? load<f64>(hdr(H_PROMOTIONS)) : 0;
    case STAT_ARENA_BYTES: return <f64>arenaBytes;
    case STAT_BUDGET_BYTES: return cfg(C_BUDGET_BYTES);
    case STAT_MEMORY_BYTES: return <f64>memory.size() * 65536;
    case STAT_RECORD_BYTES: return <f64>recSize;
    case STAT_RECORDS_USED: return ready ? <f64>load<u32>(hdr(H_USED)) : 0;
    case STAT_ALLOWLIST_ENTRIES: return ready ? <f64>load<u32>(hdr(H_ALLOW_N)) : 0;
    default: return NaN;
  }
}

// A hash of the whole learned state (header, allowlist, records), independent of the index layout.
export function state_hash(): i64 {
  if (!ready) return 0;
  let h = hashBytes(arenaBase, HEADER_SIZE + ALLOW_CAP * 16);
  const used = <u64>load<u32>(hdr(H_USED));
  let left: u64 = used * <u64>recSize;
  let p = recOff;
  const CHUNK: u64 = 1 << 20;
  while (left > 0) {
    const n = left < CHUNK ? left : CHUNK;
    h = combine(h, hashBytes(p, <i32>n));
    p += <usize>n;
    left -= n;
  }
  return <i64>h;
}

// Entity figures for the identity in IO: writes f64s at RESULT: [tracked, learned, seen, firstSeen,
// lastSeen, ok outcomes, error outcomes]. Returns 1 if tracked, else 0.
export function entity_info(): i32 {
  if (!ready) return ERR_NOT_INITIALISED;
  const err = parseRecord(false);
  if (err < 0) return err;
  memory.fill(RESULT, 0, INFO_SIZE);
  const r = findRecord(entityKey());
  if (r < 0) return 0;
  const p = rec(r);
  store<f64>(RESULT + INFO_TRACKED, 1);
  store<f64>(RESULT + INFO_LEARNED, <f64>load<u32>(p + R_LEARNED));
  store<f64>(RESULT + INFO_SEEN, <f64>load<u32>(p + R_SEEN));
  store<f64>(RESULT + INFO_FIRST, load<f64>(p + R_FIRST));
  store<f64>(RESULT + INFO_LAST, load<f64>(p + R_LAST));
  store<f64>(RESULT + INFO_OK, <f64>load<u32>(p + R_OK));
  store<f64>(RESULT + INFO_ERRORS, <f64>load<u32>(p + R_ERR));
  return 1;
}

// ---- record transfer (assembly/transfer.ts; docs/ABI.md "Snapshots and record transfer") ----

export function xfer_ptr(): i32 { return <i32>transfer.XFER; }
export function xfer_size(): i32 { return transfer.XFER_SIZE; }
export function record_export(which: i32): i32 { return ready ? transfer.recordExport(which) : ERR_NOT_INITIALISED; }
export function record_import(which: i32, len: i32): i32 {
  return ready ? transfer.recordImport(which, len) : ERR_NOT_INITIALISED;
}
export function record_drop(which: i32): i32 { return ready ? transfer.recordDrop(which) : ERR_NOT_INITIALISED; }
export function record_merge(which: i32, len: i32): i32 {
  return ready ? merge.recordMerge(which, len) : ERR_NOT_INITIALISED;
}

// ---- snapshots (assembly/snapshot.ts): chunked through XFER, restored in a verify and a commit pass ----

export function snapshot_begin(): f64 { return ready ? snapshot.snapshotBegin() : <f64>ERR_NOT_INITIALISED; }
export function snapshot_read(offset: f64, len: i32): i32 {
  return ready ? snapshot.snapshotRead(offset, len) : ERR_NOT_INITIALISED;
}
export function restore_begin(total: f64, mode: i32): i32 {
  return ready ? snapshot.restoreBegin(total, mode) : ERR_NOT_INITIALISED;
}
export function restore_chunk(offset: f64, len: i32): i32 {
  return ready ? snapshot.restoreChunk(offset, len) : ERR_NOT_INITIALISED;
}
export function restore_end(): i32 { return ready ? snapshot.restoreEnd() : ERR_NOT_INITIALISED; }
export function restore_abort(): void { if (ready) snapshot.restoreAbort(); }
