// Whole-state snapshots through XFER: the host copies chunks, the core does the format and checks.
// Restore streams the same bytes twice (verify, then commit), so the source must be re-readable.
import type { StateExports } from "./state-exports.js";
import { RESTORE, stateError } from "./state-exports.js";
import { ToolwatchError } from "./errors.js";

/** Where chunks of a snapshot go. Each chunk is a view valid only during the call. */
export type ChunkSink = (chunk: Uint8Array, offset: number) => void;
/** Reads [offset, offset + length) of a stored snapshot; must give the same bytes every time. */
export type ChunkSource = (offset: number, length: number) => Uint8Array;

/** Streams a snapshot of the current state to `sink`; returns its size in bytes. */
export function writeSnapshot(core: StateExports, sink: ChunkSink): number {
  const total = begin(core);
  readPrepared(core, total, sink);
  return total;
}

export function snapshotBytes(core: StateExports): Uint8Array {
  const total = begin(core);
  const out = new Uint8Array(total);
  readPrepared(core, total, (chunk, off) => out.set(chunk, off));
  return out;
}

function begin(core: StateExports): number {
  const total = core.snapshot_begin();
  if (total < 0) throw stateError(total, "snapshot");
  return total;
}

function readPrepared(core: StateExports, total: number, sink: ChunkSink): void {
  const xp = core.xfer_ptr();
  const xs = core.xfer_size();
  for (let off = 0; off < total; off += xs) {
    const n = core.snapshot_read(off, Math.min(xs, total - off));
    if (n < 0) throw stateError(n, "snapshot");
    sink(new Uint8Array(core.memory.buffer, xp, n), off);
  }
}

/** Restores (mode "replace") or merges a snapshot read from `read`. Returns the records restored/merged. */
export function restoreFrom(core: StateExports, total: number, read: ChunkSource, mode: keyof typeof RESTORE): number {
  const what = mode === "replace" ? "restore" : "merge";
  if (!Number.isSafeInteger(total) || total < 0)
    throw new ToolwatchError("SNAPSHOT_TRUNCATED", `${what}: size must be a whole number of bytes`);
  if (typeof read !== "function")
    throw new ToolwatchError("INVALID_ARGUMENT", `${what}: read must be a function (offset, length) => Uint8Array`);
  let rc = core.restore_begin(total, RESTORE[mode]);
  if (rc < 0) throw stateError(rc, what);
  const xp = core.xfer_ptr();
  const xs = core.xfer_size();
  try {
    for (let pass = 0; pass < 2; pass++) {
      for (let off = 0; off < total; off += xs) {
        const n = Math.min(xs, total - off);
        const chunk = read(off, n);
        if (!(chunk instanceof Uint8Array) || chunk.length !== n) {
          throw new ToolwatchError(
            "SNAPSHOT_TRUNCATED",
            `${what}: the source gave ${chunk?.length ?? 0} bytes at offset ${off}, expected ${n}`,
          );
        }
        new Uint8Array(core.memory.buffer, xp, n).set(chunk);
        rc = core.restore_chunk(off, n);
        if (rc < 0) throw stateError(rc, what);
      }
      rc = core.restore_end();
      if (rc < 0) throw stateError(rc, what);
    }
  } catch (err) {
    core.restore_abort();
    throw err;
  }
  return rc;
}

export function restoreBytes(core: StateExports, bytes: Uint8Array, mode: keyof typeof RESTORE): number {
  // isView: a Proxy passes instanceof but not the typed-array methods restore uses
  if (!ArrayBuffer.isView(bytes) || !(bytes instanceof Uint8Array))
    throw new ToolwatchError("SNAPSHOT_FOREIGN", "snapshot must be a Uint8Array");
  return restoreFrom(core, bytes.length, (off, n) => bytes.subarray(off, off + n), mode);
}
