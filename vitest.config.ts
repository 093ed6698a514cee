import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";

// workerd runs offline: no request for Cloudflare's request metadata, no telemetry.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
process.env.WRANGLER_SEND_METRICS ??= "false";

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
            miniflare: { cf: false, bindings: { TOOLWATCH_CONFIG: "{}", SNAPSHOT_EVERY_SECONDS: "3600" } },
          }),
        ],
        test: { name: "workerd", include: ["test/workerd/**/*.test.ts"] },
      },
    ],
  },
});
