// Runs generated streams through the real detector in time order and measures, per scenario kind,
// detection rate and delay of the injected attacks and false alarms on benign calls.
import type { ConfigInput } from "../../js/config/schema.js";
import { DetectorScorer, type Scorer } from "../scorer.js";
import { PriorArtScorer } from "../prior-art-scorer.js";
import { median } from "../metrics.js";
import { ATTACKS, CHANGES, generate, type GenOptions, type ScenarioKind, type Stream } from "./generate.js";

export interface SeriesPoint {
  t: number;
  risk: number;
  attack: boolean;
}
export interface Series {
  label: string;
  points: SeriesPoint[];
  /** injection window [start, end] in ms, if any */
  window?: [number, number];
}

export interface ScenarioResult {
  kind: ScenarioKind;
  attack: boolean;
  streams: number;
  injections: number;
  detected: number;
  /** first warned/blocked attack call, counted from the first attack call (0 = caught on it) */
  medianDelayCalls: number;
  medianDelaySeconds: number;
  benignCalls: number;
  falseAlarms: number;
  /** benign calls that are part of the change (new tool, moved hours, busy day) and their alarms */
  changedCalls: number;
  changedAlarms: number;
  reasons: { attack: Record<string, number>; benign: Record<string, number> };
  /** per seed, in seed order: injections, detected, benign calls, false alarms */
  perSeed: {
    seed: number;
    injections: number;
    detected: number;
    benign: number;
    falseAlarms: number;
    changed: number;
    changedAlarms: number;
  }[];
  /** highest risk of each injection (attack kinds), for cut-offs other than the warn threshold */
  injectionRisks: number[];
}

/** Benign risks in the evaluation days as (risk, count): risks take few distinct values. */
export type RiskCounts = Map<number, number>;

export interface ScenariosReport {
  scorer: string;
  seeds: number;
  options: Required<GenOptions>;
  results: ScenarioResult[];
  totals: { benignCalls: number; falseAlarms: number; perThousand: number };
  series: Series[];
  /** first seed; seeds run seedStart .. seedStart + seeds - 1 */
  seedStart: number;
  /** every benign call's risk in the evaluation days, all kinds: the alert-budget cut-off comes from it */
  benignRisks: [number, number][];
}

function bump(m: Record<string, number>, ks: string[]): void {
  for (const k of ks) m[k] = (m[k] ?? 0) + 1;
}

export function runStream(s: Stream, scorer: Scorer, keep?: (c: Stream["calls"][number]) => boolean) {
  const hits = new Map<number, { calls: number; t: number } | null>();
  const peak = new Map<number, number>();
  const benignRisks: RiskCounts = new Map();
  for (const inj of s.injections) hits.set(inj.id, null);
  const seen = new Map<number, number>();
  let benign = 0,
    fa = 0,
    changed = 0,
    changedFa = 0;
  const reasons = { attack: {} as Record<string, number>, benign: {} as Record<string, number> };
  const points: SeriesPoint[] = [];
  for (const c of s.calls) {
    const tz = s.timeZones[c.tenant];
    const d = scorer.check({
      tenant: c.tenant,
      principal: c.principal,
      tool: c.tool,
      args: c.args,
      time: c.time,
      timeZone: tz,
    });
    const alarm = d.action !== "allow";
    if (keep?.(c) && c.time >= s.evalStart) points.push({ t: c.time, risk: d.risk, attack: c.injection >= 0 });
    if (c.injection >= 0) {
      peak.set(c.injection, Math.max(peak.get(c.injection) ?? 0, d.risk));
      const i = seen.get(c.injection) ?? 0;
      seen.set(c.injection, i + 1);
      if (alarm) bump(reasons.attack, d.reasons);
      if (alarm && hits.get(c.injection) === null) {
        const inj = s.injections.find((x) => x.id === c.injection)!;
        hits.set(c.injection, { calls: i, t: c.time - inj.start });
      }
    } else if (c.time >= s.evalStart) {
      benign++;
      benignRisks.set(d.risk, (benignRisks.get(d.risk) ?? 0) + 1);
      if (c.change) changed++;
      if (alarm) {
        fa++;
        if (c.change) changedFa++;
        bump(reasons.benign, d.reasons);
      }
    }
  }
  return { hits, peak, benign, fa, changed, changedFa, reasons, points, benignRisks };
}

export interface ScenarioOptions {
  seeds?: number;
  /** first seed (default 1) */
  seedStart?: number;
  gen?: GenOptions;
  config?: ConfigInput;
  priorArt?: boolean;
  kinds?: ScenarioKind[];
}

/**
 * The lowest cut-off at which at most `perThousand` of every 1 000 benign calls score above it (an alert
 * is a risk above the cut-off): the score a team with that alert budget would alert from.
 */
export function budgetCutoff(benign: readonly [number, number][], perThousand: number): number {
  const total = benign.reduce((a, [, n]) => a + n, 0);
  const allowed = (perThousand / 1000) * total;
  let above = 0;
  // from the top: lower the cut-off while the calls above it stay within the budget
  for (let i = benign.length - 1; i >= 0; i--) {
    const [r, n] = benign[i]!;
    if (above + n > allowed) return r;
    above += n;
  }
  return benign.length ? benign[0]![0] - 1e-9 : 0;
}

export function evaluateScenarios(o: ScenarioOptions = {}): ScenariosReport {
  const seeds = o.seeds ?? 10;
  const seedStart = o.seedStart ?? 1;
  const allBenign: RiskCounts = new Map();
  const gen: Required<GenOptions> = { tenants: 3, principals: 8, learnDays: 21, evalDays: 7, injections: 4, ...o.gen };
  const kinds = o.kinds ?? [...ATTACKS, ...CHANGES];
  const results: ScenarioResult[] = [];
  const series: Series[] = [];
  for (const kind of kinds) {
    const attack = (ATTACKS as readonly string[]).includes(kind);
    const delaysC: number[] = [];
    const delaysS: number[] = [];
    const agg: ScenarioResult = {
      kind,
      attack,
      streams: seeds,
      injections: 0,
      detected: 0,
      medianDelayCalls: NaN,
      medianDelaySeconds: NaN,
      benignCalls: 0,
      falseAlarms: 0,
      changedCalls: 0,
      changedAlarms: 0,
      reasons: { attack: {}, benign: {} },
      perSeed: [],
      injectionRisks: [],
    };
    for (let seed = seedStart; seed < seedStart + seeds; seed++) {
      const s = generate(kind, seed, gen);
      const scorer = o.priorArt
        ? new PriorArtScorer()
        : new DetectorScorer({ ...(o.config ?? {}), timeZones: { ...s.timeZones, ...(o.config?.timeZones ?? {}) } });
      const focus = s.injections[0];
      const focusChanged = !attack ? s.calls.find((c) => c.change) : undefined;
      const who = focus
        ? `${focus.tenant}/${focus.principal}`
        : focusChanged
          ? `${focusChanged.tenant}/${focusChanged.principal}`
          : "";
      const res = runStream(s, scorer, seed === seedStart ? (c) => `${c.tenant}/${c.principal}` === who : undefined);
      let det = 0;
      for (const [id, h] of res.hits) {
        agg.injections++;
        agg.injectionRisks.push(res.peak.get(id) ?? 0);
        if (h) {
          det++;
          agg.detected++;
          delaysC.push(h.calls);
          delaysS.push(h.t / 1000);
        }
      }
      agg.perSeed.push({
        seed,
        injections: res.hits.size,
        detected: det,
        benign: res.benign,
        falseAlarms: res.fa,
        changed: res.changed,
        changedAlarms: res.changedFa,
      });
      for (const [r, n] of res.benignRisks) allBenign.set(r, (allBenign.get(r) ?? 0) + n);
      agg.benignCalls += res.benign;
      agg.falseAlarms += res.fa;
      agg.changedCalls += res.changed;
      agg.changedAlarms += res.changedFa;
      for (const k of ["attack", "benign"] as const)
        for (const [c, n] of Object.entries(res.reasons[k])) agg.reasons[k][c] = (agg.reasons[k][c] ?? 0) + n;
      if (seed === seedStart && who) {
        series.push({
          label: `${kind}: ${who}`,
          points: res.points,
          window: focus ? [focus.start, s.calls.filter((c) => c.injection === focus.id).at(-1)!.time] : undefined,
        });
      }
    }
    agg.medianDelayCalls = median(delaysC);
    agg.medianDelaySeconds = median(delaysS);
    results.push(agg);
  }
  const benignCalls = results.reduce((a, r) => a + r.benignCalls, 0);
  const falseAlarms = results.reduce((a, r) => a + r.falseAlarms, 0);
  return {
    scorer: o.priorArt ? "prior art" : "toolwatch",
    seeds,
    seedStart,
    options: gen,
    results,
    totals: { benignCalls, falseAlarms, perThousand: benignCalls ? (1000 * falseAlarms) / benignCalls : NaN },
    series,
    benignRisks: [...allBenign].sort((a, b) => a[0] - b[0]),
  };
}
