// Generates the conformance vectors from the Node host: test/vectors/<stream>.json, each a config,
// a list of operations with the decisions the Node host made, and the state after the stream.
// Every host (Node, workerd, Python, C) replays them and must match byte for byte (docs/HOSTS.md).
// Also writes the config-slot table the non-JS hosts read (derived from js/config/slots.ts).
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

// The Node host under test, and the slot table, straight from the TypeScript sources (bundled inside
// node_modules so that its bare imports resolve).
const out = join(root, "node_modules", ".cache", `toolwatch-gen-vectors-${process.pid}.mjs`);
await build({
  stdin: {
    contents: `export * from "./js/runtime/node/index.ts"; export { SLOT_OF, WEIGHT_SLOT, MODE_SLOT, CONFIG_SLOTS } from "./js/config/slots.ts";`,
    resolveDir: root, loader: "ts",
  },
  bundle: true, platform: "node", target: "node20", format: "esm", outfile: out, packages: "external", logLevel: "warning",
});
const host = await import(pathToFileURL(out).href);
rmSync(out);
process.env.TOOLWATCH_WASM ??= join(root, "build", "toolwatch.wasm");

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const f64bits = (x) => { const b = Buffer.alloc(8); b.writeDoubleBE(x); return b.toString("hex"); };
const STAT_COUNT = 17;
// FNV-1a 64 of a snapshot: short to store, easy to compute in every host.
function fnv1a(bytes) {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, "0");
}
// The same damage every host applies to its own snapshot before restoring it.
function damage(bytes, step) {
  const b = bytes.slice();
  if (step.damage === "flip") { b[step.at] ^= 0xff; return b; }
  if (step.damage === "truncate") return b.slice(0, step.at);
  if (step.damage === "foreign") { b.set(new TextEncoder().encode("notasnap"), 0); return b; }
  throw new Error(`unknown damage ${step.damage}`);
}

function resultBytes(d) {
  const core = d.raw;
  const p = core.result_ptr();
  const v = new DataView(core.memory.buffer, p, core.result_size());
  const n = v.getInt32(12, true);
  return { flags: v.getInt32(4, true), mode: v.getInt32(8, true), bytes: new Uint8Array(core.memory.buffer, p, 128 + n * 40) };
}

function attempt(fn) {
  try {
    return { ok: fn() };
  } catch (e) {
    if (e instanceof host.ToolwatchError) return { error: e.code };
    throw e;
  }
}

function toCall(c) {
  const call = { tool: c.tool, args: c.args, principal: c.principal, tenant: c.tenant, time: c.time };
  if (c.tz !== undefined) call.timeZone = c.tz;
  return call;
}

// Runs one stream through a fresh Node detector and records what it did.
function record(stream) {
  let d = host.createDetector(stream.config);
  const steps = [];
  for (const s of stream.steps) {
    const step = JSON.parse(JSON.stringify(s)); // as every other host will read it
    let expect;
    if (step.op === "check") {
      const r = attempt(() => d.check(toCall(step.call)));
      if (r.error) expect = { error: r.error };
      else {
        const dec = r.ok;
        const raw = resultBytes(d);
        expect = {
          action: dec.action, risk: dec.risk, riskBits: f64bits(dec.risk), flags: raw.flags, baseline: dec.learning.baseline,
          reasons: dec.reasons.map((x) => x.code), result: hex(raw.bytes),
        };
      }
    } else if (step.op === "learn") {
      const r = attempt(() => d.learn(toCall(step.call)));
      expect = r.error ? { error: r.error } : {};
    } else if (step.op === "after") {
      const r = attempt(() => d.after(toCall(step.call), { isError: step.isError === true }));
      expect = r.error ? { error: r.error } : { tracked: r.ok.tracked };
    } else if (step.op === "allow") {
      const r = attempt(() => d.allow(step.entry));
      expect = r.error ? { error: r.error } : {};
    } else if (step.op === "raw") {
      // bytes written straight into IO: the core's own refusals, which no host marshaller produces
      const core = d.raw;
      new Uint8Array(core.memory.buffer, core.io_ptr(), step.io.length / 2).set(Buffer.from(step.io, "hex"));
      const rc = step.fn === "check" ? core.check(step.time, step.tz) : core.learn(step.time, step.tz);
      expect = { rc };
    } else if (step.op === "hash") {
      expect = { stateHash: d.stateHash() };
    } else if (step.op === "snapshot") {
      const b = d.snapshot();
      expect = { bytes: b.length, fnv1a: fnv1a(b) };
    } else if (step.op === "reload") {
      // an evicted detector coming back: a fresh instance with the same config restores the snapshot
      const b = d.snapshot();
      d = host.createDetector(stream.config);
      expect = { records: d.restore(b), stateHash: d.stateHash() };
    } else if (step.op === "restoreDamaged") {
      const r = attempt(() => d.restore(damage(d.snapshot(), step)));
      expect = r.error ? { error: r.error } : { records: r.ok };
    } else throw new Error(`unknown op ${step.op}`);
    steps.push({ ...step, expect });
  }
  const stats = [];
  for (let i = 0; i < STAT_COUNT; i++) stats.push(d.raw.stat(i));
  return { format: 1, name: stream.name, about: stream.about, config: stream.config, steps, final: { stateHash: d.stateHash(), stats } };
}

// The config mapping as data, for hosts that cannot read the TypeScript.
function slotTable() {
  const settings = {};
  for (const [k, [slot, scale]] of Object.entries(host.SLOT_OF)) settings[k] = { slot, scale };
  return {
    about: "Generated by scripts/gen-vectors.mjs from js/config/slots.ts: where each camelCase setting goes in the core's f64 config block, and the factor from the setting's unit to the core's.",
    slots: host.CONFIG_SLOTS, settings, enums: { action: { warn: 0, block: 1 } },
    signals: [...host.SIGNALS], weightSlot: host.WEIGHT_SLOT, modeSlot: host.MODE_SLOT, modes: { off: 0, on: 1, shadow: 2 },
  };
}

function cHeader(t) {
  const rows = Object.entries(t.settings).map(([k, { slot, scale }]) => `  { "${k}", ${slot}, ${scale} },`);
  const labels = [
    ...Object.entries(t.enums).flatMap(([k, m]) => Object.entries(m).map(([l, v]) => `  { "${k}", "${l}", ${v} },`)),
    ...Object.entries(t.modes).map(([l, v]) => `  { "mode", "${l}", ${v} },`),
  ];
  return `/* Generated by scripts/gen-vectors.mjs from js/config/slots.ts. Do not edit. */
#ifndef TOOLWATCH_SLOTS_H
#define TOOLWATCH_SLOTS_H
typedef struct { const char *name; int slot; double scale; } toolwatch_setting;
static const toolwatch_setting TOOLWATCH_SETTINGS[] = {
${rows.join("\n")}
};
#define TOOLWATCH_SETTING_COUNT ${rows.length}
typedef struct { const char *name; const char *label; double value; } toolwatch_label;
static const toolwatch_label TOOLWATCH_LABELS[] = {
${labels.join("\n")}
};
#define TOOLWATCH_LABEL_COUNT ${labels.length}
static const char *const TOOLWATCH_SIGNALS[] = { ${t.signals.map((s) => `"${s}"`).join(", ")} };
#define TOOLWATCH_SIGNAL_COUNT ${t.signals.length}
#define TOOLWATCH_CONFIG_SLOTS ${t.slots}
#define TOOLWATCH_WEIGHT_SLOT ${t.weightSlot}
#define TOOLWATCH_MODE_SLOT ${t.modeSlot}
#endif
`;
}

const files = new Map();
for (const s of streams) files.set(join(root, "test", "vectors", `${s.name}.json`), JSON.stringify(record(s), null, 1) + "\n");
const table = slotTable();
files.set(join(root, "hosts", "python", "toolwatch_wasm", "slots.json"), JSON.stringify(table, null, 2) + "\n");
files.set(join(root, "hosts", "c", "toolwatch_slots.h"), cHeader(table));

let stale = 0;
for (const [path, text] of files) {
  const rel = path.slice(root.length + 1);
  if (check) {
    if (!existsSync(path) || readFileSync(path, "utf8") !== text) { console.error(`stale: ${rel}`); stale++; }
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${rel} (${text.length} bytes)`);
  }
}
if (stale) { console.error(`${stale} generated file(s) differ: run node scripts/gen-vectors.mjs`); process.exit(1); }
