/**
 * A straightforward TypeScript implementation of the prior-art algorithm (the ContextForge
 * "Tool Call Anomaly Detection" plugin, IBM/mcp-context-forge PR 3846): what a user would write instead
 * of toolwatch. It is the baseline row of the benchmarks and evaluations (bench/ and eval/ both import it
 * from here, so neither depends on the other); it is NOT part of the product.
 *
 * API:
 *   import { PriorArtDetector } from "./prior-art/detector.js";
 *   const d = new PriorArtDetector({ action: "block" });          // any snake_case keys below, all optional
 *   const r = d.check({ tool: "read_file", args: { path: "/x" }, principal: "alice", time: Date.now() });
 *   r.action   // "allow" | "warn" | "block"   ("block" only when config action is "block")
 *   r.risk, r.novelty, r.burst, r.frequency    // numbers in 0..1
 *   r.offHours // boolean
 *   r.learning // true while the user is inside its learning window (call only recorded)
 *   d.users    // number of tracked users
 *
 * `principal` is a string, or an object with `email` / `sub` (as the plugin reads global_context.user);
 * missing = "anonymous". `time` is milliseconds since the epoch (default Date.now()). Tenant is ignored,
 * as in the original. Behaviour, including its known flaws (unbounded maps, burst discontinuity,
 * frequency double-counting novelty, one UTC off-hours window), is kept on purpose.
 */

export interface PriorArtConfig {
  learning_window_seconds: number;
  burst_window_seconds: number;
  burst_threshold: number;
  novelty_score_weight: number;
  burst_score_weight: number;
  frequency_score_weight: number;
  block_threshold: number;
  warn_threshold: number;
  max_history_per_user: number;
  off_hours_start: number;
  off_hours_end: number;
  off_hours_score_bonus: number;
  action: "warn" | "block";
}

export const PRIOR_ART_DEFAULTS: PriorArtConfig = {
  learning_window_seconds: 3600,
  burst_window_seconds: 60,
  burst_threshold: 20,
  novelty_score_weight: 0.35,
  burst_score_weight: 0.35,
  frequency_score_weight: 0.15,
  block_threshold: 0.8,
  warn_threshold: 0.5,
  max_history_per_user: 1000,
  off_hours_start: 22,
  off_hours_end: 6,
  off_hours_score_bonus: 0.15,
  action: "warn",
};

export type PriorArtPrincipal = string | { email?: string; sub?: string } | null | undefined;

export interface PriorArtCall {
  tool: string;
  args?: Record<string, unknown> | null;
  principal?: PriorArtPrincipal;
  tenant?: string;
  /** Milliseconds since the epoch. */
  time?: number;
}

export interface PriorArtResult {
  action: "allow" | "warn" | "block";
  risk: number;
  novelty: number;
  burst: number;
  frequency: number;
  offHours: boolean;
  learning: boolean;
  /** The call entered the user's baseline (everything but a block). */
  recorded: boolean;
}

interface HistoryEntry {
  ts: number; // seconds
  tool: string;
}

interface UserState {
  firstSeen: number; // seconds
  tools: Set<string>;
  keySets: Map<string, Set<string>>; // tool -> set of key-set signatures
  toolCounts: Map<string, number>;
  totalCalls: number;
  history: HistoryEntry[];
}

function userKey(p: PriorArtPrincipal): string {
  if (typeof p === "string" && p.length > 0) return p;
  if (p && typeof p === "object") {
    if (typeof p.email === "string" && p.email) return p.email;
    if (typeof p.sub === "string" && p.sub) return p.sub;
  }
  return "anonymous";
}

/** frozenset(args.keys()) in the original: order-insensitive signature of the top-level keys. */
function keySignature(args: Record<string, unknown> | null | undefined): string {
  if (!args) return "";
  return Object.keys(args).sort().join("\u0000");
}

export class PriorArtDetector {
  readonly config: PriorArtConfig;
  private readonly state = new Map<string, UserState>();

  constructor(config: Partial<PriorArtConfig> = {}) {
    this.config = { ...PRIOR_ART_DEFAULTS, ...config };
  }

  get users(): number {
    return this.state.size;
  }

  private isOffHours(nowSec: number): boolean {
    const { off_hours_start: s, off_hours_end: e } = this.config;
    const hour = new Date(nowSec * 1000).getUTCHours();
    if (s === e) return false;
    if (s < e) return hour >= s && hour < e;
    return hour >= s || hour < e; // wraps past midnight
  }

  private record(u: UserState, tool: string, sig: string, nowSec: number): void {
    u.tools.add(tool);
    let sigs = u.keySets.get(tool);
    if (!sigs) {
      sigs = new Set();
      u.keySets.set(tool, sigs);
    }
    sigs.add(sig);
    u.toolCounts.set(tool, (u.toolCounts.get(tool) ?? 0) + 1);
    u.totalCalls++;
    u.history.push({ ts: nowSec, tool });
    if (u.history.length > this.config.max_history_per_user) u.history.shift();
  }

  check(call: PriorArtCall): PriorArtResult {
    const c = this.config;
    const nowSec = (call.time ?? Date.now()) / 1000;
    const key = userKey(call.principal);
    const tool = call.tool;
    const sig = keySignature(call.args);

    let u = this.state.get(key);
    if (!u) {
      u = {
        firstSeen: nowSec,
        tools: new Set(),
        keySets: new Map(),
        toolCounts: new Map(),
        totalCalls: 0,
        history: [],
      };
      this.state.set(key, u);
    }

    const offHours = this.isOffHours(nowSec);
    if (nowSec - u.firstSeen < c.learning_window_seconds) {
      this.record(u, tool, sig, nowSec);
      return { action: "allow", risk: 0, novelty: 0, burst: 0, frequency: 0, offHours, learning: true, recorded: true };
    }

    // Novelty
    let novelty = 0;
    if (!u.tools.has(tool)) novelty = 1.0;
    else if (!u.keySets.get(tool)?.has(sig)) novelty = 0.5;

    // Burst: scan the history for earlier calls inside the window.
    const since = nowSec - c.burst_window_seconds;
    let n = 0;
    for (const h of u.history) if (h.ts >= since) n++;
    const burst = n >= c.burst_threshold ? 1.0 : (0.5 * n) / c.burst_threshold;

    // Frequency: rare tool once the user has 10 calls (a never-seen tool counts too).
    let frequency = 0;
    if (u.totalCalls >= 10) {
      const share = (u.toolCounts.get(tool) ?? 0) / u.totalCalls;
      if (share < 0.01) frequency = 0.6;
    }

    const risk = Math.min(
      1,
      novelty * c.novelty_score_weight +
        burst * c.burst_score_weight +
        frequency * c.frequency_score_weight +
        (offHours ? c.off_hours_score_bonus : 0),
    );

    if (risk >= c.block_threshold && c.action === "block") {
      return { action: "block", risk, novelty, burst, frequency, offHours, learning: false, recorded: false };
    }
    this.record(u, tool, sig, nowSec);
    const action = risk >= c.warn_threshold ? "warn" : "allow";
    return { action, risk, novelty, burst, frequency, offHours, learning: false, recorded: true };
  }
}
