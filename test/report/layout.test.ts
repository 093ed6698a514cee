// The report pictures are laid out cleanly, measured in headless Chromium: no label cut off at the
// picture's edge, threshold labels clear of the calls, legends clear of the curves, coinciding curves
// both visible, dates on a time axis that spans more than one day, and the attack band drawn where the
// caption promises it (`toolwatch replay --html` on a labelled file, and renderHtmlReport directly).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "../../eval/browser.js";
import { renderHtmlReport } from "../../js/report/html.js";

const ROOT = join(__dirname, "..", "..");
const BIN = join(ROOT, "bin", "toolwatch.mjs");

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface Layout {
  /** per svg: its viewBox size, and every text's box in svg units */
  svgs: Array<{
    cls: string;
    w: number;
    h: number;
    texts: Array<Box & { text: string; cls: string }>;
    dots: Box[];
    frame: Box | null;
    windows: Box[];
    dashed: number;
    curves: number;
  }>;
  band: boolean;
}

let browser: Browser;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tw-layout-"));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function layout(html: string): Promise<Layout> {
  const file = join(dir, `r${Math.random().toString(36).slice(2)}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  try {
    await page.goto(pathToFileURL(file).href);
    return await page.evaluate(() => {
      const svgs = [...document.querySelectorAll("svg")].map((svg) => {
        const vb = svg.viewBox.baseVal;
        // on-screen boxes (rotations included) in the svg's own units
        const at = svg.getBoundingClientRect();
        const k = vb.width / at.width;
        const box = (e: Element) => {
          const b = e.getBoundingClientRect();
          return { x: (b.left - at.left) * k, y: (b.top - at.top) * k, w: b.width * k, h: b.height * k };
        };
        return {
          cls: svg.getAttribute("class") ?? "",
          w: vb.width,
          h: vb.height,
          texts: [...svg.querySelectorAll("text")].map((t) => ({
            ...box(t),
            text: t.textContent ?? "",
            cls: t.getAttribute("class") ?? "",
          })),
          dots: [...svg.querySelectorAll("circle.dot")].map((c) => box(c)),
          frame: svg.querySelector("rect.frame") ? box(svg.querySelector("rect.frame")!) : null,
          windows: [...svg.querySelectorAll("rect.window")].map((r) => box(r)),
          dashed: svg.querySelectorAll("path.curve[stroke-dasharray]").length,
          curves: svg.querySelectorAll("path.curve").length,
        };
      });
      return { svgs, band: /shaded band/.test(document.body.textContent ?? "") };
    });
  } finally {
    await page.close();
  }
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** The checks every picture must pass. */
function expectClean(l: Layout) {
  for (const s of l.svgs) {
    for (const t of s.texts) {
      // inside the picture: nothing cut off at an edge
      expect(t.x, `${s.cls}: "${t.text}" starts left of the picture`).toBeGreaterThanOrEqual(0);
      expect(t.x + t.w, `${s.cls}: "${t.text}" runs past the right edge (${s.w})`).toBeLessThanOrEqual(s.w);
      expect(t.y + t.h, `${s.cls}: "${t.text}" runs past the bottom (${s.h})`).toBeLessThanOrEqual(s.h);
    }
    for (const t of s.texts.filter((x) => x.cls.includes("thr-label"))) {
      for (const d of s.dots) expect(overlaps(t, d), `${s.cls}: threshold label "${t.text}" covers a call`).toBe(false);
    }
    if (s.cls.startsWith("curve-") && s.frame) {
      // legends sit under the plot's frame (and its axis label), never on the curves
      for (const t of s.texts.filter((x) => x.cls.includes("legend")))
        expect(t.y, `legend "${t.text}"`).toBeGreaterThan(s.frame.y + s.frame.h);
    }
  }
}

describe("report pictures", () => {
  it("toolwatch replay --html on a labelled day and a bit: dates on the axis, the attack band drawn, nothing clipped or covered", async () => {
    const t0 = Date.UTC(2026, 0, 5, 9);
    const span = 26 * 3600_000;
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      lines.push(
        JSON.stringify({
          time: new Date(t0 + (i * span) / 310).toISOString(),
          tenant: "acme",
          principal: i % 2 ? "alice" : "bob",
          tool: ["read_file", "search_docs", "list_files"][i % 3],
          args: { q: `v${i % 4}` },
          label: "benign",
        }),
      );
    }
    ["export_table", "http_post", "send_email", "delete_repo"].forEach((tool, k) => {
      lines.push(
        JSON.stringify({
          time: new Date(t0 + span - 3600_000 + k * 60_000).toISOString(),
          tenant: "acme",
          principal: "alice",
          tool,
          args: { to: `x${k}@evil.example` },
          label: "attack",
        }),
      );
    });
    const events = join(dir, "events.jsonl");
    writeFileSync(events, `${lines.join("\n")}\n`);
    const html = join(dir, "replay.html");
    const r = spawnSync(process.execPath, [BIN, "replay", events, "--html", html, "--quiet"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const l = await layout(readFileSync(html, "utf8"));
    expectClean(l);
    const series = l.svgs.filter((s) => s.cls === "risk-series");
    expect(series.length).toBe(2);
    for (const s of series) {
      const ticks = s.texts.filter((t) => t.cls === "tick" && /\d\d:\d\d/.test(t.text)).map((t) => t.text);
      expect(ticks.length).toBeGreaterThan(0);
      for (const t of ticks) expect(t, "a time over two days names its day").toMatch(/^\d\d-\d\d \d\d:\d\d$/);
    }
    // alice had the labelled attacks: her chart shades them, and the caption's promise is kept
    const shaded = series.filter((s) => s.windows.length === 1);
    expect(shaded.length).toBe(1);
    expect(shaded[0]!.windows[0]!.w).toBeGreaterThanOrEqual(8);
    expect(l.band).toBe(true);
  }, 120_000);

  it("renderHtmlReport: coinciding curves both show, legends under the plots, edge points clear of labels", async () => {
    const pr: [number, number][] = [
      [0.1, 1],
      [0.45, 0.97],
      [0.5, 0.78],
      [0.9, 0.48],
      [1, 0.15],
    ];
    const roc: [number, number][] = [
      [0, 0],
      [0, 0.4],
      [0.2, 0.9],
      [1, 1],
    ];
    const l = await layout(
      renderHtmlReport({
        title: "fixture",
        curves: [
          {
            title: "c",
            items: [
              { name: "toolwatch (default config)", pr, roc, prAuc: 0.78, rocAuc: 0.93 },
              { name: "toolwatch (minCalls 1)", pr, roc, prAuc: 0.78, rocAuc: 0.93 },
              {
                name: "prior art (bench/prior-art.ts)",
                pr: [
                  [0.01, 0.5],
                  [0.5, 0.4],
                  [1, 0.15],
                ],
                roc: [
                  [0, 0],
                  [0.5, 0.9],
                  [1, 1],
                ],
                prAuc: 0.39,
                rocAuc: 0.78,
              },
            ],
          },
        ],
        // calls right at the frame's right edge, at the thresholds' height: where the labels used to be drawn
        entities: [
          {
            label: "calls",
            xAxis: "call",
            warn: 0.5,
            block: 0.8,
            points: Array.from({ length: 14 }, (_, i) => ({ x: i, risk: i >= 12 ? (i === 12 ? 0.81 : 0.52) : 0 })),
          },
        ],
      }),
    );
    expectClean(l);
    for (const s of l.svgs.filter((x) => x.cls.startsWith("curve-"))) {
      expect(s.curves).toBe(3);
      expect(s.dashed, "the second of two identical curves is dashed over the first").toBe(1);
      expect(s.texts.some((t) => t.text.includes("the same curve as toolwatch (default config)"))).toBe(true);
    }
    // without a window, the page does not promise a shaded band
    expect(l.band).toBe(false);
  }, 60_000);
});
