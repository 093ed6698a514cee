// The whole AgentDojo evaluation: the detector as configured, the same with the protocol's
// min-evidence setting, each signal alone, and the prior-art reference, all on the same runs.
import { SIGNALS } from "../../js/core/abi.js";
import type { ConfigInput } from "../../js/config/schema.js";
import { DetectorScorer } from "../scorer.js";
import { PriorArtScorer } from "../prior-art-scorer.js";
import { loadDir, type LoadResult } from "./load.js";
import { runProtocol, type ScoredRun } from "./protocol.js";
import { evaluate, MAX_FPR, type EvalResult } from "./evaluate.js";

/**
 * Memory for the evaluation's detectors: the folds hold a few hundred records, and each held-out run
 * starts from a copy of the learned state, so a small arena keeps copies cheap. The budget bounds
 * memory only; the protocol refuses any result in which a record was evicted.
 */
export const EVAL_BUDGET_BYTES = 4 * 1024 * 1024;

/**
 * The protocol variant: every learned call was vetted (benign runs, learned unconditionally), so the
 * gate that stops an online learner from judging on thin evidence is dropped to one call. The default
 * (20 calls) sends most tasks — 7 learned runs of 2-5 calls — to the tenant-wide baseline instead.
 */
export const PROTOCOL_OVERRIDES: ConfigInput = { minCalls: 1 };

export interface AgentDojoReport {
  dir: string;
  files: string[];
  skipped: LoadResult["skipped"];
  counts: {
    runs: number;
    benign: number;
    attacked: number;
    succeeded: number;
    attempted: number;
    calls: number;
    pipelines: number;
    entities: number;
  };
  rows: EvalResult[];
  /** the false-positive rate the cut-offs aimed at */
  maxFpr: number;
  /** runs kept for the HTML report (risk per call of a few runs) */
  examples: ScoredRun[];
}

function only(signal: string, base: ConfigInput): ConfigInput {
  const signals = Object.fromEntries(SIGNALS.map((s) => [s, { mode: s === signal ? "on" : "off" }]));
  return { ...base, signals: signals as ConfigInput["signals"] };
}

export interface AgentDojoOptions {
  config?: ConfigInput;
  reps?: number;
  /** false-positive rate the per-fold cut-offs aim at (default MAX_FPR, 5%) */
  maxFpr?: number;
  /** skip the per-signal and prior-art rows */
  quick?: boolean;
  log?: (s: string) => void;
}

export function evaluateAgentDojo(dir: string, opts: AgentDojoOptions = {}): AgentDojoReport {
  const log = opts.log ?? (() => {});
  const data = loadDir(dir);
  const runs = data.runs;
  if (!runs.some((r) => !r.attacked) || !runs.some((r) => r.attacked))
    throw new Error(`${dir}: need both benign and attacked runs`);
  const base: ConfigInput = { ...(opts.config ?? {}) };
  base.budgetBytes ??= EVAL_BUDGET_BYTES;
  const reps = opts.reps ?? 1000;
  const maxFpr = opts.maxFpr ?? MAX_FPR;
  const rows: EvalResult[] = [];
  const run = (name: string, make: () => import("../scorer.js").Scorer): ScoredRun[] => {
    const t = Date.now();
    const scored = runProtocol(runs, make);
    const probe = make();
    rows.push(evaluate(name, scored, probe.warn, reps, maxFpr));
    log(`${name}: ${Date.now() - t} ms`);
    return scored;
  };
  const main = run(opts.config ? "toolwatch (--config)" : "toolwatch (default config)", () => new DetectorScorer(base));
  const proto = { ...base, ...PROTOCOL_OVERRIDES };
  const protoScored = run(`toolwatch (minCalls ${PROTOCOL_OVERRIDES.minCalls})`, () => new DetectorScorer(proto));
  if (!opts.quick) {
    for (const s of SIGNALS) run(`${s} alone`, () => new DetectorScorer(only(s, proto)));
    run("prior art (prior-art/detector.ts)", () => new PriorArtScorer());
  }
  void main;
  const examples = pickExamples(protoScored);
  return {
    dir,
    files: data.files,
    skipped: data.skipped,
    counts: {
      runs: runs.length,
      benign: runs.filter((r) => !r.attacked).length,
      attacked: runs.filter((r) => r.attacked).length,
      succeeded: runs.filter((r) => r.succeeded).length,
      attempted: runs.filter((r) => r.attempted === true).length,
      calls: runs.reduce((a, r) => a + r.calls.length, 0),
      pipelines: new Set(runs.map((r) => r.pipeline)).size,
      entities: new Set(runs.map((r) => r.entity)).size,
    },
    rows,
    maxFpr,
    examples,
  };
}

/** For the picture: per suite, the successful attack run with the most calls; the first one's benign twin. */
function pickExamples(scored: ScoredRun[]): ScoredRun[] {
  const out: ScoredRun[] = [];
  for (const s of [...new Set(scored.map((r) => r.run.suite))].sort()) {
    const att = scored
      .filter((r) => r.run.suite === s && r.run.succeeded && r.run.attempted === true)
      .sort((a, b) => b.risks.length - a.risks.length)[0];
    if (!att) continue;
    out.push(att);
    const twin = scored.find((r) => !r.run.attacked && r.fold === att.fold && r.run.entity === att.run.entity);
    if (twin && out.length === 1) out.push(twin);
  }
  return out;
}
