"""One detector per process and settings, shared by every plugin instance that asks with the same settings.

ContextForge builds a plugin manager, and so a plugin instance, per (team, tool) context. With a detector
per instance a principal's calls to different tools would be judged apart (every tool looks new in its
own baseline). Instances instead take a SharedDetector from here, keyed by the normalised settings, so the
calls of one process are judged together. It also owns persistence: with a state directory the newest
readable snapshot is restored when it is created, and it is saved on an interval, when the last instance
shuts down, and at interpreter exit.
"""

import atexit
import json
import logging
import os
import threading
from dataclasses import dataclass
from typing import Optional

from .config import parse_config
from .detector import Detector
from .errors import ToolwatchError
from .store import FileStore, StoredSnapshot

log = logging.getLogger("toolwatch")


@dataclass(frozen=True)
class StateSettings:
    """Where snapshots live (None: memory only), how many are kept, seconds between saves (0: none)."""

    dir: Optional[str] = None
    keep: int = 5
    interval_seconds: float = 300.0


class SharedDetector:
    """A Detector behind a lock (the periodic saver runs on its own thread), with its snapshot store."""

    def __init__(self, config: dict, state: StateSettings, wasm_path: Optional[str] = None):
        self.config = config
        self.state = state
        self.detector = Detector(dict(config), wasm_path=wasm_path, on_error=self._trapped)
        self._lock = threading.RLock()
        self._refs = 0
        self._saved_hash: Optional[str] = None
        self._recoveries = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.restored: Optional[StoredSnapshot] = None
        self.store: Optional[FileStore] = None
        if state.dir:
            self.store = FileStore(
                state.dir, keep=state.keep, on_error=lambda e: log.error("toolwatch: snapshot skipped: %s", e)
            )
            self.restored = self.store.restore_latest(self.detector)
            self._saved_hash = self.detector.state_hash()
            log.info(
                "toolwatch: %s",
                f"baselines restored from {self.restored.path}"
                if self.restored
                else f"no snapshot in {state.dir}; starting empty",
            )
            atexit.register(self.save_if_changed)
            if state.interval_seconds > 0:
                self._thread = threading.Thread(target=self._every, name="toolwatch-snapshots", daemon=True)
                self._thread.start()

    def _trapped(self, err: BaseException) -> None:
        log.error("toolwatch: detector trapped (%s); restarted", err)

    # -- calls ----------------------------------------------------------------------------------------
    def check(self, *args, **kwargs):
        with self._lock:
            try:
                return self.detector.check(*args, **kwargs)
            finally:
                self._after_trap()

    def after(self, *args, **kwargs):
        with self._lock:
            try:
                return self.detector.after(*args, **kwargs)
            finally:
                self._after_trap()

    def _after_trap(self) -> None:
        # A trap restarts the core empty; go back to the newest snapshot rather than forget every baseline.
        if self.detector.recoveries != self._recoveries:
            self._recoveries = self.detector.recoveries
            if self.store is not None:
                self.store.restore_latest(self.detector)

    def state_hash(self) -> str:
        with self._lock:
            return self.detector.state_hash()

    # -- persistence ----------------------------------------------------------------------------------
    def save(self) -> Optional[StoredSnapshot]:
        """Snapshot now (under the lock, in memory), write it outside the lock; None without a state dir."""
        if self.store is None:
            return None
        with self._lock:
            data = self.detector.snapshot()
            h = self.detector.state_hash()
        snap = self.store.save(data)
        self._saved_hash = h
        return snap

    def save_if_changed(self) -> Optional[StoredSnapshot]:
        if self.store is None or self.state_hash() == self._saved_hash:
            return None
        try:
            return self.save()
        except Exception as err:  # a full disk must not take the gateway down; the next save retries
            log.error("toolwatch: snapshot save failed: %s", err)
            return None

    def _every(self) -> None:
        while not self._stop.wait(self.state.interval_seconds):
            self.save_if_changed()

    # -- instances ------------------------------------------------------------------------------------
    def acquire(self) -> "SharedDetector":
        with self._lock:
            self._refs += 1
        return self

    def release(self) -> None:
        """The last instance gone saves. The detector stays: a manager rebuilt a moment later gets the same
        baselines back rather than an empty detector (or, without a state dir, none at all)."""
        with self._lock:
            self._refs = max(0, self._refs - 1)
            last = self._refs == 0
        if last:
            self.save_if_changed()

    @property
    def refs(self) -> int:
        return self._refs


_REGISTRY: dict = {}
_DIRS: dict = {}
_GUARD = threading.Lock()


def settings_key(config: dict) -> str:
    return json.dumps(parse_config(config), sort_keys=True, separators=(",", ":"))


def shared_detector(
    config: dict, state: StateSettings = StateSettings(), wasm_path: Optional[str] = None
) -> SharedDetector:
    """The process's detector for these settings (created on first use), with one more reference taken."""
    parsed = parse_config(config)
    key = json.dumps(parsed, sort_keys=True, separators=(",", ":"))
    state_dir = os.path.realpath(state.dir) if state.dir else None
    full = (key, state_dir, state.keep, state.interval_seconds, wasm_path)
    with _GUARD:
        shared = _REGISTRY.get(full)
        if shared is None:
            if state_dir is not None and state_dir in _DIRS:
                # two detectors writing one directory would overwrite each other's baselines
                raise ToolwatchError(
                    "INVALID_CONFIG",
                    f"config.state.dir: {state.dir} already holds the snapshots of a toolwatch "
                    "plugin with other settings in this process; give each settings its own directory",
                )
            shared = SharedDetector(parsed, StateSettings(state_dir, state.keep, state.interval_seconds), wasm_path)
            _REGISTRY[full] = shared
            if state_dir is not None:
                _DIRS[state_dir] = full
        return shared.acquire()


def shared_detectors() -> list:
    """Every shared detector of this process (for tests and operators)."""
    with _GUARD:
        return list(_REGISTRY.values())
