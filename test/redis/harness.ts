// Runs replica processes: bundles worker.ts once (children are plain `node` on the bundle) and spawns it.
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

// bundled benchmarks (scripts/redis-bench.mjs) run from elsewhere and name the repository root
const root = process.env.TOOLWATCH_ROOT ?? resolve(import.meta.dirname, "../..");
const outDir = join(root, "node_modules", ".cache", "toolwatch-redis-test");

let bundled: Promise<string> | undefined;

/** The worker as one .mjs next to node_modules, so its package imports resolve. */
export function workerBundle(): Promise<string> {
  bundled ??= (async () => {
    mkdirSync(outDir, { recursive: true });
    // one file per test process: test files run in parallel and must not rewrite a bundle another runs
    const outfile = join(outDir, `worker-${process.pid}.mjs`);
    await build({
      entryPoints: [join(root, "test/redis/worker.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      outfile,
      logLevel: "warning",
    });
    return outfile;
  })();
  return bundled;
}

/** Removes this process's bundle (call from afterAll). */
export async function removeWorkerBundle(): Promise<void> {
  if (!bundled) return;
  rmSync(await bundled, { force: true });
  bundled = undefined;
}

export interface WorkerJob {
  url: string;
  config: Record<string, unknown>;
  redis?: Record<string, unknown>;
  concurrency: number;
  /** Epoch ms at which the replica starts calling (benchmarks). */
  startAt?: number;
  calls: { i: number; call: unknown }[];
}

export interface WorkerRow {
  i: number;
  tenant: string;
  principal: string;
  tv: number | null;
  ev: number | null;
  attempts: number;
  action: string;
  risk: number;
  reasons: [string, number][];
  learned: boolean;
  windowCount: number;
  baseline: string;
  error: string | null;
}

/** Runs one replica process to completion; rejects with its stderr if it fails. */
export async function runWorker(
  dir: string,
  name: string,
  job: WorkerJob,
): Promise<{ results: WorkerRow[]; stats: Record<string, number> }> {
  const file = await workerBundle();
  const input = join(dir, `${name}.in.json`);
  const output = join(dir, `${name}.out.json`);
  writeFileSync(input, JSON.stringify(job));
  const child = spawn(process.execPath, [file, input, output], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, TOOLWATCH_WASM: join(root, "build", "toolwatch.wasm") },
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  if (code !== 0) throw new Error(`replica ${name} exited with ${code}: ${stderr}`);
  return JSON.parse(readFileSync(output, "utf8"));
}
