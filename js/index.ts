// Runtime-neutral entry: everything but loading the .wasm, which each runtime entry (js/runtime/) does its own way.
import { Detector, type DetectorOptions } from "./detector.js";
import type { ConfigInput } from "./config/schema.js";

export { Detector } from "./detector.js";
export type { CallInput, Decision, Reason, Stats, DetectorOptions, AllowEntry } from "./detector.js";
export { ToolwatchError } from "./core/errors.js";
export { parseConfig } from "./config/parse.js";
export { configSchema } from "./config/schema.js";
export { configJsonSchema } from "./config/json-schema.js";
export type { Config, ConfigInput } from "./config/schema.js";
export { fromContextForge, fromMcpExtra, fromObject, resolveIdentity, ANONYMOUS } from "./identity.js";
export type { Identity } from "./identity.js";
export { decisionMetadata, METADATA_KEY } from "./metadata.js";
export { SIGNALS, REASON_CODES } from "./core/abi.js";
export type { Action, SignalName, ReasonCode, BaselineMode } from "./core/abi.js";

/** For runtimes that hand you a compiled module (Workers import the .wasm as a WebAssembly.Module). */
export function createDetectorFromModule(
  module: WebAssembly.Module,
  config?: ConfigInput,
  options?: DetectorOptions,
): Detector {
  return new Detector(module, config, options);
}
