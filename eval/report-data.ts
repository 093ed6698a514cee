// Builds the HTML report's plain-JSON input (js/report/html.ts ReportData) from the evaluation results.
import type { ReportData, ReportEntity } from "../js/report/html.js";
import type { AgentDojoReport } from "./agentdojo/run.js";
import { LABELS } from "./agentdojo/evaluate.js";
import type { ScenariosReport } from "./scenarios/run.js";

export function reportData(
  ad: AgentDojoReport | null,
  sc: ScenariosReport[] | null,
  warn: number,
  block: number,
): ReportData {
  const data: ReportData = {
    title: "toolwatch detection quality",
    subtitle:
      "AgentDojo agent traces (leave one pipeline out, run score = highest call risk) and generated timed scenarios.",
    generated: new Date().toISOString(),
    curves: [],
    entities: [],
    reasons: [],
    tables: [],
    notes: [],
  };
  if (ad) {
    for (const l of ["succeeded", "attempted"] as const) {
      data.curves!.push({
        title: `AgentDojo, positive = ${LABELS[l]}`,
        items: ad.rows
          .filter(
            (r) =>
              !r.name.endsWith(" alone") ||
              ["unseenTool alone", "unseenArgValue alone", "unseenTransition alone"].includes(r.name),
          )
          .map((r) => ({
            name: r.name,
            roc: r.labels[l].curve.roc,
            pr: r.labels[l].curve.pr,
            rocAuc: r.labels[l].rocAuc.value,
            prAuc: r.labels[l].prAuc.value,
          })),
      });
    }
    for (const s of ad.examples) {
      const e: ReportEntity = {
        label: `AgentDojo ${s.run.entity} (${s.fold}, ${s.run.attacked ? (s.run.succeeded ? "attacked, attack succeeded" : "attacked") : "benign"})`,
        xAxis: "call",
        warn,
        block,
        markedLabel: "malicious calls",
        points: s.risks.map((risk, i) => ({ x: i, risk, marked: s.run.calls[i]!.malicious })),
      };
      data.entities!.push(e);
    }
    const main = ad.rows[1] ?? ad.rows[0]!;
    data.reasons!.push({
      title: `AgentDojo: counted reasons per call (${main.name})`,
      groups: [
        { name: "benign runs", counts: main.reasonCounts.benign },
        { name: "attacked runs", counts: main.reasonCounts.attacked },
      ],
    });
    data.tables!.push({
      title: "AgentDojo run-level results",
      head: [
        "scorer",
        "ROC-AUC succeeded",
        "PR-AUC succeeded",
        "ROC-AUC attempted",
        `recall at ${+(ad.maxFpr * 100).toFixed(2)}% cut-off`,
        "FPR",
      ],
      rows: ad.rows.map((r) => [
        r.name,
        r.labels.succeeded.rocAuc.value.toFixed(3),
        r.labels.succeeded.prAuc.value.toFixed(3),
        r.labels.attempted.rocAuc.value.toFixed(3),
        `${(100 * r.labels.succeeded.recall.value).toFixed(1)}%`,
        `${(100 * r.labels.succeeded.fpr.value).toFixed(1)}%`,
      ]),
    });
  }
  for (const [i, rep] of (sc ?? []).entries()) {
    if (i === 0) {
      for (const s of rep.series) {
        data.entities!.push({
          label: `Scenario ${s.label}`,
          xAxis: "time",
          warn,
          block,
          window: s.window,
          markedLabel: "attack calls",
          points: s.points.map((p) => ({ x: p.t, risk: p.risk, marked: p.attack })),
        });
      }
      const attack: Record<string, number> = {};
      const benign: Record<string, number> = {};
      for (const r of rep.results) {
        for (const [k, v] of Object.entries(r.reasons.attack)) attack[k] = (attack[k] ?? 0) + v;
        for (const [k, v] of Object.entries(r.reasons.benign)) benign[k] = (benign[k] ?? 0) + v;
      }
      data.reasons!.push({
        title: `Scenarios (${rep.scorer}): reasons on alarms`,
        groups: [
          { name: "attack calls alarmed", counts: attack },
          { name: "benign false alarms", counts: benign },
        ],
      });
    }
    data.tables!.push({
      title: `Timed scenarios — ${rep.scorer}`,
      head: ["scenario", "detected", "delay (calls)", "delay (s)", "false alarms / 1 000 benign"],
      rows: rep.results.map((r) => [
        r.kind,
        r.attack ? `${r.detected}/${r.injections}` : "–",
        r.attack ? String(r.medianDelayCalls) : "–",
        r.attack ? r.medianDelaySeconds.toFixed(1) : "–",
        ((1000 * r.falseAlarms) / r.benignCalls).toFixed(2),
      ]),
    });
  }
  data.notes!.push("Every figure comes from `npm run eval`; see EVALUATION.md for the protocol.");
  return data;
}
