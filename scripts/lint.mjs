// npm run lint [-- --fix]: every formatter and linter the project enforces, one after another, and a summary
// naming each check that failed. CI runs it (.ci/run); scripts/setup-test-deps.sh installs ruff and clang-format.
//   TypeScript/JavaScript  Biome (biome.json): formatting at 120 columns and the recommended lint rules
//   AssemblyScript         assembly/ is outside Biome (its parser refuses decorators on functions): a text check
//   Python                 ruff (ruff.toml): lint and formatting
//   C                      clang-format (hosts/c/.clang-format), hand-written files only
//   Layers, generated code scripts/check-layers.mjs and scripts/gen-abi.mjs --check, where present
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
const fix = process.argv.includes("--fix");
const failed = [];

function run(name, cmd, args, { missing } = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.error?.code === "ENOENT") {
    console.error(`lint: ${name}: ${cmd} is not installed${missing ? ` (${missing})` : ""}`);
    failed.push(name);
  } else if (r.status !== 0) failed.push(name);
}

const biome = join("node_modules", ".bin", "biome");
run("biome", biome, fix ? ["check", "--write", "."] : ["check", "."], { missing: "npm ci" });

// AssemblyScript: the same width as the rest, no tabs, no trailing blanks, a final newline
const WIDTH = 120;
const asProblems = [];
for (const file of walk("assembly")) {
  let text = readFileSync(file, "utf8");
  if (fix) {
    const mended = `${text.replace(/[ \t]+$/gm, "").replace(/\n*$/, "")}\n`;
    if (mended !== text) writeFileSync(file, (text = mended));
  }
  text.split("\n").forEach((line, i) => {
    if (line.length > WIDTH) asProblems.push(`${file}:${i + 1}: ${line.length} columns (limit ${WIDTH})`);
    if (/\t/.test(line)) asProblems.push(`${file}:${i + 1}: tab`);
    if (/[ \t]$/.test(line)) asProblems.push(`${file}:${i + 1}: trailing blank`);
  });
  if (!text.endsWith("\n")) asProblems.push(`${file}: no final newline`);
}
if (asProblems.length) {
  console.error(asProblems.join("\n"));
  failed.push("assembly text");
}

const ruff = existsSync(".venv/bin/ruff") ? ".venv/bin/ruff" : "ruff";
const install = "bash scripts/setup-test-deps.sh";
run("ruff check", ruff, fix ? ["check", "--fix", "."] : ["check", "."], { missing: install });
run("ruff format", ruff, fix ? ["format", "."] : ["format", "--check", "."], { missing: install });

const cFiles = readdirSync("hosts/c")
  .filter((f) => /\.(c|h)$/.test(f) && !f.includes("generated") && f !== "toolwatch_slots.h")
  .map((f) => join("hosts/c", f));
run("clang-format", "clang-format", fix ? ["-i", ...cFiles] : ["--dry-run", "-Werror", ...cFiles], {
  missing: install,
});

if (existsSync("scripts/check-layers.mjs")) run("layers", process.execPath, ["scripts/check-layers.mjs"]);
if (existsSync("scripts/gen-abi.mjs")) run("generated ABI", process.execPath, ["scripts/gen-abi.mjs", "--check"]);

if (failed.length) {
  console.error(`lint: failed: ${failed.join(", ")}${fix ? "" : " (npm run lint -- --fix mends formatting)"}`);
  process.exit(1);
}
console.log("lint: all checks passed");

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (p.endsWith(".ts")) yield p;
  }
}
