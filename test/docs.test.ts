// The README's references are generated or checked here, so they cannot drift from the code.
import { test, expect } from "vitest";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { configReference, signalReference } from "../js/config/reference.js";
import { SETTINGS, SIGNALS } from "../js/core/abi.js";
import { CORE_DEFAULTS } from "../js/config/defaults.generated.js";
import { createDetector, decisionMetadata } from "../js/runtime/node/index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const api = readFileSync(new URL("../docs/API.md", import.meta.url), "utf8");

function block(name: string, doc = api): string {
  const a = doc.indexOf(`<!-- ${name}:start`);
  const b = doc.indexOf(`<!-- ${name}:end -->`);
  expect(a, `the document has the ${name} markers`).toBeGreaterThanOrEqual(0);
  return doc.slice(doc.indexOf("-->", a) + 3, b).trim();
}

test("docs/API.md settings reference and README's signal table match the schema and core defaults (npm run docs)", () => {
  expect(block("config-reference")).toBe(configReference().trim());
  expect(block("signal-reference", readme)).toBe(signalReference().trim());
  expect(signalReference().split("\n").length - 2, "one row per signal").toBe(SIGNALS.length);
});

test("README's figures are the build's: module size and default thresholds", () => {
  const size = statSync(new URL("../build/toolwatch.wasm", import.meta.url)).size / 1024;
  const stated = Number(/`build\/toolwatch\.wasm`, about (\d+) KB/.exec(readme)?.[1]);
  expect(Math.abs(stated - size), `README says about ${stated} KB; the module is ${size.toFixed(1)} KB`).toBeLessThan(
    1,
  );
  const [warn, block] = /warned\s+from (\d\.\d+) and blocked from (\d\.\d+) by default/
    .exec(readme)!
    .slice(1)
    .map(Number);
  const core = (name: keyof typeof SETTINGS) => CORE_DEFAULTS[SETTINGS[name].slot];
  expect([warn, block]).toEqual([core("warnThreshold"), core("blockThreshold")]);
});

test("every relative link in README.md and docs/ points at a file that exists", () => {
  const docs = new URL("../docs/", import.meta.url);
  const files: Array<[URL, string]> = [[new URL("../README.md", import.meta.url), readme]];
  for (const f of readdirSync(docs))
    if (f.endsWith(".md")) files.push([new URL(f, docs), readFileSync(new URL(f, docs), "utf8")]);
  const broken: string[] = [];
  for (const [url, text] of files)
    for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target)) continue;
      if (!existsSync(new URL(target, url))) broken.push(`${url.pathname.split("/").slice(-2).join("/")}: ${target}`);
    }
  expect(broken).toEqual([]);
});

test("README metadata reference lists exactly the keys the host emits", () => {
  const documented = [...block("metadata-reference").matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]).sort();
  const d = createDetector({ budgetBytes: 1 << 20 });
  const dec = d.check({ tool: "read", principal: "p", tenant: "t", time: Date.UTC(2026, 0, 5, 12) });
  const emitted = new Set(Object.keys(decisionMetadata(dec).toolwatch));
  emitted.add("error"); // present only on detector failure, documented as such
  expect(documented).toEqual([...emitted].sort());
  expect(Object.keys(decisionMetadata(dec))).toEqual(["toolwatch"]);
  const text = JSON.stringify(decisionMetadata(dec));
  expect(text).not.toContain('"p"');
  expect(text).not.toContain('"t"');
});

test("the JSON Schema for editors accepts a valid config and rejects unknown keys", async () => {
  const { configJsonSchema } = await import("../js/index.js");
  const schema = configJsonSchema() as { properties: Record<string, unknown>; additionalProperties?: unknown };
  expect(Object.keys(schema.properties)).toContain("burstThreshold");
  expect(schema.additionalProperties).toBe(false);
});
