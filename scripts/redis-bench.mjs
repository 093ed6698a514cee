// Measures the Redis mode against redis-servers it starts on 127.0.0.1.
//   node scripts/redis-bench.mjs           per-call cost on one Redis (test/redis/bench.ts; BENCH_CALLS=n)
//   node scripts/redis-bench.mjs --hot     one tenant's ceiling on a 3+3 Redis Cluster, strict and batched
//   node scripts/redis-bench.mjs --scale   many tenants on 1, 3 and 6 masters; bytes and round trips per call
//   (--hot/--scale take --calls=N --replicas=K --concurrency=C, --hot also --affinity; test/redis/cluster-bench.ts)
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const cluster = process.argv.some((a) => a === "--hot" || a === "--scale");
const outDir = join(root, "node_modules", ".cache", "toolwatch-redis-bench");
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `bench-${process.pid}.mjs`);
await build({
  entryPoints: [join(root, cluster ? "test/redis/cluster-bench.ts" : "test/redis/bench.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  outfile,
  logLevel: "warning",
});
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, TOOLWATCH_ROOT: root, TOOLWATCH_WASM: join(root, "build", "toolwatch.wasm") },
});
rmSync(outfile, { force: true });
process.exit(r.status ?? 1);
