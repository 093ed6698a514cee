// Signal 9: the order of tools. A session starts after a gap of SESSION_GAP; its first tool is a
// transition from START. One reordering is the noisiest thing an agent does, so an unseen transition
// alone scores half. A run of unusual steps is not: RUN_ALARM of them in a row (unseen, or seen but
// rare after the previous tool) score 1 - 2^-(run - 1), which warns alone at the default weight (a
// locality frame, Forrest et al.: an injected plan or another hand on the account leaves the
// principal's habitual paths for several steps; a user's own detour rarely does).
// Rare: B follows A at under RARE_LIFT times B's share of all calls, once A has RARE_MIN_OBS uses.
// Lift, not a fixed probability, so a tool with many usual successors does not make them all rare.

import { cfg, cfgI, C_MAX_TOOLS, C_MAX_TRANSITIONS, C_SESSION_GAP_MS } from "../config";
import { transOff, toolsOff, R_PREV, R_LAST, R_RUN, R_LEARNED } from "../arena";
import { entity, baseline, mode, now, toolFp, toolKnown } from "../context";
import { combine, fp32 } from "../hash";
import { slotKnown, slotUsed, slotCount } from "../slots";
import { SIG_UNSEEN_TRANSITION, MODE_COLD, MODE_TENANT, REASON_FLAG_TENANT } from "../layout";
import { report } from "../result";

const START: u32 = 0x5354;
const RUN_ALARM: i32 = 4;
const RARE_LIFT: f64 = 0.35;
const RARE_MIN_OBS: f64 = 20;
const COUNT_MASK: u32 = 0x7FFF;

let runAfter: u32 = 0; // the run once this call is decided, for pushRun

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

// Unusual steps in a row before this call, in this session (none after a session gap).
function run(): u32 {
  if (now - load<f64>(entity + R_LAST) > cfg(C_SESSION_GAP_MS)) return 0;
  return <u32>load<u8>(entity + R_RUN);
}

// After the decision: extends or ends the run; this call becomes the step the next one follows.
export function pushRun(): void {
  store<u8>(entity + R_RUN, <u8>(runAfter < 255 ? runAfter : 255));
  store<u32>(entity + R_PREV, toolFp);
}

// Seen, but rare after the previous tool (see above).
function rare(ti: i32, prev: u32): bool {
  if (prev == START) return false;
  const tb = baseline + <usize>toolsOff;
  const nt = cfgI(C_MAX_TOOLS);
  const ai = slotKnown(tb, nt, prev);
  const bi = slotKnown(tb, nt, toolFp);
  if (ai < 0 || bi < 0) return false;
  const cA = <f64>(slotCount(tb, ai) & COUNT_MASK);
  const cB = <f64>(slotCount(tb, bi) & COUNT_MASK);
  const total = <f64>load<u32>(baseline + R_LEARNED);
  if (cA < RARE_MIN_OBS || total <= 0) return false;
  const cAB = <f64>(slotCount(baseline + <usize>transOff, ti) & COUNT_MASK);
  return cAB * total < RARE_LIFT * cA * cB;
}

export function scoreUnseenTransition(): void {
  runAfter = 0;
  if (mode == MODE_COLD || !toolKnown) return;
  const n = cfgI(C_MAX_TRANSITIONS);
  const base = baseline + <usize>transOff;
  const prev = previousTool();
  const before = run();
  // a repeated tool (paging through results, a burst) is rate, not order: it never counts in a run, and
  // ends one (a run carried across repeats raised false alarms more than it caught plans)
  const repeat = prev == toolFp;
  const ti = slotKnown(base, n, fp32(combine(<u64>prev, <u64>toolFp)));
  if (ti >= 0 && (repeat || !rare(ti, prev))) return;
  const m = repeat ? 1 : <i32>before + 1;
  if (!repeat) runAfter = <u32>m;
  let s: f64 = ti < 0 ? 0.5 : 0;
  if (m >= RUN_ALARM) s = 1.0 - Math.pow(2.0, -<f64>(m - 1));
  if (s <= 0) return;
  // actual: unusual steps in a row, this one included; typical: transitions known;
  // context: 1 when this call began a session
  report(SIG_UNSEEN_TRANSITION, mode == MODE_TENANT ? REASON_FLAG_TENANT : 0, s, <f64>m,
    <f64>slotUsed(base, n), prev == START ? 1 : 0);
}
