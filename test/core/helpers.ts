// Shared fixtures for the core tests: a fixed clock and a way to grow an established baseline.
import { createDetector, type Detector, type Decision, type CallInput } from "../../js/runtime/node/index.js";
import type { ConfigInput } from "../../js/config/schema.js";

export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** Monday 2024-01-08 10:00 UTC: a weekday morning, outside the default off-hours window. */
export const MONDAY_10 = Date.UTC(2024, 0, 8, 10, 0, 0);

export function detector(config?: ConfigInput): Detector {
  return createDetector(config);
}

export interface Routine {
  tenant: string;
  principal: string;
  /** Tools called in this order, round and round. */
  tools: string[];
  args?: (tool: string, i: number) => Record<string, unknown>;
  start?: number;
  calls?: number;
  spacingMs?: number;
}

/**
 * Teaches a principal a routine: `calls` calls (default 40) cycling through `tools`, `spacingMs`
 * apart (default 3 min), from `start`. Every call must be learned. Returns the time of the last call
 * and the index of the next tool in the cycle.
 */
export function establish(d: Detector, r: Routine): { last: number; next: number } {
  const start = r.start ?? MONDAY_10;
  const n = r.calls ?? 40;
  const gap = r.spacingMs ?? 3 * MIN;
  let t = start;
  for (let i = 0; i < n; i++) {
    t = start + i * gap;
    const tool = r.tools[i % r.tools.length]!;
    const dec = d.check({ tenant: r.tenant, principal: r.principal, tool, args: r.args?.(tool, i) ?? {}, time: t });
    if (!dec.learned) {
      throw new Error(
        `routine call ${i} (${tool}) was not learned: ${dec.action} ${JSON.stringify(dec.reasons.map((x) => x.code))}`,
      );
    }
  }
  return { last: t, next: n % r.tools.length };
}

export function codes(d: Decision): string[] {
  return d.reasons.map((r) => r.code);
}

export function reason(d: Decision, code: string) {
  return d.reasons.find((r) => r.code === code);
}

export const RANK = { allow: 0, warn: 1, block: 2 } as const;
export function atLeast(d: Decision, a: keyof typeof RANK): boolean {
  return RANK[d.action] >= RANK[a];
}

export type { Detector, Decision, CallInput };
