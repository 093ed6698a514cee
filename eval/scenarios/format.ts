// Markdown table of the timed-scenario results.
import type { ScenariosReport } from "./run.js";
import { alertBudget, detectionBlocks, falseAlarmBlocks, BLOCK } from "./blocks.js";

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");

export function formatScenarios(reps: ScenariosReport[]): string {
  const out: string[] = [];
  const o = reps[0]!.options;
  const s0 = reps[0]!.seedStart ?? 1;
  out.push(
    `Timed scenarios: ${reps[0]!.seeds} seeds per scenario (seeds ${s0}–${s0 + reps[0]!.seeds - 1}); each stream ${o.tenants} tenants × ${o.principals} principals, ${o.learnDays} days of history then ${o.evalDays} evaluation days; ${o.injections} injections per attack stream. False alarms = warned or blocked benign calls in the evaluation days.`,
  );
  out.push("");
  out.push(
    `| scorer | scenario | detected | median delay (calls) | median delay (s) | benign calls | false alarms | per 1 000 | changed calls | alarms on them |`,
  );
  out.push(`|---|---|---|---|---|---|---|---|---|---|`);
  for (const rep of reps) {
    for (const r of rep.results) {
      const det = r.attack ? `${r.detected}/${r.injections} (${f((100 * r.detected) / r.injections, 0)}%)` : "–";
      out.push(
        `| ${rep.scorer} | ${r.kind} | ${det} | ${r.attack ? f(r.medianDelayCalls) : "–"} | ${r.attack ? f(r.medianDelaySeconds) : "–"} | ${r.benignCalls} | ${r.falseAlarms} | ${f((1000 * r.falseAlarms) / r.benignCalls, 2)} | ${r.changedCalls || "–"} | ${r.changedCalls ? r.changedAlarms : "–"} |`,
      );
    }
    // the issue's target is over its own list of benign changes; new_member (people joining) was added
    // later and is shown in the total and apart from it
    const issue = rep.results.filter((r) => r.kind !== "new_member");
    if (issue.length !== rep.results.length) {
      const b = issue.reduce((a, r) => a + r.benignCalls, 0);
      const fa = issue.reduce((a, r) => a + r.falseAlarms, 0);
      out.push(
        `| ${rep.scorer} | **all streams but new_member** | | | | ${b} | ${fa} | **${f((1000 * fa) / b, 2)}** | | |`,
      );
    }
    out.push(
      `| ${rep.scorer} | **all streams** | | | | ${rep.totals.benignCalls} | ${rep.totals.falseAlarms} | **${f(rep.totals.perThousand, 2)}** | | |`,
    );
  }
  out.push("", formatBlocks(reps), "", formatBudget(reps));
  return out.join("\n");
}

const pct = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)}%` : "–");

/** Mean over all seeds and the worst block of BLOCK consecutive seeds, per scorer. */
export function formatBlocks(reps: ScenariosReport[]): string {
  const out: string[] = [];
  const s0 = reps[0]!.seedStart ?? 1;
  out.push(
    `Over seeds ${s0}–${s0 + reps[0]!.seeds - 1}: the mean, and the worst block of ${BLOCK} consecutive seeds (lowest detection, highest false alarms).`,
  );
  out.push("");
  out.push("| scorer | figure | mean | worst block | blocks |");
  out.push("|---|---|---|---|---|");
  for (const rep of reps) {
    for (const r of rep.results.filter((x) => x.attack)) {
      const b = detectionBlocks(r);
      out.push(`| ${rep.scorer} | ${r.kind} detected | ${pct(b.mean)} | ${pct(b.worst)} | ${b.blocks} |`);
    }
    const issue = rep.results.filter((r) => r.kind !== "new_member");
    const fa = falseAlarmBlocks(issue);
    out.push(
      `| ${rep.scorer} | false alarms per 1 000, all streams but new_member | ${f(fa.mean, 2)} | ${f(fa.worst, 2)} | ${fa.blocks} |`,
    );
    const nm = rep.results.filter((r) => r.kind === "new_member");
    if (nm.length) {
      const j = falseAlarmBlocks(nm, true);
      out.push(
        `| ${rep.scorer} | false alarms per 1 000 calls of people joining (new_member) | ${f(j.mean, 2)} | ${f(j.worst, 2)} | ${j.blocks} |`,
      );
    }
  }
  return out.join("\n");
}

/** Detection per attack kind at the cut-off that flags 5 benign calls in 1 000, per scorer. */
export function formatBudget(reps: ScenariosReport[], perThousand = 5): string {
  const out: string[] = [];
  out.push(
    `Alert budget: each scorer alerts above the risk that flags at most ${perThousand} of every 1 000 benign calls (all streams of its run); detection per attack kind at that cut-off.`,
  );
  out.push("");
  const budgets = reps.map((r) => ({ rep: r, b: alertBudget(r, perThousand) }));
  out.push(
    `| attack kind | ${budgets.map(({ rep, b }) => `${rep.scorer} (cut-off ${b.cutoff.toFixed(3)}, ${f(b.flagged, 2)}/1 000)`).join(" | ")} |`,
  );
  out.push(`|---|${budgets.map(() => "---").join("|")}|`);
  const kinds = budgets[0]!.b.rows.map((r) => r.kind);
  for (const k of kinds) {
    out.push(
      `| ${k} | ${budgets
        .map(({ b }) => {
          const r = b.rows.find((x) => x.kind === k);
          return r ? `${r.detected}/${r.injections} (${pct((100 * r.detected) / Math.max(1, r.injections))})` : "–";
        })
        .join(" | ")} |`,
    );
  }
  return out.join("\n");
}
