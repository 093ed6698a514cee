// npm run faults [-- --quick]: bundles faults/main.ts with the host sources (as bench/run.mjs does), builds
// the core and CLI first if missing, and runs the fault suite: loopback only, bounded, stops by itself.
// Exits non-zero when anything was lost or a rule did not hold.
import { build } from "esbuild";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { spawnSync, execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
// serve and migrate run as the real CLI from dist/
if (!existsSync("build/toolwatch.wasm") || !existsSync("dist/esm/cli.js"))
  execFileSync("node", ["scripts/build.mjs"], { stdio: "inherit" });
mkdirSync("build/faults", { recursive: true });
const outfile = `build/faults/main-${process.pid}.mjs`;
await build({
  entryPoints: ["faults/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  logLevel: "warning",
  sourcemap: true,
});
const r = spawnSync(process.execPath, ["--enable-source-maps", outfile, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, TOOLWATCH_WASM: join(root, "build", "toolwatch.wasm") },
});
// one bundle per run (the CI test may run beside a manual run): remove ours
rmSync(outfile, { force: true });
rmSync(`${outfile}.map`, { force: true });
process.exit(r.status ?? 1);
