// Snapshot size and save/restore time of the largest detector, when the detector offers snapshots.
import type { Detector } from "../js/runtime/node/index.js";
import { fig, medianMs } from "./measure.js";

interface Snapshotting {
  snapshot(): Uint8Array;
  restore(bytes: Uint8Array): unknown;
}

export function snapshotFigures(d: Detector, runs: number): Record<string, unknown> {
  const s = d as unknown as Partial<Snapshotting>;
  const entities = d.stats().entities;
  if (typeof s.snapshot !== "function" || typeof s.restore !== "function") {
    return {
      available: false,
      entities: fig(entities, "entities"),
      note: "not yet available: Detector has no snapshot()/restore()",
    };
  }
  let bytes: Uint8Array = s.snapshot();
  const save = medianMs(runs, () => void (bytes = s.snapshot!()));
  const before = d.stateHash();
  const restore = medianMs(runs, () => void s.restore!(bytes));
  const same = d.stateHash() === before;
  return {
    available: true,
    entities: fig(entities, "entities"),
    bytes: fig(bytes.length, "bytes"),
    bytesPerEntity: fig(bytes.length / Math.max(1, entities), "bytes/entity"),
    saveMs: fig(save, "ms"),
    restoreMs: fig(restore, "ms"),
    restoredStateEqual: same,
  };
}
