// The module itself: size on disk, compile time, instantiate time, and first-use (config + arena) time.
import { readFileSync } from "node:fs";
import { createDetectorFromModule } from "../js/index.js";
import { wasmPath } from "../js/runtime/node/wasm.js";
import { fig, medianMs, type Figure } from "./measure.js";

export interface ModuleFigures {
  wasmBytes: Figure;
  compileMs: Figure;
  instantiateMs: Figure;
  compileInstantiateMs: Figure;
  /** new Detector over a compiled module: instantiate, config, arena layout (default 64 MiB budget, zeroed). */
  createDetectorMs: Figure;
  /** The same with a 1 MiB budget: what a small deployment pays. */
  createDetectorSmallMs: Figure;
}

export function moduleFigures(runs: number): ModuleFigures {
  const bytes = readFileSync(wasmPath());
  const compile = medianMs(runs, () => void new WebAssembly.Module(bytes));
  const mod = new WebAssembly.Module(bytes);
  const inst = medianMs(runs, () => void new WebAssembly.Instance(mod, {}));
  const both = medianMs(runs, () => void new WebAssembly.Instance(new WebAssembly.Module(bytes), {}));
  const create = medianMs(Math.max(3, runs >> 2), () => void createDetectorFromModule(mod));
  const small = medianMs(runs, () => void createDetectorFromModule(mod, { budgetBytes: 1 << 20 }));
  return {
    wasmBytes: fig(bytes.length, "bytes"),
    compileMs: fig(compile, "ms"),
    instantiateMs: fig(inst, "ms"),
    compileInstantiateMs: fig(both, "ms"),
    createDetectorMs: fig(create, "ms"),
    createDetectorSmallMs: fig(small, "ms"),
  };
}
