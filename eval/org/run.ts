// Runs the simulated organisation (eval/org/world.ts) through toolwatch and the prior art in time order
// and reports, per attack kind, the episodes caught at an alert budget (the score cut-off that flags 5
// benign calls in 1 000) and at each scorer's own warn threshold, and the warned benign calls per 1 000
// for established principals and for principals in their first days.
import type { ConfigInput } from "../../js/config/schema.js";
import { DetectorScorer, type Scorer } from "../scorer.js";
import { PriorArtScorer } from "../prior-art-scorer.js";
import { budgetCutoff } from "../scenarios/run.js";
import { BLOCK } from "../scenarios/blocks.js";
import { DAY, NEW_DAYS, ORG_ATTACKS, generateOrg, type OrgAttack, type OrgOptions } from "./world.js";

/** Per seed and scorer: what the run saw. */
export interface OrgSeedResult {
  seed: number;
  calls: number;
  /** benign risks in the evaluated weeks as [risk, count], ascending */
  benignRisks: [number, number][];
  /** risks of attack calls as [risk, count], ascending */
  attackRisks: [number, number][];
  established: { calls: number; warned: number };
  newcomers: { calls: number; warned: number };
  /** per episode: its kind, highest risk, and whether the scorer warned or blocked one of its calls */
  episodes: { kind: OrgAttack; peak: number; warned: boolean }[];
  /** warned benign calls by the event they belong to ("" = ordinary work) */
  warnedByEvent: Record<string, number>;
  /** the scorer's reasons on warned benign calls */
  warnedReasons: Record<string, number>;
}

export interface OrgScorerReport {
  scorer: string;
  seeds: OrgSeedResult[];
}

export interface OrgReport {
  seedStart: number;
  seeds: number;
  budget: number;
  options: OrgOptions;
  scorers: OrgScorerReport[];
}

export function runOrgSeed(seed: number, scorer: "toolwatch" | "prior art", o: OrgRunOptions = {}): OrgSeedResult {
  const w = generateOrg(seed, o.world);
  const s: Scorer =
    scorer === "prior art"
      ? new PriorArtScorer()
      : new DetectorScorer({ ...(o.config ?? {}), timeZones: { ...w.timeZones, ...(o.config?.timeZones ?? {}) } });
  const risks = new Map<number, number>();
  const res: OrgSeedResult = {
    seed,
    calls: w.calls.length,
    benignRisks: [],
    attackRisks: [],
    established: { calls: 0, warned: 0 },
    newcomers: { calls: 0, warned: 0 },
    episodes: [],
    warnedByEvent: {},
    warnedReasons: {},
  };
  const peak = new Map<number, { peak: number; warned: boolean }>();
  const attackRisks = new Map<number, number>();
  for (const c of w.calls) {
    const d = s.check({
      tenant: c.tenant,
      principal: c.principal,
      tool: c.tool,
      args: c.args,
      time: c.time,
      timeZone: w.timeZones[c.tenant],
    });
    const warned = d.action !== "allow";
    if (c.episode >= 0) {
      const e = peak.get(c.episode) ?? { peak: 0, warned: false };
      e.peak = Math.max(e.peak, d.risk);
      e.warned ||= warned;
      peak.set(c.episode, e);
      attackRisks.set(d.risk, (attackRisks.get(d.risk) ?? 0) + 1);
      continue;
    }
    if (c.time < w.evalStart) continue;
    risks.set(d.risk, (risks.get(d.risk) ?? 0) + 1);
    const first = w.firstCall.get(`${c.tenant}/${c.principal}`)!;
    const g = c.time - first < NEW_DAYS * DAY ? res.newcomers : res.established;
    g.calls++;
    if (warned) {
      g.warned++;
      res.warnedByEvent[c.event] = (res.warnedByEvent[c.event] ?? 0) + 1;
      for (const why of d.reasons) res.warnedReasons[why] = (res.warnedReasons[why] ?? 0) + 1;
    }
  }
  res.benignRisks = [...risks].sort((a, b) => a[0] - b[0]);
  res.attackRisks = [...attackRisks].sort((a, b) => a[0] - b[0]);
  for (const e of w.episodes) {
    const p = peak.get(e.id) ?? { peak: 0, warned: false };
    res.episodes.push({ kind: e.kind, peak: p.peak, warned: p.warned });
  }
  return res;
}

export interface OrgRunOptions {
  seeds?: number;
  seedStart?: number;
  config?: ConfigInput;
  world?: OrgOptions;
  /** benign calls per 1 000 the alert budget allows (default 5) */
  budget?: number;
  /** skip the prior art (faster) */
  toolwatchOnly?: boolean;
}

export function evaluateOrg(o: OrgRunOptions = {}): OrgReport {
  const seeds = o.seeds ?? 10;
  const seedStart = o.seedStart ?? 1;
  const names: ("toolwatch" | "prior art")[] = o.toolwatchOnly ? ["toolwatch"] : ["toolwatch", "prior art"];
  return {
    seedStart,
    seeds,
    budget: o.budget ?? 5,
    options: o.world ?? {},
    scorers: names.map((name) => ({
      scorer: name,
      seeds: Array.from({ length: seeds }, (_, i) => runOrgSeed(seedStart + i, name, o)),
    })),
  };
}

// ---- figures

function merge(rs: readonly OrgSeedResult[], which: "benignRisks" | "attackRisks" = "benignRisks"): [number, number][] {
  const m = new Map<number, number>();
  for (const r of rs) for (const [k, n] of r[which]) m.set(k, (m.get(k) ?? 0) + n);
  return [...m].sort((a, b) => a[0] - b[0]);
}

/** Call-level ROC-AUC from two ascending risk histograms: P(attack > benign) + P(tie) / 2. */
export function aucOfCounts(attack: readonly [number, number][], benign: readonly [number, number][]): number {
  const P = attack.reduce((a, [, n]) => a + n, 0);
  const N = benign.reduce((a, [, n]) => a + n, 0);
  if (!P || !N) return Number.NaN;
  let below = 0; // benign calls scoring under the current attack risk
  let j = 0;
  let sum = 0;
  for (const [r, n] of attack) {
    while (j < benign.length && benign[j]![0] < r) below += benign[j++]![1];
    const tie = j < benign.length && benign[j]![0] === r ? benign[j]![1] : 0;
    sum += n * (below + tie / 2);
  }
  return sum / (P * N);
}

export interface KindFigure {
  episodes: number;
  /** detected at the budget cut-off (%), over all seeds and in the worst block of 10 */
  budget: number;
  budgetWorst: number;
  /** warned at the scorer's own warn threshold (%) */
  warn: number;
}

export interface ScorerFigures {
  scorer: string;
  cutoff: number;
  /** call-level ROC-AUC, attack calls against benign calls of the evaluated weeks */
  auc: number;
  /** benign calls per 1 000 over the cut-off (at most the budget; ties may keep it lower) */
  flagged: number;
  kinds: Record<OrgAttack, KindFigure>;
  /** warned benign calls per 1 000: mean and worst block */
  established: { mean: number; worst: number };
  newcomers: { mean: number; worst: number };
  warnedByEvent: Record<string, number>;
  warnedReasons: Record<string, number>;
}

function blocks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i + BLOCK <= xs.length; i += BLOCK) out.push(xs.slice(i, i + BLOCK));
  if (!out.length && xs.length) out.push([...xs]);
  return out;
}

function detectedAt(rs: readonly OrgSeedResult[], kind: OrgAttack, cutoff: number): [number, number] {
  const eps = rs.flatMap((r) => r.episodes.filter((e) => e.kind === kind));
  return [eps.filter((e) => e.peak > cutoff).length, eps.length];
}

const rate = (rs: readonly OrgSeedResult[], g: "established" | "newcomers") => {
  const calls = rs.reduce((a, r) => a + r[g].calls, 0);
  return calls ? (1000 * rs.reduce((a, r) => a + r[g].warned, 0)) / calls : Number.NaN;
};

export function figures(rep: OrgScorerReport, budget: number): ScorerFigures {
  const all = merge(rep.seeds);
  const cutoff = budgetCutoff(all, budget);
  const total = all.reduce((a, [, n]) => a + n, 0);
  const over = all.reduce((a, [r, n]) => a + (r > cutoff ? n : 0), 0);
  const bs = blocks(rep.seeds);
  // each block of 10 seeds at its own budget cut-off, as a team would set it on its own traffic
  const blockCut = bs.map((b) => budgetCutoff(merge(b), budget));
  const kinds = {} as Record<OrgAttack, KindFigure>;
  for (const k of ORG_ATTACKS) {
    const [d, n] = detectedAt(rep.seeds, k, cutoff);
    const eps = rep.seeds.flatMap((r) => r.episodes.filter((e) => e.kind === k));
    const worst = Math.min(
      ...bs.map((b, i) => {
        const [bd, bn] = detectedAt(b, k, blockCut[i]!);
        return bn ? (100 * bd) / bn : 100;
      }),
    );
    kinds[k] = {
      episodes: n,
      budget: n ? (100 * d) / n : Number.NaN,
      budgetWorst: worst,
      warn: eps.length ? (100 * eps.filter((e) => e.warned).length) / eps.length : Number.NaN,
    };
  }
  const warnedByEvent: Record<string, number> = {};
  const warnedReasons: Record<string, number> = {};
  for (const r of rep.seeds) {
    for (const [e, n] of Object.entries(r.warnedByEvent)) warnedByEvent[e] = (warnedByEvent[e] ?? 0) + n;
    for (const [e, n] of Object.entries(r.warnedReasons)) warnedReasons[e] = (warnedReasons[e] ?? 0) + n;
  }
  return {
    scorer: rep.scorer,
    cutoff,
    auc: aucOfCounts(merge(rep.seeds, "attackRisks"), all),
    flagged: total ? (1000 * over) / total : Number.NaN,
    kinds,
    established: { mean: rate(rep.seeds, "established"), worst: Math.max(...bs.map((b) => rate(b, "established"))) },
    newcomers: { mean: rate(rep.seeds, "newcomers"), worst: Math.max(...bs.map((b) => rate(b, "newcomers"))) },
    warnedByEvent,
    warnedReasons,
  };
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");

export function formatOrg(rep: OrgReport): string {
  const figs = rep.scorers.map((s) => figures(s, rep.budget));
  const last = rep.seedStart + rep.seeds - 1;
  const calls = rep.scorers[0]!.seeds.reduce((a, s) => a + s.calls, 0);
  const blocked = rep.seeds >= BLOCK;
  const out: string[] = [];
  out.push(
    `Simulated organisation (docs/SCENARIOS.md, "The organisation"): seeds ${rep.seedStart}–${last}, ${calls} calls in all (six weeks each; the first two are history). Detected = an episode with a call scoring above the cut-off that flags at most ${rep.budget} benign calls per 1 000 (alert budget), or warned at the scorer's own warn threshold.${blocked ? ` "worst" = the worst block of ${BLOCK} seeds, each block at its own cut-off.` : ""}`,
    "",
  );
  const head = figs.map((x) => x.scorer);
  out.push(
    `| attack kind | episodes | ${head.map((h) => `${h} @ budget`).join(" | ")}${blocked ? ` | ${head.map((h) => `${h} worst`).join(" | ")}` : ""} | ${head.map((h) => `${h} @ warn`).join(" | ")} |`,
  );
  out.push(
    `|---|---|${head.map(() => "---|").join("")}${blocked ? head.map(() => "---|").join("") : ""}${head.map(() => "---|").join("")}`,
  );
  for (const k of ORG_ATTACKS) {
    const cells = [
      ...figs.map((x) => `${f(x.kinds[k].budget)}%`),
      ...(blocked ? figs.map((x) => `${f(x.kinds[k].budgetWorst)}%`) : []),
      ...figs.map((x) => `${f(x.kinds[k].warn)}%`),
    ];
    out.push(`| ${k} | ${figs[0]!.kinds[k].episodes} | ${cells.join(" | ")} |`);
  }
  out.push("");
  out.push(
    `| scorer | call-level ROC-AUC | budget cut-off | flagged per 1 000 | warned per 1 000, established${blocked ? " (mean / worst)" : ""} | warned per 1 000, first ${NEW_DAYS} days${blocked ? " (mean / worst)" : ""} |`,
  );
  out.push("|---|---|---|---|---|---|");
  for (const x of figs) {
    const two = (g: { mean: number; worst: number }) => (blocked ? `${f(g.mean, 2)} / ${f(g.worst, 2)}` : f(g.mean, 2));
    out.push(
      `| ${x.scorer} | ${f(x.auc, 3)} | ${f(x.cutoff, 3)} | ${f(x.flagged, 2)} | ${two(x.established)} | ${two(x.newcomers)} |`,
    );
  }
  out.push("");
  out.push("Warned benign calls by what they belonged to (all seeds):", "");
  const events = [...new Set(figs.flatMap((x) => Object.keys(x.warnedByEvent)))].sort();
  out.push(`| scorer | ${events.map((e) => e || "ordinary work").join(" | ")} |`);
  out.push(`|---|${events.map(() => "---|").join("")}`);
  for (const x of figs) out.push(`| ${x.scorer} | ${events.map((e) => x.warnedByEvent[e] ?? 0).join(" | ")} |`);
  out.push("", "Reasons given on warned benign calls (all seeds; a call may give several):", "");
  for (const x of figs) {
    const top = Object.entries(x.warnedReasons)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, n]) => `${k} ${n}`);
    out.push(`- ${x.scorer}: ${top.join(", ") || "none"}`);
  }
  return out.join("\n");
}
