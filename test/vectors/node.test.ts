// The Node host replays every conformance vector exactly, and the committed files are current.
import { describe, it, expect } from "vitest";
import { execFileSync } from "node:child_process";
import { createDetector } from "../../js/runtime/node/index.js";
import { vectors } from "./vectors.js";
import { replay } from "./replay.js";

describe("conformance vectors on Node", () => {
  it("has the committed streams", () => {
    expect(vectors.map((v) => v.name)).toEqual(["bad-input", "bursts", "config", "evasion", "hours", "marshalling", "routine", "tenants", "values"]);
  });

  for (const v of vectors) {
    it(`replays ${v.name} (${v.steps.length} steps)`, () => {
      const r = replay(v, (config) => createDetector(config));
      expect(r.diffs).toEqual([]);
    });
  }

  it("the committed vectors and slot tables are what the generator writes", () => {
    execFileSync("node", ["scripts/gen-vectors.mjs", "--check"], { stdio: "pipe" });
  });
});
