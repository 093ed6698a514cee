// The generated copies of the ABI (scripts/gen-abi.mjs) against the module itself, and the check that
// keeps them current.
import { test, expect } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModule } from "../js/runtime/node/index.js";
import { instantiateCore } from "../js/core/module.js";
import { RES, REASON_SIZE, SIGNALS, LIMIT, CONFIG_SLOTS, IO_SIZE, RESULT_SIZE, MAX_REASONS } from "../js/core/abi.js";
import { Encoder } from "../js/core/encode.js";

test("the release module has zero imports and only number-typed exports plus memory", () => {
  const mod = new WebAssembly.Module(readFileSync(new URL("../build/toolwatch.wasm", import.meta.url)));
  expect(WebAssembly.Module.imports(mod)).toEqual([]);
  const kinds = new Set(WebAssembly.Module.exports(mod).map((e) => e.kind));
  expect([...kinds].sort()).toEqual(["function", "memory"]);
});

test("sizes and limits agree between host and core", () => {
  const core = instantiateCore(loadModule());
  expect(core.config_count()).toBe(CONFIG_SLOTS);
  expect(core.io_size()).toBe(IO_SIZE);
  expect(core.result_size()).toBe(RESULT_SIZE);
  expect(RESULT_SIZE).toBeGreaterThanOrEqual(RES.reasons + MAX_REASONS * REASON_SIZE);
  // the documented limits, as every host reads them through limit()
  expect(Object.fromEntries(Object.entries(LIMIT).map(([k, id]) => [k, core.limit(id)]))).toEqual({
    identBytes: 256,
    toolBytes: 256,
    keyBytes: 256,
    valueBytes: 1024,
    args: 128,
    extra: 64,
    elements: 16,
    scanned: 4096,
    walk: 4096,
    depth: 16,
  });
  expect(core.limit(Object.keys(LIMIT).length)).toBe(0);
  expect(core.check(0, 0)).toBe(-1); // not initialised
});

test("the result area is where the host reads it", () => {
  const core = instantiateCore(loadModule());
  const enc = new Encoder(core);
  enc.config(new Float64Array(CONFIG_SLOTS).fill(NaN).fill(1 << 20, 0, 1));
  expect(core.init()).toBe(0);
  const keys: string[] = [];
  const t0 = Date.UTC(2026, 0, 5, 12);
  for (let i = 0; i < 30; i++) {
    enc.call("t", "p", "read", { path: "/a" }, keys);
    core.check(t0 + i * 3_600_000, 0);
  }
  enc.call("t", "p", "wire_money", { to: "x" }, keys);
  const action = core.check(t0 + 31 * 3_600_000, 0);
  const v = new DataView(core.memory.buffer, core.result_ptr(), core.result_size());
  expect(v.getInt32(RES.action, true)).toBe(action);
  expect(action).toBe(1);
  const risk = v.getFloat64(RES.risk, true);
  const unseen = v.getFloat64(RES.signals + SIGNALS.indexOf("unseenTool") * 8, true);
  expect(unseen).toBe(1);
  expect(risk).toBeCloseTo(0.6, 12);
  expect(v.getInt32(RES.nReasons, true)).toBe(1);
  expect(v.getInt32(RES.reasons, true)).toBe(1); // UNSEEN_TOOL
  expect(v.getFloat64(RES.entityLearned, true)).toBe(30);
});

const root = new URL("..", import.meta.url).pathname;
const genAbi = join(root, "scripts", "gen-abi.mjs");

test("the generated ABI files are current (node scripts/gen-abi.mjs --check)", () => {
  const r = spawnSync(process.execPath, [genAbi, "--check"], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

test("the check names stale files, and a reason code added to assembly/layout.ts reaches every host and the docs", () => {
  const dir = mkdtempSync(join(tmpdir(), "toolwatch-gen-abi-"));
  try {
    const files = [
      "assembly/layout.ts",
      "assembly/config.ts",
      "build/toolwatch.wasm",
      "docs/ABI.md",
      "docs/HOSTS.md",
      "js/core/abi.generated.ts",
      "js/config/defaults.generated.ts",
      "hosts/python/toolwatch_wasm/abi.py",
      "hosts/python/toolwatch_wasm/slots.json",
      "hosts/c/toolwatch_abi.generated.h",
      "hosts/c/toolwatch_slots.h",
    ];
    for (const f of files) cpSync(join(root, f), join(dir, f), { recursive: true });
    const check = () => spawnSync(process.execPath, [genAbi, "--root", dir, "--check"], { encoding: "utf8" });
    expect(check().status).toBe(0);

    writeFileSync(join(dir, "hosts/python/toolwatch_wasm/abi.py"), "RES_RISK = 17\n");
    let r = check();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("hosts/python/toolwatch_wasm/abi.py");
    expect(r.stderr).not.toContain("js/core/abi.generated.ts");

    const layout = join(dir, "assembly/layout.ts");
    writeFileSync(
      layout,
      readFileSync(layout, "utf8").replace(
        "export const REASON_VALUES_UNJUDGED: i32 = 13;",
        "export const REASON_VALUES_UNJUDGED: i32 = 13;\n// @actual 0\nexport const REASON_NEW_THING: i32 = 14; // a new reason",
      ),
    );
    execFileSync(process.execPath, [genAbi, "--root", dir], { stdio: "pipe" });
    expect(readFileSync(join(dir, "js/core/abi.generated.ts"), "utf8")).toContain('"VALUES_UNJUDGED", "NEW_THING"]');
    expect(readFileSync(join(dir, "hosts/python/toolwatch_wasm/abi.py"), "utf8")).toContain("REASON_NEW_THING = 14");
    expect(readFileSync(join(dir, "hosts/c/toolwatch_slots.h"), "utf8")).toContain('"VALUES_UNJUDGED", "NEW_THING" }');
    expect(readFileSync(join(dir, "docs/ABI.md"), "utf8")).toMatch(/\| — \| 14 \| NEW_THING \| 0 \|/);

    // a gap in the reason codes is refused with the constant's place
    writeFileSync(
      layout,
      readFileSync(layout, "utf8").replace("REASON_NEW_THING: i32 = 14", "REASON_NEW_THING: i32 = 15"),
    );
    r = spawnSync(process.execPath, [genAbi, "--root", dir], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/REASON_NEW_THING is 15 \(assembly\/layout\.ts:\d+\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
