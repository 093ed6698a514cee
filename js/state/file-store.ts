// Snapshots on disk: periodic and on-shutdown saves, each written atomically (temp file in the same
// directory, fsync, rename, fsync of the directory), the last K kept, the newest valid one restored at
// start, an older one restored on request (revert a poisoned baseline). One writer per directory.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { Detector } from "../detector.js";
import { ToolwatchError } from "../core/errors.js";

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
    if (!Number.isInteger(keep) || keep < 1) throw new ToolwatchError("INVALID_STORE", `file store: keep must be an integer ≥ 1, got ${String(options.keep)}`);
    const prefix = options.prefix ?? "toolwatch";
    if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new ToolwatchError("INVALID_STORE", "file store: prefix may hold letters, digits, _ and - only");
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

  /** Writes a snapshot of the detector atomically; returns it. Older snapshots beyond `keep` are deleted. */
  save(detector: Detector): StoredSnapshot {
    const seq = (this.list()[0]?.seq ?? 0) + 1;
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
    renameSync(tmp, path);
    this.syncDir();
    this.prune();
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

  private prune(): void {
    for (const s of this.list().slice(this.keep)) {
      try {
        unlinkSync(s.path);
      } catch {
        // already gone
      }
    }
  }

  /** Temp files left by a writer that died mid-save (its process is gone). */
  private removeStaleTemps(): void {
    const re = new RegExp(`^\\.${this.prefix}-\\d{12}\\.snap\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);
    for (const f of readdirSync(this.dir)) {
      const m = re.exec(f);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid !== process.pid && alive(pid)) continue;
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
   * Restores the newest snapshot that the detector accepts; unreadable ones are reported to onError and
   * skipped. Returns the one restored, or null when there is none (the detector keeps its state).
   */
  restoreLatest(detector: Detector): StoredSnapshot | null {
    for (const s of this.list()) {
      try {
        this.restoreFile(detector, s);
        return s;
      } catch (err) {
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
      throw new ToolwatchError("NO_SNAPSHOT", `revert: ${all.length} snapshot(s) stored, cannot go back ${String(steps)}`);
    }
    const target = all[steps]!;
    this.restoreFile(detector, target);
    this.save(detector);
    return target;
  }

  /** Restores the newest snapshot, then saves periodically and on shutdown (see options). */
  start(detector: Detector): StoredSnapshot | null {
    this.stop();
    this.detector = detector;
    const restored = this.restoreLatest(detector);
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
