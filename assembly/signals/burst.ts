// Signal 4: calls in a sliding window against an absolute threshold T. The ring keeps the times of the
// entity's last T calls (every call checked, blocked ones too: a burst is traffic, not baseline), so
// counts up to T are exact; above T the count is extrapolated from the ring's span.
// Score is continuous: 0 up to T/2 calls, then ((n - T/2) / (T/2))^2, reaching 1 at n = T.

import { cfg, C_BURST_WINDOW_MS, C_BURST_THRESHOLD } from "../config";
import {
  ringOff,
  ringCap,
  R_RING_BASE,
  R_RING_HEAD,
  R_RING_LEN,
  R_SEEN,
  R_FIRST,
  R_LAST,
  R_LAST_LEARN,
} from "../arena";
import { entity, now, windowCount, windowExact, setWindow } from "../context";
import { SIG_BURST, REASON_FLAG_ESTIMATE } from "../layout";
import { report } from "../result";

const REBASE_MS: f64 = 2147483648.0;

// Counts the calls in (now - window, now], this one included, into the call context.
export function countWindow(): void {
  const p = entity;
  const win = cfg(C_BURST_WINDOW_MS);
  const base = load<f64>(p + R_RING_BASE);
  const len = <i32>load<u16>(p + R_RING_LEN);
  const head = <i32>load<u16>(p + R_RING_HEAD);
  const t = Math.floor(now);
  let inWindow: i32 = 0;
  let oldest: f64 = t;
  for (let k = 0; k < len; k++) {
    let idx = head - 1 - k;
    if (idx < 0) idx += ringCap;
    const at = base + <f64>load<u32>(p + <usize>ringOff + (<usize>idx << 2));
    if (t - at < win) { inWindow++; oldest = at; } else break; // newest first: the rest are older
  }
  if (len == ringCap && inWindow == ringCap) {
    // Extrapolate the ring's rate over the window, but never past the calls this entity has made.
    const span = t - oldest;
    const est = span > 0 ? <f64>ringCap * win / span : <f64>ringCap * win;
    const most = <f64>load<u32>(p + R_SEEN) + 1;
    setWindow(Math.max(<f64>ringCap + 1, Math.min(est + 1, most)), most > <f64>ringCap + 1 ? false : true);
  } else {
    setWindow(<f64>(inWindow + 1), true);
  }
}

export function pushRing(): void {
  const p = entity;
  const t = Math.floor(now);
  let base = load<f64>(p + R_RING_BASE);
  const len = <i32>load<u16>(p + R_RING_LEN);
  let head = <i32>load<u16>(p + R_RING_HEAD);
  if (t - base >= REBASE_MS || t < base) {
    // move the base forward; entries that fall before it are far outside any window and become 0
    const nb = t - 1073741824.0;
    for (let k = 0; k < ringCap; k++) {
      const q = p + <usize>ringOff + (<usize>k << 2);
      const at = base + <f64>load<u32>(q);
      store<u32>(q, at > nb ? <u32>(at - nb) : 0);
    }
    base = nb;
    store<f64>(p + R_RING_BASE, base);
  }
  store<u32>(p + <usize>ringOff + (<usize>head << 2), <u32>(t - base));
  head++;
  if (head >= ringCap) head = 0;
  store<u16>(p + R_RING_HEAD, <u16>head);
  if (len < ringCap) store<u16>(p + R_RING_LEN, <u16>(len + 1));
}

export function scoreBurst(): void {
  const T = cfg(C_BURST_THRESHOLD);
  const n = windowCount;
  const h = T / 2;
  let s: f64 = 0;
  if (n >= T) s = 1;
  else if (n > h) { const x = (n - h) / (T - h); s = x * x; }
  // actual: calls in window; typical: threshold; context: window seconds
  report(SIG_BURST, windowExact ? 0 : REASON_FLAG_ESTIMATE, s, n, T, cfg(C_BURST_WINDOW_MS) / 1000);
}

// The host's clock stepped back by more than a burst window (a correction, one bad timestamp in the
// future before it, or a caller that sets time and wants its burst count back to zero). The window is
// kept, not emptied: its calls move back with the clock, their spacing unchanged, so this call is
// scored against the calls it follows (as if at the latest time) and a step back resets nothing; yet
// later calls are not pinned to a bad future time, where they would pile into one instant and read as
// a burst forever. The step is reported (REASON_CLOCK_STEP). The entity's other times (and its
// tenant's) are brought back to t where they were later.
export function stepClock(e: usize, tenant: usize, t: f64): void {
  const base = load<f64>(e + R_RING_BASE);
  const d = Math.floor(load<f64>(e + R_LAST)) - Math.floor(t);
  // entries that would fall before nb are far outside any window; nb keeps the base a sane time
  const nb = Math.max(base - d, Math.floor(t) - 1073741824.0);
  for (let k = 0; k < ringCap; k++) {
    const q = e + <usize>ringOff + (<usize>k << 2);
    const at = base + <f64>load<u32>(q) - d;
    store<u32>(q, at > nb ? <u32>(at - nb) : 0);
  }
  store<f64>(e + R_RING_BASE, nb);
  store<f64>(e + R_LAST, t);
  if (load<f64>(e + R_LAST_LEARN) > t) store<f64>(e + R_LAST_LEARN, t);
  if (load<f64>(e + R_FIRST) > t) store<f64>(e + R_FIRST, t);
  if (load<f64>(tenant + R_FIRST) > t) store<f64>(tenant + R_FIRST, t);
  if (load<f64>(tenant + R_LAST) > t) store<f64>(tenant + R_LAST, t);
}
