// Moves one identity's records in and out of a local detector through the core's transfer buffer
// (js/state/records.ts; docs/ABI.md "Snapshots and record transfer"). An empty array stands for "no
// record", which is how Redis replies for an absent key.
import type { Detector } from "../../detector.js";
import { Encoder } from "../../core/encode.js";
import { RECORD_KIND, type RecordKind, type StateExports } from "../../core/state-exports.js";
import { exportRecord, importRecord, dropRecord } from "../../core/record-transfer.js";
import type { Identity } from "../../identity.js";

const EMPTY = new Uint8Array(0);

export class RecordPort {
  private readonly detector: Detector;
  private core: StateExports | null = null;
  private enc!: Encoder;

  constructor(detector: Detector) {
    this.detector = detector;
  }

  /** Names the identity in the IO buffer. The detector replaces its core after a trap: follow it. */
  private bind(id: Identity): StateExports {
    const core = this.detector.raw as StateExports;
    if (core !== this.core) {
      this.core = core;
      this.enc = new Encoder(core);
    }
    this.enc.identity(id.tenant, id.principal, "");
    return core;
  }

  /** The record's bytes, or an empty array when the detector does not track it. */
  export(id: Identity, which: RecordKind): Uint8Array {
    return exportRecord(this.bind(id), RECORD_KIND[which]) ?? EMPTY;
  }

  /** Replaces (or creates) the record; an empty array drops it. Throws ToolwatchError RECORD_* if refused. */
  import(id: Identity, which: RecordKind, bytes: Uint8Array): void {
    const core = this.bind(id);
    if (bytes.length === 0) dropRecord(core, RECORD_KIND[which]);
    else importRecord(core, RECORD_KIND[which], bytes, false);
  }

  /** Merges the bytes into the record (core merge rules), creating it if absent. */
  merge(id: Identity, which: RecordKind, bytes: Uint8Array): void {
    importRecord(this.bind(id), RECORD_KIND[which], bytes, true);
  }

  drop(id: Identity, which: RecordKind): void {
    dropRecord(this.bind(id), RECORD_KIND[which]);
  }
}
