import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";

// workerd runs offline: no request for Cloudflare's request metadata, no telemetry.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
process.env.WRANGLER_SEND_METRICS ??= "false";

// test/workerd/guard.test.ts evicts Durable Objects on purpose (state.abort("evicted by the test")), and
// workerd reports each abort on stderr as an "uncaught exception" with a native stack: expected, and
// noise in the test output. Only that report is dropped; any other workerd output passes.
const EVICTION_REPORT = "jsg.Error: evicted by the test";
const stderrWrite = process.stderr.write.bind(process.stderr) as (...a: unknown[]) => boolean;
process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
  if (typeof chunk === "string" || chunk instanceof Uint8Array) {
    const text = chunk.toString();
    if (text.includes(EVICTION_REPORT)) {
      const kept = text
        .split("\n")
        .filter(
          (line, i, all) =>
            !line.includes(EVICTION_REPORT) && !(line.startsWith("stack: ") && all[i - 1]?.includes(EVICTION_REPORT)),
        );
      return kept.join("\n").trim() === "" ? true : stderrWrite(kept.join("\n"), ...rest);
    }
  }
  return stderrWrite(chunk, ...rest);
}) as typeof process.stderr.write;

// The runner needs these workerd features; vitest-pool-workers adds each one it finds missing with a
// [vpw:debug] line per test file, so they are listed here (for the tests only, not the example's deployment).
const RUNNER_FLAGS = ["tty_module", "fs_module", "http_modules", "perf_hooks_module", "v8_module", "process_v2"].map(
  (f) => `enable_nodejs_${f}`,
);

export default defineConfig({
  test: {
    testTimeout: 60000,
    hookTimeout: 60000,
    projects: [
      {
        extends: true,
        test: { name: "node", include: ["test/**/*.test.ts"], exclude: ["test/workerd/**", "**/node_modules/**"] },
      },
      {
        // tests that run inside workerd, against the example Worker (examples/worker)
        extends: true,
        plugins: [
          cloudflareTest({
            main: "./examples/worker/src/index.ts",
            wrangler: { configPath: "./examples/worker/wrangler.jsonc" },
            miniflare: {
              cf: false,
              compatibilityFlags: RUNNER_FLAGS,
              bindings: { TOOLWATCH_CONFIG: "{}", SNAPSHOT_EVERY_SECONDS: "3600" },
            },
          }),
        ],
        test: { name: "workerd", include: ["test/workerd/**/*.test.ts"] },
      },
    ],
  },
});
