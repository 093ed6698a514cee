// Host view of the core's state exports: record transfer, snapshots and merge (docs/ABI.md
// "Snapshots and record transfer"). Kept apart from core/abi.ts so the state feature is one place.
import { type CoreExports, RESTORE, STATE_ERRORS } from "./abi.js";
import { ToolwatchError, coreError } from "./errors.js";

export interface StateExports extends CoreExports {
  xfer_ptr(): number;
  xfer_size(): number;
  record_export(which: number): number;
  record_import(which: number, len: number): number;
  record_merge(which: number, len: number): number;
  record_drop(which: number): number;
  snapshot_begin(): number;
  snapshot_read(offset: number, len: number): number;
  restore_begin(total: number, mode: number): number;
  restore_chunk(offset: number, len: number): number;
  restore_end(): number;
  restore_abort(): void;
}

export type RecordKind = "entity" | "tenant";
export const RECORD_KIND: Record<RecordKind, number> = { entity: 0, tenant: 1 };

// Restore modes and the state exports' errors come from the ABI description (assembly/layout.ts).
export { RESTORE, STATE_ERRORS };

export function stateError(rc: number, what: string): ToolwatchError {
  const e = STATE_ERRORS[rc];
  if (e) return new ToolwatchError(e.code, `${what}: ${e.message}`);
  return coreError(rc, what);
}

export function kindOf(which: unknown): number {
  if (which === "entity" || which === "tenant") return RECORD_KIND[which];
  throw new ToolwatchError("INVALID_RECORD_KIND", `record kind must be "entity" or "tenant", got ${String(which)}`);
}
