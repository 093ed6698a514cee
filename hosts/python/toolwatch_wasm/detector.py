"""The Python detector: validates and marshals; every detection rule lives in the .wasm."""

import math
import struct
import time as _time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from . import abi
from . import snapshot as _snapshot
from .backend import find_wasm, open_core  # noqa: F401  (find_wasm is re-exported: toolwatch_wasm.find_wasm)
from .config import setting_of_slot, to_core_block
from .encode import Encoder, entry_keys
from .errors import ToolwatchError, core_error

ANONYMOUS = "(anonymous)"  # reserved: a caller naming itself this is refused (as js/identity.ts)
# RESULT read in one unpack: action, flags, mode, reason count, risk, the signal scores, 4 figures; then
# reasons (code, flags, score, actual, typical, context). Checked against the generated offsets below.
_HEAD = struct.Struct(f"<iiiid{abi.SIGNAL_COUNT}d4d")
_REASON = struct.Struct("<ii4d")
_OFFSETS = (
    struct.calcsize("<iiii"),
    struct.calcsize("<iiiid"),
    struct.calcsize(f"<iiiid{abi.SIGNAL_COUNT}d"),
    _HEAD.size,
    struct.calcsize("<ii"),
    _REASON.size,
)
if _OFFSETS != (abi.RES_RISK, abi.RES_SIGNALS, abi.RES_ENTITY_LEARNED, abi.RES_REASONS, abi.RSN_SCORE, abi.REASON_SIZE):
    raise ImportError("toolwatch_wasm.detector: its RESULT structs do not match abi.py (regenerate: npm run build)")
# bytes of RESULT copied per decision: the head and the most reasons the core writes
_RESULT_COPY = abi.RES_REASONS + abi.MAX_REASONS * abi.REASON_SIZE
# the limits Encoder needs, by the name it uses and limit()'s id
_LIMITS = (
    ("ident", abi.LIMIT_IDENT_BYTES),
    ("tool", abi.LIMIT_TOOL_BYTES),
    ("key", abi.LIMIT_KEY_BYTES),
    ("value", abi.LIMIT_VALUE_BYTES),
    ("args", abi.LIMIT_ARGS),
    ("extra", abi.LIMIT_EXTRA),
    ("elements", abi.LIMIT_ELEMENTS),
    ("scanned", abi.LIMIT_SCANNED),
    ("walk", abi.LIMIT_WALK),
    ("depth", abi.LIMIT_DEPTH),
)
_TZ_BUCKET_MS = 900_000  # zone offsets are cached per quarter hour (see Detector._zone_offset)
_now_ns = _time.time_ns
TRAPPED = -(2**31)  # the native extension's return for a trap (hosts/c/pycore.c TWC_TRAPPED)


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


class _Lazy:
    """A field of a decision from check(), decoded from its RESULT bytes on first access and then kept
    in the instance (a non-data descriptor: the instance's own value wins from then on), so a caller
    that reads only the action pays for nothing else."""

    __slots__ = ("name", "decode")

    def __init__(self, name: str, decode):
        self.name, self.decode = name, decode

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        d = obj.__dict__
        self.decode(d)
        return d[self.name]


def _decode_head(d: dict) -> None:
    _, flags, mode, _, risk, *_, learned, age, baseline_calls, window = _HEAD.unpack_from(d["_raw"], 0)
    d.update(
        risk=risk,
        baseline=abi.MODES[mode],
        learned_calls=learned,
        age_ms=age,
        baseline_calls=baseline_calls,
        window_count=window,
        learned=bool(flags & abi.FLAG_LEARNED),
        allowlisted=bool(flags & abi.FLAG_ALLOWLISTED),
        new_entity=bool(flags & abi.FLAG_NEW_ENTITY),
        flags=flags,
    )


_SIGNALS = struct.Struct(f"<{len(abi.SIGNALS)}d")


def _decode_signals(d: dict) -> None:
    d["signals"] = dict(zip(abi.SIGNALS, _SIGNALS.unpack_from(d["_raw"], abi.RES_SIGNALS)))


def _decode_reasons(d: dict) -> None:
    r = d["_raw"]
    weights, modes, keys, limits = d["_ctx"]
    if type(keys) is dict:  # encoded by the native extension: the entries follow from the arguments
        keys = entry_keys(keys, limits)
    reasons = []
    for i in range(r[abi.RES_N_REASONS]):
        code_id, rf, score, actual, typical, context = _REASON.unpack_from(r, abi.RES_REASONS + i * abi.REASON_SIZE)
        s = code_id - 1
        sig = abi.SIGNALS[s] if 0 <= s < len(abi.SIGNALS) else None
        code = abi.REASON_CODES[code_id]
        key = None
        if code == "UNSEEN_ARG_VALUE" and 0 <= context < len(keys):
            key = keys[int(context)]
        # positional, in field order: code, signal, score, weight, counted, actual, typical, context,
        # tenant_baseline, flags, key
        reasons.append(
            Reason(
                code,
                sig,
                score,
                weights[s] if sig else 0.0,
                bool(sig) and not (rf & abi.REASON_FLAG_SHADOW) and modes[s] == 1,
                actual,
                typical,
                context,
                bool(rf & abi.REASON_FLAG_TENANT),
                rf,
                key,
            )
        )
    d["reasons"] = reasons


class _LazyDecision(Decision):
    """What check() returns: a Decision (same fields, asdict, replace) holding the RESULT bytes."""


for _name in (
    "risk",
    "baseline",
    "learned_calls",
    "age_ms",
    "baseline_calls",
    "window_count",
    "learned",
    "allowlisted",
    "new_entity",
    "flags",
):
    setattr(_LazyDecision, _name, _Lazy(_name, _decode_head))
_LazyDecision.signals = _Lazy("signals", _decode_signals)
_LazyDecision.reasons = _Lazy("reasons", _decode_reasons)
_new = object.__new__


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class Detector:
    """detector = Detector({"minCalls": 20}); d = detector.check("send_email", {"to": "x"}, principal="alice")

    backend: "auto" (default, or TOOLWATCH_BACKEND), "native" or "wasmtime" (see backend.py); `.backend`
    says which one runs."""

    def __init__(
        self,
        config: Optional[dict] = None,
        wasm_path: Optional[str] = None,
        on_error=None,
        backend: Optional[str] = None,
    ):
        self.config = dict(config or {})
        self._block = to_core_block(self.config)
        self._wasm_path = wasm_path
        self._backend = backend
        self._on_error = on_error
        self._allow_entries: list = []
        self.recoveries = 0
        self._anonymous = self.config.get("anonymous", "shared")
        if self._anonymous not in ("shared", "refuse"):
            raise ToolwatchError("INVALID_CONFIG", 'config.anonymous: expected "shared" or "refuse"')
        self._failure = self.config.get("failurePolicy", "closed")
        if self._failure not in ("open", "closed"):
            raise ToolwatchError("INVALID_CONFIG", 'config.failurePolicy: expected "open" or "closed"')
        # UTC unless a zone is configured: then zone offsets are resolved per call (cached, _zone_offset)
        self._zones = self.config.get("timeZones") or {}
        self._zone = self.config.get("timeZone")
        self._fixed_tz = 0 if not self._zones and self._zone is None else None
        self._tz_cache: dict = {}
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
    @property
    def backend(self) -> str:
        """ "native" or "wasmtime": the engine running the core."""
        return self._core.kind

    def _boot(self) -> None:
        # a restart that fails half way must not leave the hot paths pointing into the freed core
        self._run_check = self._run_learn = self._run_after = _unusable
        self._fused_check = self._fused_learn = None
        self._core = core = open_core(self._backend, self._wasm_path)
        self._call = core.call
        self._traps = core.traps
        v = self._call("abi_version")
        if v != abi.ABI_VERSION:
            raise ToolwatchError("ABI_MISMATCH", f"core ABI version {v}, host expects {abi.ABI_VERSION}")
        self._io = self._call("io_ptr")
        self._res = self._call("result_ptr")
        limits = {k: self._call("limit", i) for k, i in _LIMITS}
        self._enc = Encoder(self._call("io_size"), limits)
        core.write(struct.pack(f"<{len(self._block)}d", *self._block), self._io)
        rc = self._call("init")
        core.refresh()  # init grew memory
        if rc < 0:
            if rc == abi.ERR_BAD_CONFIG:
                slot = struct.unpack_from("<i", core.view, self._res)[0]
                raise ToolwatchError(
                    "INVALID_CONFIG",
                    f"config.{setting_of_slot(slot)}: refused by the core (value {self._call('config_value', slot)} out of range or inconsistent)",
                )
            raise core_error(rc, "init")
        self._weights = tuple(self._call("config_value", abi.C_WEIGHTS + i) for i in range(len(abi.SIGNALS)))
        self._modes = tuple(self._call("config_value", abi.C_MODES + i) for i in range(len(abi.SIGNALS)))
        self._min_calls = self._call("config_value", abi.C_MIN_CALLS)
        self._view = core.view
        self._run_check, self._run_learn, self._run_after = core.check, core.learn, core.after
        self._fused_check, self._fused_learn = core.fused_check, core.fused_learn

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
        if principal == ANONYMOUS:
            raise ToolwatchError(
                "INVALID_IDENTITY",
                f'principal "{ANONYMOUS}" is reserved for calls without identity; leave the principal out to pool a call there',
            )
        if not principal:
            if self._anonymous == "refuse":
                raise ToolwatchError(
                    "ANONYMOUS_REFUSED", "the call carries no identity and anonymous calls are refused"
                )
            principal = ANONYMOUS
        return tenant or "", principal

    @staticmethod
    def _time(t) -> float:
        if t is None:
            return float(_now_ns() // 1_000_000)
        if not _is_number(t) or not math.isfinite(t) or t < 0 or t > 8.64e15:
            raise ToolwatchError("BAD_TIME", f"time must be milliseconds since the epoch, got {t!r}")
        return float(t)

    def _tz(self, tenant: str, tz, t: float) -> int:
        if tz is None:
            tz = self._zones.get(tenant, self._zone)
        if tz is None:
            return 0
        if isinstance(tz, str):
            return self._zone_offset(tz, t)
        if not _is_number(tz) or not math.isfinite(tz) or abs(tz) >= 2**31:
            raise ToolwatchError("BAD_TZ", f"the UTC offset must be whole minutes, got {tz!r}")
        return int(tz)

    def _zone_offset(self, zone: str, t: float) -> int:
        """The zone's UTC offset in minutes at t. A zone rule lookup costs several µs, so offsets are
        cached per quarter hour of UTC, and only for quarters whose first and last millisecond have the
        same offset (a quarter with a transition inside is resolved on every call)."""
        bucket = int(t // _TZ_BUCKET_MS)
        key = (zone, bucket)
        off = self._tz_cache.get(key)
        if off is not None:
            return off
        off = _offset(zone, t)
        start = bucket * _TZ_BUCKET_MS
        if _offset(zone, start) == off == _offset(zone, start + _TZ_BUCKET_MS - 1):
            if len(self._tz_cache) >= 4096:
                self._tz_cache.clear()
            self._tz_cache[key] = off
        return off

    def _prepare(self, tool, args, principal, tenant, time_ms, tz) -> tuple:
        """(record, keys, tenant, principal, t, tz minutes) for check and learn. The usual call (string
        names, a dict of JSON values, a numeric time) is validated and encoded in one pass; anything
        else takes the checked path, which raises in the documented order (docs/HOSTS.md)."""
        if (
            type(tool) is str
            and tool
            and type(principal) is str
            and principal
            and principal != ANONYMOUS
            and (tenant is None or type(tenant) is str)
            and (args is None or type(args) is dict)
            and (time_ms is None or type(time_ms) is float or type(time_ms) is int)
        ):
            if time_ms is None:
                t = float(_now_ns() // 1_000_000)
            elif 0 <= time_ms <= 8.64e15:  # false for NaN
                t = float(time_ms)
            else:
                t = -1.0
            if t >= 0:
                tenant = tenant or ""
                off = self._fixed_tz if tz is None and self._fixed_tz is not None else self._tz(tenant, tz, t)
                enc = self._enc.fast(tenant, principal, tool, args or {})
                if enc is not None:
                    return enc[0], enc[1], tenant, principal, t, off
        if not isinstance(tool, str) or tool == "":
            raise ToolwatchError("INVALID_TOOL", f"tool name must be a non-empty string, got {tool!r}")
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise ToolwatchError("INVALID_ARGS", f"args must be a dict, got {type(args).__name__}")
        tenant, principal = self._identity(principal, tenant)
        t = self._time(time_ms)
        off = self._tz(tenant, tz, t)
        keys: list = []
        record = bytes(self._enc.call(tenant, principal, tool, args, keys))
        return record, keys, tenant, principal, t, off

    def _write(self, record: bytes) -> None:
        self._core.write(record, self._io)

    # -- API --------------------------------------------------------------------------------------
    def check(
        self,
        tool: str,
        args: Optional[dict] = None,
        principal: Optional[str] = None,
        tenant: Optional[str] = None,
        time_ms: Optional[float] = None,
        tz=None,
    ) -> "Decision":
        """Scores a call before it runs, and records it when the rules allow. tz: minutes east of UTC
        or an IANA zone name (default: config timeZones[tenant], then config timeZone, then UTC)."""
        enc = None
        # _prepare's one-pass branch, inlined: the call this host is timed on
        if (
            type(tool) is str
            and tool
            and type(principal) is str
            and principal
            and principal != ANONYMOUS
            and (tenant is None or type(tenant) is str)
            and (args is None or type(args) is dict)
            and (type(time_ms) is float or type(time_ms) is int)
            and 0 <= time_ms <= 8.64e15
        ):
            tenant = tenant or ""
            t = float(time_ms)
            # the zone is the next thing to check (docs/HOSTS.md order), and may refuse
            off = self._fixed_tz if tz is None and self._fixed_tz is not None else self._tz(tenant, tz, t)
            if args is None:
                args = {}
            fused = self._fused_check
            if fused is not None:  # encoded and checked in one native call (native.py)
                rc = fused(tenant, principal, tool, args, t, off)
                if rc is not None:
                    return self._decided(rc, tool, tenant, principal, t, args)
            enc = self._enc.fast(tenant, principal, tool, args)
        if enc is None:
            record, keys, tenant, principal, t, off = self._prepare(tool, args, principal, tenant, time_ms, tz)
        else:
            record, keys = enc
        try:
            rc = self._run_check(record, t, off)
        except self._traps as err:
            return self._failed(err, tool, tenant, principal, t)
        return self._decided(rc, tool, tenant, principal, t, keys)

    def _decided(self, rc: int, tool, tenant, principal, t, keys) -> "Decision":
        if rc < 0:
            if rc == TRAPPED:
                return self._failed(self._traps[0]("toolwatch core trapped"), tool, tenant, principal, t)
            raise core_error(rc, "check")
        # One copy of RESULT (the next call overwrites it); the rest is decoded when first read.
        res = self._res
        d = _new(_LazyDecision)
        d.__dict__ = {
            "action": abi.ACTIONS[rc],
            "tool": tool,
            "tenant": tenant,
            "principal": principal,
            "time_ms": t,
            "min_calls": self._min_calls,
            "_raw": self._view[res : res + _RESULT_COPY].tobytes(),
            "_ctx": (self._weights, self._modes, keys, self._enc.limits),
        }
        return d

    def _failed(self, err, tool, tenant, principal, t) -> "Decision":
        self._recover(err)
        closed = self._failure == "closed"
        return Decision(
            action="block" if closed else "allow",
            risk=1.0 if closed else 0.0,
            reasons=[],
            signals={s: 0.0 for s in abi.SIGNALS},
            baseline="cold",
            learned_calls=0,
            min_calls=self._min_calls,
            age_ms=0,
            baseline_calls=0,
            window_count=0,
            learned=False,
            allowlisted=False,
            new_entity=False,
            flags=0,
            tool=tool,
            tenant=tenant,
            principal=principal,
            time_ms=t,
            error={"code": "DETECTOR_FAILURE", "message": f"detector failed ({err}); failure policy {self._failure}"},
        )

    def result_bytes(self) -> bytes:
        """The RESULT area of the last decision, as the core wrote it (for conformance checks)."""
        res = self._res
        n = struct.unpack_from("<i", self._view, res + abi.RES_N_REASONS)[0]
        return self._view[res : res + abi.RES_REASONS + n * abi.REASON_SIZE].tobytes()

    def after(
        self,
        tool: Optional[str] = None,
        principal: Optional[str] = None,
        tenant: Optional[str] = None,
        is_error: bool = False,
        time_ms: Optional[float] = None,
    ) -> bool:
        """Post-invoke outcome. Returns whether the principal is tracked."""
        tenant, principal = self._identity(principal, tenant)
        t = self._time(time_ms)
        tool = tool if isinstance(tool, str) else ""
        record = self._enc.fast_identity(tenant, principal, tool)
        if record is None:
            record = bytes(self._enc.identity(tenant, principal, tool))
        try:
            rc = self._run_after(record, t, 1 if is_error else 0)
        except self._traps as err:
            self._recover(err)
            return False
        if rc < 0:
            raise core_error(rc, "after")
        return rc == 1

    def learn(
        self,
        tool: str,
        args: Optional[dict] = None,
        principal: Optional[str] = None,
        tenant: Optional[str] = None,
        time_ms: Optional[float] = None,
        tz=None,
    ) -> None:
        """Operator feedback, "this call was fine": learn it now into the principal's and tenant's baselines."""
        rc = None
        fused = self._fused_learn
        if (
            fused is not None
            and type(tool) is str
            and tool
            and type(principal) is str
            and principal
            and principal != ANONYMOUS
            and (tenant is None or type(tenant) is str)
            and (args is None or type(args) is dict)
            and (type(time_ms) is float or type(time_ms) is int)
            and 0 <= time_ms <= 8.64e15
        ):
            t = float(time_ms)
            off = self._fixed_tz if tz is None and self._fixed_tz is not None else self._tz(tenant or "", tz, t)
            rc = fused(tenant or "", principal, tool, {} if args is None else args, t, off)
        if rc is None:
            record, _, _, _, t, off = self._prepare(tool, args, principal, tenant, time_ms, tz)
            try:
                rc = self._run_learn(record, t, off)
            except self._traps as err:
                self._recover(err)
                raise ToolwatchError("DETECTOR_FAILURE", "detector failed while learning; it was restarted") from err
        if rc == TRAPPED:
            self._recover(self._traps[0]("toolwatch core trapped"))
            raise ToolwatchError("DETECTOR_FAILURE", "detector failed while learning; it was restarted")
        if rc < 0:
            raise core_error(rc, "learn")

    def _allow_raw(self, e: dict) -> int:
        kind = (
            abi.ALLOW_TOOL
            if "tool" in e
            else abi.ALLOW_ENTITY
            if "tenant" in e and "principal" in e
            else abi.ALLOW_TENANT
            if "tenant" in e
            else abi.ALLOW_PRINCIPAL
        )
        self._write(bytes(self._enc.identity(e.get("tenant", ""), e.get("principal", ""), e.get("tool", ""))))
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
        return self._state("snapshot", lambda: _snapshot.snapshot(self._call, self._core.memory, self._core.store))

    def restore(self, data: bytes) -> int:
        """Replaces the state with a snapshot (refused with SNAPSHOT_* codes, state untouched). Returns records restored."""
        return self._state(
            "restore",
            lambda: _snapshot.restore(self._call, self._core.memory, self._core.store, data, abi.RESTORE_REPLACE),
        )

    def merge(self, data: bytes) -> int:
        """Merges another replica's snapshot into this state. Returns records merged."""
        return self._state(
            "merge", lambda: _snapshot.restore(self._call, self._core.memory, self._core.store, data, abi.RESTORE_MERGE)
        )

    def _state(self, what: str, fn):
        try:
            return fn()
        except self._traps as err:
            self._recover(err)
            raise ToolwatchError("DETECTOR_FAILURE", f"detector failed during {what}; it was restarted") from err

    def raw(self, fn: str, record: bytes, *args) -> int:
        """Writes bytes straight into IO and calls a core export (for conformance and tools)."""
        self._write(record)
        return self._call(fn, *args)


def _unusable(*_args):
    raise ToolwatchError("DETECTOR_FAILURE", "the detector could not be restarted")


def _offset(zone: str, t: float) -> int:
    from zoneinfo import ZoneInfo  # host-side zone rules, like Intl in the JS hosts

    try:
        off = datetime.fromtimestamp(t / 1000, timezone.utc).astimezone(ZoneInfo(zone)).utcoffset()
    except Exception as e:
        raise ToolwatchError("INVALID_TIMEZONE", f'unknown time zone "{zone}"') from e
    return int(off.total_seconds() // 60)
