// npm run bench [-- --quick] [-- --update]: bundles the harness (and bench/gateway-latency.ts when present)
// with the host sources, builds the core if needed, and runs it in a Node with GC exposed and room for 1M
// entities; then the Python benchmark of bench/contextforge/bench.py. Results go to build/bench/ (untracked);
// --update writes the committed bench/results.json, bench/results.md and bench/contextforge-results.json.
import { build } from "esbuild";
import { existsSync, mkdirSync } from "node:fs";
import { spawnSync, execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
// The gateway section runs the real CLI from dist/; build everything when it is missing.
if (!existsSync("build/toolwatch.wasm") || !existsSync("dist/esm/cli.js"))
  execFileSync("node", ["scripts/build.mjs"], { stdio: "inherit" });
mkdirSync("build/bench", { recursive: true });
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  logLevel: "warning",
  sourcemap: true,
};
await build({ ...common, entryPoints: ["bench/main.ts"], outfile: "build/bench/main.mjs" });
if (existsSync("bench/gateway-latency.ts")) {
  await build({ ...common, entryPoints: ["bench/gateway-latency.ts"], outfile: "build/bench/gateway-latency.mjs" });
}
const update = process.argv.includes("--update");
const args = process.argv.slice(2).filter((a) => a !== "--update");
const dest = update ? "bench" : "build/bench";
const given = (name) => args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const heapMb = args.includes("--quick") ? 2048 : 12288;
const r = spawnSync(
  process.execPath,
  [
    "--expose-gc",
    `--max-old-space-size=${heapMb}`,
    "--enable-source-maps",
    "build/bench/main.mjs",
    ...args,
    ...(given("out") ? [] : [`--out=${dest}/results.json`]),
  ],
  { stdio: "inherit" },
);
if (r.status !== 0) process.exit(r.status ?? 1);
// Python: Detector.check() per backend and ContextForge's plugin manager with the prior art, toolwatch in
// process and `toolwatch serve` (bench/contextforge/bench.py -> bench/contextforge-results.json), when the
// framework's venv is there (scripts/setup-test-deps.sh makes it)
const py = ".venv-contextforge/bin/python";
if (existsSync(py)) {
  spawnSync("make", ["-C", "hosts/c", "-s", "python"], { stdio: "inherit" }); // the native backend, when wasm2c is installed
  const p = spawnSync(
    py,
    [
      "bench/contextforge/bench.py",
      ...(args.includes("--quick") ? ["--quick"] : []),
      "--out",
      `${dest}/contextforge-results.json`,
    ],
    { stdio: "inherit" },
  );
  if (p.status !== 0) process.exit(p.status ?? 1);
}
if (!update && !given("out"))
  console.log(
    "\nresults are in build/bench/; `npm run bench -- --update` rewrites the committed bench/results.* instead",
  );
