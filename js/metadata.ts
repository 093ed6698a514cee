// ContextForge-shaped metadata for a decision: namespaced under the plugin's own key, and never
// carrying user or tenant ids (the gateway's rule for result metadata).
import type { Decision } from "./detector.js";

export const METADATA_KEY = "toolwatch";

const r4 = (x: number): number => Math.round(x * 10000) / 10000;
const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export interface ToolwatchMetadata {
  action: Decision["action"];
  risk_score: number;
  anomaly_mode: "learning" | "active";
  baseline: Decision["learning"]["baseline"];
  learned: boolean;
  signals: Record<string, number>;
  reasons: Array<{ code: string; score: number; counted: boolean; message: string }>;
  tool: string;
  error?: string;
}

export function decisionMetadata(d: Decision): Record<typeof METADATA_KEY, ToolwatchMetadata> {
  const signals: Record<string, number> = {};
  for (const [k, v] of Object.entries(d.signals)) signals[snake(k)] = r4(v);
  const m: ToolwatchMetadata = {
    action: d.action,
    risk_score: r4(d.risk),
    anomaly_mode: d.learning.baseline === "own" ? "active" : "learning",
    baseline: d.learning.baseline,
    learned: d.learned,
    signals,
    reasons: d.reasons.map((r) => ({ code: r.code, score: r4(r.score), counted: r.counted, message: r.message })),
    tool: d.tool,
  };
  if (d.error) m.error = d.error.message;
  return { [METADATA_KEY]: m };
}
