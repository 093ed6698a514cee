// Signal 5: calls in the burst window against this entity's own usual count (an EWMA over its learned
// calls). Catches a tenfold speed-up that stays under the absolute burst threshold.

import { cfg, C_SPIKE_LOW, C_SPIKE_HIGH, C_SPIKE_MIN_CALLS, C_RATE_ALPHA, C_BURST_WINDOW_MS } from "../config";
import { R_RATE, R_LEARNED } from "../arena";
import { entity, mode, windowCount } from "../context";
import { SIG_RATE_SPIKE, MODE_OWN } from "../layout";
import { report } from "../result";

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

export function learnRate(p: usize): void {
  const n = windowCount;
  const prev = load<f64>(p + R_RATE);
  const a = cfg(C_RATE_ALPHA);
  store<f64>(p + R_RATE, load<u32>(p + R_LEARNED) == 0 ? n : prev + a * (n - prev));
}
