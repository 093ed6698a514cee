// What a snapshot needs from the detector that reads it: the settings that decide its record layout
// and capacity. The file store records them per file, so a refusal can name the setting that changed.
import { closeSync, openSync, readSync } from "node:fs";
import type { Detector } from "../detector.js";
import { SLOT_OF } from "../config/core-block.js";
import { STAT } from "../core/abi.js";

/** Settings that change the record layout: records written under others cannot be read or converted. */
export const LAYOUT_KEYS = [
  "maxToolsPerEntity",
  "maxShapesPerEntity",
  "maxValuesPerEntity",
  "maxTransitionsPerEntity",
  "maxValueKeysPerEntity",
  "burstThreshold",
  "hashSeed",
] as const;
/** Settings that change only how many records fit: a migration can carry a snapshot across them. */
export const CAPACITY_KEYS = ["budgetBytes", "maxEntities"] as const;

export type SnapshotSettings = Record<(typeof LAYOUT_KEYS)[number] | (typeof CAPACITY_KEYS)[number], number> & {
  abiVersion: number;
  /** Records the detector holds. */
  capacity: number;
  recordBytes: number;
};

export function settingsOf(d: Detector): SnapshotSettings {
  const core = d.raw;
  const out = {
    abiVersion: core.abi_version(),
    capacity: core.stat(STAT.capacity),
    recordBytes: core.stat(STAT.recordBytes),
  } as SnapshotSettings;
  for (const k of [...CAPACITY_KEYS, ...LAYOUT_KEYS]) out[k] = core.config_value(SLOT_OF[k][0]);
  return out;
}

/** A snapshot written under `a` (header `h`) restores under `b`: same layout, and its records fit. */
export function readableUnder(a: SnapshotSettings | undefined, h: SnapshotHeader | null, b: SnapshotSettings): boolean {
  if (!a || !h) return false;
  return (
    a.abiVersion === b.abiVersion &&
    a.recordBytes === b.recordBytes &&
    h.records <= b.capacity &&
    LAYOUT_KEYS.every((k) => a[k] === b[k])
  );
}

export interface SnapshotHeader {
  format: number;
  abiVersion: number;
  layoutHash: string;
  recordBytes: number;
  records: number;
  capacity: number;
}

/** The 64-byte header (docs/ABI.md "Snapshots"); null when the file is not a snapshot. */
export function parseHeader(b: Uint8Array): SnapshotHeader | null {
  if (b.length < 64) return null;
  const v = new DataView(b.buffer, b.byteOffset, 64);
  if (v.getUint32(0, true) !== 0x4e535754) return null;
  return {
    format: v.getUint16(4, true),
    abiVersion: v.getUint16(6, true),
    layoutHash: v.getBigUint64(8, true).toString(16).padStart(16, "0"),
    recordBytes: v.getUint32(16, true),
    records: v.getUint32(20, true),
    capacity: v.getUint32(28, true),
  };
}

export function readHeader(path: string): SnapshotHeader | null {
  const buf = Buffer.alloc(64);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    return readSync(fd, buf, 0, 64, 0) === 64 ? parseHeader(buf) : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The settings where a and b differ. */
function differing(a: SnapshotSettings, b: SnapshotSettings): (keyof SnapshotSettings)[] {
  const keys: (keyof SnapshotSettings)[] = ["abiVersion", ...CAPACITY_KEYS, ...LAYOUT_KEYS];
  return keys.filter((k) => a[k] !== b[k]);
}

/**
 * Why `file` cannot be read by this process, naming what differs: from the settings the store recorded
 * when it wrote the file, else from the snapshot's own header (files of the Python store, older stores).
 */
export function describeMismatch(
  file: string,
  written: SnapshotSettings | undefined,
  header: SnapshotHeader | null,
  now: SnapshotSettings,
): string {
  if (written) {
    const keys = differing(written, now);
    const list = (s: SnapshotSettings) => keys.map((k) => `${k} ${s[k]}`).join(", ");
    const recs = header ? `${header.records} records, ` : "";
    if (keys.length > 0)
      return `snapshot ${file} (${recs}written with ${list(written)}) cannot be read by this process, which has ${list(now)} (room for ${now.capacity} records)`;
  }
  if (!header) return `snapshot ${file} cannot be read by this process`;
  const parts: string[] = [];
  if (header.abiVersion > now.abiVersion)
    parts.push(
      `it was written by a newer toolwatch (ABI ${header.abiVersion}; this one reads up to ${now.abiVersion})`,
    );
  if (header.recordBytes !== now.recordBytes)
    parts.push(
      `its records are ${header.recordBytes} bytes, this process's ${now.recordBytes} (a per-entity cap differs: ${LAYOUT_KEYS.slice(0, 5).join(", ")})`,
    );
  else if (parts.length === 0 && header.records > now.capacity)
    parts.push(
      `it holds ${header.records} records, this process has room for ${now.capacity} (budgetBytes ${now.budgetBytes}, maxEntities ${now.maxEntities})`,
    );
  if (parts.length === 0)
    parts.push(
      `its layout ${header.layoutHash} differs (burstThreshold or hashSeed; this process has burstThreshold ${now.burstThreshold}, hashSeed ${now.hashSeed})`,
    );
  return `snapshot ${file} (${header.records} records) cannot be read by this process: ${parts.join("; ")}`;
}

export function howToProceed(dir: string): string {
  return (
    `Nothing was deleted. Either go back to the settings it was written with; or carry it into these settings ` +
    `(only budgetBytes and maxEntities can change: records that no longer fit are dropped, least recently used first, and counted): ` +
    `stop the server, then toolwatch migrate --from ${dir} --config <this config>; or start empty on purpose: ` +
    `toolwatch migrate --from ${dir} --fresh (sets the snapshots aside as *.snap.set-aside, kept on disk).`
  );
}
