// Signal 5: calls in the burst window against this entity's own usual count (an EWMA over its learned
// calls). Catches a tenfold speed-up that stays under the absolute burst threshold.

import { cfg, C_SPIKE_LOW, C_SPIKE_HIGH, C_SPIKE_MIN_CALLS, C_RATE_ALPHA, C_BURST_WINDOW_MS } from "../config";
import { R_RATE, R_LEARNED, R_LAST_LEARN } from "../arena";
import { entity, mode, now, windowCount } from "../context";
import { SIG_RATE_SPIKE, MODE_OWN } from "../layout";
import { report } from "../result";
import { countWindow } from "./burst";

export function scoreRateSpike(): void {
  if (mode != MODE_OWN) return;
  const n = windowCount;
  if (n < cfg(C_SPIKE_MIN_CALLS)) return;
  const typical = load<f64>(entity + R_RATE);
  const ratio = n / Math.max(typical, 1.0);
  const lo = cfg(C_SPIKE_LOW);
  const hi = cfg(C_SPIKE_HIGH);
  if (ratio <= lo) return;
  const s = ratio >= hi ? 1.0 : (ratio - lo) / (hi - lo);
  // actual: calls in window; typical: usual calls in window; context: window seconds
  report(SIG_RATE_SPIKE, 0, s, n, typical, cfg(C_BURST_WINDOW_MS) / 1000);
}

// Each observation weighs by the time since the previous learned call, in windows (at most one): the
// average follows the principal's rate over time, not per call, so the calls of one spike (allowed
// while its score is still low) cannot teach the average the spike itself.
export function learnRate(p: usize): void {
  countWindow(); // this entity's count now (learn() reaches here without a check())
  const n = windowCount;
  const prev = load<f64>(p + R_RATE);
  if (load<u32>(p + R_LEARNED) == 0) { store<f64>(p + R_RATE, n); return; }
  const dt = now - load<f64>(p + R_LAST_LEARN);
  const w = Math.min(1.0, Math.max(0.0, dt / cfg(C_BURST_WINDOW_MS)));
  store<f64>(p + R_RATE, prev + cfg(C_RATE_ALPHA) * w * (n - prev));
}
