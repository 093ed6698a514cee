// The AgentDojo protocol (data README): entity = suite/user_task_id; leave one pipeline out. For each
// pipeline P a fresh scorer learns every task from the benign runs of all other pipelines; then each
// of P's runs (benign = negative, attacked = positive) is scored online from a copy of that learned
// state, so no held-out run ever teaches the baseline another held-out run is judged against.
//
// Time: the traces have none. Calls get synthetic, evenly spaced times: each learned run starts a new
// day at 10:00 UTC, calls 20 s apart; every held-out run is scored on the day after the last learned
// run, at 10:00 UTC, calls 20 s apart. Benign and attacked runs get identical timing, so burst, rate
// and hour signals cannot tell them apart here; the timed scenarios measure those signals.
import type { Run } from "./load.js";
import type { Scorer, TimedCall } from "../scorer.js";

export const DAY_MS = 86_400_000;
export const CALL_SPACING_MS = 20_000;
/** Monday 2024-01-01 10:00 UTC. */
export const EPOCH = Date.UTC(2024, 0, 1, 10, 0, 0);

export interface ScoredRun {
  run: Run;
  fold: string;
  /** risk of each call, in order */
  risks: number[];
  actions: ("allow" | "warn" | "block")[];
  reasons: string[][];
  /** the run's score: the highest risk of any of its calls (0 for a run without calls) */
  score: number;
}

export function timed(run: Run, start: number): TimedCall[] {
  return run.calls.map((c, i) => ({
    tenant: run.suite,
    principal: run.task,
    tool: c.tool,
    args: c.args,
    time: start + i * CALL_SPACING_MS,
  }));
}

export function pipelines(runs: readonly Run[]): string[] {
  return [...new Set(runs.map((r) => r.pipeline))];
}

/** Runs the protocol; `make` builds a fresh scorer for each fold. */
export function runProtocol(runs: readonly Run[], make: () => Scorer): ScoredRun[] {
  const out: ScoredRun[] = [];
  for (const P of pipelines(runs)) {
    const s = make();
    let day = 0;
    for (const r of runs) {
      if (r.pipeline === P || r.attacked) continue;
      for (const c of timed(r, EPOCH + day * DAY_MS)) s.learn(c);
      day++;
    }
    const learned = s.save();
    const at = EPOCH + (day + 1) * DAY_MS;
    for (const r of runs) {
      if (r.pipeline !== P) continue;
      s.restore(learned);
      const risks: number[] = [];
      const actions: ScoredRun["actions"] = [];
      const reasons: string[][] = [];
      for (const c of timed(r, at)) {
        const d = s.check(c);
        risks.push(d.risk);
        actions.push(d.action);
        reasons.push(d.reasons);
      }
      out.push({ run: r, fold: P, risks, actions, reasons, score: risks.length ? Math.max(...risks) : 0 });
    }
    if (s.evictions() > 0) throw new Error(`fold ${P}: the scorer evicted ${s.evictions()} records; raise budgetBytes`);
  }
  return out;
}
