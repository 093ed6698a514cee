// The composite: runs each enabled signal, then combines the counted ones into a risk in [0, 1] as a
// noisy-OR of weighted scores, 1 - prod(1 - w_i * s_i): two independent strong signals compound,
// no single signal exceeds its weight, and the order of signals does not matter.

import { cfg, C_WEIGHTS, C_MODES } from "./config";
import { SIGNAL_COUNT, SIG_UNSEEN_TOOL, SIG_UNSEEN_SHAPE, SIG_UNSEEN_VALUE, SIG_BURST, SIG_RATE_SPIKE,
  SIG_RARE_TOOL, SIG_OFF_HOURS, SIG_UNUSUAL_HOUR, SIG_UNSEEN_TRANSITION } from "./layout";
import { signal, clearSignals } from "./result";
import { scoreUnseenTool } from "./signals/unseen_tool";
import { scoreUnseenShape } from "./signals/unseen_shape";
import { scoreUnseenValue } from "./signals/unseen_value";
import { scoreBurst } from "./signals/burst";
import { scoreRateSpike } from "./signals/rate_spike";
import { scoreRareTool } from "./signals/rare_tool";
import { scoreOffHours, scoreUnusualHour } from "./signals/hours";
import { scoreUnseenTransition, resetStep } from "./signals/unseen_transition";

@inline function on(id: i32): bool { return cfg(C_MODES + id) != 0; }

export function scoreCall(): f64 {
  clearSignals();
  resetStep();
  if (on(SIG_UNSEEN_TOOL)) scoreUnseenTool();
  if (on(SIG_UNSEEN_SHAPE)) scoreUnseenShape();
  if (on(SIG_UNSEEN_VALUE)) scoreUnseenValue();
  if (on(SIG_BURST)) scoreBurst();
  if (on(SIG_RATE_SPIKE)) scoreRateSpike();
  if (on(SIG_RARE_TOOL)) scoreRareTool();
  if (on(SIG_OFF_HOURS)) scoreOffHours();
  if (on(SIG_UNUSUAL_HOUR)) scoreUnusualHour();
  if (on(SIG_UNSEEN_TRANSITION)) scoreUnseenTransition();
  let keep: f64 = 1;
  for (let i = 0; i < SIGNAL_COUNT; i++) {
    if (cfg(C_MODES + i) != 1) continue; // off or shadow: not counted
    keep *= 1 - cfg(C_WEIGHTS + i) * signal(i);
  }
  const risk = 1 - keep;
  return risk < 0 ? 0 : risk > 1 ? 1 : risk;
}
