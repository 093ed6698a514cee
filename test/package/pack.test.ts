// The published shape: `npm pack` output installed into scratch projects outside the repository — a
// Node project (ESM and CJS), a non-JS user reading toolwatch/core.wasm, and a Worker bundled by
// wrangler and run in workerd — each making a decision.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";

const root = join(import.meta.dirname, "..", "..");
const quiet = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", npm_config_audit: "false", npm_config_fund: "false" };
const CALL = { tool: "read_file", args: { path: "/srv/a" }, principal: "alice", tenant: "acme", time: Date.UTC(2026, 0, 5, 9) };
let dir = "";
let app = "";

beforeAll(() => {
  expect(existsSync(join(root, "dist", "workerd", "index.js")), "run `npm run build` first").toBe(true);
  dir = mkdtempSync(join(tmpdir(), "toolwatch-pack-"));
  execFileSync("npm", ["pack", "--pack-destination", dir, "--silent"], { cwd: root, env: quiet, stdio: "pipe" });
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
  app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  // a local tarball; its dependencies come from the npm cache when they are there
  execFileSync("npm", ["install", "--prefer-offline", "--no-package-lock", join(dir, tarball)], { cwd: app, env: quiet, stdio: "pipe" });
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const node = (args: string[]) => JSON.parse(execFileSync("node", args, { cwd: app, encoding: "utf8" }));

describe("the packed package", () => {
  it("decides from an ES module", () => {
    const out = node(["--input-type=module", "-e", `import { createDetector } from "toolwatch";
      const d = createDetector({ minCalls: 3 });
      console.log(JSON.stringify(d.check(${JSON.stringify(CALL)})));`]);
    expect(out.action).toBe("allow");
    expect(out.learning.baseline).toBe("cold");
  });

  it("decides from CommonJS", () => {
    const out = node(["--input-type=commonjs", "-e", `const { createDetector } = require("toolwatch");
      console.log(JSON.stringify(createDetector().check(${JSON.stringify(CALL)})));`]);
    expect(out.action).toBe("allow");
  });

  it("exposes the core as toolwatch/core.wasm for non-JS hosts", () => {
    const out = node(["--input-type=commonjs", "-e", `const fs = require("fs");
      const m = new WebAssembly.Module(fs.readFileSync(require.resolve("toolwatch/core.wasm")));
      console.log(JSON.stringify({ imports: WebAssembly.Module.imports(m).length, exports: WebAssembly.Module.exports(m).map((e) => e.name) }));`]);
    expect(out.imports).toBe(0);
    expect(out.exports).toEqual(expect.arrayContaining(["check", "init", "state_hash", "io_ptr", "memory"]));
  });

  it("resolves the browser build under the browser condition, which takes a compiled module", () => {
    const out = node(["--conditions=browser", "--input-type=module", "-e", `import * as tw from "toolwatch";
      import { readFileSync } from "node:fs"; import { createRequire } from "node:module";
      const bytes = readFileSync(createRequire(import.meta.url).resolve("toolwatch/core.wasm"));
      const d = tw.createDetectorFromModule(await WebAssembly.compile(bytes));
      console.log(JSON.stringify({ createDetector: typeof tw.createDetector, action: d.check(${JSON.stringify(CALL)}).action }));`]);
    expect(out).toEqual({ createDetector: "undefined", action: "allow" });
  });

  it("runs in a Worker bundled by wrangler from the package's workerd entry", async () => {
    const w = join(app, "worker");
    mkdirSync(join(w, "src"), { recursive: true });
    writeFileSync(join(w, "src", "index.js"), `import { createDetector } from "toolwatch";
const detector = createDetector({ minCalls: 3 });
export default { async fetch(request) { return Response.json(detector.check(await request.json())); } };
`);
    writeFileSync(join(w, "wrangler.json"), JSON.stringify({ name: "scratch-worker", main: "src/index.js", compatibility_date: "2025-09-01" }));
    execFileSync(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", "out"], { cwd: w, env: quiet, stdio: "pipe" });
    const files = readdirSync(join(w, "out"));
    expect(files.some((f) => f.endsWith(".wasm"))).toBe(true); // the core as a module, not bytes compiled at run time
    const mf = new Miniflare({
      modules: true, scriptPath: join(w, "out", "index.js"), modulesRoot: join(w, "out"), cf: false,
      modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }], compatibilityDate: "2025-09-01",
    });
    try {
      const r = await mf.dispatchFetch("http://scratch.example/", { method: "POST", body: JSON.stringify(CALL) });
      const d = (await r.json()) as { action: string; learning: { baseline: string } };
      expect([r.status, d.action, d.learning.baseline]).toEqual([200, "allow", "cold"]);
    } finally {
      await mf.dispose();
    }
  }, 120_000);
});
