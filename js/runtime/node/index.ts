// Node entry: loads the .wasm itself.
import { Detector, type DetectorOptions } from "../../detector.js";
import type { ConfigInput } from "../../config/schema.js";
import { loadModule } from "./wasm.js";

export * from "../../index.js";
export { loadModule, wasmPath } from "./wasm.js";
export { FileStore, type FileStoreOptions, type StoredSnapshot } from "../../state/file-store.js";
export type { Guard } from "../../guard.js";
export {
  createGuard,
  type GuardOptions,
  type StateOptions,
  type RedisStateOptions,
  type GuardLogger,
} from "./create-guard.js";

/** Creates a detector with the bundled core. `config` is validated (throws ToolwatchError). */
export function createDetector(config?: ConfigInput, options?: DetectorOptions & { wasmPath?: string }): Detector {
  return new Detector(loadModule(options?.wasmPath), config, options);
}
