// Signals 7 and 8. OFF_HOURS: the fixed UTC window of the prior plugin (start..end, wrapping past
// midnight, never when equal). UNUSUAL_HOUR: activity at this local hour of the week (tenant time zone)
// relative to a flat week, smoothed with the neighbouring hours and the same hour on other days.

import { cfg, cfgI, C_OFF_HOURS_START, C_OFF_HOURS_END, C_HOUR_MIN_CALLS, C_HOUR_LOW, C_MODES } from "../config";
import { R_HOURS, R_HOUR_TOTAL, HOURS } from "../arena";
import { baseline, tenant, mode, now, tzOffsetMin, young } from "../context";
import { SIG_OFF_HOURS, SIG_UNUSUAL_HOUR, MODE_COLD, MODE_TENANT, REASON_FLAG_TENANT } from "../layout";
import { report } from "../result";

const HOUR_MS: f64 = 3600000;

export function utcHour(): i32 {
  return <i32>(<i64>Math.floor(now / HOUR_MS) % 24); // integer remainder: f64 % is a slow software fmod
}

// Monday 00h = 0 ... Sunday 23h = 167, in local time.
export function hourOfWeek(): i32 {
  const local = now + <f64>tzOffsetMin * 60000;
  const hours = Math.floor(local / HOUR_MS);
  const day = Math.floor(hours / 24);
  let dow = (<i32>day + 3) % 7; // 1970-01-01 was a Thursday (|day| < 1e8: fits i32)
  if (dow < 0) dow += 7;
  let h = <i32>(hours - day * 24);
  return dow * 24 + h;
}

export function scoreOffHours(): void {
  // The fixed window is the fallback for baselines without a learned week: once the unusual-hour signal
  // judges this call from the baseline's own profile, counting the window too would score one fact twice.
  if (cfg(C_MODES + SIG_UNUSUAL_HOUR) != 0
    && mode != MODE_COLD
    && <f64>load<u32>(baseline + R_HOUR_TOTAL) >= cfg(C_HOUR_MIN_CALLS))
    return;
  // nor for a young principal whose tenant has a learned week: its own hours are not known yet, and the
  // tenant's say that its people work at other hours than the fixed window assumes
  if (young && <f64>load<u32>(tenant + R_HOUR_TOTAL) >= cfg(C_HOUR_MIN_CALLS)) return;
  const h = utcHour();
  const start = cfgI(C_OFF_HOURS_START);
  const end = cfgI(C_OFF_HOURS_END);
  let off = false;
  if (start < end) off = h >= start && h < end;
  else if (start > end) off = h >= start || h < end;
  if (off) report(SIG_OFF_HOURS, 0, 1.0, <f64>h, <f64>start, <f64>end);
}

@inline function bin(p: usize, b: i32): f64 {
  let i = b % HOURS;
  if (i < 0) i += HOURS;
  return <f64>load<u8>(p + R_HOURS + <usize>i);
}

export function scoreUnusualHour(): void {
  if (mode == MODE_COLD) return;
  const p = baseline;
  const total = <f64>load<u32>(p + R_HOUR_TOTAL);
  if (total < cfg(C_HOUR_MIN_CALLS) || total <= 0) return;
  const b = hourOfWeek();
  const hour = b % 24;
  let sameHour: f64 = 0;
  for (let d = 0; d < 7; d++) if (d * 24 + hour != b) sameHour += bin(p, d * 24 + hour);
  const c = bin(p, b) + 0.5 * (bin(p, b - 1) + bin(p, b + 1)) + 0.25 * sameHour / 6;
  const q = (c / 2.25) / (total / <f64>HOURS);
  const low = cfg(C_HOUR_LOW);
  if (q >= low) return;
  const s = (low - q) / low;
  // actual: activity ratio vs a flat week; typical: the ratio under which an hour is unusual; context: hour of week
  report(SIG_UNUSUAL_HOUR, mode == MODE_TENANT ? REASON_FLAG_TENANT : 0, s, q, low, <f64>b);
}

export function learnHour(p: usize): void {
  const b = hourOfWeek();
  const q = p + R_HOURS + <usize>b;
  let v = <u32>load<u8>(q);
  if (v >= 255) {
    let t: u32 = 0;
    for (let i = 0; i < HOURS; i++) {
      const r = p + R_HOURS + <usize>i;
      const h = <u32>load<u8>(r) >> 1;
      store<u8>(r, <u8>h);
      t += h;
    }
    store<u32>(p + R_HOUR_TOTAL, t);
    v = <u32>load<u8>(q);
  }
  store<u8>(q, <u8>(v + 1));
  store<u32>(p + R_HOUR_TOTAL, load<u32>(p + R_HOUR_TOTAL) + 1);
}
