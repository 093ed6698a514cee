// The published shape: `npm pack` output installed into scratch projects outside the repository — a
// Node project (ESM and CJS), a non-JS user reading toolwatch/core.wasm, and a Worker bundled by
// wrangler and run in workerd — each making a decision. The first project installs the package alone,
// as a library user does (its gateway dependencies are optional peers); the second adds the peers and
// loads every subpath export from import, require and strict TypeScript.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";

const root = join(import.meta.dirname, "..", "..");
const quiet = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  npm_config_audit: "false",
  npm_config_fund: "false",
};
const CALL = {
  tool: "read_file",
  args: { path: "/srv/a" },
  principal: "alice",
  tenant: "acme",
  time: Date.UTC(2026, 0, 5, 9),
};
const PEERS = ["@modelcontextprotocol/sdk", "ioredis", "jose", "pino"];
let dir = "";
let app = "";
let tarball = "";

beforeAll(() => {
  expect(existsSync(join(root, "dist", "workerd", "index.js")), "run `npm run build` first").toBe(true);
  dir = mkdtempSync(join(tmpdir(), "toolwatch-pack-"));
  execFileSync("npm", ["pack", "--pack-destination", dir, "--silent"], { cwd: root, env: quiet, stdio: "pipe" });
  tarball = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz"))!);
  app = scratch("app", [tarball]);
}, 180_000);

/** An empty project with `packages` installed (a local tarball's dependencies come from the npm cache when there). */
function scratch(name: string, packages: string[]): string {
  const d = join(dir, name);
  mkdirSync(d);
  writeFileSync(join(d, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  execFileSync("npm", ["install", "--prefer-offline", "--no-package-lock", ...packages], {
    cwd: d,
    env: quiet,
    stdio: "pipe",
  });
  return d;
}

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// strict, and checking the package's own declarations too (skipLibCheck off)
const STRICT_TS = {
  strict: true,
  skipLibCheck: false,
  noEmit: true,
  module: "nodenext",
  moduleResolution: "nodenext",
  target: "es2022",
  types: ["node"],
};
/** tsc's complaints in `cwd` ("" when it type-checks). */
function tsc(cwd: string): string {
  try {
    execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", "."], { cwd, encoding: "utf8", stdio: "pipe" });
    return "";
  } catch (e) {
    return String((e as { stdout?: string }).stdout);
  }
}
const node = (args: string[], cwd = app) => JSON.parse(execFileSync("node", args, { cwd, encoding: "utf8" }));

describe("the packed package", () => {
  it("decides from an ES module", () => {
    const out = node([
      "--input-type=module",
      "-e",
      `import { createDetector } from "toolwatch";
      const d = createDetector({ minCalls: 3 });
      console.log(JSON.stringify(d.check(${JSON.stringify(CALL)})));`,
    ]);
    expect(out.action).toBe("allow");
    expect(out.learning.baseline).toBe("cold");
  });

  it("installs without its gateways' dependencies: a library user gets toolwatch and zod", () => {
    const installed = readdirSync(join(app, "node_modules")).filter((f) => !f.startsWith("."));
    expect(installed.sort()).toEqual(["toolwatch", "zod"]);
  });

  it("ships what its README and docs link to: every relative link resolves inside the installed package", () => {
    const pkg = join(app, "node_modules", "toolwatch");
    const pages = ["README.md", ...readdirSync(join(pkg, "docs")).map((f) => join("docs", f))].filter((f) =>
      f.endsWith(".md"),
    );
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(pkg, page), "utf8");
      for (const m of text.matchAll(/\]\(([^)#\s:]+)(#[^)]*)?\)/g))
        if (!existsSync(join(pkg, page, "..", m[1]!))) broken.push(`${page}: ${m[1]}`);
    }
    expect(pages.length).toBeGreaterThan(5);
    expect(broken).toEqual([]);
  });

  it("finds its .wasm when imported from `node -e`, which defines a global __dirname", () => {
    const out = execFileSync(
      "node",
      [
        "-e",
        `import("toolwatch").then((m) => console.log(m.createDetector({}).check(${JSON.stringify(CALL)}).action))`,
      ],
      { cwd: app, encoding: "utf8" },
    );
    expect(out.trim()).toBe("allow");
  });

  it.each([
    ["mcp", "@modelcontextprotocol/sdk, pino"],
    ["contextforge", "@modelcontextprotocol/sdk, pino"],
    ["proxy", "@modelcontextprotocol/sdk, jose, pino"],
  ])("toolwatch/%s without its optional peers names them, from import and require", (name, peers) => {
    const want = `toolwatch/${name} needs ${peers}: npm install ${peers.replaceAll(", ", " ")}`;
    const esm = node([
      "--input-type=module",
      "-e",
      `import("toolwatch/${name}").then(() => console.log("null"), (e) => console.log(JSON.stringify(e.message)))`,
    ]);
    const cjs = node([
      "--input-type=commonjs",
      "-e",
      `try { require("toolwatch/${name}"); console.log("null"); } catch (e) { console.log(JSON.stringify(e.message)); }`,
    ]);
    expect([esm, cjs]).toEqual([want, want]);
  });

  it("Redis state without ioredis names the missing package", () => {
    const out = node([
      "--input-type=module",
      "-e",
      `import { createGuard } from "toolwatch";
      createGuard({}, { state: { redis: { url: "redis://127.0.0.1:1" } } }).then(() => console.log("null"), (e) => console.log(JSON.stringify(e.message)));`,
    ]);
    expect(out).toBe("toolwatch's Redis state needs ioredis: npm install ioredis");
  });

  it("type-checks createDetector under strict TypeScript without the optional peers", () => {
    writeFileSync(
      join(app, "use.mts"),
      `import { createDetector, type Decision } from "toolwatch";
      const d: Decision = createDetector({ minCalls: 3 }).check(${JSON.stringify(CALL)});\n`,
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { ...STRICT_TS, typeRoots: [join(root, "node_modules", "@types")] },
        files: ["use.mts"],
      }),
    );
    expect(tsc(app)).toBe("");
  });

  it("runs the command line without the optional peers (its dependencies are bundled)", () => {
    const out = execFileSync(join(app, "node_modules", ".bin", "toolwatch"), ["demo"], {
      cwd: app,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(out).toMatch(/BLOCK/);
    expect(out).toMatch(/never reached the server/);
  }, 120_000);

  it("decides from CommonJS", () => {
    const out = node([
      "--input-type=commonjs",
      "-e",
      `const { createDetector } = require("toolwatch");
      console.log(JSON.stringify(createDetector().check(${JSON.stringify(CALL)})));`,
    ]);
    expect(out.action).toBe("allow");
  });

  it("exposes the core as toolwatch/core.wasm for non-JS hosts", () => {
    const out = node([
      "--input-type=commonjs",
      "-e",
      `const fs = require("fs");
      const m = new WebAssembly.Module(fs.readFileSync(require.resolve("toolwatch/core.wasm")));
      console.log(JSON.stringify({ imports: WebAssembly.Module.imports(m).length, exports: WebAssembly.Module.exports(m).map((e) => e.name) }));`,
    ]);
    expect(out.imports).toBe(0);
    expect(out.exports).toEqual(expect.arrayContaining(["check", "init", "state_hash", "io_ptr", "memory"]));
  });

  it("resolves the browser build under the browser condition, which takes a compiled module", () => {
    const out = node([
      "--conditions=browser",
      "--input-type=module",
      "-e",
      `import * as tw from "toolwatch";
      import { readFileSync } from "node:fs"; import { createRequire } from "node:module";
      const bytes = readFileSync(createRequire(import.meta.url).resolve("toolwatch/core.wasm"));
      const d = tw.createDetectorFromModule(await WebAssembly.compile(bytes));
      console.log(JSON.stringify({ createDetector: typeof tw.createDetector, action: d.check(${JSON.stringify(CALL)}).action }));`,
    ]);
    expect(out).toEqual({ createDetector: "undefined", action: "allow" });
  });

  it("runs in a Worker bundled by wrangler from the package's workerd entry", async () => {
    const w = join(app, "worker");
    mkdirSync(join(w, "src"), { recursive: true });
    writeFileSync(
      join(w, "src", "index.js"),
      `import { createDetector } from "toolwatch";
const detector = createDetector({ minCalls: 3 });
export default { async fetch(request) { return Response.json(detector.check(await request.json())); } };
`,
    );
    writeFileSync(
      join(w, "wrangler.json"),
      JSON.stringify({ name: "scratch-worker", main: "src/index.js", compatibility_date: "2025-09-01" }),
    );
    execFileSync(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", "out"], {
      cwd: w,
      env: quiet,
      stdio: "pipe",
    });
    const files = readdirSync(join(w, "out"));
    expect(files.some((f) => f.endsWith(".wasm"))).toBe(true); // the core as a module, not bytes compiled at run time
    const mf = new Miniflare({
      modules: true,
      scriptPath: join(w, "out", "index.js"),
      modulesRoot: join(w, "out"),
      cf: false,
      modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
      compatibilityDate: "2025-09-01",
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

describe("the packed package with its optional peers", () => {
  let full = "";
  beforeAll(() => {
    full = scratch("full", [tarball, ...PEERS]);
  }, 240_000);

  it("loads every subpath export from require() and import, with the same exports", () => {
    const subpaths = Object.keys(
      JSON.parse(readFileSync(join(full, "node_modules", "toolwatch", "package.json"), "utf8")).exports as Record<
        string,
        unknown
      >,
    );
    expect(subpaths).toEqual(expect.arrayContaining([".", "./mcp", "./contextforge", "./proxy", "./core.wasm"]));
    const names = subpaths.map((p) => (p === "." ? "toolwatch" : `toolwatch/${p.slice(2)}`));
    const isJs = (n: string) => !/\.(wasm|json)$/.test(n);
    const cjs = node(
      [
        "--input-type=commonjs",
        "-e",
        `const out = {};
      for (const n of ${JSON.stringify(names)}) out[n] = /\\.wasm$/.test(n) ? require("fs").statSync(require.resolve(n)).size > 0 : Object.keys(require(n)).sort();
      console.log(JSON.stringify(out));`,
      ],
      full,
    );
    const esm = node(
      [
        "--input-type=module",
        "-e",
        `const out = {};
      for (const n of ${JSON.stringify(names.filter(isJs))}) out[n] = Object.keys(await import(n)).filter((k) => k !== "default" && k !== "module.exports").sort();
      console.log(JSON.stringify(out));`,
      ],
      full,
    );
    for (const n of names.filter(isJs)) {
      expect(cjs[n].length, n).toBeGreaterThan(0);
      expect(esm[n], n).toEqual(cjs[n]);
    }
    expect(cjs["toolwatch/core.wasm"]).toBe(true);
    expect(cjs["toolwatch/package.json"]).toContain("version");
  });

  it("guards an MCP server from CommonJS", () => {
    const out = node(
      [
        "--input-type=commonjs",
        "-e",
        `const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js");
      const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
      const { InMemoryTransport } = require("@modelcontextprotocol/sdk/inMemory.js");
      const { createDetector } = require("toolwatch");
      const { guardMcpServer } = require("toolwatch/mcp");
      (async () => {
        const server = new McpServer({ name: "s", version: "1.0.0" });
        server.registerTool("read_file", { description: "read" }, async () => ({ content: [{ type: "text", text: "ran" }] }));
        const decisions = [];
        guardMcpServer(server, createDetector(), { onDecision: (d) => decisions.push(d.action) });
        const [a, b] = InMemoryTransport.createLinkedPair();
        const client = new Client({ name: "c", version: "1.0.0" });
        await Promise.all([server.connect(a), client.connect(b)]);
        const r = await client.callTool({ name: "read_file", arguments: {} });
        console.log(JSON.stringify({ text: r.content[0].text, decisions }));
        await client.close();
      })();`,
      ],
      full,
    );
    expect(out).toEqual({ text: "ran", decisions: ["allow"] });
  });

  it("type-checks every entry under strict TypeScript, from an ES module and from CommonJS", () => {
    const uses = `createDetector({ minCalls: 3 }).check(${JSON.stringify(CALL)}).action satisfies "allow" | "warn" | "block";
      guardMcpServer satisfies Function; ContextForgePlugin satisfies Function; startProxy satisfies Function;`;
    writeFileSync(
      join(full, "esm.mts"),
      `import { createDetector } from "toolwatch";
      import { guardMcpServer } from "toolwatch/mcp"; import { ContextForgePlugin } from "toolwatch/contextforge"; import { startProxy } from "toolwatch/proxy";
      ${uses}\n`,
    );
    writeFileSync(
      join(full, "cjs.cts"),
      `import tw = require("toolwatch"); const { createDetector } = tw;
      import mcp = require("toolwatch/mcp"); import cf = require("toolwatch/contextforge"); import proxy = require("toolwatch/proxy");
      const { guardMcpServer } = mcp, { ContextForgePlugin } = cf, { startProxy } = proxy;
      ${uses}\n`,
    );
    writeFileSync(
      join(full, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { ...STRICT_TS, typeRoots: [join(root, "node_modules", "@types")] },
        files: ["esm.mts", "cjs.cts"],
      }),
    );
    expect(tsc(full)).toBe("");
  });
});
