// Figures over blocks of consecutive seeds: a rate that holds on average can still fail on one block,
// and the targets are per block of 10 seeds.
import type { ScenarioResult, ScenariosReport } from "./run.js";
import { budgetCutoff } from "./run.js";

export const BLOCK = 10;

export interface BlockFigure {
  /** over all seeds */
  mean: number;
  /** the worst block of BLOCK consecutive seeds (lowest for detection, highest for false alarms) */
  worst: number;
  blocks: number;
}

function blocksOf<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i + BLOCK <= xs.length; i += BLOCK) out.push(xs.slice(i, i + BLOCK));
  if (out.length === 0 && xs.length) out.push([...xs]);
  return out;
}

/** Detection rate (%) of one attack kind: over all seeds, and its worst block. */
export function detectionBlocks(r: ScenarioResult): BlockFigure {
  const bs = blocksOf(r.perSeed).map(
    (b) =>
      (100 * b.reduce((a, s) => a + s.detected, 0)) /
      Math.max(
        1,
        b.reduce((a, s) => a + s.injections, 0),
      ),
  );
  return { mean: (100 * r.detected) / Math.max(1, r.injections), worst: Math.min(...bs), blocks: bs.length };
}

/** False alarms per 1 000 benign calls over the given kinds, seed blocks summed across kinds. */
export function falseAlarmBlocks(rs: readonly ScenarioResult[], changedOnly = false): BlockFigure {
  const n = Math.max(0, ...rs.map((r) => r.perSeed.length));
  const per: { calls: number; fa: number }[] = [];
  for (let i = 0; i < n; i++) {
    let calls = 0,
      fa = 0;
    for (const r of rs) {
      const s = r.perSeed[i];
      if (!s) continue;
      calls += changedOnly ? s.changed : s.benign;
      fa += changedOnly ? s.changedAlarms : s.falseAlarms;
    }
    per.push({ calls, fa });
  }
  const rate = (xs: { calls: number; fa: number }[]) => {
    const c = xs.reduce((a, x) => a + x.calls, 0);
    return c ? (1000 * xs.reduce((a, x) => a + x.fa, 0)) / c : NaN;
  };
  const bs = blocksOf(per).map(rate);
  return { mean: rate(per), worst: Math.max(...bs), blocks: bs.length };
}

export interface BudgetRow {
  kind: string;
  injections: number;
  detected: number;
}

/** Detection per attack kind when alerting above the cut-off that flags `perThousand` benign calls in 1 000. */
export function alertBudget(
  rep: ScenariosReport,
  perThousand = 5,
): { cutoff: number; flagged: number; rows: BudgetRow[] } {
  const cutoff = budgetCutoff(rep.benignRisks, perThousand);
  const total = rep.benignRisks.reduce((a, [, n]) => a + n, 0);
  const over = rep.benignRisks.reduce((a, [r, n]) => a + (r > cutoff ? n : 0), 0);
  const rows = rep.results
    .filter((r) => r.attack)
    .map((r) => ({
      kind: r.kind,
      injections: r.injectionRisks.length,
      detected: r.injectionRisks.filter((x) => x > cutoff).length,
    }));
  return { cutoff, flagged: total ? (1000 * over) / total : NaN, rows };
}
