// The HTML report renders in a real headless Chromium: charts present, no errors, nothing fetched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderHtmlReport, type ReportData } from "../../js/report/html.js";
import { openReport } from "../../eval/browser.js";

const data: ReportData = {
  title: "Report <script>window.__pwned = 1</script>",
  subtitle: "fixture & friends",
  curves: [
    {
      title: "fixture",
      items: [
        {
          name: "a",
          roc: [
            [0, 0],
            [0.1, 0.6],
            [1, 1],
          ],
          pr: [
            [0.6, 0.9],
            [1, 0.5],
          ],
          rocAuc: 0.87,
          prAuc: 0.8,
        },
        {
          name: 'b "quoted"',
          roc: [
            [0, 0],
            [0.5, 0.5],
            [1, 1],
          ],
          pr: [[1, 0.5]],
        },
      ],
    },
  ],
  entities: [
    {
      label: "t/alice",
      xAxis: "time",
      warn: 0.5,
      block: 0.8,
      window: [Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 2, 1)],
      points: Array.from({ length: 50 }, (_, i) => ({
        x: Date.UTC(2024, 0, 1) + i * 3600_000,
        risk: i === 25 ? 0.9 : (i % 7) / 20,
        marked: i === 25,
      })),
    },
    {
      label: "task/1",
      xAxis: "call",
      warn: 0.5,
      block: 0.8,
      points: [
        { x: 0, risk: 0 },
        { x: 1, risk: 0.6, marked: true },
        { x: 2, risk: NaN },
      ],
    },
  ],
  reasons: [
    {
      title: "reasons",
      groups: [
        { name: "benign", counts: { UNSEEN_TOOL: 3 } },
        { name: "attack", counts: { UNSEEN_TOOL: 9, BURST: 4 } },
      ],
    },
  ],
  tables: [{ title: "t", head: ["x", "y"], rows: [["<b>", 1]] }],
  notes: ["n"],
};

describe("renderHtmlReport", () => {
  it("escapes every string and draws the charts as inline SVG", () => {
    const html = renderHtmlReport(data);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toMatch(/(src|href)=/);
    expect(html.match(/<svg /g)!.length).toBe(2 + 2 + 1);
    expect(html).toContain('class="thr thr-warn"');
  });
});

describe("in headless Chromium", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tw-html-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("renders with no console errors, fetches nothing, and has every chart", async () => {
    const file = join(dir, "report.html");
    writeFileSync(file, renderHtmlReport(data));
    const r = await openReport(file, join(dir, "shot.png"));
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
    expect(r.counts).toMatchObject({ roc: 1, pr: 1, series: 2, reasons: 1, curves: 4, tables: 1 });
    expect(r.counts.dots).toBe(52); // the NaN point is skipped
    expect(r.counts.thresholds).toBe(4);
  }, 60_000);
});
