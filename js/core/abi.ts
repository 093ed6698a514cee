// The module's ABI for the JS host: the constants are generated from assembly/layout.ts and
// assembly/config.ts (scripts/gen-abi.mjs writes abi.generated.ts); this file adds their types and the
// exports' signatures.
import type { ACTIONS, MODES, REASON_CODES, SIGNALS } from "./abi.generated.js";

export * from "./abi.generated.js";

export type SignalName = (typeof SIGNALS)[number];
export type ReasonCode = Exclude<(typeof REASON_CODES)[number], "">;
export type Action = (typeof ACTIONS)[number];
export type BaselineMode = (typeof MODES)[number];

/** The module's exports, as every host sees them. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  io_ptr(): number;
  io_size(): number;
  result_ptr(): number;
  result_size(): number;
  config_count(): number;
  config_default(i: number): number;
  config_value(i: number): number;
  limit(id: number): number;
  init(): number;
  check(time: number, tzMinutes: number): number;
  learn(time: number, tzMinutes: number): number;
  confirm(time: number, tzMinutes: number, yes: number): number;
  after(time: number, isError: number): number;
  allow_add(kind: number): number;
  allow_clear(): void;
  stat(id: number): number;
  state_hash(): bigint;
  entity_info(): number;
}
