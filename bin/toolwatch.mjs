#!/usr/bin/env node
// The toolwatch command. Runs the bundled CLI from dist/ (built by `npm run build`).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(root, "dist", "esm", "cli.js");
if (!existsSync(cli)) {
  process.stderr.write(`toolwatch: ${cli} is missing; run \`npm run build\` first\n`);
  process.exit(1);
}
const { main } = await import(pathToFileURL(cli).href);
const code = await main(process.argv.slice(2));
if (typeof code === "number") process.exitCode = code;
