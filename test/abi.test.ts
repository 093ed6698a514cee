// The host's copy of the layout (js/core/abi.ts) against the module itself.
import { test, expect } from "vitest";
import { readFileSync } from "node:fs";
import { loadModule } from "../js/runtime/node/index.js";
import { instantiateCore } from "../js/core/module.js";
import { RES, REASON_SIZE, SIGNALS, LIMIT } from "../js/core/abi.js";
import { CONFIG_SLOTS } from "../js/config/slots.js";
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
  expect(core.io_size()).toBe(65536);
  expect(core.result_size()).toBeGreaterThanOrEqual(RES.reasons + 16 * REASON_SIZE);
  expect(core.limit(LIMIT.identBytes)).toBe(256);
  expect(core.limit(LIMIT.args)).toBe(128);
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
