// Signal 9: the order of tools. A session starts after a gap of SESSION_GAP; its first tool is a
// transition from START, learned but never scored: where a session begins is the user's choice of task.
// One reordering is the noisiest thing an agent does, so an unseen transition alone scores half. A run
// of unusual steps is not: RUN_ALARM of them in a row (unseen, or seen but rare after the previous
// tool) score 1 - 2^-(run - 1), which warns alone at the default weight (a
// locality frame, Forrest et al.: an injected plan or another hand on the account leaves the
// principal's habitual paths for several steps; a user's own detour rarely does).
// Rare, once A has RARE_MIN_OBS uses: B follows A at under RARE_LIFT times B's share of all calls, or
// at under half the rate of a pick at random among the tools the principal really uses (1 / 2n, n the
// effective number of tools: one-off tools do not count). The first catches a step away from a habitual
// successor; the second a step into a tool the principal reaches only when it starts over (its share is
// low everywhere, so its lift stays near 1). Both are relative, so a tool with many usual successors
// does not make them all rare.
// How long a run must be adapts to the principal: one whose steps are often unusual (many tools, few
// fixed paths) makes runs by chance, so its run must be as unlikely as RUN_CHANCE given its own rate
// of unusual steps p (p^length), and never shorter than RUN_ALARM. The rate is learned from allowed
// calls only, so an attacker's warned steps cannot lengthen the run that flags them.
// A repeated tool is a step like any other: paging through results is a habit (A -> A is seen often and
// is usual), while a tool the principal never calls twice in a row, called again, is not. A run of one
// tool alone never alarms, though: a loop or a burst is rate, the burst signal's job.

import { cfg, cfgI, C_MAX_TOOLS, C_MAX_TRANSITIONS, C_SESSION_GAP_MS } from "../config";
import { transOff, toolsOff, R_PREV, R_LAST, R_RUN, R_LEARNED, R_STEP_RATE } from "../arena";
import { entity, baseline, tenant, mode, now, toolFp, toolKnown, toolSketched, young } from "../context";
import { combine, fp32 } from "../hash";
import { slotKnown, slotUsed, slotCount, slotEffective } from "../slots";
import { SIG_UNSEEN_TRANSITION, MODE_OWN, MODE_TENANT, REASON_FLAG_TENANT } from "../layout";
import { report } from "../result";
import { tenantKnowsTool } from "./unseen_tool";

const START: u32 = 0x5354;
const RUN_ALARM: i32 = 4;
const YOUNG_RUN_EXTRA: i32 = 2;
const RARE_LIFT: f64 = 0.35;
const RARE_MIN_OBS: f64 = 5;
const RARE_CHANCE: f64 = 0.5;
const COUNT_MASK: u32 = 0x7FFF;
const RUN_CHANCE: f64 = 0.01;
const RUN_ALARM_MAX: i32 = 16;
const RATE_SHIFT: u32 = 5; // the step rate averages over about 2^RATE_SHIFT learned steps

// R_RUN: bits 0-4 unusual steps in a row, bits 5-6 tools new to the principal in this session (up to
// 3), bit 7 the run holds a step between two different tools
const RUN_MOVED: u32 = 0x80;
const RUN_LEN: u32 = 0x1F;
const NEW_SHIFT: u32 = 5;
const NEW_MAX: u32 = 3;
let runAfter: u32 = 0; // R_RUN once this call is decided, for pushRun
let step: u32 = 0; // this call's step: 0 not judged, 1 usual, 2 unusual (for the step rate)

// The tool of the principal's previous call, whatever was decided on it (a warned call is still the
// step the next one follows), or START after a session gap.
export function previousTool(): u32 {
  const prev = load<u32>(entity + R_PREV);
  if (prev == 0 || now - load<f64>(entity + R_LAST) > cfg(C_SESSION_GAP_MS)) return START;
  return prev;
}

export function transitionFp(): u32 {
  return fp32(combine(<u64>previousTool(), <u64>toolFp));
}

// R_RUN as it stands before this call, in this session (nothing after a session gap).
function run(): u32 {
  if (now - load<f64>(entity + R_LAST) > cfg(C_SESSION_GAP_MS)) return 0;
  return <u32>load<u8>(entity + R_RUN);
}

let prevBefore: u32 = 0; // previousTool() and run() before this call changed anything (learning moves R_PREV)
let runBefore: u32 = 0;

// Tools new to the principal it has called in this session before this call (saturating at NEW_MAX),
// not counting this call's tool when it is the previous call's too.
export function newToolsBefore(): u32 {
  const n = (runBefore >> NEW_SHIFT) & NEW_MAX;
  return n > 0 && prevBefore == toolFp ? n - 1 : n;
}

// The call's tool is new to the principal (not learned, not even once and evicted since).
@inline function newTool(): bool { return mode == MODE_OWN && !toolKnown && !toolSketched; }

// Before scoring: nothing carried over from the previous call (the signal may be switched off).
export function resetStep(): void {
  runAfter = 0;
  step = 0;
  prevBefore = previousTool();
  runBefore = run();
}

// After the decision: extends or ends the run; this call becomes the step the next one follows. A
// learned call's judged step moves the principal's rate of unusual steps.
export function pushRun(learned: bool): void {
  let nt = (runBefore >> NEW_SHIFT) & NEW_MAX;
  // the same new tool called again right after is still one new tool
  if (newTool() && nt < NEW_MAX && prevBefore != toolFp) nt++;
  store<u8>(entity + R_RUN, <u8>((runAfter & ~(NEW_MAX << NEW_SHIFT)) | (nt << NEW_SHIFT)));
  store<u32>(entity + R_PREV, toolFp);
  if (!learned || step == 0) return;
  const r = <u32>load<u8>(entity + R_STEP_RATE);
  const x: u32 = step == 2 ? 255 : 0;
  store<u8>(entity + R_STEP_RATE, <u8>((r * ((1 << RATE_SHIFT) - 1) + x + (1 << (RATE_SHIFT - 1))) >> RATE_SHIFT));
}

// The principal's rate of unusual steps, 0..1.
@inline function stepRate(): f64 { return <f64>load<u8>(entity + R_STEP_RATE) / 255.0; }

// The run length that alarms for this principal (before the young principal's extra).
function alarmLength(): i32 {
  const p = stepRate();
  if (p <= 0) return RUN_ALARM;
  if (p >= 1) return RUN_ALARM_MAX;
  const need = <i32>Math.ceil(Math.log(RUN_CHANCE) / Math.log(p));
  return need < RUN_ALARM ? RUN_ALARM : need > RUN_ALARM_MAX ? RUN_ALARM_MAX : need;
}

// This call is one more unusual step: extends the run (runAfter) and returns its length.
function extendRun(): i32 {
  const m = <i32>min<u32>((runBefore & RUN_LEN) + 1, RUN_LEN);
  const moved = (runBefore & RUN_MOVED) != 0 || prevBefore != toolFp;
  runAfter = <u32>m | (moved ? RUN_MOVED : 0);
  return m;
}

// The score of a run of m unusual steps: 0 under the principal's alarm length (a young principal's own
// few days hold few of its paths: its run must be longer), and for a run of one tool alone (that is a
// burst: rate); 0.875 at the alarm length, nearer 1 with each step more.
function runScore(m: i32): f64 {
  if ((runAfter & RUN_MOVED) == 0) return 0;
  const alarm = alarmLength() + (young ? YOUNG_RUN_EXTRA : 0);
  return m >= alarm ? 1.0 - Math.pow(2.0, -<f64>(m - alarm + 3)) : 0;
}

// Uses of the previous tool in the judging baseline (0 for START or a tool it does not know).
function usesOf(prev: u32): f64 {
  if (prev == START) return 0;
  const tb = baseline + <usize>toolsOff;
  const ai = slotKnown(tb, cfgI(C_MAX_TOOLS), prev);
  return ai < 0 ? 0 : <f64>(slotCount(tb, ai) & COUNT_MASK);
}

// Seen, but rare after the previous tool (see above); cA = usesOf(prev) >= RARE_MIN_OBS.
function rare(ti: i32, cA: f64): bool {
  const tb = baseline + <usize>toolsOff;
  const nt = cfgI(C_MAX_TOOLS);
  const bi = slotKnown(tb, nt, toolFp);
  const total = <f64>load<u32>(baseline + R_LEARNED);
  if (bi < 0 || total <= 0) return false;
  const cB = <f64>(slotCount(tb, bi) & COUNT_MASK);
  const cAB = <f64>(slotCount(baseline + <usize>transOff, ti) & COUNT_MASK);
  if (cAB * total < RARE_LIFT * cA * cB) return true;
  // the effective number of tools is at least 1: a step taken half the time or more is never rare by chance
  return cAB < RARE_CHANCE * cA && cAB * slotEffective(tb, nt) < RARE_CHANCE * cA;
}

export function scoreUnseenTransition(): void {
  // a tenant's order of tools mixes all its people's: it cannot say which steps are unusual for one
  if (mode != MODE_OWN) return;
  const n = cfgI(C_MAX_TRANSITIONS);
  const base = baseline + <usize>transOff;
  const prev = prevBefore;
  // a step into a tool the principal never used is unusual whatever came before (the unseen tool signal
  // scores the tool; here it extends the run: several tools new to the principal in a row, a colleague's
  // or an intruder's, leave its paths as surely as unseen steps between its own tools)
  if (newTool()) {
    const teamTool = tenantKnowsTool();
    // a young principal trying its team's tools is joining it (the unseen tool signal says the same)
    if (young && teamTool) return;
    step = 2;
    const mt = extendRun();
    // a tool nobody in the tenant uses scores in full as an unseen tool already: the run is not said twice
    const sr = teamTool ? runScore(mt) : 0;
    if (sr > 0) report(SIG_UNSEEN_TRANSITION, 0, sr, <f64>mt, <f64>slotUsed(base, n), usesOf(prev));
    return;
  }
  if (!toolKnown) return; // learned once and evicted since: what followed it is not known any more
  const ti = slotKnown(base, n, fp32(combine(<u64>prev, <u64>toolFp)));
  // what follows a tool is known only once it has been used often enough: before that an unseen step
  // is scored alone but does not count in a run
  const cA = usesOf(prev);
  const judged = cA >= RARE_MIN_OBS;
  if (ti >= 0 && (!judged || !rare(ti, cA))) {
    if (judged) step = 1;
    return;
  }
  // a young principal taking a step its tenant takes (tenant transitions are learned the same way)
  if (young && slotKnown(tenant + <usize>transOff, n, fp32(combine(<u64>prev, <u64>toolFp))) >= 0) {
    if (judged) step = 1;
    return;
  }
  let m = 0;
  if (judged) {
    step = 2;
    m = extendRun();
  }
  // one unseen step is news in proportion to how rarely this principal takes one
  let s: f64 = ti < 0 && prev != START ? 0.5 * max(0.0, 1.0 - 2.0 * stepRate()) : 0;
  const r = runScore(m);
  if (r > 0) s = r;
  if (s <= 0) return;
  // actual: unusual steps in a row, this one included (0 while the previous tool has too few uses to
  // judge what follows it); typical: transitions known; context: uses of the previous tool
  report(SIG_UNSEEN_TRANSITION, mode == MODE_TENANT ? REASON_FLAG_TENANT : 0, s, <f64>m, <f64>slotUsed(base, n), cA);
}
