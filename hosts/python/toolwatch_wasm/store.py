"""Snapshots on disk, in the Node file store's format and naming (js/state/file-store.ts, docs/STATE.md), so a
directory moves between `toolwatch serve` and the Python host in either direction:

    <dir>/toolwatch-000000000042.snap     the core's snapshot bytes, nothing added
    <dir>/.toolwatch-000000000042.snap.<pid>.<hex>.tmp   while it is being written

Each save is atomic (exclusive temp file in the same directory, fsync, rename, fsync of the directory), so
readers only ever see whole files. Rotation keeps the newest `keep` snapshots among those this store wrote
(recorded in `.toolwatch-written.json`): a snapshot written by another program, or one that could not be
read (damaged, or a newer format this core refuses), is never deleted. Python writers in several processes
on one directory take turns under a lock file, so sequence numbers never collide.
"""

import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Callable, List, Optional

from .errors import ToolwatchError

try:  # POSIX; elsewhere writers of one process are still serialised by the thread lock
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None


@dataclass
class StoredSnapshot:
    seq: int
    path: str
    bytes: int
    mtime: float


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except PermissionError:
        return True
    except OSError:
        return False


class FileStore:
    def __init__(
        self,
        dir: str,
        keep: int = 5,
        prefix: str = "toolwatch",
        on_error: Optional[Callable[[BaseException], None]] = None,
    ):
        if not isinstance(dir, str) or not dir:
            raise ToolwatchError("INVALID_STORE", "file store: dir must be a non-empty path")
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ToolwatchError("INVALID_STORE", f"file store: keep must be an integer ≥ 1, got {keep!r}")
        if not re.fullmatch(r"[A-Za-z0-9_-]+", prefix):
            raise ToolwatchError("INVALID_STORE", "file store: prefix may hold letters, digits, _ and - only")
        self.dir, self.keep, self.prefix, self.on_error = dir, keep, prefix, on_error
        self._re = re.compile(rf"^{re.escape(prefix)}-(\d{{12}})\.snap$")
        self._tmp_re = re.compile(rf"^\.{re.escape(prefix)}-\d{{12}}\.snap\.(\d+)\.[0-9a-f]+\.tmp$")
        self._manifest = os.path.join(dir, f".{prefix}-written.json")
        self._mutex = threading.Lock()
        os.makedirs(dir, exist_ok=True)
        self._remove_stale_temps()

    def _name(self, seq: int) -> str:
        return f"{self.prefix}-{seq:012d}.snap"

    def list(self) -> List[StoredSnapshot]:
        """Snapshots on disk, newest first (names only; contents are checked when restored)."""
        out = []
        for f in os.listdir(self.dir):
            m = self._re.match(f)
            if not m:
                continue
            p = os.path.join(self.dir, f)
            try:
                st = os.stat(p)
            except OSError:
                continue  # deleted meanwhile
            out.append(StoredSnapshot(int(m.group(1)), p, st.st_size, st.st_mtime))
        return sorted(out, key=lambda s: -s.seq)

    # -- which files are ours -------------------------------------------------------------------------
    def _read_manifest(self) -> dict:
        try:
            with open(self._manifest, encoding="utf-8") as f:
                m = json.load(f)
            return {
                "written": [int(s) for s in m.get("written", [])],
                "unreadable": [int(s) for s in m.get("unreadable", [])],
            }
        except (OSError, ValueError, TypeError, AttributeError):
            return {"written": [], "unreadable": []}

    def _write_manifest(self, m: dict) -> None:
        tmp = f"{self._manifest}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(m, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._manifest)

    class _DirLock:
        def __init__(self, store: "FileStore"):
            self.store = store

        def __enter__(self):
            self.store._mutex.acquire()
            self.fd = None
            if fcntl is not None:
                self.fd = os.open(
                    os.path.join(self.store.dir, f".{self.store.prefix}.lock"), os.O_RDWR | os.O_CREAT, 0o600
                )
                fcntl.flock(self.fd, fcntl.LOCK_EX)
            return self

        def __exit__(self, *exc):
            if self.fd is not None:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
                os.close(self.fd)
            self.store._mutex.release()

    # -- save -----------------------------------------------------------------------------------------
    def save(self, data: bytes) -> StoredSnapshot:
        """Writes one snapshot atomically as the newest; older ones this store wrote beyond `keep` are deleted."""
        with FileStore._DirLock(self):
            listed = self.list()
            seq = (listed[0].seq if listed else 0) + 1
            path = os.path.join(self.dir, self._name(seq))
            tmp = os.path.join(self.dir, f".{self._name(seq)}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view, off = memoryview(data), 0
                while off < len(view):
                    off += os.write(fd, view[off:])
                os.fsync(fd)
            except BaseException:
                os.close(fd)
                os.unlink(tmp)
                raise
            os.close(fd)
            # recorded before the rename: a crash in between leaves a name without a file, never an
            # unrecorded snapshot that no rotation would ever delete
            m = self._read_manifest()
            m["written"] = sorted(set(m["written"]) | {seq})
            self._write_manifest(m)
            os.replace(tmp, path)
            self._sync_dir()
            self._prune(m)
            return StoredSnapshot(seq, path, len(data), os.stat(path).st_mtime)

    def _sync_dir(self) -> None:
        try:
            fd = os.open(self.dir, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass  # some platforms cannot fsync a directory; the rename is still atomic there
        finally:
            os.close(fd)

    def _prune(self, m: dict) -> None:
        written, unreadable = set(m["written"]), set(m["unreadable"])
        present = self.list()
        ours = [s for s in present if s.seq in written and s.seq not in unreadable]
        for s in ours[self.keep :]:
            try:
                os.unlink(s.path)
            except OSError:
                pass
        on_disk = {s.seq for s in present} - {s.seq for s in ours[self.keep :]}
        kept = {"written": sorted(written & on_disk), "unreadable": sorted(unreadable & on_disk)}
        if kept != m:
            self._write_manifest(kept)

    def _remove_stale_temps(self) -> None:
        """Temp files left by a writer that died mid-save (its process is gone)."""
        for f in os.listdir(self.dir):
            m = self._tmp_re.match(f)
            if not m:
                continue
            pid = int(m.group(1))
            if pid != os.getpid() and _alive(pid):
                continue
            try:
                os.unlink(os.path.join(self.dir, f))
            except OSError:
                pass

    # -- restore --------------------------------------------------------------------------------------
    def restore_file(self, detector, snap: StoredSnapshot) -> int:
        with open(snap.path, "rb") as f:
            data = f.read()
        return detector.restore(data)

    def restore_latest(self, detector) -> Optional[StoredSnapshot]:
        """Restores the newest snapshot the detector accepts; refused ones are reported to on_error, marked
        unreadable (never rotated away) and skipped. None when there is none (the state is untouched)."""
        for s in self.list():
            try:
                self.restore_file(detector, s)
                return s
            except (ToolwatchError, OSError) as err:
                self._mark_unreadable(s.seq)
                if self.on_error:
                    self.on_error(err)
        return None

    def _mark_unreadable(self, seq: int) -> None:
        try:
            with FileStore._DirLock(self):
                m = self._read_manifest()
                if seq not in m["unreadable"]:
                    m["unreadable"] = sorted(set(m["unreadable"]) | {seq})
                    self._write_manifest(m)
        except OSError:
            pass  # a read-only directory: nothing is ever pruned from it either
