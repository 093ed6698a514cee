// Measures the per-call cost of the Redis mode (test/redis/bench.ts) against a redis-server it starts.
//   node scripts/redis-bench.mjs        (BENCH_CALLS=n to change the calls per scenario)
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const outDir = join(root, "node_modules", ".cache", "toolwatch-redis-bench");
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, "bench.mjs");
await build({ entryPoints: [join(root, "test/redis/bench.ts")], bundle: true, platform: "node", format: "esm", target: "node20",
  packages: "external", outfile, logLevel: "warning" });
const r = spawnSync(process.execPath, [outfile], { stdio: "inherit", env: { ...process.env, TOOLWATCH_WASM: join(root, "build", "toolwatch.wasm") } });
process.exit(r.status ?? 1);
