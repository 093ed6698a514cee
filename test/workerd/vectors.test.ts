// Inside workerd: the Workers entry (core imported as a module) replays every conformance vector that
// the Node host generated, so a Worker decides exactly as Node does.
import { describe, it, expect } from "vitest";
import { createDetector } from "../../js/runtime/workerd/index.js";
import { vectors } from "../vectors/vectors.js";
import { replay } from "../vectors/replay.js";

describe("conformance vectors in workerd", () => {
  it("runs in workerd", () => {
    expect(typeof (globalThis as { WebSocketPair?: unknown }).WebSocketPair).toBe("function");
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
  });

  it("has every vector", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(7);
  });

  for (const v of vectors) {
    it(`replays ${v.name} (${v.steps.length} steps)`, () => {
      expect(replay(v, (config) => createDetector(config)).diffs).toEqual([]);
    });
  }
});
