// scripts/check-layers.mjs: the repository's own import graph passes, and each kind of forbidden arrow in a
// synthetic tree makes it exit non-zero naming the offending import.
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const SCRIPT = join(ROOT, "scripts", "check-layers.mjs");
const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function check(root?: string) {
  const r = spawnSync(process.execPath, root ? [SCRIPT, root] : [SCRIPT], { encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A tree of files (path -> source) in a fresh temp dir, on top of a small well-layered base. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "toolwatch-layers-"));
  temps.push(dir);
  const base: Record<string, string> = {
    "js/core/abi.ts": "export const A = 1;\n",
    "js/detector.ts": 'import { A } from "./core/abi.js";\nexport const D = A;\n',
    "js/runtime/node/index.ts": 'export { D } from "../../detector.js";\n',
    "js/http/io.ts": 'import type { D } from "../detector.js";\nexport type X = typeof D;\n',
    "js/integrations/mcp-sdk/index.ts": 'import "../../http/io.js";\nexport const M = 1;\n',
    "js/integrations/contextforge/index.ts": 'import "../../http/io.js";\nexport const C = 1;\n',
    "js/proxy/server.ts": 'import "../http/io.js";\n',
    "bench/main.ts": 'import { D } from "../js/runtime/node/index.js";\nexport const B = D;\n',
    "eval/cli.ts": 'import { D } from "../js/runtime/node/index.js";\nexport const E = D;\n',
  };
  for (const [p, text] of Object.entries({ ...base, ...files })) {
    mkdirSync(join(dir, dirname(p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

describe("check-layers", () => {
  it("passes on this repository", () => {
    const r = check();
    expect(r.out).toMatch(/no cycles, no forbidden arrows/);
    expect(r.status).toBe(0);
  });

  it("passes on a well-layered tree (the control for the failures below)", () => {
    const r = check(tree({}));
    expect(r.out).toMatch(/^check-layers: \d+ imports of 9 files, no cycles/);
    expect(r.status).toBe(0);
  });

  it.each([
    [
      "the public API importing a runtime entry",
      { "js/guard.ts": 'import { D } from "./runtime/node/index.js";\n' },
      'js/guard.ts:1 imports "./runtime/node/index.js" (js/runtime/node/index.ts): the public API',
    ],
    [
      "a state store importing a gateway integration",
      { "js/state/store.ts": 'import type { M } from "../integrations/mcp-sdk/index.js";\n' },
      "js/state/store.ts:1 imports",
    ],
    [
      "the proxy importing an integration's file",
      { "js/proxy/server.ts": 'import "../http/io.js";\nimport "../integrations/contextforge/index.js";\n' },
      'js/proxy/server.ts:2 imports "../integrations/contextforge/index.js"',
    ],
    [
      "an integration importing a runtime entry (dynamically)",
      { "js/integrations/mcp-sdk/load.ts": 'export const load = () => import("../../runtime/node/index.js");\n' },
      "js/integrations/mcp-sdk/load.ts:1 imports",
    ],
    [
      "one integration reaching into another",
      { "js/integrations/mcp-sdk/block.ts": 'import { C } from "../contextforge/index.js";\n' },
      "js/integrations/mcp-sdk/ must not reach into its neighbour js/integrations/contextforge/",
    ],
    [
      "eval importing bench",
      { "eval/scorer.ts": 'import { B } from "../bench/main.js";\n' },
      'eval/scorer.ts:1 imports "../bench/main.js" (bench/main.ts): eval/ must not reach into its neighbour bench/',
    ],
    [
      "a folder under js/ in no layer",
      { "js/adapter/node.ts": "export const N = 1;\n" },
      "js/adapter/node.ts is in no layer",
    ],
  ])("fails on %s, naming the import", (_what, files, named) => {
    const r = check(tree(files));
    expect(r.status).toBe(1);
    expect(r.out).toContain(named);
  });

  it("fails on a cycle, even one closed by a type-only import, naming each step", () => {
    const r = check(
      tree({
        "js/guard.ts": 'import type { S } from "./session.js";\nexport type G = S;\n',
        "js/session.ts": 'import type { G } from "./guard.js";\nexport type S = G | 1;\n',
      }),
    );
    expect(r.status).toBe(1);
    expect(r.out).toContain("import cycle js/guard.ts -> js/session.ts -> js/guard.ts");
    expect(r.out).toContain('js/session.ts:1 imports "./guard.js"');
  });

  it("refuses a directory with nothing to check", () => {
    const empty = mkdtempSync(join(tmpdir(), "toolwatch-layers-"));
    temps.push(empty);
    const r = check(empty);
    expect(r.status).toBe(2);
    expect(r.out).toContain("no source files under");
  });
});
