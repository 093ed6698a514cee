// Ranking metrics over scored examples, with ties handled exactly, and a seeded cluster bootstrap.

export interface Scored {
  score: number;
  positive: boolean;
  /** cluster for the bootstrap (runs of one task are not independent) */
  group: string;
}

/** ROC-AUC as the Mann-Whitney statistic: P(positive > negative) + 0.5 P(tie). NaN without both classes. */
export function rocAuc(xs: readonly Scored[]): number {
  const sorted = [...xs].sort((a, b) => a.score - b.score);
  let pos = 0;
  let neg = 0;
  let rankSumPos = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    const avgRank = (i + 1 + j) / 2; // 1-based ranks i+1..j
    for (let k = i; k < j; k++) {
      if (sorted[k]!.positive) {
        pos++;
        rankSumPos += avgRank;
      } else neg++;
    }
    i = j;
  }
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Curve points from the highest threshold down; tied scores move together. */
export function curves(xs: readonly Scored[]): {
  roc: [number, number][];
  pr: [number, number][];
  thresholds: number[];
} {
  const sorted = [...xs].sort((a, b) => b.score - a.score);
  const P = sorted.filter((x) => x.positive).length;
  const N = sorted.length - P;
  const roc: [number, number][] = [[0, 0]];
  const pr: [number, number][] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < sorted.length) {
    const s = sorted[i]!.score;
    while (i < sorted.length && sorted[i]!.score === s) {
      if (sorted[i]!.positive) tp++;
      else fp++;
      i++;
    }
    roc.push([N ? fp / N : 0, P ? tp / P : 0]);
    pr.push([P ? tp / P : 0, tp / (tp + fp)]);
    thresholds.push(s);
  }
  return { roc, pr, thresholds };
}

/** Average precision (area under the step PR curve): sum over thresholds of ΔRecall × precision. */
export function prAuc(xs: readonly Scored[]): number {
  const P = xs.filter((x) => x.positive).length;
  if (P === 0 || P === xs.length) return NaN;
  const { pr } = curves(xs);
  let prev = 0;
  let ap = 0;
  for (const [r, p] of pr) {
    ap += (r - prev) * p;
    prev = r;
  }
  return ap;
}

/**
 * The alert cut-off from negatives only: the smallest c (a negative's score, or -Infinity) such that
 * at most `maxFpr` of the negatives score strictly above c. Alert = score > c.
 */
export function cutoffFromNegatives(negScores: readonly number[], maxFpr: number): number {
  const s = [...negScores].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return -Infinity;
  const candidates = [-Infinity, ...new Set(s)];
  for (const c of candidates) {
    let above = 0;
    for (let k = n - 1; k >= 0 && s[k]! > c; k--) above++;
    if (above / n <= maxFpr) return c;
  }
  return s[n - 1]!;
}

import { rng } from "../js/util/rng.js";
export { rng };

export interface Interval {
  value: number;
  lo: number;
  hi: number;
}

/**
 * Percentile 95% interval of `stat` under resampling of whole groups with replacement (a cluster
 * bootstrap: every run of a resampled task comes along). Resamples where the statistic is undefined
 * (one class missing) are dropped.
 */
export function bootstrap(xs: readonly Scored[], stat: (s: Scored[]) => number, reps = 1000, seed = 1): Interval {
  const value = stat([...xs]);
  const groups = new Map<string, Scored[]>();
  for (const x of xs) {
    let g = groups.get(x.group);
    if (!g) groups.set(x.group, (g = []));
    g.push(x);
  }
  const keys = [...groups.keys()];
  const rand = rng(seed);
  const vals: number[] = [];
  for (let r = 0; r < reps; r++) {
    const sample: Scored[] = [];
    for (let k = 0; k < keys.length; k++) sample.push(...groups.get(keys[Math.floor(rand() * keys.length)]!)!);
    const v = stat(sample);
    if (Number.isFinite(v)) vals.push(v);
  }
  vals.sort((a, b) => a - b);
  if (vals.length === 0) return { value, lo: NaN, hi: NaN };
  const q = (p: number) => vals[Math.min(vals.length - 1, Math.max(0, Math.floor(p * vals.length)))]!;
  return { value, lo: q(0.025), hi: q(0.975) };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
