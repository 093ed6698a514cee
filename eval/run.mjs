#!/usr/bin/env node
// Entry of `npm run eval` (options: eval/cli.ts): bundles the TypeScript evaluation (eval/cli.ts) with esbuild into
// node_modules/.cache and runs it. Builds the core first if build/toolwatch.wasm is missing.
import { build } from "esbuild";
import { existsSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (!existsSync(join(root, "build", "toolwatch.wasm")) && !process.env.TOOLWATCH_WASM) {
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs"), "wasm"], { cwd: root, stdio: "inherit" });
}
const outDir = join(root, "node_modules", ".cache", "toolwatch-eval");
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `cli-${process.pid}.mjs`);
await build({
  entryPoints: [join(root, "eval", "cli.ts")],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  outfile,
  logLevel: "warning",
});
if (!process.env.TOOLWATCH_WASM) process.env.TOOLWATCH_WASM = join(root, "build", "toolwatch.wasm");
const { main } = await import(pathToFileURL(outfile).href);
const { rmSync } = await import("node:fs");
let code;
try {
  code = await main(process.argv.slice(2), root);
} finally {
  rmSync(outfile, { force: true });
}
process.exitCode = code;
