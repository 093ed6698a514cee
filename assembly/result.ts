// Writes the decision into RESULT (layout in layout.ts / docs/ABI.md).

import { cfg, C_MODES } from "./config";
import { REASON_FLAG_SHADOW, RESULT, RES_ACTION, RES_FLAGS, RES_MODE, RES_N_REASONS, RES_RISK, RES_SIGNALS,
  RES_REASONS, REASON_SIZE, MAX_REASONS, SIGNAL_COUNT, RSN_CODE, RSN_FLAGS, RSN_SCORE, RSN_ACTUAL, RSN_TYPICAL,
  RSN_CONTEXT } from "./layout";

export function resetResult(): void {
  memory.fill(RESULT, 0, <usize>(RES_REASONS));
}

export function setSignal(id: i32, score: f64): void {
  store<f64>(RESULT + <usize>(RES_SIGNALS + id * 8), score);
}
export function signal(id: i32): f64 {
  return load<f64>(RESULT + <usize>(RES_SIGNALS + id * 8));
}

export function addReason(code: i32, flags: i32, score: f64, actual: f64, typical: f64, context: f64): void {
  const n = load<i32>(RESULT + RES_N_REASONS);
  if (n >= MAX_REASONS) return;
  const p = RESULT + <usize>(RES_REASONS + n * REASON_SIZE);
  store<i32>(p + RSN_CODE, code);
  store<i32>(p + RSN_FLAGS, flags);
  store<f64>(p + RSN_SCORE, score);
  store<f64>(p + RSN_ACTUAL, actual);
  store<f64>(p + RSN_TYPICAL, typical);
  store<f64>(p + RSN_CONTEXT, context);
  store<i32>(RESULT + RES_N_REASONS, n + 1);
}

// Records a signal's score and, when non-zero, its reason (code = signal id + 1).
export function report(id: i32, flags: i32, score: f64, actual: f64, typical: f64, context: f64): void {
  setSignal(id, score);
  const shadow = cfg(C_MODES + id) == 2 ? REASON_FLAG_SHADOW : 0;
  if (score > 0) addReason(id + 1, flags | shadow, score, actual, typical, context);
}

export function setOutcome(action: i32, flags: i32, mode: i32, risk: f64): void {
  store<i32>(RESULT + RES_ACTION, action);
  store<i32>(RESULT + RES_FLAGS, flags);
  store<i32>(RESULT + RES_MODE, mode);
  store<f64>(RESULT + RES_RISK, risk);
}

export function clearSignals(): void {
  for (let i = 0; i < SIGNAL_COUNT; i++) setSignal(i, 0);
}
