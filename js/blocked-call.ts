// How a blocked decision is told to a caller: one wording for the plugin server, the middleware
// and the proxy. The core decides; this only picks the HTTP/MCP shape of the answer.
import type { Config } from "./config/schema.js";
import type { Decision, Reason } from "./detector.js";
import { CORE_DEFAULTS } from "./config/defaults.generated.js";
import { SETTINGS } from "./core/abi.js";

/** JSON-RPC error code for a call toolwatch blocked (server-defined range -32000..-32099). */
export const BLOCKED_ERROR_CODE = -32003;

export interface BlockInfo {
  /** BLOCKED, or RATE_LIMIT when the main cause is call volume. */
  code: "BLOCKED" | "RATE_LIMIT";
  httpStatus: 403 | 429;
  /** Short and stable. */
  reason: string;
  /** One line naming what was anomalous. */
  description: string;
  /** For RATE_LIMIT: how long until the burst window has moved past the current calls. */
  retryAfterMs?: number;
  reasons: Array<{ code: string; message: string; score: number }>;
}

const RATE_CODES = new Set(["BURST", "RATE_SPIKE"]);

/** The counted reasons, largest weighted contribution first. */
export function rankedReasons(d: Decision): Reason[] {
  return d.reasons.filter((r) => r.counted && r.score > 0).sort((a, b) => b.score * b.weight - a.score * a.weight);
}

export function burstWindowMs(config: Config): number {
  return config.burstWindowSeconds !== undefined
    ? config.burstWindowSeconds * 1000
    : CORE_DEFAULTS[SETTINGS.burstWindowSeconds.slot]!;
}

export function describeBlock(d: Decision, config: Config): BlockInfo {
  const ranked = rankedReasons(d);
  const top = ranked[0];
  const rate = top !== undefined && RATE_CODES.has(top.code);
  const reasons = ranked.map((r) => ({ code: r.code, message: r.message, score: Math.round(r.score * 10000) / 10000 }));
  const what = d.error
    ? d.error.message
    : ranked.length
      ? ranked.map((r) => `${r.code}: ${r.message}`).join("; ")
      : "risk over the block threshold";
  const base = {
    reasons,
    description: `toolwatch blocked "${d.tool}" (risk ${d.risk.toFixed(2)}): ${what}`,
  };
  if (rate) {
    return {
      ...base,
      code: "RATE_LIMIT",
      httpStatus: 429,
      reason: "Tool call rate anomaly",
      retryAfterMs: burstWindowMs(config),
    };
  }
  return {
    ...base,
    code: "BLOCKED",
    httpStatus: 403,
    reason: d.error ? "Detector failure (fail closed)" : "Anomalous tool call",
  };
}
