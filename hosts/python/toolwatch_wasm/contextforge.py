"""ContextForge, in process: the plugin class and the hook logic behind it.

The gateway's plugins/config.yaml entry, with the prior plugin's `config:` block unchanged:

    - name: "ToolCallAnomalyDetection"
      kind: "toolwatch_wasm.contextforge.ToolCallAnomalyDetectionPlugin"
      hooks: ["tool_pre_invoke", "tool_post_invoke"]
      config: {learning_window_seconds: 3600, ..., state_dir: /var/lib/toolwatch}

`ToolCallAnomalyDetectionPlugin` subclasses the framework's `Plugin` (cpex, or the gateway's own
mcpgateway.plugins.framework); it is imported on first use, so this module and `toolwatch_wasm` load
without either. `ContextForgeHooks` is the framework-free part: the gateway's payload and context shapes
in (dicts or objects), `{continue_processing, violation, metadata, ...}` dicts out, with the violation and
metadata shapes of `toolwatch serve` (js/integrations/contextforge/plugin.ts).
"""

import logging
import math
import os
import struct
import time as _time
from typing import Any, Optional

from . import abi
from .config import TABLE, _received, closest, core_defaults
from .errors import ToolwatchError
from .explain import explain, fixed, r4
from .registry import StateSettings

KEY = "toolwatch"
BLOCKED_ERROR_CODE = -32003
UNKNOWN_USER = "unknown"  # the gateway's user for a caller it did not authenticate
TENANT_FROM = ("tenant_id", "user_context")
_RATE_CODES = {"BURST", "RATE_SPIKE"}
_SIZE_CODES = {"ARGS_TOO_LARGE", "PAYLOAD_TOO_LARGE"}

log = logging.getLogger("toolwatch")


def __getattr__(name: str):
    # The plugin class needs the framework; import it only when asked for (the gateway's loader does
    # getattr(module, "ToolCallAnomalyDetectionPlugin")).
    if name == "ToolCallAnomalyDetectionPlugin":
        from .contextforge_plugin import ToolCallAnomalyDetectionPlugin

        return ToolCallAnomalyDetectionPlugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _get(o: Any, k: str) -> Any:
    if isinstance(o, dict):
        return o.get(k)
    return getattr(o, k, None)


def _str(v: Any) -> Optional[str]:
    return v if isinstance(v, str) and v else None


def _known(v: Any) -> Optional[str]:
    s = _str(v)
    return None if s == UNKNOWN_USER else s


def identity(global_context: Any, tenant_from: str = "tenant_id") -> dict:
    """`user` (a string, or an object's email, else sub), then `user_context` (email, else user_id); the
    literal "unknown" identifies nobody. Tenant: `tenant_id`, else `user_context.team_id` (with
    tenant_from "user_context" the other way round: on the gateway's MCP transport tenant_id is the
    tool's team, not the caller's). Absent and null alike."""
    g = global_context
    if type(g) is dict:
        user, uc, tid = g.get("user"), g.get("user_context"), g.get("tenant_id")
    else:
        user, uc, tid = getattr(g, "user", None), getattr(g, "user_context", None), getattr(g, "tenant_id", None)
    if uc is None and (user is None or type(user) is str) and (tid is None or type(tid) is str):
        # the usual shape (a user string or none, no user_context): nothing below can refuse it or differ
        return {"principal": user if user and user != UNKNOWN_USER else None, "tenant": tid or None}
    # a field of the wrong type is a broken identity, not a missing one (as js/identity.ts)
    if isinstance(user, (bool, int, float, list, tuple)):
        raise ToolwatchError(
            "INVALID_IDENTITY", f"global_context.user must be a string or an object (email, sub), got {_a(user)}"
        )
    uo = user if not isinstance(user, str) else None
    for where, v in (
        ("global_context.user.email", _get(uo, "email")),
        ("global_context.user.sub", _get(uo, "sub")),
        ("global_context.user_context.email", _get(uc, "email")),
        ("global_context.user_context.user_id", _get(uc, "user_id")),
        ("global_context.tenant_id", _get(global_context, "tenant_id")),
        ("global_context.user_context.team_id", _get(uc, "team_id")),
    ):
        if v is not None and not isinstance(v, str):
            raise ToolwatchError("INVALID_IDENTITY", f"{where} must be a string, got {_a(v)}")
    principal = (
        _known(user)
        or _known(_get(uo, "email"))
        or _known(_get(uo, "sub"))
        or _known(_get(uc, "email"))
        or _known(_get(uc, "user_id"))
    )
    tid, team = _str(_get(global_context, "tenant_id")), _str(_get(uc, "team_id"))
    tenant = (team or tid) if tenant_from == "user_context" else (tid or team)
    return {"principal": principal, "tenant": tenant}


def _snake(s: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in s)


_SNAKE = tuple(_snake(s) for s in abi.SIGNALS)
# RESULT's head after the action: flags, mode, reason count, risk, the nine signal scores
_HEAD = struct.Struct(f"<4xiiid{len(abi.SIGNALS)}d")
_floor = math.floor
_MODES = abi.MODES


_MESSAGES: dict = {}


def _message(r) -> str:
    """explain(r), remembered: it depends on these fields only, and they repeat (a principal's transitions
    known, a burst's count), while wording one costs microseconds."""
    k = (r.code, r.flags, r.actual, r.typical, r.context, r.key)
    m = _MESSAGES.get(k)
    if m is None:
        if len(_MESSAGES) >= 4096:
            _MESSAGES.clear()
        m = _MESSAGES[k] = explain(r)
    return m


def metadata(d) -> dict:
    """Namespaced under the plugin's key, with no user or tenant ids (the gateway's rule)."""
    dd = d.__dict__
    raw = dd.get("_raw")
    if raw is not None and not d.error:
        # a decision from check(): read from its RESULT bytes in one unpack, without decoding the fields;
        # r4 inlined (zeros, most signals, skip the arithmetic); NaN or an infinity raise and take the path below
        flags, mode, n, risk, *sig = _HEAD.unpack_from(raw, 0)
        try:
            signals = {k: 0.0 if v == 0.0 else _floor(v * 10000 + 0.5) / 10000 for k, v in zip(_SNAKE, sig)}
            risk = _floor(risk * 10000 + 0.5) / 10000
        except (ValueError, OverflowError):
            pass
        else:
            return {
                KEY: {
                    "action": dd["action"],
                    "risk_score": risk,
                    "anomaly_mode": "active" if mode == 0 else "learning",
                    "baseline": _MODES[mode],
                    "learned": bool(flags & abi.FLAG_LEARNED),
                    "signals": signals,
                    # most allowed calls have no reason: decoded (and worded) only when there are some
                    "reasons": [
                        {"code": r.code, "score": r4(r.score), "counted": r.counted, "message": _message(r)}
                        for r in d.reasons
                    ]
                    if n
                    else [],
                    "tool": dd["tool"],
                }
            }
    m = {
        "action": d.action,
        "risk_score": r4(d.risk),
        "anomaly_mode": "active" if d.baseline == "own" else "learning",
        "baseline": d.baseline,
        "learned": d.learned,
        "signals": {_snake(k): r4(v) for k, v in d.signals.items()},
        "reasons": [
            {"code": r.code, "score": r4(r.score), "counted": r.counted, "message": explain(r)} for r in d.reasons
        ],
        "tool": d.tool,
    }
    if d.error:
        m["error"] = d.error["message"]
    return {KEY: m}


def burst_window_ms(config: dict) -> float:
    if config.get("burstWindowSeconds") is not None:
        return config["burstWindowSeconds"] * 1000
    defaults = core_defaults()
    return defaults[TABLE["settings"]["burstWindowSeconds"]["slot"]] if defaults else 60000.0


def describe_block(d, config: dict) -> dict:
    """BLOCKED 403, or RATE_LIMIT 429 with a retry delay when call volume is the main cause."""
    ranked = sorted((r for r in d.reasons if r.counted and r.score > 0), key=lambda r: -(r.score * r.weight))
    what = (
        d.error["message"]
        if d.error
        else "; ".join(f"{r.code}: {explain(r)}" for r in ranked)
        if ranked
        else "risk over the block threshold"
    )
    out = {"description": f'toolwatch blocked "{d.tool}" (risk {fixed(d.risk, 2)}): {what}'}
    if ranked and ranked[0].code in _RATE_CODES:
        return {
            **out,
            "code": "RATE_LIMIT",
            "http_status": 429,
            "reason": "Tool call rate anomaly",
            "retry_after_ms": burst_window_ms(config),
        }
    return {
        **out,
        "code": "BLOCKED",
        "http_status": 403,
        "reason": "Detector failure (fail closed)" if d.error else "Anomalous tool call",
    }


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "an array"
    return "object"


def _a(v: Any) -> str:
    t = _type_name(v)
    return t if t in ("null", "an array") else f"an {t}" if t == "object" else f"a {t}"


def describe_refusal(tool: Any, code: str, message: str, config: dict) -> dict:
    """Input the detector refused: not scored, so failurePolicy decides (closed blocks, open allows)."""
    closed = config.get("failurePolicy", "closed") == "closed"
    name = json_str(tool[:80] + "…" if len(tool) > 80 else tool) if isinstance(tool, str) and tool else "(no tool name)"
    base = f"toolwatch refused {name}: {message} ({code})"
    if closed:
        return {
            "action": "block",
            "code": code,
            "message": message,
            "http_status": 413 if code in _SIZE_CODES else 403,
            "reason": "Tool call input refused",
            "description": f"{base}; failure policy closed: blocked",
            "metadata": {KEY: {"action": "block", "reasons": [{"code": code, "message": message}]}},
        }
    return {
        "action": "allow",
        "code": code,
        "message": message,
        "http_status": 403,
        "reason": "Tool call input refused",
        "description": f"{base}; failure policy open: allowed unchecked",
        "metadata": {KEY: {"action": "allow", "refused": {"code": code, "message": message}}},
    }


def json_str(s: str) -> str:
    import json

    return json.dumps(s, ensure_ascii=False)


def _result(continue_processing: bool, metadata: dict, violation: Optional[dict] = None, **extra) -> dict:
    return {
        "continue_processing": continue_processing,
        "violation": violation,
        "metadata": metadata,
        "retry_delay_ms": 0,
        **extra,
    }


def _plain(args: dict) -> dict:
    """The arguments as a plain dict. Through the manager they arrive as cpex's CopyOnWriteDict (a dict
    subclass layered over the original, so plugins cannot change each other's view), where every read is a
    Python call and the detector's fast paths (plain dicts only) do not apply: its slow path cost ~80 µs a
    call. An unmodified view reads exactly as its original, which is read, never written, from here on."""
    orig = getattr(args, "_original", None)
    if type(orig) is dict and callable(getattr(args, "has_modifications", None)) and not args.has_modifications():
        return orig
    return dict(args.items())  # another mapping type, or a modified view: its items as it presents them


def _line(tool: str, action: str, m: dict, g: Any) -> dict:
    return {
        "tool": tool,
        "action": action,
        "risk": m["risk_score"],
        "reasons": [r["code"] for r in m["reasons"]],
        "request_id": _get(g, "request_id"),
    }


class ContextForgeHooks:
    """tool_pre_invoke / tool_post_invoke over a Detector (or a registry.SharedDetector)."""

    def __init__(self, detector, tenant_from: str = "tenant_id", clock=None):
        if tenant_from not in TENANT_FROM:
            raise ToolwatchError(
                "INVALID_CONFIG", 'config.tenant_from: Invalid option: expected one of "tenant_id"|"user_context"'
            )
        self.detector = detector
        self.tenant_from = tenant_from
        self.clock = clock or (lambda: float(_time.time_ns() // 1_000_000))

    @property
    def config(self) -> dict:
        return self.detector.config

    def tool_pre_invoke(self, payload: Any, context: Any) -> dict:
        # _get's lookups, two at a time (this runs on every call)
        if isinstance(context, dict):
            g, state = context.get("global_context") or {}, context.get("state")
        else:
            g, state = getattr(context, "global_context", None) or {}, getattr(context, "state", None)
        if isinstance(payload, dict):
            tool, args = payload.get("name"), payload.get("args")
        else:
            tool, args = getattr(payload, "name", None), getattr(payload, "args", None)
        args = {} if args is None else args
        # The tool name and arguments are the call's input: refusing them is a decision, not an error.
        if not isinstance(tool, str) or not tool:
            got = "nothing" if tool is None else "an empty string" if tool == "" else _type_name(tool)
            return self._refuse(
                tool, "INVALID_TOOL", f"payload.name must be a non-empty string (the tool name), got {got}", state
            )
        if not isinstance(args, dict):
            return self._refuse(tool, "INVALID_ARGS", f"payload.args must be an object, got {_type_name(args)}", state)
        if type(args) is not dict:
            args = _plain(args)
        now = self.clock()
        try:
            who = identity(g, self.tenant_from)
            d = self.detector.check(tool, args, principal=who["principal"], tenant=who["tenant"], time_ms=now)
        except ToolwatchError as e:
            if e.code == "ANONYMOUS_REFUSED":
                return self._refuse_anonymous(tool, state)
            return self._refuse(tool, e.code, str(e), state)
        except Exception as e:  # the detector itself failed: that is what failurePolicy is for
            return self._failed(tool, e, state, now)
        meta = metadata(d)
        m, action = meta[KEY], d.action
        if isinstance(state, dict):  # carried to tool_post_invoke
            state[KEY] = {
                "action": action,
                "risk_score": m["risk_score"],
                "time": now,
                "reasons": [r["code"] for r in m["reasons"] if r["counted"]],
            }
        if action != "block":
            # the log line is built only when it is written (an allowed call logs at debug)
            level = logging.WARNING if action == "warn" else logging.DEBUG
            if log.isEnabledFor(level):
                log.log(level, "toolwatch: tool call %sed %s", action, _line(tool, action, m, g))
            return {"continue_processing": True, "violation": None, "metadata": meta, "retry_delay_ms": 0}
        b = describe_block(d, self.config)
        if log.isEnabledFor(logging.WARNING):
            log.warning("toolwatch: tool call blocked %s", _line(tool, action, m, g))
        details = dict(meta)
        extra, headers = {}, None
        if "retry_after_ms" in b:
            details["retry_delay_ms"] = int(b["retry_after_ms"])
            headers = {"Retry-After": str(math.ceil(b["retry_after_ms"] / 1000))}
            extra = {"retry_delay_ms": int(b["retry_after_ms"]), "http_headers": headers}
        violation = {
            "reason": b["reason"],
            "description": b["description"],
            "code": b["code"],
            "details": details,
            "mcp_error_code": BLOCKED_ERROR_CODE,
            "http_status_code": b["http_status"],
        }
        if headers:
            violation["http_headers"] = headers
        return _result(False, meta, violation, **extra)

    def _refuse(self, tool: Any, code: str, message: str, state: Any) -> dict:
        r = describe_refusal(tool, code, message, self.config)
        if isinstance(state, dict):  # post-invoke: a refused call was never scored, so no outcome is recorded
            state[KEY] = {"action": r["action"], "refused": code, "time": self.clock()}
        log.warning(
            "toolwatch: tool call input refused (%s: %s): %s",
            code,
            message,
            "blocked (failure policy closed)" if r["action"] == "block" else "allowed unchecked (failure policy open)",
        )
        if r["action"] == "allow":
            return _result(True, r["metadata"])
        return _result(
            False,
            {},
            {
                "reason": r["reason"],
                "description": r["description"],
                "code": "BLOCKED",
                "details": r["metadata"],
                "mcp_error_code": BLOCKED_ERROR_CODE,
                "http_status_code": r["http_status"],
            },
        )

    def _refuse_anonymous(self, tool: str, state: Any) -> dict:
        if isinstance(state, dict):
            state[KEY] = {"action": "block", "refused": "ANONYMOUS_REFUSED", "time": self.clock()}
        log.warning("toolwatch: anonymous tool call refused (%s)", tool[:80])
        return _result(
            False,
            {},
            {
                "reason": "Anonymous tool call",
                "description": "toolwatch refuses tool calls that carry no user identity (config.anonymous = refuse)",
                "code": "BLOCKED",
                "details": {KEY: {"action": "block", "reasons": [{"code": "ANONYMOUS_REFUSED"}]}},
                "mcp_error_code": BLOCKED_ERROR_CODE,
                "http_status_code": 403,
            },
        )

    def _failed(self, tool: str, err: Exception, state: Any, now: float) -> dict:
        closed = self.config.get("failurePolicy", "closed") == "closed"
        message = f"detector failed ({type(err).__name__}: {err}); failure policy {'closed' if closed else 'open'}"
        log.error("toolwatch: %s", message)
        if isinstance(state, dict):
            state[KEY] = {"action": "block" if closed else "allow", "refused": "DETECTOR_FAILURE", "time": now}
        if not closed:
            return _result(True, {KEY: {"action": "allow", "tool": tool, "error": message}})
        return _result(
            False,
            {},
            {
                "reason": "Detector failure (fail closed)",
                "description": f'toolwatch blocked "{tool}": {message}',
                "code": "BLOCKED",
                "details": {KEY: {"action": "block", "tool": tool, "error": message}},
                "mcp_error_code": BLOCKED_ERROR_CODE,
                "http_status_code": 403,
            },
        )

    def tool_post_invoke(self, payload: Any, context: Any) -> dict:
        g = _get(context, "global_context") or {}
        state = _get(context, "state")
        pre = (state.get(KEY) if isinstance(state, dict) else None) or {}
        tool = _get(payload, "name")
        result = _get(payload, "result")
        is_error = _get(result, "isError") is True or _get(result, "is_error") is True
        outcome = "error" if is_error else "ok"
        if pre.get("refused") is not None or not isinstance(tool, str) or not tool:
            # never scored (or no tool to record): the tool already ran, nothing to decide or record
            return _result(
                True,
                {
                    KEY: {
                        "tool": tool if isinstance(tool, str) and tool else None,
                        "action": pre.get("action"),
                        "refused": pre.get("refused"),
                        "outcome": outcome,
                        "tracked": False,
                    }
                },
            )
        tracked = False
        try:
            tracked = self.detector.after(
                tool, is_error=is_error, time_ms=self.clock(), **identity(g, self.tenant_from)
            )
        except ToolwatchError as e:
            if e.code != "ANONYMOUS_REFUSED":
                log.warning("toolwatch: outcome of %s not recorded: %s", tool[:80], e)
        except Exception as e:  # the tool already ran: a failure here must not fail the call
            log.error("toolwatch: outcome of %s not recorded: %s", tool[:80], e)
        return _result(
            True,
            {
                KEY: {
                    "tool": tool,
                    "action": pre.get("action"),
                    "risk_score": pre.get("risk_score"),
                    "reasons": pre.get("reasons"),
                    "outcome": outcome,
                    "tracked": tracked,
                }
            },
        )


# -- the plugin's own settings in the gateway's config block --------------------------------------------

_STATE_KEYS = {
    "dir": "dir",
    "keep": "keep",
    "interval_seconds": "intervalSeconds",
    "intervalSeconds": "intervalSeconds",
}


def plugin_settings(block: Optional[dict], env: Optional[dict] = None) -> tuple:
    """Splits the entry's `config:` into (detector settings, StateSettings, tenant_from).

    Besides every detector setting (camelCase, snake_case or the prior plugin's keys) the block takes the
    `state:` section of `toolwatch serve`'s file ({dir, keep, interval_seconds}), `state_dir` as a
    shortcut, and `tenant_from`; TOOLWATCH_STATE_DIR and TOOLWATCH_TENANT_FROM override them, as for serve."""
    env = os.environ if env is None else env
    if block is None:
        block = {}
    if not isinstance(block, dict):
        raise ToolwatchError("INVALID_CONFIG", "config: expected an object")
    detector, state, shortcut, tenant_from = {}, None, None, None
    for k, v in block.items():
        if k == "state":
            state = v
        elif k in ("state_dir", "stateDir"):
            shortcut = (k, v)
        elif k in ("tenant_from", "tenantFrom"):
            tenant_from = v
        else:
            detector[k] = v
    problems = []
    st: dict = {}
    if state is not None:
        if not isinstance(state, dict):
            problems.append(f"config.state: Invalid input: expected object, received {_received(state)}")
        else:
            for k, v in state.items():
                if k not in _STATE_KEYS:
                    hint = closest(k, _STATE_KEYS)
                    problems.append(f'config.state: unknown key "{k}"' + (f' (did you mean "{hint}"?)' if hint else ""))
                elif _STATE_KEYS[k] in st:
                    problems.append(f'config.state: "{k}" and another spelling set the same option; give one')
                else:
                    st[_STATE_KEYS[k]] = v
    if shortcut is not None:
        if "dir" in st:
            problems.append(f'config: "{shortcut[0]}" and "state.dir" set the same option; give one')
        st["dir"] = shortcut[1]
    if env.get("TOOLWATCH_STATE_DIR"):
        st["dir"] = env["TOOLWATCH_STATE_DIR"]
    if env.get("TOOLWATCH_TENANT_FROM"):
        tenant_from = env["TOOLWATCH_TENANT_FROM"]
    d = st.get("dir")
    if d is not None and (not isinstance(d, str) or not d):
        problems.append(
            "config.state.dir: "
            + (
                "Too small: expected string to have >=1 characters"
                if d == ""
                else f"Invalid input: expected string, received {_received(d)}"
            )
        )
    keep = st.get("keep", 5)
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        problems.append(f"config.state.keep: expected an integer >= 1, got {keep!r}")
    every = st.get("intervalSeconds", 300)
    if isinstance(every, bool) or not isinstance(every, (int, float)) or not math.isfinite(every) or every < 0:
        problems.append(f"config.state.interval_seconds: expected a number >= 0, got {every!r}")
    if tenant_from is not None and tenant_from not in TENANT_FROM:
        problems.append('config.tenant_from: Invalid option: expected one of "tenant_id"|"user_context"')
    if problems:
        raise ToolwatchError("INVALID_CONFIG", "; ".join(problems))
    return detector, StateSettings(d, keep, float(every)), tenant_from or "tenant_id"
