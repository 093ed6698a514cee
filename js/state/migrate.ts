// Explicit moves of a state directory after a settings change (`toolwatch migrate`): carry the newest
// snapshot into a new budget, or set the snapshots aside to start empty on purpose. Never deletes a file.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { Detector } from "../detector.js";
import { ToolwatchError } from "../core/errors.js";
import type { ConfigInput } from "../config/schema.js";
import { FileStore, type StoredSnapshot } from "./file-store.js";
import { LAYOUT_KEYS, describeMismatch, parseHeader, readHeader, settingsOf } from "./settings.js";

export interface MigrateOptions {
  /** The state directory holding the snapshots. */
  dir: string;
  /** The new detector settings. */
  config?: ConfigInput | Record<string, unknown>;
  /** Write the migrated snapshot here instead (the source directory is then left untouched). */
  to?: string;
  prefix?: string;
  /** The compiled core the migrated detector runs on (a runtime entry loads it: loadModule() in Node). */
  module: WebAssembly.Module;
}

export interface MigrateResult {
  from: string;
  /** The snapshot written, or null when the newest one already restores under the new settings. */
  saved: StoredSnapshot | null;
  records: number;
  kept: number;
  /** Records that did not fit the new capacity (least recently used first, as at run time). */
  dropped: number;
  /** Snapshots renamed to *.set-aside (kept on disk, never restored or rotated). */
  setAside: string[];
}

export function migrateDir(o: MigrateOptions): MigrateResult {
  const src = new FileStore({ dir: o.dir, prefix: o.prefix });
  const before = src.list();
  const newest = before[0];
  if (!newest) throw new ToolwatchError("NO_SNAPSHOT", `migrate: no snapshot in ${o.dir}`);
  const file = basename(newest.path);
  const header = readHeader(newest.path);
  if (!header) throw new ToolwatchError("SNAPSHOT_FOREIGN", `migrate: ${newest.path} is not a toolwatch snapshot`);
  const d = new Detector(o.module, o.config);
  try {
    src.restoreFile(d, newest);
    const n = d.stats().entities + d.stats().tenants;
    return { from: file, saved: null, records: header.records, kept: n, dropped: 0, setAside: [] };
  } catch (err) {
    if (!(err instanceof ToolwatchError) || !["SNAPSHOT_INCOMPATIBLE", "SNAPSHOT_VERSION"].includes(err.code))
      throw err;
  }
  // the refused restore left d empty: its own header says which layout these settings write
  const mine = parseHeader(d.snapshot())!;
  const now = settingsOf(d);
  if (header.layoutHash !== mine.layoutHash || header.format > mine.format || header.abiVersion > mine.abiVersion) {
    throw new ToolwatchError(
      "MIGRATE_LAYOUT",
      `migrate: ${describeMismatch(file, src.writtenWith(file), header, now)}. ` +
        `A migration carries snapshots into another budgetBytes or maxEntities only: records of another layout ` +
        `(${LAYOUT_KEYS.join(", ")}) or of a newer toolwatch cannot be converted. Keep those settings as they were, ` +
        `or start empty on purpose: toolwatch migrate --from ${o.dir} --fresh. Nothing was changed.`,
    );
  }
  // same layout, less room: merging into the empty state adds records as new principals arrive, evicting
  // the (sampled) least recently used ones once full, and counting them
  d.merge(readFileSync(newest.path));
  const st = d.stats();
  const kept = st.entities + st.tenants;
  const dst = o.to ? new FileStore({ dir: o.to, prefix: o.prefix }) : src;
  const saved = dst.save(d);
  // saved first: a crash in between leaves both, never neither
  const setAside = o.to ? [] : src.setAside(before.map((s) => s.seq));
  return { from: file, saved, records: header.records, kept, dropped: header.records - kept, setAside };
}

/** Sets every snapshot of `dir` aside (renamed *.set-aside, kept): the next start is empty, on purpose. */
export function setAsideDir(o: { dir: string; prefix?: string }): string[] {
  return new FileStore({ dir: o.dir, prefix: o.prefix }).setAside();
}
