import { ABI_VERSION, type CoreExports } from "./abi.js";
import { ToolwatchError } from "./errors.js";

/** Instantiates the core from a compiled module (the module has no imports). */
export function instantiateCore(module: WebAssembly.Module): CoreExports {
  const instance = new WebAssembly.Instance(module, {});
  const core = instance.exports as unknown as CoreExports;
  const v = core.abi_version();
  if (v !== ABI_VERSION) {
    throw new ToolwatchError("ABI_MISMATCH", `core ABI version ${v}, host expects ${ABI_VERSION}`);
  }
  return core;
}
