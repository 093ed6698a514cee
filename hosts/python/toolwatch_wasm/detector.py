"""The Python detector: validates and marshals; every detection rule lives in the .wasm."""
import math
import os
import struct
import time as _time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import wasmtime

from . import abi
from .config import to_core_block, setting_of_slot
from .encode import Encoder
from .errors import ToolwatchError, core_error
from . import snapshot as _snapshot
from . import fastcall

ANONYMOUS = "anonymous"
# RESULT: action, flags, mode, reason count, risk, 9 signal scores, 4 figures (abi.RES_*); then reasons
_HEAD = struct.Struct("<iiiid9d4d")
_REASON = struct.Struct("<ii4d")


def find_wasm() -> str:
    """TOOLWATCH_WASM, a toolwatch.wasm shipped inside the package, or build/toolwatch.wasm above it."""
    env = os.environ.get("TOOLWATCH_WASM")
    if env:
        return env
    here = Path(__file__).resolve().parent
    if (here / "toolwatch.wasm").exists():
        return str(here / "toolwatch.wasm")
    for d in [here, *here.parents][:6]:
        p = d / "build" / "toolwatch.wasm"
        if p.exists():
            return str(p)
    raise ToolwatchError("WASM_NOT_FOUND", "toolwatch.wasm not found: set TOOLWATCH_WASM or run `npm run build`")


@dataclass
class Reason:
    code: str
    signal: Optional[str]
    score: float
    weight: float
    counted: bool
    actual: float
    typical: float
    context: float
    tenant_baseline: bool
    flags: int
    key: Optional[str] = None


@dataclass
class Decision:
    action: str
    risk: float
    reasons: list
    signals: dict
    baseline: str
    learned_calls: float
    min_calls: float
    age_ms: float
    baseline_calls: float
    window_count: float
    learned: bool
    allowlisted: bool
    new_entity: bool
    flags: int
    tool: str
    tenant: str
    principal: str
    time_ms: float
    error: Optional[dict] = None

    @property
    def codes(self) -> list:
        return [r.code for r in self.reasons]


_ENGINE = None
_MODULES: dict = {}


def _module(path: str):
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = wasmtime.Engine()
    if path not in _MODULES:
        _MODULES[path] = wasmtime.Module.from_file(_ENGINE, path)
    return _MODULES[path]


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class Detector:
    """detector = Detector({"minCalls": 20}); d = detector.check("send_email", {"to": "x"}, principal="alice")"""

    def __init__(self, config: Optional[dict] = None, wasm_path: Optional[str] = None, on_error=None):
        self.config = dict(config or {})
        self._block = to_core_block(self.config)
        self._module = _module(wasm_path or find_wasm())
        self._on_error = on_error
        self._keys: list = []
        self._allow_entries: list = []
        self.recoveries = 0
        self._anonymous = self.config.get("anonymous", "shared")
        if self._anonymous not in ("shared", "refuse"):
            raise ToolwatchError("INVALID_CONFIG", 'config.anonymous: expected "shared" or "refuse"')
        self._failure = self.config.get("failurePolicy", "closed")
        if self._failure not in ("open", "closed"):
            raise ToolwatchError("INVALID_CONFIG", 'config.failurePolicy: expected "open" or "closed"')
        self._boot()
        al = self.config.get("allowlist") or {}
        for t in al.get("tools", []):
            self.allow({"tool": t})
        for p in al.get("principals", []):
            self.allow({"principal": p})
        for t in al.get("tenants", []):
            self.allow({"tenant": t})
        for e in al.get("entities", []):
            self.allow({"tenant": e["tenant"], "principal": e["principal"]})

    # -- instance ---------------------------------------------------------------------------------
    def _boot(self) -> None:
        self._store = wasmtime.Store(_ENGINE)
        inst = wasmtime.Instance(self._store, self._module, [])
        self._x = inst.exports(self._store)
        self._mem = self._x["memory"]
        v = self._call("abi_version")
        if v != abi.ABI_VERSION:
            raise ToolwatchError("ABI_MISMATCH", f"core ABI version {v}, host expects {abi.ABI_VERSION}")
        self._io = self._call("io_ptr")
        self._res = self._call("result_ptr")
        limits = {k: self._call("limit", i) for i, k in enumerate(("ident", "tool", "key", "value", "args"))}
        self._enc = Encoder(self._call("io_size"), limits)
        self._mem.write(self._store, struct.pack(f"<{len(self._block)}d", *self._block), self._io)
        rc = self._call("init")
        if rc < 0:
            if rc == abi.ERR_BAD_CONFIG:
                slot = struct.unpack("<i", self._mem.read(self._store, self._res, self._res + 4))[0]
                raise ToolwatchError("INVALID_CONFIG", f"config.{setting_of_slot(slot)}: refused by the core (value {self._call('config_value', slot)} out of range or inconsistent)")
            raise core_error(rc, "init")
        self._weights = [self._call("config_value", 40 + i) for i in range(len(abi.SIGNALS))]
        self._modes = [self._call("config_value", 49 + i) for i in range(len(abi.SIGNALS))]
        self._min_calls = self._call("config_value", 12)
        self._fast = {n: fastcall.make(self._store, self._x[n]) for n in ("check", "learn")}

    def _hot(self, name: str, t: float, tz: int) -> int:
        f = self._fast.get(name)
        return f(t, tz) if f else self._call(name, t, tz)

    def _call(self, name: str, *args):
        return self._x[name](self._store, *args)

    def _recover(self, err: Exception) -> None:
        """A trap leaves the instance unusable: start a fresh one with the same config and allowlist."""
        self.recoveries += 1
        if self._on_error:
            self._on_error(err)
        self._boot()
        for e in self._allow_entries:
            self._allow_raw(e)

    # -- input ------------------------------------------------------------------------------------
    def _identity(self, principal, tenant) -> tuple:
        if principal is not None and not isinstance(principal, str):
            raise ToolwatchError("INVALID_IDENTITY", "principal must be a string")
        if tenant is not None and not isinstance(tenant, str):
            raise ToolwatchError("INVALID_IDENTITY", "tenant must be a string")
        if not principal:
            if self._anonymous == "refuse":
                raise ToolwatchError("ANONYMOUS_REFUSED", "the call carries no identity and anonymous calls are refused")
            principal = ANONYMOUS
        return tenant or "", principal

    @staticmethod
    def _time(t) -> float:
        if t is None:
            return float(_time.time_ns() // 1_000_000)
        if not _is_number(t) or not math.isfinite(t) or t < 0 or t > 8.64e15:
            raise ToolwatchError("BAD_TIME", f"time must be milliseconds since the epoch, got {t!r}")
        return float(t)

    def _tz(self, tenant: str, tz, t: float) -> int:
        if tz is None:
            tz = (self.config.get("timeZones") or {}).get(tenant, self.config.get("timeZone"))
        if tz is None:
            return 0
        if isinstance(tz, str):
            from zoneinfo import ZoneInfo  # host-side zone rules, like Intl in the JS hosts
            try:
                off = datetime.fromtimestamp(t / 1000, timezone.utc).astimezone(ZoneInfo(tz)).utcoffset()
            except Exception as e:
                raise ToolwatchError("INVALID_TIMEZONE", f'unknown time zone "{tz}"') from e
            return int(off.total_seconds() // 60)
        if not _is_number(tz) or not math.isfinite(tz) or abs(tz) >= 2**31:
            raise ToolwatchError("BAD_TZ", f"the UTC offset must be whole minutes, got {tz!r}")
        return int(tz)

    def _encode_call(self, tool, args, principal, tenant, time_ms, tz) -> tuple:
        if not isinstance(tool, str) or tool == "":
            raise ToolwatchError("INVALID_TOOL", f"tool name must be a non-empty string, got {tool!r}")
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise ToolwatchError("INVALID_ARGS", f"args must be a dict, got {type(args).__name__}")
        tenant, principal = self._identity(principal, tenant)
        t = self._time(time_ms)
        off = self._tz(tenant, tz, t)
        self._write(self._enc.call(tenant, principal, tool, args, self._keys))
        return tenant, principal, t, off

    def _write(self, record: bytes) -> None:
        self._mem.write(self._store, bytes(record), self._io)

    # -- API --------------------------------------------------------------------------------------
    def check(self, tool: str, args: Optional[dict] = None, principal: Optional[str] = None,
              tenant: Optional[str] = None, time_ms: Optional[float] = None, tz=None) -> Decision:
        """Scores a call before it runs, and records it when the rules allow. tz: minutes east of UTC
        or an IANA zone name (default: config timeZones[tenant], then config timeZone, then UTC)."""
        tenant, principal, t, off = self._encode_call(tool, args, principal, tenant, time_ms, tz)
        try:
            rc = self._hot("check", t, off)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as err:
            return self._failure(err, tool, tenant, principal, t)
        if rc < 0:
            raise core_error(rc, "check")
        return self._decision(tool, tenant, principal, t)

    def _failure(self, err, tool, tenant, principal, t) -> Decision:
        self._recover(err)
        closed = self._failure == "closed"
        return Decision(action="block" if closed else "allow", risk=1.0 if closed else 0.0, reasons=[],
                        signals={s: 0.0 for s in abi.SIGNALS}, baseline="cold", learned_calls=0, min_calls=self._min_calls,
                        age_ms=0, baseline_calls=0, window_count=0, learned=False, allowlisted=False, new_entity=False,
                        flags=0, tool=tool, tenant=tenant, principal=principal, time_ms=t,
                        error={"code": "DETECTOR_FAILURE", "message": f"detector failed ({err}); failure policy {self._failure}"})

    def result_bytes(self) -> bytes:
        """The RESULT area of the last decision, as the core wrote it (for conformance checks)."""
        n = struct.unpack("<i", self._mem.read(self._store, self._res + abi.RES_NREASONS, self._res + abi.RES_NREASONS + 4))[0]
        return bytes(self._mem.read(self._store, self._res, self._res + abi.RES_REASONS + n * abi.REASON_SIZE))

    def _decision(self, tool, tenant, principal, t) -> Decision:
        r = self.result_bytes()
        action, flags, mode, n, risk, *rest = _HEAD.unpack_from(r, 0)
        signals, (learned, age, baseline_calls, window) = rest[:9], rest[9:]
        reasons = []
        for i in range(n):
            code_id, rf, score, actual, typical, context = _REASON.unpack_from(r, abi.RES_REASONS + i * abi.REASON_SIZE)
            s = code_id - 1
            sig = abi.SIGNALS[s] if 0 <= s < len(abi.SIGNALS) else None
            code = abi.REASON_CODES[code_id]
            key = None
            if code == "UNSEEN_ARG_VALUE" and 0 <= context < len(self._keys):
                key = self._keys[int(context)]
            reasons.append(Reason(code=code, signal=sig, score=score, weight=self._weights[s] if sig else 0.0,
                                  counted=bool(sig) and not (rf & abi.REASON_FLAG_SHADOW) and self._modes[s] == 1,
                                  actual=actual, typical=typical, context=context,
                                  tenant_baseline=bool(rf & abi.REASON_FLAG_TENANT), flags=rf, key=key))
        return Decision(
            action=abi.ACTIONS[action], risk=risk, reasons=reasons, signals=dict(zip(abi.SIGNALS, signals)),
            baseline=abi.MODES[mode], learned_calls=learned, min_calls=self._min_calls, age_ms=age,
            baseline_calls=baseline_calls, window_count=window, learned=bool(flags & abi.FLAG_LEARNED),
            allowlisted=bool(flags & abi.FLAG_ALLOWLISTED), new_entity=bool(flags & abi.FLAG_NEW_ENTITY), flags=flags,
            tool=tool, tenant=tenant, principal=principal, time_ms=t)

    def after(self, tool: Optional[str] = None, principal: Optional[str] = None, tenant: Optional[str] = None,
              is_error: bool = False, time_ms: Optional[float] = None) -> bool:
        """Post-invoke outcome. Returns whether the principal is tracked."""
        tenant, principal = self._identity(principal, tenant)
        t = self._time(time_ms)
        self._write(self._enc.identity(tenant, principal, tool if isinstance(tool, str) else ""))
        try:
            rc = self._call("after", t, 1 if is_error else 0)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as err:
            self._recover(err)
            return False
        if rc < 0:
            raise core_error(rc, "after")
        return rc == 1

    def learn(self, tool: str, args: Optional[dict] = None, principal: Optional[str] = None,
              tenant: Optional[str] = None, time_ms: Optional[float] = None, tz=None) -> None:
        """Operator feedback, "this call was fine": learn it now into the principal's and tenant's baselines."""
        _, _, t, off = self._encode_call(tool, args, principal, tenant, time_ms, tz)
        try:
            rc = self._hot("learn", t, off)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as err:
            self._recover(err)
            raise ToolwatchError("DETECTOR_FAILURE", "detector failed while learning; it was restarted") from err
        if rc < 0:
            raise core_error(rc, "learn")

    def _allow_raw(self, e: dict) -> int:
        kind = (abi.ALLOW_TOOL if "tool" in e else abi.ALLOW_ENTITY if "tenant" in e and "principal" in e
                else abi.ALLOW_TENANT if "tenant" in e else abi.ALLOW_PRINCIPAL)
        self._write(self._enc.identity(e.get("tenant", ""), e.get("principal", ""), e.get("tool", "")))
        rc = self._call("allow_add", kind)
        if rc < 0:
            raise core_error(rc, "allowlist")
        return rc

    def allow(self, entry: dict) -> None:
        """Allowlists {"tool"}, {"principal"} (every tenant), {"tenant"}, or {"tenant", "principal"}."""
        if not isinstance(entry, dict):
            raise ToolwatchError("INVALID_ALLOWLIST", "allowlist entry must be a dict")
        for k, v in entry.items():
            if k not in ("tool", "principal", "tenant"):
                raise ToolwatchError("INVALID_ALLOWLIST", f'allowlist entry: unknown key "{k}"')
            if not isinstance(v, str):
                raise ToolwatchError("INVALID_ALLOWLIST", f"allowlist entry: {k} must be a string")
        if "tool" in entry and len(entry) > 1:
            raise ToolwatchError("INVALID_ALLOWLIST", "allowlist entry: a tool entry takes no identity")
        if self._allow_raw(entry) == 1:
            self._allow_entries.append(dict(entry))

    def clear_allowlist(self) -> None:
        self._call("allow_clear")
        self._allow_entries.clear()

    def stats(self) -> dict:
        s = {name: self._call("stat", i) for i, name in enumerate(abi.STATS)}
        s["recoveries"] = self.recoveries
        return s

    def stat(self, i: int) -> float:
        return self._call("stat", i)

    def state_hash(self) -> str:
        """A 64-bit hash of the learned state as 16 hex digits (equal state = equal hash, in every host)."""
        return format(self._call("state_hash") & 0xFFFFFFFFFFFFFFFF, "016x")

    def snapshot(self) -> bytes:
        """The whole learned state as versioned, checksummed bytes; any host's restore() takes them."""
        return self._state("snapshot", lambda: _snapshot.snapshot(self._call, self._mem, self._store))

    def restore(self, data: bytes) -> int:
        """Replaces the state with a snapshot (refused with SNAPSHOT_* codes, state untouched). Returns records restored."""
        return self._state("restore", lambda: _snapshot.restore(self._call, self._mem, self._store, data, abi.RESTORE_REPLACE))

    def merge(self, data: bytes) -> int:
        """Merges another replica's snapshot into this state. Returns records merged."""
        return self._state("merge", lambda: _snapshot.restore(self._call, self._mem, self._store, data, abi.RESTORE_MERGE))

    def _state(self, what: str, fn):
        try:
            return fn()
        except (wasmtime.Trap, wasmtime.WasmtimeError) as err:
            self._recover(err)
            raise ToolwatchError("DETECTOR_FAILURE", f"detector failed during {what}; it was restarted") from err

    def raw(self, fn: str, record: bytes, *args) -> int:
        """Writes bytes straight into IO and calls a core export (for conformance and tools)."""
        self._write(record)
        return self._call(fn, *args)
