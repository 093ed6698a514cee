// npm run soak [-- --calls N]: bundles bench/soak/main.ts (the child server is bundled by the harness
// itself) and runs it; builds the core first if it is missing.
import { build } from "esbuild";
import { existsSync, mkdirSync } from "node:fs";
import { spawnSync, execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
process.chdir(root);
if (!existsSync("build/toolwatch.wasm")) execFileSync("node", ["scripts/build.mjs", "wasm"], { stdio: "inherit" });
mkdirSync("build/bench", { recursive: true });
await build({
  entryPoints: ["bench/soak/main.ts"],
  outfile: "build/bench/soak.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  logLevel: "warning",
  sourcemap: true,
});
const r = spawnSync(process.execPath, ["--enable-source-maps", "build/bench/soak.mjs", ...process.argv.slice(2)], {
  stdio: "inherit",
});
process.exit(r.status ?? 1);
