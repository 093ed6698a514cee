// Cloudflare Workers (workerd) entry. Workers refuse to compile WebAssembly from bytes at run time,
// so the core comes in as an imported module; everything else is the shared host in js/.
import wasm from "../../../build/toolwatch.wasm";
import { Detector, type DetectorOptions } from "../../detector.js";
import type { ConfigInput } from "../../config/schema.js";

export * from "../../index.js";

/** The compiled core, for code that builds detectors itself (createDetectorFromModule). */
export const coreModule: WebAssembly.Module = wasm;

/** Creates a detector with the bundled core. `config` is validated (throws ToolwatchError). */
export function createDetector(config?: ConfigInput, options?: DetectorOptions): Detector {
  return new Detector(wasm, config, options);
}
