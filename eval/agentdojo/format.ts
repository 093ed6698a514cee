// Markdown tables of the AgentDojo report (printed by `npm run eval`, pasted into EVALUATION.md).
import type { Interval } from "../metrics.js";
import { LABELS, type EvalResult } from "./evaluate.js";
import type { AgentDojoReport } from "./run.js";

const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "–");
const ci = (i: Interval, d = 3) => `${f(i.value, d)} [${f(i.lo, d)}, ${f(i.hi, d)}]`;
const pct = (i: Interval) => `${f(100 * i.value, 1)}% [${f(100 * i.lo, 1)}, ${f(100 * i.hi, 1)}]`;

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

export function formatAgentDojo(rep: AgentDojoReport): string {
  const c = rep.counts;
  const at = `${+(rep.maxFpr * 100).toFixed(2)}%`;
  const out: string[] = [];
  out.push(
    `AgentDojo: ${c.pipelines} pipelines, ${c.entities} entities (suite/task), ${c.runs} runs (${c.benign} benign, ${c.attacked} attacked: ${c.succeeded} succeeded, ${c.attempted} with a malicious call), ${c.calls} calls.`,
  );
  if (rep.skipped.length)
    out.push(
      `Skipped ${rep.skipped.length} lines: ${rep.skipped
        .slice(0, 5)
        .map((s) => `${s.file}:${s.line} ${s.why}`)
        .join("; ")}`,
    );
  out.push("");
  out.push(
    `Run-level ranking (95% cluster-bootstrap intervals over tasks). Recall/FPR "at ${at}": alert when the run's score is above a cut-off chosen, for each held-out pipeline, from the benign runs of the other pipelines only (target FPR ≤ ${at}). "at warn": the detector's own warn threshold.`,
  );
  out.push("");
  for (const l of ["succeeded", "attempted"] as const) {
    out.push(
      `**Label: ${LABELS[l]}** (${rep.rows[0]!.labels[l].positives} positives, ${rep.rows[0]!.labels[l].negatives} benign negatives)`,
    );
    out.push("");
    out.push(
      table(
        ["scorer", "ROC-AUC", "PR-AUC", `recall at ${at}`, `FPR at ${at}`, "recall at warn", "FPR at warn"],
        rep.rows.map((r) => {
          const x = r.labels[l];
          return [r.name, ci(x.rocAuc), ci(x.prAuc), pct(x.recall), pct(x.fpr), pct(x.warnRecall), pct(x.warnFpr)];
        }),
      ),
    );
    out.push("");
  }
  out.push(`**Per suite** (ROC-AUC; recall at the ${at} cut-off)`);
  out.push("");
  const suites = Object.keys(rep.rows[0]!.suites);
  const detRows = rep.rows.filter((r) => r.name.startsWith("toolwatch") || r.name.startsWith("prior"));
  out.push(
    table(
      ["scorer", "suite", "succeeded: n", "ROC-AUC", "recall", "attempted: n", "ROC-AUC", "recall"],
      detRows.flatMap((r) =>
        suites.map((s) => {
          const a = r.suites[s]!.succeeded;
          const b = r.suites[s]!.attempted;
          return [
            r.name,
            s,
            String(a.positives),
            ci(a.rocAuc),
            pct(a.recall),
            String(b.positives),
            ci(b.rocAuc),
            pct(b.recall),
          ];
        }),
      ),
    ),
  );
  out.push("");
  out.push(
    "**Detection delay** in calls (first alerting call minus first malicious call; negative = before it), runs with a malicious call",
  );
  out.push("");
  const d = (r: EvalResult, which: "delay" | "warnDelay") => {
    const x = r[which];
    return [`${x.detected}/${x.runs}`, f(x.medianCalls, 1), String(x.early), String(x.onTime), String(x.late)];
  };
  out.push(
    table(
      ["scorer", "alert at", "detected", "median delay", "early", "on the call", "late"],
      detRows.flatMap((r) => [
        [r.name, `${at} cut-off`, ...d(r, "delay")],
        [r.name, "warn", ...d(r, "warnDelay")],
      ]),
    ),
  );
  out.push("");
  out.push("**Reasons** (calls carrying each counted reason)");
  out.push("");
  const codes = [
    ...new Set(
      detRows
        .slice(0, 2)
        .flatMap((r) => [...Object.keys(r.reasonCounts.benign), ...Object.keys(r.reasonCounts.attacked)]),
    ),
  ].sort();
  const two = detRows.slice(0, 2);
  out.push(
    table(
      ["reason", ...two.flatMap((r) => [`${r.name}: benign`, "attacked"])],
      codes.map((k) => [
        k,
        ...two.flatMap((r) => [String(r.reasonCounts.benign[k] ?? 0), String(r.reasonCounts.attacked[k] ?? 0)]),
      ]),
    ),
  );
  return out.join("\n");
}
