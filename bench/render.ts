// Re-renders bench/results.md from a results JSON (after a change to the Markdown layout, without re-running):
//   npx esbuild bench/render.ts --bundle --platform=node --format=esm --packages=external --outfile=build/bench/render.mjs
//   node build/bench/render.mjs [bench/results.json]
import { readFileSync, writeFileSync } from "node:fs";
import { markdown } from "./report.js";

const path = process.argv[2] ?? "bench/results.json";
const results = JSON.parse(readFileSync(path, "utf8")) as Parameters<typeof markdown>[0];
writeFileSync(`${path.replace(/\.json$/, "")}.md`, markdown(results));
