// Opens an HTML report in headless Chromium (Debian's `chromium`, driven by playwright-core): collects
// console errors and page errors, counts the chart elements, and optionally saves a screenshot.
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface PageCheck {
  errors: string[];
  svgs: number;
  counts: Record<string, number>;
  /** requests the page made to anything but its own file (a self-contained page makes none) */
  requests: string[];
}

export async function openReport(htmlPath: string, png?: string, clipHeight = 2300): Promise<PageCheck> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(resolve(htmlPath)).href;
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: "load" });
    const counts = await page.evaluate(() => {
      const n = (sel: string) => document.querySelectorAll(sel).length;
      return {
        roc: n("svg.curve-roc"),
        pr: n("svg.curve-pr"),
        series: n("svg.risk-series"),
        reasons: n("svg.reasons"),
        curves: n("svg path.curve"),
        dots: n("svg circle.dot"),
        thresholds: n("svg line.thr"),
        tables: n("table"),
      };
    });
    const svgs = await page.locator("svg").count();
    // the top of the page (curves and the first risk series); a whole long report makes an unreadable image
    if (png)
      await page.screenshot({
        path: png,
        fullPage: true,
        clip: {
          x: 0,
          y: 0,
          width: 1000,
          height: Math.min(clipHeight, await page.evaluate(() => document.body.scrollHeight + 48)),
        },
      });
    return { errors, svgs, counts, requests };
  } finally {
    await browser.close();
  }
}
