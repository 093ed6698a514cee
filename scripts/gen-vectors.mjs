// Generates the conformance vectors from the Node host: test/vectors/<stream>.json, each a config,
// a list of operations with the decisions the Node host made, and the state after the stream.
// Every host (Node, workerd, Python, C) replays them and must match byte for byte (docs/HOSTS.md).
// The steps run through test/vectors/replay.ts, the same harness the JS replays use.
//
//   npm run build && node scripts/gen-vectors.mjs           # rewrite the files
//   node scripts/gen-vectors.mjs --check                    # exit 1 if the committed files are stale
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync, existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { streams } from "../test/vectors/streams.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");

// The Node host under test and the harness, straight from the TypeScript sources (bundled inside
// node_modules so that its bare imports resolve).
const out = join(root, "node_modules", ".cache", `toolwatch-gen-vectors-${process.pid}.mjs`);
await build({
  stdin: {
    contents: `export { createDetector } from "./js/runtime/node/index.ts"; export { record } from "./test/vectors/replay.ts";`,
    resolveDir: root,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  outfile: out,
  packages: "external",
  logLevel: "warning",
});
const host = await import(pathToFileURL(out).href);
rmSync(out);
process.env.TOOLWATCH_WASM ??= join(root, "build", "toolwatch.wasm");

// A step may give its arguments as JSON text (`argsJson`) where the order of the text matters: a JS
// object would put array-index keys first, and the vector must show every host the order as written.
function prepare(stream) {
  return {
    ...stream,
    steps: stream.steps.map((s) =>
      s.argsJson === undefined ? s : { ...s, call: { ...s.call, args: JSON.parse(s.argsJson) } },
    ),
  };
}

/** The vector as text: JSON with one-space indents, each step's `argsJson` written in place of its args. */
function serialize(vector) {
  const raw = [];
  const text = JSON.stringify(
    vector,
    (_key, value) => {
      if (value === null || typeof value !== "object" || typeof value.argsJson !== "string") return value;
      const { argsJson, ...step } = value;
      raw.push(argsJson);
      return { ...step, call: { ...step.call, args: `\u0000raw${raw.length - 1}` } };
    },
    1,
  );
  return `${text.replace(/"\\u0000raw(\d+)"/g, (_, n) => raw[Number(n)])}\n`;
}

const files = new Map();
for (const s of streams) {
  const vector = host.record(prepare(s), (config) => host.createDetector(config));
  files.set(join(root, "test", "vectors", `${s.name}.json`), serialize(vector));
}

let stale = 0;
for (const [path, text] of files) {
  const rel = path.slice(root.length + 1);
  if (check) {
    if (!existsSync(path) || readFileSync(path, "utf8") !== text) {
      console.error(`stale: ${rel}`);
      stale++;
    }
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${rel} (${text.length} bytes)`);
  }
}
if (stale) {
  console.error(`${stale} generated file(s) differ: run node scripts/gen-vectors.mjs`);
  process.exit(1);
}
