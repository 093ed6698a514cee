// Host view of the core's state exports: record transfer, snapshots and merge (docs/ABI.md
// "Snapshots and record transfer"). Kept apart from core/abi.ts so the state feature is one place.
import type { CoreExports } from "../core/abi.js";
import { ToolwatchError, coreError } from "../core/errors.js";

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

/** Restore modes of restore_begin. */
export const RESTORE = { replace: 0, merge: 1 } as const;

export const STATE_ERRORS: Record<number, { code: string; message: string }> = {
  [-20]: { code: "RECORD_LENGTH", message: "the record's length does not match its header and this detector's record size" },
  [-21]: { code: "RECORD_FOREIGN", message: "the bytes are not a toolwatch record (bad magic)" },
  [-22]: { code: "RECORD_VERSION", message: "the record was written by a newer format or ABI version" },
  [-23]: { code: "RECORD_INCOMPATIBLE", message: "the record has another layout (caps, burst threshold or hash seed differ)" },
  [-24]: { code: "RECORD_CORRUPT", message: "the record's checksum does not match its bytes" },
  [-25]: { code: "RECORD_KEY", message: "the record belongs to another identity or kind" },
  [-26]: { code: "RECORD_INVALID", message: "the record has fields out of range" },
  [-27]: { code: "RECORD_KIND", message: "which must be 0 (entity) or 1 (tenant)" },
  [-30]: { code: "SNAPSHOT_FOREIGN", message: "the bytes are not a toolwatch snapshot (bad magic)" },
  [-31]: { code: "SNAPSHOT_VERSION", message: "the snapshot was written by a newer format or ABI version" },
  [-32]: { code: "SNAPSHOT_TRUNCATED", message: "the snapshot is shorter (or longer) than its header says" },
  [-33]: { code: "SNAPSHOT_CORRUPT", message: "the snapshot's checksum does not match its bytes" },
  [-34]: { code: "SNAPSHOT_INCOMPATIBLE", message: "the snapshot has another record layout (caps, burst threshold or hash seed differ)" },
  [-35]: { code: "SNAPSHOT_INCOMPATIBLE", message: "the snapshot holds more records than this detector's capacity" },
  [-36]: { code: "SNAPSHOT_SEQUENCE", message: "snapshot chunks arrived out of order" },
  [-37]: { code: "SNAPSHOT_INVALID", message: "the snapshot's checksum is right but its contents break the core's invariants" },
};

export function stateError(rc: number, what: string): ToolwatchError {
  const e = STATE_ERRORS[rc];
  if (e) return new ToolwatchError(e.code, `${what}: ${e.message}`);
  return coreError(rc, what);
}

export function kindOf(which: unknown): number {
  if (which === "entity" || which === "tenant") return RECORD_KIND[which];
  throw new ToolwatchError("INVALID_RECORD_KIND", `record kind must be "entity" or "tenant", got ${String(which)}`);
}
