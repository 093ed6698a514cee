// Record transfer through the core's XFER buffer: the host only copies bytes in and out.
import type { StateExports } from "./state-exports.js";
import { stateError } from "./state-exports.js";
import { ToolwatchError } from "./errors.js";

/** Copies the record the core just exported (length n) out of XFER. */
export function readXfer(core: StateExports, n: number): Uint8Array {
  return new Uint8Array(core.memory.buffer, core.xfer_ptr(), n).slice();
}

/** Puts record bytes into XFER; returns their length. */
export function writeXfer(core: StateExports, bytes: Uint8Array, what: string): number {
  if (!ArrayBuffer.isView(bytes) || !(bytes instanceof Uint8Array))
    throw new ToolwatchError("RECORD_LENGTH", `${what}: record must be a Uint8Array`);
  if (bytes.length > core.xfer_size()) throw stateError(-20, what);
  new Uint8Array(core.memory.buffer, core.xfer_ptr(), bytes.length).set(bytes);
  return bytes.length;
}

export function exportRecord(core: StateExports, which: number): Uint8Array | null {
  const n = core.record_export(which);
  if (n < 0) throw stateError(n, "exportRecord");
  return n === 0 ? null : readXfer(core, n);
}

/** Returns "created" or "replaced" ("merged" when merging into an existing record). */
export function importRecord(
  core: StateExports,
  which: number,
  bytes: Uint8Array,
  merge: boolean,
): "created" | "replaced" | "merged" {
  const what = merge ? "mergeRecord" : "importRecord";
  const len = writeXfer(core, bytes, what);
  const rc = merge ? core.record_merge(which, len) : core.record_import(which, len);
  if (rc < 0) throw stateError(rc, what);
  return rc === 2 ? "created" : merge ? "merged" : "replaced";
}

export function dropRecord(core: StateExports, which: number): boolean {
  const rc = core.record_drop(which);
  if (rc < 0) throw stateError(rc, "dropRecord");
  return rc === 1;
}
