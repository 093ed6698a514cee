"""ContextForge hook shapes over a Detector, with no dependency on the gateway's packages.

A native ContextForge plugin delegates its hooks here:

    hooks = ContextForgeHooks(Detector(config))
    def tool_pre_invoke(self, payload, context):  return PluginResult(**hooks.tool_pre_invoke(payload, context))
    def tool_post_invoke(self, payload, context): return PluginResult(**hooks.tool_post_invoke(payload, context))

Payloads and contexts are the gateway's JSON shapes (dicts, or objects with the same attributes); results
are `{continue_processing, violation, metadata}` dicts. Same identity rules and metadata as the JS plugin.
"""
from typing import Any, Optional

from .detector import Detector
from .errors import ToolwatchError

KEY = "toolwatch"
BLOCKED_ERROR_CODE = -32003


def _get(o: Any, k: str) -> Any:
    if isinstance(o, dict):
        return o.get(k)
    return getattr(o, k, None)


def _str(v: Any) -> Optional[str]:
    return v if isinstance(v, str) and v else None


def identity(global_context: Any) -> dict:
    """`user` (a string, or an object's email, else sub), then `user_context` (email, else user_id);
    tenant from `tenant_id`, else `user_context.team_id`. Absent and null alike."""
    user, uc = _get(global_context, "user"), _get(global_context, "user_context")
    principal = _str(user) or _str(_get(user, "email")) or _str(_get(user, "sub")) or _str(_get(uc, "email")) or _str(_get(uc, "user_id"))
    tenant = _str(_get(global_context, "tenant_id")) or _str(_get(uc, "team_id"))
    return {"principal": principal, "tenant": tenant}


def _snake(s: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in s)


def metadata(d) -> dict:
    """Namespaced under the plugin's key, with no user or tenant ids (the gateway's rule)."""
    return {KEY: {
        "action": d.action, "risk_score": round(d.risk, 4), "anomaly_mode": "active" if d.baseline == "own" else "learning",
        "baseline": d.baseline, "learned": d.learned, "tool": d.tool,
        "signals": {_snake(k): round(v, 4) for k, v in d.signals.items()},
        "reasons": [{"code": r.code, "score": round(r.score, 4), "counted": r.counted} for r in d.reasons],
    }}


class ContextForgeHooks:
    def __init__(self, detector: Detector):
        self.detector = detector

    def tool_pre_invoke(self, payload: Any, context: Any) -> dict:
        g = _get(context, "global_context") or {}
        tool, args = _get(payload, "name"), _get(payload, "args") or {}
        try:
            d = self.detector.check(tool, args, **identity(g))
        except ToolwatchError as e:
            return {"continue_processing": False, "metadata": {},
                    "violation": {"reason": "Refused tool call", "description": str(e), "code": e.code,
                                  "details": {}, "mcp_error_code": -32602, "http_status_code": 400}}
        state = _get(context, "state")
        if isinstance(state, dict):  # carried to tool_post_invoke
            state[KEY] = {"action": d.action, "time": d.time_ms}
        meta = metadata(d)
        if d.action != "block":
            return {"continue_processing": True, "violation": None, "metadata": meta}
        why = "; ".join(r.code for r in d.reasons if r.counted) or "risk over the block threshold"
        return {"continue_processing": False, "metadata": meta,
                "violation": {"reason": "Anomalous tool call", "description": f"blocked by toolwatch: {why}", "code": "BLOCKED",
                              "details": meta, "mcp_error_code": BLOCKED_ERROR_CODE, "http_status_code": 403}}

    def tool_post_invoke(self, payload: Any, context: Any) -> dict:
        g = _get(context, "global_context") or {}
        result = _get(payload, "result")
        is_error = bool(_get(result, "isError")) if result is not None else False
        pre = (_get(context, "state") or {}).get(KEY) or {}
        tracked = self.detector.after(_get(payload, "name"), is_error=is_error, time_ms=pre.get("time"), **identity(g))
        return {"continue_processing": True, "violation": None,
                "metadata": {KEY: {"outcome": "error" if is_error else "ok", "tracked": tracked}}}
