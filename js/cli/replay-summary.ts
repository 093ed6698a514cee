// Aggregates replayed decisions into the summary and the JSON report; detection metrics when labels exist.
import type { Decision } from "../detector.js";

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
  falsePositiveRate: number;
}

export interface ReplayReport {
  input: string;
  calls: number;
  allowed: number;
  warned: number;
  blocked: number;
  badLines: number;
  badLineSamples: Array<{ line: number; error: string }>;
  topReasons: Array<{ code: string; count: number }>;
  topEntities: Array<{ tenant: string; principal: string; calls: number; warned: number; blocked: number }>;
  detection?: { labelled: number; attacks: number; flagged: Confusion; blocked: Confusion; rocAuc: number | null };
  durationMs: number;
  callsPerSecond: number;
  stateHash: string;
}

function confusion(tp: number, fp: number, fn: number, tn: number): Confusion {
  const div = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 10000) / 10000);
  const precision = div(tp, tp + fp);
  const recall = div(tp, tp + fn);
  return {
    tp,
    fp,
    fn,
    tn,
    precision,
    recall,
    f1: div(2 * precision * recall, precision + recall),
    falsePositiveRate: div(fp, fp + tn),
  };
}

/** ROC-AUC from risk scores (Mann-Whitney U with ties counted half). */
export function rocAuc(scores: Array<[number, boolean]>): number | null {
  const pos = scores.filter((s) => s[1]).length;
  const neg = scores.length - pos;
  if (pos === 0 || neg === 0) return null;
  const sorted = [...scores].sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]![0] === sorted[i]![0]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (sorted[k]![1]) rankSum += avgRank;
    i = j;
  }
  return Math.round(((rankSum - (pos * (pos + 1)) / 2) / (pos * neg)) * 10000) / 10000;
}

const MAX_ENTITIES = 2000;
const MAX_POINTS = 2000;

/** [false-positive rate, true-positive rate] and [recall, precision] at every distinct risk threshold. */
export function curves(scores: ReadonlyArray<readonly [number, boolean]>): {
  roc: [number, number][];
  pr: [number, number][];
} {
  const pos = scores.filter((s) => s[1]).length;
  const neg = scores.length - pos;
  const sorted = [...scores].sort((a, b) => b[0] - a[0]);
  const roc: [number, number][] = [[0, 0]];
  const pr: [number, number][] = [];
  let tp = 0,
    fp = 0;
  for (let i = 0; i < sorted.length; ) {
    const t = sorted[i]![0];
    while (i < sorted.length && sorted[i]![0] === t) {
      if (sorted[i]![1]) tp++;
      else fp++;
      i++;
    }
    roc.push([neg ? fp / neg : 0, pos ? tp / pos : 0]);
    if (pos) pr.push([tp / pos, tp / (tp + fp)]);
  }
  return { roc, pr };
}

export class ReplayTally {
  calls = 0;
  allowed = 0;
  warned = 0;
  blocked = 0;
  badLines = 0;
  readonly badLineSamples: Array<{ line: number; error: string }> = [];
  private readonly reasons = new Map<string, number>();
  private readonly entities = new Map<string, { calls: number; warned: number; blocked: number }>();
  private readonly labelled: Array<[number, boolean]> = [];
  /** Per-entity risk over time, for the HTML report (bounded: first MAX_ENTITIES entities, MAX_POINTS each). */
  readonly points = new Map<string, Array<{ x: number; risk: number; action: string; label?: boolean }>>();
  readonly reasonsByLabel = { attack: new Map<string, number>(), benign: new Map<string, number>() };
  constructor(private readonly keepPoints = false) {}
  private readonly conf = { flagged: [0, 0, 0, 0], blocked: [0, 0, 0, 0] };

  bad(line: number, error: string): void {
    this.badLines++;
    if (this.badLineSamples.length < 100) this.badLineSamples.push({ line, error });
  }

  add(d: Decision, label: boolean | undefined): void {
    this.calls++;
    if (d.action === "allow") this.allowed++;
    else if (d.action === "warn") this.warned++;
    else this.blocked++;
    if (d.action !== "allow")
      for (const r of d.reasons) if (r.counted) this.reasons.set(r.code, (this.reasons.get(r.code) ?? 0) + 1);
    const key = `${d.identity.tenant}\u0000${d.identity.principal}`;
    const e = this.entities.get(key) ?? { calls: 0, warned: 0, blocked: 0 };
    e.calls++;
    if (d.action === "warn") e.warned++;
    if (d.action === "block") e.blocked++;
    this.entities.set(key, e);
    if (this.keepPoints) {
      let pts = this.points.get(key);
      if (!pts && this.points.size < MAX_ENTITIES) this.points.set(key, (pts = []));
      if (pts && pts.length < MAX_POINTS) pts.push({ x: d.time, risk: d.risk, action: d.action, label });
      if (label !== undefined) {
        const m = label ? this.reasonsByLabel.attack : this.reasonsByLabel.benign;
        for (const r of d.reasons) if (r.counted && r.score > 0) m.set(r.code, (m.get(r.code) ?? 0) + 1);
      }
    }
    if (label !== undefined) {
      this.labelled.push([d.risk, label]);
      const count = (c: number[], hit: boolean) => c[label ? (hit ? 0 : 2) : hit ? 1 : 3]!++;
      count(this.conf.flagged, d.action !== "allow");
      count(this.conf.blocked, d.action === "block");
    }
  }

  labelledScores(): ReadonlyArray<readonly [number, boolean]> {
    return this.labelled;
  }

  report(input: string, durationMs: number, stateHash: string, top = 10): ReplayReport {
    const topReasons = [...this.reasons]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([code, count]) => ({ code, count }));
    const topEntities = [...this.entities]
      .sort((a, b) => b[1].blocked + b[1].warned - (a[1].blocked + a[1].warned) || b[1].calls - a[1].calls)
      .slice(0, top)
      .map(([k, v]) => {
        const [tenant, principal] = k.split("\u0000") as [string, string];
        return { tenant, principal, ...v };
      });
    const r: ReplayReport = {
      input,
      calls: this.calls,
      allowed: this.allowed,
      warned: this.warned,
      blocked: this.blocked,
      badLines: this.badLines,
      badLineSamples: this.badLineSamples,
      topReasons,
      topEntities,
      durationMs: Math.round(durationMs),
      callsPerSecond: durationMs > 0 ? Math.round((this.calls / durationMs) * 1000) : 0,
      stateHash,
    };
    if (this.labelled.length > 0) {
      const [ft, ff, fn, fneg] = this.conf.flagged as [number, number, number, number];
      const [bt, bf, bn, bneg] = this.conf.blocked as [number, number, number, number];
      r.detection = {
        labelled: this.labelled.length,
        attacks: this.labelled.filter((l) => l[1]).length,
        flagged: confusion(ft, ff, fn, fneg),
        blocked: confusion(bt, bf, bn, bneg),
        rocAuc: rocAuc(this.labelled),
      };
    }
    return r;
  }
}

const n = (x: number): string => x.toLocaleString("en-US");
const pct = (a: number, b: number): string => (b === 0 ? "0%" : `${((a / b) * 100).toFixed(1)}%`);

export function formatSummary(r: ReplayReport): string {
  const out = [
    `replayed ${r.input}: ${n(r.calls)} calls in ${(r.durationMs / 1000).toFixed(2)} s (${n(r.callsPerSecond)} calls/s)`,
    `  allowed ${n(r.allowed)} (${pct(r.allowed, r.calls)})   warned ${n(r.warned)} (${pct(r.warned, r.calls)})   blocked ${n(r.blocked)} (${pct(r.blocked, r.calls)})` +
      (r.badLines ? `   bad lines ${n(r.badLines)} (skipped)` : ""),
  ];
  if (r.topReasons.length)
    out.push(
      "  top reasons (warned and blocked calls):",
      ...r.topReasons.map((x) => `    ${x.code.padEnd(20)} ${n(x.count)}`),
    );
  const flagged = r.topEntities.filter((e) => e.warned + e.blocked > 0);
  if (flagged.length) {
    out.push("  top entities (tenant/principal: warned, blocked of calls):");
    for (const e of flagged)
      out.push(
        `    ${(e.tenant ? `${e.tenant}/` : "") + e.principal}: ${n(e.warned)} warned, ${n(e.blocked)} blocked of ${n(e.calls)}`,
      );
  }
  if (r.detection) {
    const d = r.detection;
    const line = (name: string, c: Confusion) =>
      `    ${name.padEnd(22)} precision ${c.precision.toFixed(3)}  recall ${c.recall.toFixed(3)}  F1 ${c.f1.toFixed(3)}  FPR ${c.falsePositiveRate.toFixed(4)}  (TP ${n(c.tp)} FP ${n(c.fp)} FN ${n(c.fn)} TN ${n(c.tn)})`;
    out.push(
      `  detection on ${n(d.labelled)} labelled calls (${n(d.attacks)} attacks):`,
      line("flagged (warn|block)", d.flagged),
      line("blocked", d.blocked),
    );
    out.push(`    ROC-AUC of risk        ${d.rocAuc === null ? "n/a (needs both classes)" : d.rocAuc.toFixed(4)}`);
  }
  out.push(`  state hash ${r.stateHash}`);
  return out.join("\n");
}
