// Markdown table of the timed-scenario results.
import type { ScenariosReport } from "./run.js";

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");

export function formatScenarios(reps: ScenariosReport[]): string {
  const out: string[] = [];
  const o = reps[0]!.options;
  out.push(`Timed scenarios: ${reps[0]!.seeds} seeds per scenario; each stream ${o.tenants} tenants × ${o.principals} principals, ${o.learnDays} days of history then ${o.evalDays} evaluation days; ${o.injections} injections per attack stream. False alarms = warned or blocked benign calls in the evaluation days.`);
  out.push("");
  out.push(`| scorer | scenario | detected | median delay (calls) | median delay (s) | benign calls | false alarms | per 1 000 | changed calls | alarms on them |`);
  out.push(`|---|---|---|---|---|---|---|---|---|---|`);
  for (const rep of reps) {
    for (const r of rep.results) {
      const det = r.attack ? `${r.detected}/${r.injections} (${f((100 * r.detected) / r.injections, 0)}%)` : "–";
      out.push(`| ${rep.scorer} | ${r.kind} | ${det} | ${r.attack ? f(r.medianDelayCalls) : "–"} | ${r.attack ? f(r.medianDelaySeconds) : "–"} | ${r.benignCalls} | ${r.falseAlarms} | ${f((1000 * r.falseAlarms) / r.benignCalls, 2)} | ${r.changedCalls || "–"} | ${r.changedCalls ? r.changedAlarms : "–"} |`);
    }
    // the issue's target is over its own list of benign changes; new_member (people joining) was added
    // later and is shown in the total and apart from it
    const issue = rep.results.filter((r) => r.kind !== "new_member");
    if (issue.length !== rep.results.length) {
      const b = issue.reduce((a, r) => a + r.benignCalls, 0);
      const fa = issue.reduce((a, r) => a + r.falseAlarms, 0);
      out.push(`| ${rep.scorer} | **all streams but new_member** | | | | ${b} | ${fa} | **${f((1000 * fa) / b, 2)}** | | |`);
    }
    out.push(`| ${rep.scorer} | **all streams** | | | | ${rep.totals.benignCalls} | ${rep.totals.falseAlarms} | **${f(rep.totals.perThousand, 2)}** | | |`);
  }
  return out.join("\n");
}
