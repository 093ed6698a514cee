// npm run build: the core (release + debug), the generated defaults, and the host bundles.
import { execFileSync } from "node:child_process";
import { build } from "esbuild";
import { statSync } from "node:fs";

const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit" });
const only = process.argv[2];

run("npx", ["asc", "assembly/index.ts", "--target", "release"]);
run("npx", ["asc", "assembly/index.ts", "--target", "debug"]);
run("node", ["scripts/gen-defaults.mjs"]);

const size = statSync("build/toolwatch.wasm").size;
const WASM_BUDGET = 64 * 1024;
if (size > WASM_BUDGET) throw new Error(`build/toolwatch.wasm is ${size} bytes, over the ${WASM_BUDGET}-byte budget`);
const mod = new WebAssembly.Module(await import("node:fs").then((fs) => fs.readFileSync("build/toolwatch.wasm")));
if (WebAssembly.Module.imports(mod).length !== 0) throw new Error("build/toolwatch.wasm has imports; the core must have none");
console.log(`core: build/toolwatch.wasm ${size} bytes, 0 imports`);
if (only === "wasm") process.exit(0);

const common = { bundle: true, platform: "node", target: "node20", sourcemap: true, logLevel: "warning", packages: "external" };
// The command line (bin/toolwatch.mjs runs it); `build.mjs cli` builds only what `npm start` needs.
await build({ ...common, entryPoints: { cli: "js/cli/index.ts" }, format: "esm", outdir: "dist/esm" });
if (only === "cli") process.exit(0);
await build({ ...common, entryPoints: { index: "js/adapter/node/index.ts" }, format: "esm", outdir: "dist/esm", outExtension: { ".js": ".js" } });
await build({ ...common, entryPoints: { index: "js/adapter/node/index.ts" }, format: "cjs", define: { "import.meta.url": "undefined" }, outdir: "dist/cjs", outExtension: { ".js": ".cjs" } });
run("npx", ["tsc", "-p", "tsconfig.json"]);
const { configJsonSchema } = await import(new URL("../dist/esm/index.js", import.meta.url).href);
(await import("node:fs")).writeFileSync("dist/config.schema.json", JSON.stringify(configJsonSchema(), null, 2) + "\n");
console.log("host: dist/esm, dist/cjs, dist/types");
