"""The no-op subject of bench.py: a plugin that does nothing, so its time through the manager is the
manager's own cost per hook (payload policies, contexts, result handling). Also two controls that split
the in-process plugin's share: MetadataPlugin (its result shape, no work) and CheckOnlyPlugin (its
detector's check(), nothing else)."""

import time

try:
    from cpex.framework import Plugin, ToolPostInvokeResult, ToolPreInvokeResult
except ImportError:  # pragma: no cover - inside the gateway
    from mcpgateway.plugins.framework import Plugin, ToolPostInvokeResult, ToolPreInvokeResult


class NoopPlugin(Plugin):
    async def tool_pre_invoke(self, payload, context):
        return ToolPreInvokeResult()

    async def tool_post_invoke(self, payload, context):
        return ToolPostInvokeResult()


# toolwatch's metadata for a routine allowed call, as the in-process plugin returns it
_META = {
    "toolwatch": {
        "action": "allow",
        "risk_score": 0.0754,
        "anomaly_mode": "active",
        "baseline": "own",
        "learned": True,
        "signals": {
            "unseen_tool": 0.0,
            "unseen_arg_shape": 0.0,
            "unseen_arg_value": 0.0,
            "burst": 0.0,
            "rate_spike": 0.0,
            "rare_tool": 0.2365,
            "off_hours": 0.0,
            "unusual_hour": 0.1131,
            "unseen_transition": 0.0,
        },
        "reasons": [],
        "tool": "file.read",
    }
}


class MetadataPlugin(Plugin):
    """A no-op that returns toolwatch's result shape (a fresh copy of fixed metadata, the state carried to
    post-invoke): what the manager itself pays for a plugin's result, apart from the plugin's work."""

    async def tool_pre_invoke(self, payload, context):
        m = dict(_META["toolwatch"])
        context.state["toolwatch"] = {"action": "allow", "risk_score": m["risk_score"], "time": 0.0, "reasons": []}
        return ToolPreInvokeResult(metadata={"toolwatch": m})

    async def tool_post_invoke(self, payload, context):
        return ToolPostInvokeResult()


class CheckOnlyPlugin(Plugin):
    """The in-process plugin's check() alone (a SharedDetector of the same settings, its own instance, warmed
    as the plugin's), returning the no-op's result: the floor under the plugin's share."""

    def __init__(self, config):
        super().__init__(config)
        from toolwatch_wasm.config import parse_config
        from toolwatch_wasm.contextforge import _plain, plugin_settings
        from toolwatch_wasm.registry import SharedDetector

        settings, state, _ = plugin_settings(config.config or {})
        self.detector = SharedDetector(parse_config(settings), state)  # not the registry's: not shared with the plugin
        self._plain = _plain

    async def tool_pre_invoke(self, payload, context):
        g = context.global_context
        self.detector.check(
            payload.name,
            self._plain(payload.args),
            principal=g.user,
            tenant=g.tenant_id,
            time_ms=float(time.time_ns() // 1_000_000),
        )
        return ToolPreInvokeResult()

    async def tool_post_invoke(self, payload, context):
        return ToolPostInvokeResult()
