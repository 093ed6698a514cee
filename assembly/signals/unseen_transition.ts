// Signal 9: tool A followed by tool B, never seen in the baseline. A session starts after a gap of
// SESSION_GAP with no learned call; its first tool is a transition from START.

import { cfg, cfgI, C_MAX_TRANSITIONS, C_SESSION_GAP_MS } from "../config";
import { transOff, R_PREV, R_LAST_LEARN } from "../arena";
import { entity, baseline, mode, now, toolFp, toolKnown } from "../context";
import { combine, fp32 } from "../hash";
import { slotKnown, slotUsed } from "../slots";
import { SIG_UNSEEN_TRANSITION, MODE_COLD, MODE_TENANT, REASON_FLAG_TENANT } from "../layout";
import { report } from "../result";

const START: u32 = 0x5354;

export function previousTool(): u32 {
  const last = load<f64>(entity + R_LAST_LEARN);
  const prev = load<u32>(entity + R_PREV);
  if (prev == 0 || now - last > cfg(C_SESSION_GAP_MS)) return START;
  return prev;
}

export function transitionFp(): u32 {
  return fp32(combine(<u64>previousTool(), <u64>toolFp));
}

export function scoreUnseenTransition(): void {
  if (mode == MODE_COLD || !toolKnown) return;
  const n = cfgI(C_MAX_TRANSITIONS);
  const base = baseline + <usize>transOff;
  if (slotKnown(base, n, transitionFp()) >= 0) return;
  // actual: 0 uses; typical: transitions known; context: 1 when the previous call began a session
  report(SIG_UNSEEN_TRANSITION, mode == MODE_TENANT ? REASON_FLAG_TENANT : 0, 1.0, 0,
    <f64>slotUsed(base, n), previousTool() == START ? 1 : 0);
}
