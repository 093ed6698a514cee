"""The no-op subject of bench.py: a plugin that does nothing, so its time through the manager is the
manager's own cost per hook (payload policies, contexts, result handling)."""
try:
    from cpex.framework import Plugin, ToolPostInvokeResult, ToolPreInvokeResult
except ImportError:  # pragma: no cover - inside the gateway
    from mcpgateway.plugins.framework import Plugin, ToolPostInvokeResult, ToolPreInvokeResult


class NoopPlugin(Plugin):
    async def tool_pre_invoke(self, payload, context):
        return ToolPreInvokeResult()

    async def tool_post_invoke(self, payload, context):
        return ToolPostInvokeResult()
