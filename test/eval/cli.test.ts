// npm run eval's options: fresh seeds, blocks of 10, the alert budget, and a clone without AgentDojo data.
import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { parseArgs, runEval, AGENTDOJO_HELP, defaultAgentDojoDir } from "../../eval/cli.js";
import { evaluateScenarios, budgetCutoff } from "../../eval/scenarios/run.js";
import { alertBudget, detectionBlocks, falseAlarmBlocks } from "../../eval/scenarios/blocks.js";

describe("npm run eval options", () => {
  it("takes --seed-start and --seeds, and reports on fresh seeds by default", () => {
    const d = parseArgs([], "/repo", {});
    expect(d.seeds).toBeGreaterThanOrEqual(100);
    expect(d.seedStart).toBeGreaterThan(60);
    const o = parseArgs(["--scenarios", "--seed-start", "2000", "--seeds", "20"], "/repo", {});
    expect([o.seedStart, o.seeds]).toEqual([2000, 20]);
    expect(() => parseArgs(["--seed-start", "x"], "/repo", {})).toThrow(
      /--seed-start must be a positive integer, got x/,
    );
  });

  it("finds AgentDojo data through --agentdojo, TOOLWATCH_AGENTDOJO, or next to the repository", () => {
    expect(parseArgs(["--agentdojo", "/data/ad"], "/repo", {}).agentdojo).toBe("/data/ad");
    expect(defaultAgentDojoDir("/repo", { TOOLWATCH_AGENTDOJO: "/elsewhere" })).toBe("/elsewhere");
    expect(defaultAgentDojoDir("/work/repo", {})).toBe("/work/shared/data/agentdojo");
  });

  it("on a clone without AgentDojo data, runs the scenarios and says how to get the data", () => {
    const empty = join(mkdtempSync(join(tmpdir(), "tw-eval-")), "agentdojo");
    const o = { ...parseArgs(["--seeds", "1", "--quick"], "/repo", { TOOLWATCH_AGENTDOJO: empty }) };
    const logs: string[] = [];
    const out = runEval(o, (s) => logs.push(s));
    expect(out.agentdojo).toBeNull();
    expect(out.scenarios?.length).toBeGreaterThan(0);
    expect(out.markdown).toMatch(/Not run: no data at .*agentdojo/);
    expect(logs.join("\n")).toContain(AGENTDOJO_HELP);
    expect(AGENTDOJO_HELP).toMatch(/--agentdojo <dir>/);
    expect(AGENTDOJO_HELP).toMatch(/TOOLWATCH_AGENTDOJO/);
    // asked for explicitly, missing data is an error that says the same
    const asked = parseArgs(["--agentdojo", empty], "/repo", {});
    expect(() => runEval({ ...asked, scenarios: false }, () => {})).toThrow(
      /no AgentDojo data at .*TOOLWATCH_AGENTDOJO/s,
    );
  }, 120_000);
});

describe("scenario figures over seeds", () => {
  const small = { tenants: 2, principals: 4, learnDays: 14, evalDays: 7, injections: 2 };

  it("runs the seeds asked for and keeps per-seed figures for blocks of 10", () => {
    const r = evaluateScenarios({ seeds: 12, seedStart: 500, gen: small, kinds: ["slow_drip_new_tools", "busy_day"] });
    expect(r.seedStart).toBe(500);
    const drip = r.results.find((x) => x.kind === "slow_drip_new_tools")!;
    expect(drip.perSeed.map((s) => s.seed)).toEqual(Array.from({ length: 12 }, (_, i) => 500 + i));
    const b = detectionBlocks(drip);
    expect(b.blocks).toBe(1); // 12 seeds: one whole block of 10
    expect(b.worst).toBeLessThanOrEqual(b.mean + 1e-9 + (100 * 2) / 4); // the block leaves 2 seeds out
    const fa = falseAlarmBlocks(r.results);
    expect(fa.mean).toBeCloseTo((1000 * r.totals.falseAlarms) / r.totals.benignCalls, 9);
    expect(drip.injectionRisks).toHaveLength(drip.injections);
  }, 120_000);

  it("the alert-budget cut-off flags at most the budget, and is the lowest that does", () => {
    const benign: [number, number][] = [
      [0, 9000],
      [0.3, 900],
      [0.45, 60],
      [0.55, 30],
      [0.7, 10],
    ];
    // 10 000 calls, budget 5 per 1 000 = 50: 0.7 (10) and 0.55 (30) fit, 0.45 (60 more) does not
    expect(budgetCutoff(benign, 5)).toBe(0.45);
    expect(budgetCutoff(benign, 0.5)).toBe(0.7); // 5 allowed: even the 10 at 0.7 are too many
    expect(budgetCutoff(benign, 1000)).toBeLessThan(0);
    const r = evaluateScenarios({ seeds: 2, seedStart: 7, gen: small, kinds: ["slow_drip_new_tools", "busy_day"] });
    const a = alertBudget(r, 5);
    expect(a.flagged).toBeLessThanOrEqual(5);
    const row = a.rows.find((x) => x.kind === "slow_drip_new_tools")!;
    expect(row.detected).toBe(r.results[0]!.injectionRisks.filter((x) => x > a.cutoff).length);
  }, 120_000);
});
