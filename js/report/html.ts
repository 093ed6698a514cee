// A self-contained HTML report: inline SVG charts, inline CSS, no script, no external asset. Used by
// `npm run eval -- --html` and `toolwatch replay --html`. Input is plain JSON (ReportData below), so any
// tool can produce it; every string is escaped.

/** A ranking curve: ROC points are [false-positive rate, true-positive rate]; PR points [recall, precision]. */
export interface ReportCurve {
  name: string;
  roc?: [number, number][];
  pr?: [number, number][];
  /** shown in the legend, e.g. ROC-AUC and PR-AUC */
  rocAuc?: number;
  prAuc?: number;
}

export interface ReportPoint {
  /** milliseconds since the epoch when the entity's xAxis is "time", else the call's index */
  x: number;
  risk: number;
  /** drawn as a filled marker: e.g. an attack call, or an alert */
  marked?: boolean;
}

/** Risk of each call of one entity (principal, task...) over time, with the thresholds it was judged by. */
export interface ReportEntity {
  label: string;
  xAxis?: "time" | "call";
  warn: number;
  block: number;
  points: ReportPoint[];
  /** shaded x-range, e.g. the injected attack */
  window?: [number, number];
  /** what a filled marker means, for the legend */
  markedLabel?: string;
}

/** How often each reason code appeared, in one or more groups (e.g. benign vs attacked calls). */
export interface ReportReasons {
  title: string;
  groups: { name: string; counts: Record<string, number> }[];
}

export interface ReportTable {
  title: string;
  head: string[];
  rows: (string | number)[][];
}

export interface ReportData {
  title: string;
  subtitle?: string;
  /** ISO time the data was produced */
  generated?: string;
  curves?: { title: string; items: ReportCurve[] }[];
  entities?: ReportEntity[];
  reasons?: ReportReasons[];
  tables?: ReportTable[];
  notes?: string[];
}

const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#4b5563",
  "#ca8a04",
  "#db2777",
  "#65a30d",
  "#7c3aed",
  "#0f766e",
];

export function escapeHtml(s: unknown): string {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

const num = (x: number, d = 1) => (Number.isFinite(x) ? Number(x.toFixed(d)).toString() : "0");
const fin = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);

interface Frame {
  w: number;
  h: number;
  l: number;
  r: number;
  t: number;
  b: number;
}
/** Width of one character of a 10px tick label, near enough to keep labels inside the picture. */
const TICK_CHAR = 6;
const sx = (f: Frame, v: number, lo: number, hi: number) => f.l + ((v - lo) / (hi - lo || 1)) * (f.w - f.l - f.r);
const sy = (f: Frame, v: number, lo: number, hi: number) => f.h - f.b - ((v - lo) / (hi - lo || 1)) * (f.h - f.t - f.b);

function axes(
  f: Frame,
  xTicks: [number, string][],
  yTicks: [number, string][],
  xLabel: string,
  yLabel: string,
): string {
  const out: string[] = [];
  const x0 = f.l,
    x1 = f.w - f.r,
    y0 = f.h - f.b,
    y1 = f.t;
  for (const [px, label] of xTicks) {
    out.push(`<line class="grid" x1="${num(px)}" y1="${y1}" x2="${num(px)}" y2="${y0}"/>`);
    // a label centred on a tick near an edge would be cut off by the picture's border: align it inwards
    const half = (label.length * TICK_CHAR) / 2;
    const anchor = px + half > f.w - 1 ? "end" : px - half < 1 ? "start" : "middle";
    out.push(`<text class="tick" x="${num(px)}" y="${y0 + 14}" text-anchor="${anchor}">${escapeHtml(label)}</text>`);
  }
  for (const [py, label] of yTicks) {
    out.push(`<line class="grid" x1="${x0}" y1="${num(py)}" x2="${x1}" y2="${num(py)}"/>`);
    out.push(`<text class="tick" x="${x0 - 5}" y="${num(py + 3)}" text-anchor="end">${escapeHtml(label)}</text>`);
  }
  out.push(`<rect class="frame" x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}"/>`);
  out.push(`<text class="label" x="${(x0 + x1) / 2}" y="${y0 + 32}" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
  out.push(
    `<text class="label" transform="translate(12 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`,
  );
  return out.join("");
}

function unitTicks(f: Frame, horizontal: boolean): [number, string][] {
  return [0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => [horizontal ? sx(f, v, 0, 1) : sy(f, v, 0, 1), v.toFixed(1)]);
}

/** Legend rows; an item without a colour is a note under the previous one (text only). */
function legend(items: { name: string; color?: string; dash?: boolean }[], x: number, y: number): string {
  return items
    .map((it, i) => {
      const yy = y + i * 15;
      if (!it.color) return `<text class="legend note" x="${x + 23}" y="${yy + 4}">${escapeHtml(it.name)}</text>`;
      return (
        `<line x1="${x}" y1="${yy}" x2="${x + 18}" y2="${yy}" stroke="${it.color}" stroke-width="2.5"${it.dash ? ' stroke-dasharray="4 3"' : ""}/>` +
        `<text class="legend" x="${x + 23}" y="${yy + 4}">${escapeHtml(it.name)}</text>`
      );
    })
    .join("");
}

function curveChart(kind: "roc" | "pr", title: string, items: ReportCurve[]): string {
  const pointsOf = (c: ReportCurve) => (kind === "roc" ? c.roc : c.pr)?.filter((p) => fin(p[0]) && fin(p[1])) ?? [];
  const seqOf = (pts: [number, number][]) =>
    kind === "pr" && pts[0]![0] > 0 ? [[0, pts[0]![1]] as [number, number], ...pts] : pts;
  // The legend goes under the plot, never over a curve: one row per curve, and a note row for each
  // curve that coincides with an earlier one.
  const plotH = 330;
  const pathOf = (f: Frame, seq: [number, number][]) =>
    seq.map((p, k) => `${k ? "L" : "M"}${num(sx(f, p[0], 0, 1))} ${num(sy(f, p[1], 0, 1))}`).join(" ");
  // the plot's projection does not depend on the legend's height below it
  const keys = items.map((c) =>
    pointsOf(c).length ? pathOf({ w: 420, h: plotH, l: 46, r: 14, t: 12, b: 44 }, seqOf(pointsOf(c))) : "",
  );
  const rows = keys.filter((k) => k !== "").length + keys.filter((k, i) => k !== "" && keys.indexOf(k) < i).length;
  const legendH = rows ? 15 * rows + 6 : 0;
  const f: Frame = { w: 420, h: plotH + legendH, l: 46, r: 14, t: 12, b: 44 + legendH };
  const body: string[] = [
    axes(
      f,
      unitTicks(f, true),
      unitTicks(f, false),
      kind === "roc" ? "false-positive rate" : "recall",
      kind === "roc" ? "true-positive rate" : "precision",
    ),
  ];
  if (kind === "roc")
    body.push(
      `<line class="chance" x1="${sx(f, 0, 0, 1)}" y1="${sy(f, 0, 0, 1)}" x2="${sx(f, 1, 0, 1)}" y2="${sy(f, 1, 0, 1)}"/>`,
    );
  const leg: { name: string; color?: string; dash?: boolean }[] = [];
  const paths = new Map<string, string>(); // path -> name of the curve first drawn along it
  items.forEach((c, i) => {
    const pts = pointsOf(c);
    if (pts.length === 0) return;
    const color = PALETTE[i % PALETTE.length]!;
    // ROC is a staircase of tied groups; PR is drawn as steps too (precision holds until recall moves)
    const seq = seqOf(pts);
    const d = pathOf(f, seq);
    // A curve identical to one already drawn would hide it: dashed, both colours show, and the legend says so.
    const same = paths.get(d);
    body.push(`<path class="curve" d="${d}" stroke="${color}"${same ? ' stroke-dasharray="7 7"' : ""}/>`);
    if (!same) paths.set(d, c.name);
    const auc = kind === "roc" ? c.rocAuc : c.prAuc;
    const name = fin(auc) ? `${c.name} (${auc.toFixed(3)})` : c.name;
    leg.push({ name, color, dash: same !== undefined });
    if (same) leg.push({ name: `dashed: the same curve as ${same}` });
  });
  body.push(legend(leg, f.l, f.h - f.b + 50)); // under the axis label
  return `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption><svg class="curve-${kind}" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${f.w} ${f.h}" width="${f.w}" height="${f.h}">${body.join("")}</svg></figure>`;
}

/** A time tick: the date too whenever the chart spans more than one UTC day, else hours alone would repeat. */
function timeLabel(ms: number, lo: number, hi: number): string {
  const iso = new Date(ms).toISOString();
  const oneDay = new Date(lo).toISOString().slice(0, 10) === new Date(hi).toISOString().slice(0, 10);
  if (oneDay) return iso.slice(11, 16);
  return hi - lo > 2 * 86400000
    ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`
    : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

function entityChart(e: ReportEntity): string {
  // the right margin holds the threshold labels, clear of the calls plotted up to the frame's edge
  const f: Frame = { w: 900, h: 230, l: 46, r: 66, t: 12, b: 38 };
  const pts = e.points.filter((p) => fin(p.x) && fin(p.risk));
  const isTime = (e.xAxis ?? "time") === "time";
  let lo = pts.length ? Math.min(...pts.map((p) => p.x)) : 0;
  let hi = pts.length ? Math.max(...pts.map((p) => p.x)) : 1;
  if (e.window && fin(e.window[0]) && fin(e.window[1])) {
    lo = Math.min(lo, e.window[0]);
    hi = Math.max(hi, e.window[1]);
  }
  if (hi === lo) hi = lo + 1;
  const xt: [number, string][] = [];
  if (isTime) {
    for (let k = 0; k <= 6; k++) {
      const v = lo + ((hi - lo) * k) / 6;
      xt.push([sx(f, v, lo, hi), timeLabel(v, lo, hi)]);
    }
  } else {
    // call indices: whole-number ticks only
    const step = Math.max(1, Math.ceil((hi - lo) / 10));
    for (let v = Math.ceil(lo); v <= hi; v += step) xt.push([sx(f, v, lo, hi), String(v)]);
  }
  const body: string[] = [axes(f, xt, unitTicks(f, false), isTime ? "time (UTC)" : "call", "risk")];
  if (e.window && fin(e.window[0]) && fin(e.window[1])) {
    // at least 8 px wide, so that an attack of a few minutes in a chart of days is still seen
    const a = sx(f, e.window[0], lo, hi);
    const b = sx(f, e.window[1], lo, hi);
    const pad = Math.max(0, 8 - (b - a)) / 2;
    body.push(
      `<rect class="window" x="${num(a - pad)}" y="${f.t}" width="${num(b - a + 2 * pad)}" height="${f.h - f.t - f.b}"/>`,
    );
  }
  for (const [v, cls] of [
    [e.warn, "warn"],
    [e.block, "block"],
  ] as const) {
    if (!fin(v)) continue;
    const y = sy(f, v, 0, 1);
    body.push(`<line class="thr thr-${cls}" x1="${f.l}" y1="${num(y)}" x2="${f.w - f.r}" y2="${num(y)}"/>`);
    body.push(
      `<text class="thr-label thr-${cls}" x="${f.w - f.r + 4}" y="${num(y + 3)}" text-anchor="start">${cls} ${v.toFixed(2)}</text>`,
    );
  }
  const dots = pts.map((p) => {
    const cls = p.marked
      ? "dot marked"
      : p.risk >= e.block
        ? "dot over-block"
        : p.risk >= e.warn
          ? "dot over-warn"
          : "dot";
    return `<circle class="${cls}" cx="${num(sx(f, p.x, lo, hi))}" cy="${num(sy(f, Math.min(1, Math.max(0, p.risk)), 0, 1))}" r="${p.marked ? 3.6 : 2.4}"/>`;
  });
  body.push(dots.join(""));
  const marked = pts.filter((p) => p.marked).length;
  const alerts = pts.filter((p) => p.risk >= e.warn).length;
  const cap = `${e.label} — ${pts.length} calls, ${alerts} at or above warn${marked ? `, ${marked} ${e.markedLabel ?? "marked"} (filled)` : ""}`;
  return `<figure class="chart wide"><figcaption>${escapeHtml(cap)}</figcaption><svg class="risk-series" role="img" aria-label="${escapeHtml(e.label)}" viewBox="0 0 ${f.w} ${f.h}" width="${f.w}" height="${f.h}">${body.join("")}</svg></figure>`;
}

function reasonsChart(r: ReportReasons): string {
  const codes = [...new Set(r.groups.flatMap((g) => Object.keys(g.counts)))].sort();
  const max = Math.max(1, ...r.groups.flatMap((g) => Object.values(g.counts).filter(fin)));
  const rowH = 14 * Math.max(1, r.groups.length) + 8;
  const w = 900,
    l = 190,
    right = 70;
  const h = codes.length * rowH + 30 + 15 * r.groups.length;
  const body: string[] = [];
  codes.forEach((code, i) => {
    const y0 = 8 + i * rowH;
    body.push(
      `<text class="tick" x="${l - 6}" y="${y0 + (rowH - 8) / 2 + 4}" text-anchor="end">${escapeHtml(code)}</text>`,
    );
    r.groups.forEach((g, j) => {
      const v = g.counts[code] ?? 0;
      const bw = Math.max(0, ((w - l - right) * v) / max);
      body.push(
        `<rect class="bar" x="${l}" y="${y0 + j * 14}" width="${num(bw)}" height="12" fill="${PALETTE[j % PALETTE.length]}"/>`,
      );
      body.push(`<text class="tick" x="${num(l + bw + 4)}" y="${y0 + j * 14 + 10}">${v}</text>`);
    });
  });
  body.push(
    legend(
      r.groups.map((g, j) => ({ name: g.name, color: PALETTE[j % PALETTE.length]! })),
      l,
      codes.length * rowH + 22,
    ),
  );
  return `<figure class="chart wide"><figcaption>${escapeHtml(r.title)}</figcaption><svg class="reasons" role="img" aria-label="${escapeHtml(r.title)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">${body.join("")}</svg></figure>`;
}

function table(t: ReportTable): string {
  const head = t.head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("");
  return `<section><h3>${escapeHtml(t.title)}</h3><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></section>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:960px;padding:0 12px;color:#111827;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}h3{font-size:14px;margin:18px 0 6px}
.sub{color:#4b5563;margin:0 0 12px}.row{display:flex;flex-wrap:wrap;gap:10px}
figure.chart{margin:8px 0;border:1px solid #e5e7eb;border-radius:6px;padding:8px;background:#fafafa}
figcaption{font-weight:600;font-size:13px;margin-bottom:4px}svg{display:block;max-width:100%;height:auto}
.grid{stroke:#e5e7eb;stroke-width:1}.frame{fill:none;stroke:#9ca3af}.tick{font-size:10px;fill:#4b5563}.label{font-size:11px;fill:#374151}
.legend{font-size:11px;fill:#111827}.legend.note{fill:#4b5563;font-style:italic}.curve{fill:none;stroke-width:2}.chance{stroke:#9ca3af;stroke-dasharray:4 4}
.window{fill:#fde68a;opacity:.55}.thr{stroke-width:1.2;stroke-dasharray:6 4}.thr-warn{stroke:#d97706;fill:#d97706}.thr-block{stroke:#dc2626;fill:#dc2626}
.thr-label{font-size:10px;stroke:none}.dot{fill:#60a5fa}.dot.over-warn{fill:#f59e0b}.dot.over-block{fill:#dc2626}.dot.marked{fill:#111827;stroke:#fff;stroke-width:.8}
table{border-collapse:collapse;font-size:12px;margin:6px 0}th,td{border:1px solid #e5e7eb;padding:3px 7px;text-align:left}th{background:#f3f4f6}
.notes li{color:#374151}
`;

/** Renders the report as one HTML document (a string). Never throws on odd numbers: they are skipped. */
export function renderHtmlReport(data: ReportData): string {
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(data.title)}</h1>`);
  if (data.subtitle) parts.push(`<p class="sub">${escapeHtml(data.subtitle)}</p>`);
  if (data.generated) parts.push(`<p class="sub">Generated ${escapeHtml(data.generated)}</p>`);
  for (const c of data.curves ?? []) {
    parts.push(
      `<h2>${escapeHtml(c.title)}</h2><div class="row">${curveChart("roc", `ROC — ${c.title}`, c.items)}${curveChart("pr", `Precision-recall — ${c.title}`, c.items)}</div>`,
    );
  }
  if (data.entities?.length) {
    const band = data.entities.some((e) => e.window)
      ? "; shaded band: the attack, from its first call to its last"
      : "";
    parts.push(
      `<h2>Risk over time per entity</h2><p class="sub">Each dot is one call; dashed lines are the warn and block thresholds${band}.</p>`,
    );
    for (const e of data.entities) parts.push(entityChart(e));
  }
  for (const r of data.reasons ?? []) parts.push(`<h2>${escapeHtml(r.title)}</h2>${reasonsChart(r)}`);
  if (data.tables?.length) parts.push(`<h2>Tables</h2>${data.tables.map(table).join("")}`);
  if (data.notes?.length)
    parts.push(`<h2>Notes</h2><ul class="notes">${data.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(data.title)}</title><style>${CSS}</style></head><body>${parts.join("\n")}</body></html>\n`;
}
