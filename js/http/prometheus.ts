// Prometheus text exposition (format 0.0.4), written by hand: counters, one histogram and gauges
// read from the detector's stats at scrape time.
import type { Decision, Stats } from "../detector.js";

const BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

const esc = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labels = (l: Record<string, string>): string => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
};

export class Metrics {
  private readonly decisions = new Map<string, number>();
  private readonly reasons = new Map<string, number>();
  private readonly errors = new Map<string, number>();
  private readonly refusals = new Map<string, number>();
  private readonly questions = new Map<string, number>();
  private readonly buckets = new Array<number>(BUCKETS.length).fill(0);
  private latencyCount = 0;
  private latencySum = 0;
  constructor(private readonly prefix = "toolwatch") {}

  decision(d: Decision, seconds: number): void {
    this.decisions.set(d.action, (this.decisions.get(d.action) ?? 0) + 1);
    for (const r of d.reasons) {
      if (!r.counted && r.code !== "ALLOWLISTED") continue;
      const k = `${d.action}\u0000${r.code}`;
      this.reasons.set(k, (this.reasons.get(k) ?? 0) + 1);
    }
    this.observe(seconds);
  }

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** A call whose input the detector refused, and what the failure policy gave it (block / allow). */
  refused(code: string, action: string): void {
    const k = `${action}\u0000${code}`;
    this.refusals.set(k, (this.refusals.get(k) ?? 0) + 1);
  }

  /** A warned call held for its user's answer (the ask posture): what came of it (js/ask.ts AskAnswer). */
  question(answer: string): void {
    this.questions.set(answer, (this.questions.get(answer) ?? 0) + 1);
  }

  private observe(s: number): void {
    this.latencyCount++;
    this.latencySum += s;
    for (let i = 0; i < BUCKETS.length; i++) if (s <= BUCKETS[i]!) this.buckets[i]!++;
  }

  render(stats: Stats): string {
    const p = this.prefix;
    const out: string[] = [];
    const family = (name: string, type: string, help: string) =>
      out.push(`# HELP ${p}_${name} ${help}`, `# TYPE ${p}_${name} ${type}`);
    family("decisions_total", "counter", "Tool calls scored, by action.");
    for (const a of ["allow", "warn", "block"])
      out.push(`${p}_decisions_total${labels({ action: a })} ${this.decisions.get(a) ?? 0}`);
    family("decision_reasons_total", "counter", "Counted reasons behind decisions, by action and reason code.");
    for (const [k, v] of this.reasons) {
      const [action, reason] = k.split("\u0000") as [string, string];
      out.push(`${p}_decision_reasons_total${labels({ action, reason })} ${v}`);
    }
    family("hook_errors_total", "counter", "Requests answered with an error envelope, by error code.");
    for (const [code, v] of this.errors) out.push(`${p}_hook_errors_total${labels({ code })} ${v}`);
    family(
      "refused_inputs_total",
      "counter",
      "Tool calls whose input was refused (not scored), by the failure policy's action and the refusal code.",
    );
    for (const [k, v] of this.refusals) {
      const [action, code] = k.split("\u0000") as [string, string];
      out.push(`${p}_refused_inputs_total${labels({ action, code })} ${v}`);
    }
    if (this.questions.size > 0) {
      family(
        "questions_total",
        "counter",
        "Warned calls held for the user's confirmation, by answer (accepted, always, declined, cancelled, timeout, unsupported, busy, rate_limited, refused_again, remembered, error).",
      );
      for (const [answer, v] of this.questions) out.push(`${p}_questions_total${labels({ answer })} ${v}`);
    }
    family("check_duration_seconds", "histogram", "Time to score one call, in seconds.");
    for (const [i, b] of BUCKETS.entries())
      out.push(`${p}_check_duration_seconds_bucket${labels({ le: String(b) })} ${this.buckets[i]}`);
    out.push(`${p}_check_duration_seconds_bucket${labels({ le: "+Inf" })} ${this.latencyCount}`);
    out.push(
      `${p}_check_duration_seconds_sum ${this.latencySum}`,
      `${p}_check_duration_seconds_count ${this.latencyCount}`,
    );
    family("tracked_entities", "gauge", "Principals with a baseline in memory.");
    out.push(`${p}_tracked_entities ${stats.entities}`);
    family("tracked_tenants", "gauge", "Tenants with a baseline in memory.");
    out.push(`${p}_tracked_tenants ${stats.tenants}`);
    family("entity_capacity", "gauge", "Records the memory budget holds.");
    out.push(`${p}_entity_capacity ${stats.capacity}`);
    family("evictions_total", "counter", "Least-recently-used evictions, by kind (entity records, per-entity slots).");
    out.push(`${p}_evictions_total${labels({ kind: "entity" })} ${stats.entityEvictions}`);
    out.push(`${p}_evictions_total${labels({ kind: "slot" })} ${stats.slotEvictions}`);
    family("memory_used_bytes", "gauge", "Bytes of baseline records in use.");
    out.push(`${p}_memory_used_bytes ${(stats.entities + stats.tenants) * stats.recordBytes}`);
    family("memory_budget_bytes", "gauge", "Configured memory budget for baselines.");
    out.push(`${p}_memory_budget_bytes ${stats.budgetBytes}`);
    family("wasm_memory_bytes", "gauge", "WebAssembly linear memory of the core.");
    out.push(`${p}_wasm_memory_bytes ${stats.memoryBytes}`);
    family("detector_recoveries_total", "counter", "Times the core trapped and was restarted.");
    out.push(`${p}_detector_recoveries_total ${stats.recoveries}`);
    return `${out.join("\n")}\n`;
  }
}
