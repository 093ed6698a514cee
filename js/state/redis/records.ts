// Moves one identity's records in and out of a local detector through the core's transfer buffer
// (record_export / record_import / record_drop; docs/ABI.md "Snapshots and record transfer").
import type { Detector } from "../../detector.js";
import type { CoreExports } from "../../core/abi.js";
import { Encoder } from "../../core/encode.js";
import { ToolwatchError } from "../../core/errors.js";
import type { Identity } from "../../identity.js";

export type Which = "entity" | "tenant";
const WHICH: Record<Which, number> = { entity: 0, tenant: 1 };

interface TransferExports {
  xfer_ptr(): number;
  xfer_size(): number;
  record_export(which: number): number;
  record_import(which: number, len: number): number;
  record_drop(which: number): number;
}

const XFER_ERRORS: Record<number, string> = {
  [-20]: "length does not match the record layout",
  [-21]: "not a toolwatch record",
  [-22]: "written by a newer format",
  [-23]: "another record layout or hash seed (replicas must share maxTools/…/burstThreshold and hashSeed)",
  [-24]: "checksum mismatch (corrupt)",
  [-25]: "belongs to another identity",
  [-26]: "fields out of range",
  [-27]: "bad record kind",
};

export class RecordPort {
  private readonly detector: Detector;
  private core: (CoreExports & TransferExports) | null = null;
  private enc!: Encoder;

  constructor(detector: Detector) {
    this.detector = detector;
  }

  /** The detector replaces its core instance after a trap: follow it. */
  private bind(id: Identity): CoreExports & TransferExports {
    const core = this.detector.raw as CoreExports & TransferExports;
    if (core !== this.core) {
      if (typeof core.record_export !== "function") throw new ToolwatchError("ABI_MISMATCH", "this core has no record transfer exports");
      this.core = core;
      this.enc = new Encoder(core);
    }
    this.enc.identity(id.tenant, id.principal, "");
    return core;
  }

  private fail(rc: number, what: string, which: Which): never {
    throw new ToolwatchError("BAD_RECORD", `${what} of the ${which} record refused: ${XFER_ERRORS[rc] ?? `core error ${rc}`}`);
  }

  /** A copy of the record's transfer bytes, or an empty array when the core does not track it. */
  export(id: Identity, which: Which): Uint8Array {
    const core = this.bind(id);
    const n = core.record_export(WHICH[which]);
    if (n < 0) this.fail(n, "export", which);
    return new Uint8Array(core.memory.buffer, core.xfer_ptr(), n).slice();
  }

  /** Replaces (or creates) the record from transfer bytes; an empty array drops it instead. */
  import(id: Identity, which: Which, bytes: Uint8Array): void {
    const core = this.bind(id);
    if (bytes.length === 0) {
      const rc = core.record_drop(WHICH[which]);
      if (rc < 0) this.fail(rc, "drop", which);
      return;
    }
    if (bytes.length > core.xfer_size()) this.fail(-20, "import", which);
    new Uint8Array(core.memory.buffer, core.xfer_ptr(), bytes.length).set(bytes);
    const rc = core.record_import(WHICH[which], bytes.length);
    if (rc < 0) this.fail(rc, "import", which);
  }

  drop(id: Identity, which: Which): void {
    const rc = this.bind(id).record_drop(WHICH[which]);
    if (rc < 0) this.fail(rc, "drop", which);
  }
}
