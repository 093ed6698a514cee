// Snapshots on disk: periodic and on-shutdown saves, each written atomically (temp file in the same
// directory, fsync, rename, fsync of the directory), the last K kept, the newest valid one restored at
// start, an older one restored on request (revert a poisoned baseline). One writer per directory.
// Rotation deletes only snapshots this store wrote and this process can read (recorded, with the settings
// that wrote them, in .<prefix>-written-node.json; the Python store keeps its own .<prefix>-written.json):
// a settings change never rotates the old baselines away, and the two stores never delete each other's files.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { Detector } from "../detector.js";
import { ToolwatchError } from "../core/errors.js";
import {
  describeMismatch,
  howToProceed,
  readHeader,
  readableUnder,
  settingsOf,
  type SnapshotSettings,
} from "./settings.js";
import { processAlive } from "../util/process-alive.js";

/** The Node store's manifest; `written` and `unreadable` mean what they mean in the Python store's. */
interface Manifest {
  written: number[];
  unreadable: number[];
  /** Settings of the detector that wrote each file, by file name. */
  settings: Record<string, SnapshotSettings>;
}

/** Refusals that come from this process's settings (or version), not from a damaged file. */
const SETTINGS_REFUSALS = new Set(["SNAPSHOT_INCOMPATIBLE", "SNAPSHOT_VERSION"]);

export interface FileStoreOptions {
  /** Directory of the snapshots (created if missing). */
  dir: string;
  /** Snapshots kept; older ones are deleted after each save. Default 5. */
  keep?: number;
  /** File name prefix. Default "toolwatch". */
  prefix?: string;
  /** Save every this many ms once start() is called; 0 = no periodic saves. Default 300 000. */
  intervalMs?: number;
  /** Save on process exit and on SIGTERM/SIGINT once start() is called. Default true. */
  saveOnShutdown?: boolean;
  /** Failures of background saves and skipped (unreadable) snapshots are reported here. */
  onError?: (err: unknown) => void;
}

export interface StoredSnapshot {
  seq: number;
  path: string;
  bytes: number;
  mtimeMs: number;
}

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

export class FileStore {
  readonly dir: string;
  readonly keep: number;
  private readonly prefix: string;
  private readonly options: FileStoreOptions;
  private timer: ReturnType<typeof setInterval> | null = null;
  private detector: Detector | null = null;
  private readonly onExit = () => this.shutdownSave();
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.shutdownSave();
    // we were the only handler: let the signal do what it would have done without us
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  private readonly signalHandlers = new Map<string, (sig: NodeJS.Signals) => void>();

  constructor(options: FileStoreOptions) {
    if (!options || typeof options.dir !== "string" || options.dir.length === 0) {
      throw new ToolwatchError("INVALID_STORE", "file store: dir must be a non-empty path");
    }
    const keep = options.keep ?? 5;
    if (!Number.isInteger(keep) || keep < 1)
      throw new ToolwatchError("INVALID_STORE", `file store: keep must be an integer ≥ 1, got ${String(options.keep)}`);
    const prefix = options.prefix ?? "toolwatch";
    if (!/^[A-Za-z0-9_-]+$/.test(prefix))
      throw new ToolwatchError("INVALID_STORE", "file store: prefix may hold letters, digits, _ and - only");
    this.options = options;
    this.dir = options.dir;
    this.keep = keep;
    this.prefix = prefix;
    mkdirSync(this.dir, { recursive: true });
    this.removeStaleTemps();
  }

  private name(seq: number): string {
    return `${this.prefix}-${String(seq).padStart(12, "0")}.snap`;
  }

  /** Snapshots on disk, newest first (names only; contents are checked when restored). */
  list(): StoredSnapshot[] {
    const re = new RegExp(`^${this.prefix}-(\\d{12})\\.snap$`);
    const out: StoredSnapshot[] = [];
    for (const f of readdirSync(this.dir)) {
      const m = re.exec(f);
      if (!m) continue;
      const path = join(this.dir, f);
      try {
        const st = statSync(path);
        out.push({ seq: Number(m[1]), path, bytes: st.size, mtimeMs: st.mtimeMs });
      } catch {
        // deleted meanwhile
      }
    }
    return out.sort((a, b) => b.seq - a.seq);
  }

  private get manifestPath(): string {
    return join(this.dir, `.${this.prefix}-written-node.json`);
  }

  private readManifest(): Manifest {
    try {
      const m = JSON.parse(readFileSync(this.manifestPath, "utf8"));
      const nums = (x: unknown) => (Array.isArray(x) ? x.filter((n): n is number => Number.isInteger(n)) : []);
      return {
        written: nums(m.written),
        unreadable: nums(m.unreadable),
        settings: typeof m.settings === "object" && m.settings ? m.settings : {},
      };
    } catch {
      return { written: [], unreadable: [], settings: {} };
    }
  }

  /** Atomic like the snapshots themselves: a torn manifest would forget which files are ours. */
  private writeManifest(m: Manifest): void {
    const tmp = `${this.manifestPath}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(tmp, JSON.stringify(m), { mode: 0o600 });
    renameSync(tmp, this.manifestPath);
  }

  /** Files the Python store found unreadable: never rotated here either. */
  private pythonUnreadable(): number[] {
    try {
      const m = JSON.parse(readFileSync(join(this.dir, `.${this.prefix}-written.json`), "utf8"));
      return Array.isArray(m.unreadable) ? m.unreadable.filter((n: unknown) => Number.isInteger(n)) : [];
    } catch {
      return [];
    }
  }

  private markUnreadable(seq: number): void {
    try {
      const m = this.readManifest();
      if (m.unreadable.includes(seq)) return;
      m.unreadable.push(seq);
      this.writeManifest(m);
    } catch {
      // a read-only directory: nothing is pruned from it either
    }
  }

  private markReadable(seq: number): void {
    try {
      const m = this.readManifest();
      if (!m.unreadable.includes(seq)) return;
      m.unreadable = m.unreadable.filter((x) => x !== seq);
      this.writeManifest(m);
    } catch {
      // as above
    }
  }

  /** Highest sequence number in use, set-aside files included, so a new save never reuses a number. */
  private lastSeq(): number {
    const re = new RegExp(`^${this.prefix}-(\\d{12})\\.snap(?:\\.set-aside)?$`);
    let max = 0;
    for (const f of readdirSync(this.dir)) {
      const m = re.exec(f);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return max;
  }

  /** Writes a snapshot of the detector atomically; returns it. Older snapshots beyond `keep` are deleted. */
  save(detector: Detector): StoredSnapshot {
    const seq = this.lastSeq() + 1;
    const path = join(this.dir, this.name(seq));
    const tmp = join(this.dir, `.${this.name(seq)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    const fd = openSync(tmp, "wx", 0o600);
    let bytes = 0;
    try {
      bytes = detector.writeSnapshot((chunk) => {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
      });
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      unlinkSync(tmp);
      throw err;
    }
    closeSync(fd);
    // recorded before the rename (as the Python store does): a crash in between leaves a name without a
    // file, never a file of ours that rotation would not know
    const now = settingsOf(detector);
    const m = this.readManifest();
    m.written = [...new Set([...m.written, seq])];
    m.settings[this.name(seq)] = now;
    this.writeManifest(m);
    renameSync(tmp, path);
    this.syncDir();
    this.prune(now);
    return { seq, path, bytes, mtimeMs: Date.now() };
  }

  /** The rename is durable only once the directory entry is on disk. */
  private syncDir(): void {
    let fd: number | undefined;
    try {
      fd = openSync(this.dir, "r");
      fsyncSync(fd);
    } catch {
      // some platforms (Windows) cannot fsync a directory; the rename is still atomic there
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Deletes beyond `keep` only files this store wrote, not found unreadable, that `now` can read. */
  private prune(now: SnapshotSettings): void {
    const m = this.readManifest();
    const mine = new Set(m.written);
    const keepOut = new Set([...m.unreadable, ...this.pythonUnreadable()]);
    const present = this.list();
    const ours = present.filter(
      (s) =>
        mine.has(s.seq) && !keepOut.has(s.seq) && readableUnder(m.settings[this.name(s.seq)], readHeader(s.path), now),
    );
    const gone = new Set<number>();
    for (const s of ours.slice(this.keep)) {
      try {
        unlinkSync(s.path);
      } catch {
        // already gone
      }
      gone.add(s.seq);
    }
    // forget files no longer on disk (set-aside ones keep their settings, under their new name)
    const onDisk = new Set(present.map((s) => s.seq).filter((q) => !gone.has(q)));
    const names = new Set(readdirSync(this.dir));
    const kept: Manifest = {
      written: m.written.filter((q) => onDisk.has(q)),
      unreadable: m.unreadable.filter((q) => onDisk.has(q)),
      settings: Object.fromEntries(Object.entries(m.settings).filter(([f]) => names.has(f))),
    };
    if (JSON.stringify(kept) !== JSON.stringify(m)) this.writeManifest(kept);
  }

  /** Settings recorded when this store wrote `file` (undefined for other writers' files). */
  writtenWith(file: string): SnapshotSettings | undefined {
    return this.readManifest().settings[file];
  }

  /**
   * Renames the snapshots (all, or those `seqs`) to <name>.set-aside: kept on disk, never restored or rotated by either store.
   * For starting empty on purpose after a settings change. Returns the names set aside.
   */
  setAside(seqs?: number[]): string[] {
    const m = this.readManifest();
    const out: string[] = [];
    for (const s of this.list()) {
      if (seqs && !seqs.includes(s.seq)) continue;
      const f = this.name(s.seq);
      renameSync(s.path, `${s.path}.set-aside`);
      if (m.settings[f]) m.settings[`${f}.set-aside`] = m.settings[f]!;
      delete m.settings[f];
      out.push(f);
    }
    m.written = m.written.filter((q) => !out.includes(this.name(q)));
    m.unreadable = m.unreadable.filter((q) => !out.includes(this.name(q)));
    this.writeManifest(m);
    this.syncDir();
    return out.reverse();
  }

  /** Temp files left by a writer that died mid-save (its process is gone). */
  private removeStaleTemps(): void {
    const re = new RegExp(`^\\.${this.prefix}-\\d{12}\\.snap\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);
    for (const f of readdirSync(this.dir)) {
      const m = re.exec(f);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid !== process.pid && processAlive(pid)) continue;
      try {
        unlinkSync(join(this.dir, f));
      } catch {
        // another cleaner got it
      }
    }
  }

  /** Restores one stored snapshot into the detector (streamed from the file, never read whole). */
  restoreFile(detector: Detector, snap: StoredSnapshot): void {
    const fd = openSync(snap.path, "r");
    try {
      const size = statSync(snap.path).size;
      const buf = Buffer.allocUnsafe(65536);
      detector.restoreFrom(size, (off, n) => {
        let got = 0;
        while (got < n) {
          const r = readSync(fd, buf, got, n - got, off + got);
          if (r === 0) break;
          got += r;
        }
        return buf.subarray(0, got);
      });
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Restores the newest snapshot that the detector accepts. A damaged one is reported to onError, marked
   * unreadable (never rotated away) and skipped. One refused for this process's settings or version stops
   * the search with a SNAPSHOT_SETTINGS error that names what differs: an older file would silently
   * lose the newer learning, and starting empty would let rotation delete it. Returns the one restored,
   * or null when there is none (the detector keeps its state).
   */
  restoreLatest(detector: Detector): StoredSnapshot | null {
    for (const s of this.list()) {
      try {
        this.restoreFile(detector, s);
        this.markReadable(s.seq);
        return s;
      } catch (err) {
        this.markUnreadable(s.seq);
        if (err instanceof ToolwatchError && SETTINGS_REFUSALS.has(err.code)) {
          const file = this.name(s.seq);
          const why = describeMismatch(file, this.writtenWith(file), readHeader(s.path), settingsOf(detector));
          throw new ToolwatchError("SNAPSHOT_SETTINGS", `${why} (${err.message}). ${howToProceed(this.dir)}`, {
            file,
            cause: err.code,
          });
        }
        this.options.onError?.(err);
      }
    }
    return null;
  }

  /**
   * Goes back `steps` snapshots (1 = the one before the newest) and saves the result as the newest, so
   * a restart does not bring the poisoned state back. Returns the snapshot restored.
   */
  revert(detector: Detector, steps = 1): StoredSnapshot {
    const all = this.list();
    if (!Number.isInteger(steps) || steps < 0 || steps >= all.length) {
      throw new ToolwatchError(
        "NO_SNAPSHOT",
        `revert: ${all.length} snapshot(s) stored, cannot go back ${String(steps)}`,
      );
    }
    const target = all[steps]!;
    this.restoreFile(detector, target);
    this.save(detector);
    return target;
  }

  /** Restores the newest snapshot, then saves periodically and on shutdown (see options). */
  start(detector: Detector): StoredSnapshot | null {
    this.stop();
    // throws before any hook or timer exists: a store that cannot read its snapshots never saves over them
    const restored = this.restoreLatest(detector);
    this.detector = detector;
    // a core trap goes back to the newest saved file, not to an empty state
    detector.setRecoverySource((d) => void this.restoreLatest(d));
    const every = this.options.intervalMs ?? 300_000;
    if (every > 0) {
      this.timer = setInterval(() => this.backgroundSave(), every);
      this.timer.unref();
    }
    if (this.options.saveOnShutdown ?? true) {
      process.on("exit", this.onExit);
      for (const sig of SIGNALS) {
        const h = this.onSignal;
        this.signalHandlers.set(sig, h);
        process.on(sig, h);
      }
    }
    return restored;
  }

  /** Stops periodic saves and shutdown hooks (no save). */
  stop(): void {
    this.detector?.setRecoverySource(null);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    process.off("exit", this.onExit);
    for (const [sig, h] of this.signalHandlers) process.off(sig, h);
    this.signalHandlers.clear();
  }

  private backgroundSave(): void {
    if (!this.detector) return;
    try {
      this.save(this.detector);
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private shutdownSave(): void {
    const d = this.detector;
    this.stop();
    this.detector = null;
    if (!d) return;
    try {
      this.save(d);
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}
