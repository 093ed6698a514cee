// The README's references are generated or checked here, so they cannot drift from the code.
import { test, expect } from "vitest";
import { readFileSync } from "node:fs";
import { configReference } from "../js/config/reference.js";
import { createDetector, decisionMetadata } from "../js/runtime/node/index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

function block(name: string): string {
  const a = readme.indexOf(`<!-- ${name}:start`);
  const b = readme.indexOf(`<!-- ${name}:end -->`);
  expect(a, `README.md has the ${name} markers`).toBeGreaterThanOrEqual(0);
  return readme.slice(readme.indexOf("-->", a) + 3, b).trim();
}

test("README configuration reference matches the schema and the core defaults (npm run docs)", () => {
  expect(block("config-reference")).toBe(configReference().trim());
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
