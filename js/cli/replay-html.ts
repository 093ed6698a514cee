// `toolwatch replay --html`: the replay as a self-contained HTML page (js/report/html.ts draws it).
import { renderHtmlReport, type ReportData, type ReportEntity } from "../report/html.js";
import { curves, type ReplayReport, type ReplayTally } from "./replay-summary.js";

const CHARTED_ENTITIES = 8;

export function replayHtml(
  report: ReplayReport,
  tally: ReplayTally,
  thresholds: { warn: number; block: number },
): string {
  const data: ReportData = {
    title: `toolwatch replay: ${report.input}`,
    subtitle:
      `${report.calls.toLocaleString("en-US")} calls: ${report.allowed} allowed, ${report.warned} warned, ${report.blocked} blocked` +
      (report.badLines ? `; ${report.badLines} bad lines skipped` : ""),
    generated: new Date().toISOString(),
    tables: [
      {
        title: "Decisions",
        head: ["calls", "allowed", "warned", "blocked", "bad lines", "calls/s", "state hash"],
        rows: [
          [
            report.calls,
            report.allowed,
            report.warned,
            report.blocked,
            report.badLines,
            report.callsPerSecond,
            report.stateHash,
          ],
        ],
      },
      {
        title: "Top reasons (warned and blocked calls)",
        head: ["reason", "count"],
        rows: report.topReasons.map((r) => [r.code, r.count]),
      },
      {
        title: "Top entities",
        head: ["tenant", "principal", "calls", "warned", "blocked"],
        rows: report.topEntities.map((e) => [e.tenant, e.principal, e.calls, e.warned, e.blocked]),
      },
    ],
  };
  if (report.detection) {
    const d = report.detection;
    const { roc, pr } = curves(tally.labelledScores());
    data.curves = [
      {
        title: "Risk as a detector of labelled attacks",
        items: [{ name: "risk", roc, pr, ...(d.rocAuc !== null ? { rocAuc: d.rocAuc } : {}) }],
      },
    ];
    data.tables!.push({
      title: "Detection (label attack = positive)",
      head: ["rule", "precision", "recall", "F1", "FPR", "TP", "FP", "FN", "TN"],
      rows: (["flagged", "blocked"] as const).map((k) => [
        k === "flagged" ? "warn or block" : "block",
        d[k].precision,
        d[k].recall,
        d[k].f1,
        d[k].falsePositiveRate,
        d[k].tp,
        d[k].fp,
        d[k].fn,
        d[k].tn,
      ]),
    });
    const group = (m: Map<string, number>) => Object.fromEntries(m);
    data.reasons = [
      {
        title: "Reasons on attack vs benign calls",
        groups: [
          { name: "attack", counts: group(tally.reasonsByLabel.attack) },
          { name: "benign", counts: group(tally.reasonsByLabel.benign) },
        ],
      },
    ];
  } else if (report.topReasons.length) {
    data.reasons = [
      {
        title: "Reasons on warned and blocked calls",
        groups: [{ name: "flagged", counts: Object.fromEntries(report.topReasons.map((r) => [r.code, r.count])) }],
      },
    ];
  }
  const labelled = report.detection !== undefined;
  const entities: ReportEntity[] = [];
  for (const e of report.topEntities.slice(0, CHARTED_ENTITIES)) {
    const pts = tally.points.get(`${e.tenant}\u0000${e.principal}`);
    if (!pts?.length) continue;
    // with labels, the shaded band spans this entity's labelled attack calls
    const attacks = labelled ? pts.filter((p) => p.label === true).map((p) => p.x) : [];
    entities.push({
      ...(attacks.length ? { window: [Math.min(...attacks), Math.max(...attacks)] as [number, number] } : {}),
      label: `${e.tenant ? `${e.tenant}/` : ""}${e.principal}`,
      xAxis: "time",
      warn: thresholds.warn,
      block: thresholds.block,
      points: pts.map((p) => ({ x: p.x, risk: p.risk, marked: labelled ? p.label === true : p.action === "block" })),
      markedLabel: labelled ? "labelled attack" : "blocked",
    });
  }
  data.entities = entities;
  data.notes = ["Entity charts show at most the first 2,000 calls of each of the first 2,000 entities in the file."];
  return renderHtmlReport(data);
}
