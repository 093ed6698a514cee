// npm run build: the core (release + debug), the generated defaults, and the host bundles.
import { execFileSync } from "node:child_process";
import { build } from "esbuild";
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";

const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit" });
const only = process.argv[2];

run("npx", ["asc", "assembly/index.ts", "--target", "release"]);
run("npx", ["asc", "assembly/index.ts", "--target", "debug"]);
// One ABI description (assembly/layout.ts, assembly/config.ts) into every host, the docs and the defaults.
run("node", ["scripts/gen-abi.mjs"]);

const size = statSync("build/toolwatch.wasm").size;
const WASM_BUDGET = 64 * 1024;
if (size > WASM_BUDGET) throw new Error(`build/toolwatch.wasm is ${size} bytes, over the ${WASM_BUDGET}-byte budget`);
const mod = new WebAssembly.Module(await import("node:fs").then((fs) => fs.readFileSync("build/toolwatch.wasm")));
if (WebAssembly.Module.imports(mod).length !== 0)
  throw new Error("build/toolwatch.wasm has imports; the core must have none");
console.log(`core: build/toolwatch.wasm ${size} bytes, 0 imports`);
// The Python package ships the core inside it (pip install ./hosts/python); the copy is gitignored.
(await import("node:fs")).copyFileSync("build/toolwatch.wasm", "hosts/python/toolwatch_wasm/toolwatch.wasm");
// With wasm2c (Debian: wabt), also the C sources of its native backend (the core translated, the wasm2c runtime,
// hosts/c's extension), so that pip install ./hosts/python compiles the extension; without them it runs on wasmtime.
{
  const fs = await import("node:fs");
  const { createHash } = await import("node:crypto");
  const dir = "hosts/python/native",
    inc = process.env.WASM2C_INC ?? "/usr/share/wabt/wasm2c";
  fs.rmSync(dir, { recursive: true, force: true });
  const rtHeader = [inc, "/usr/include", "/usr/local/include"]
    .map((d) => `${d}/wasm-rt.h`)
    .find((f) => fs.existsSync(f));
  try {
    if (!rtHeader) throw new Error(`wasm-rt.h not found (set WASM2C_INC)`);
    fs.mkdirSync(dir);
    fs.writeFileSync(`${dir}/.gitignore`, "*\n"); // generated: never committed
    execFileSync("wasm2c", ["build/toolwatch.wasm", "-n", "toolwatch", "-o", `${dir}/core.c`], { stdio: "pipe" });
    for (const f of [
      "hosts/c/pyext.c",
      "hosts/c/pycore.c",
      "hosts/c/toolwatch_abi.generated.h",
      `${inc}/wasm-rt-impl.c`,
      `${inc}/wasm-rt-impl.h`,
      rtHeader,
    ])
      fs.copyFileSync(f, `${dir}/${f.split("/").pop()}`);
    // the .wasm these sources were translated from, which the extension reports (toolwatch_wasm/native.py checks it)
    fs.writeFileSync(
      `${dir}/wasm.sha256`,
      `${createHash("sha256").update(fs.readFileSync("build/toolwatch.wasm")).digest("hex")}\n`,
    );
    console.log(`python: ${dir}/ (the native backend's C sources, for pip install ./hosts/python)`);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(
      `python: no native backend sources (${e.code === "ENOENT" ? "wasm2c not installed" : e.message}); pip install ./hosts/python gives the wasmtime backend`,
    );
  }
}
if (only === "wasm") process.exit(0);

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  packages: "external",
};
// wasm.ts finds the .wasm from import.meta.url in ESM and from __dirname in CommonJS, chosen here.
const esm = { format: "esm", define: { TOOLWATCH_CJS: "false" } };
const cjs = {
  format: "cjs",
  define: { TOOLWATCH_CJS: "true", "import.meta.url": "undefined" },
  outExtension: { ".js": ".cjs" },
};
// The command line (bin/toolwatch.mjs runs it); `build.mjs cli` builds only what `npm start` needs. It bundles
// its dependencies (the MCP SDK, pino, jose, yaml, ioredis), which are only optional peers of the package, so
// that `npx toolwatch serve` works without them; zod, a dependency, stays outside. Bundled CommonJS code asks
// for require and __dirname, which an ES module does not have.
const cliBanner = `import { createRequire as __twRequire } from "node:module"; import { fileURLToPath as __twPath } from "node:url"; import { dirname as __twDir } from "node:path";
const require = __twRequire(import.meta.url); const __filename = __twPath(import.meta.url); const __dirname = __twDir(__filename);`;
// With it, the demo's MCP server (which `toolwatch demo` starts), sharing chunks with it; minified, as it
// carries those dependencies. The chunks are rebuilt from scratch, so that old ones are not packed.
if (existsSync("dist/esm"))
  for (const f of readdirSync("dist/esm").filter((f) => f.startsWith("cli-"))) rmSync(`dist/esm/${f}`);
await build({
  ...common,
  ...esm,
  packages: undefined,
  external: ["zod"],
  banner: { js: cliBanner },
  minify: true,
  keepNames: true,
  splitting: true,
  chunkNames: "cli-[name]-[hash]",
  entryPoints: { cli: "js/cli/index.ts", "demo-server": "examples/demo-server/server.mjs" },
  outdir: "dist/esm",
});
if (only === "cli") process.exit(0);
await build({ ...common, ...esm, entryPoints: { index: "js/runtime/node/index.ts" }, outdir: "dist/esm" });
await build({ ...common, ...cjs, entryPoints: { index: "js/runtime/node/index.ts" }, outdir: "dist/cjs" });
// Gateway adapters, toolwatch/mcp, toolwatch/contextforge and toolwatch/proxy, for import and require. The MCP
// SDK, pino and jose they use are optional peer dependencies, so each entry is a small module that loads the
// bundle behind it (dist/{esm,cjs}/gateway/) and, when a peer is missing, names it and how to install it: a
// static import would fail while linking, before any code of ours could say so.
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const peers = JSON.stringify(Object.keys(pkg.peerDependencies ?? {}));
const gateways = {
  mcp: "js/integrations/mcp-sdk/index.ts",
  contextforge: "js/integrations/contextforge/index.ts",
  proxy: "js/proxy/index.ts",
};
const esmGateways = await build({
  ...common,
  ...esm,
  entryPoints: gateways,
  outdir: "dist/esm/gateway",
  metafile: true,
});
await build({ ...common, ...cjs, entryPoints: gateways, outdir: "dist/cjs/gateway" });
// On a missing peer, every peer the entry needs that is missing, not only the first one the loader met.
const missingPeer = (name, needs) => `function missingPeer(err) {
  const spec = /^Cannot find (?:package|module) '([^']+)'/.exec(String(err?.message))?.[1] ?? "";
  if (!${peers}.some((p) => spec === p || spec.startsWith(p + "/"))) return err;
  const missing = ${JSON.stringify(needs)}.filter((p) => { try { req.resolve(p); return false; } catch { return true; } });
  const msg = \`toolwatch/${name} needs \${missing.join(", ")}: npm install \${missing.join(" ")}\`;
  return Object.assign(new Error(msg, { cause: err }), { code: "TOOLWATCH_MISSING_PEER" });
}`;
for (const name of Object.keys(gateways)) {
  const { exports, imports } = esmGateways.metafile.outputs[`dist/esm/gateway/${name}.js`];
  const needs = Object.keys(pkg.peerDependencies).filter((p) =>
    imports.some((i) => i.external && (i.path === p || i.path.startsWith(`${p}/`))),
  );
  const head = `// toolwatch/${name}, generated by scripts/build.mjs: loads ./gateway/${name} and names a missing optional peer.\n`;
  writeFileSync(
    `dist/esm/${name}.js`,
    `${head}import { createRequire } from "node:module";
const req = createRequire(import.meta.url);
let m;
try {
  m = await import("./gateway/${name}.js");
} catch (err) {
  throw missingPeer(err);
}
${missingPeer(name, needs)}
export const { ${exports.join(", ")} } = m;
`,
  );
  writeFileSync(
    `dist/cjs/${name}.cjs`,
    `${head}"use strict";
const req = require;
try {
  module.exports = require("./gateway/${name}.cjs");
} catch (err) {
  throw missingPeer(err);
}
${missingPeer(name, needs)}
`,
  );
}
// Workers and browsers: platform-neutral ESM. The workerd entry keeps its .wasm import (Workers compile
// WebAssembly only at deploy time), pointed at the package's own build/toolwatch.wasm.
const coreImport = {
  name: "core-wasm",
  setup: (b) =>
    b.onResolve({ filter: /toolwatch\.wasm$/ }, () => ({ path: "../../build/toolwatch.wasm", external: true })),
};
const neutral = { ...common, platform: "neutral", target: "es2022" };
await build({
  ...neutral,
  entryPoints: { index: "js/runtime/workerd/index.ts" },
  format: "esm",
  outdir: "dist/workerd",
  plugins: [coreImport],
});
await build({ ...neutral, entryPoints: { index: "js/index.ts" }, format: "esm", outdir: "dist/browser" });
// declarations from scratch: a .d.ts left by a moved or removed source file would otherwise be packed
rmSync("dist/types", { recursive: true, force: true });
run("npx", ["tsc", "-p", "tsconfig.json"]);
// For editors, the schema of a whole config file (detector settings and the server:/proxy:/state: sections);
// the Python package gets the detector settings alone, from which it validates settings with the Node
// host's rules (toolwatch_wasm/config.py).
const { configJsonSchema } = await import(new URL("../dist/esm/index.js", import.meta.url).href);
const { configFileJsonSchema } = await import(new URL("../dist/esm/cli.js", import.meta.url).href);
(await import("node:fs")).writeFileSync(
  "dist/config.schema.json",
  `${JSON.stringify(configFileJsonSchema(), null, 2)}\n`,
);
(await import("node:fs")).writeFileSync(
  "hosts/python/toolwatch_wasm/config.schema.json",
  `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
);
console.log("host: dist/esm, dist/cjs, dist/workerd, dist/browser, dist/types");
