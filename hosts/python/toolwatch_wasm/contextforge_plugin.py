"""The ContextForge plugin class (toolwatch_wasm.contextforge.ToolCallAnomalyDetectionPlugin).

Instances share one detector per process and settings (registry.py): the gateway makes one instance per
(team, tool) context, and a principal's calls across tools must be judged together.
"""

import asyncio

try:  # the framework as a package (cpex), else as the gateway ships it
    from cpex.framework import (
        Plugin,
        PluginConfig,
        PluginContext,
        PluginViolation,
        ToolPostInvokePayload,
        ToolPostInvokeResult,
        ToolPreInvokePayload,
        ToolPreInvokeResult,
    )
except ImportError:  # pragma: no cover - exercised only inside the gateway
    from mcpgateway.plugins.framework import (
        Plugin,
        PluginConfig,
        PluginContext,
        PluginViolation,
        ToolPostInvokePayload,
        ToolPostInvokeResult,
        ToolPreInvokePayload,
        ToolPreInvokeResult,
    )

from .contextforge import ContextForgeHooks, plugin_settings
from .registry import shared_detector


def _typed(result_type, r: dict):
    v = r.get("violation")
    if v is None and r["continue_processing"] and not r.get("retry_delay_ms") and not r.get("http_headers"):
        # the usual result: every other field at its default, so only the metadata is given (and validated)
        return result_type(metadata=r["metadata"])
    fields = {
        "continue_processing": r["continue_processing"],
        "metadata": r["metadata"],
        "violation": PluginViolation(**v) if v else None,
        "retry_delay_ms": r.get("retry_delay_ms", 0),
    }
    if r.get("http_headers"):
        fields["http_headers"] = r["http_headers"]
    return result_type(**fields)


class ToolCallAnomalyDetectionPlugin(Plugin):
    """toolwatch as an in-process ContextForge plugin; a drop-in for the prior plugin's entry (same config keys)."""

    def __init__(self, config: PluginConfig):
        super().__init__(config)
        settings, state, tenant_from = plugin_settings(config.config or {})
        # refused settings raise here, so the gateway refuses the plugin rather than running it half-configured
        self._shared = shared_detector(settings, state)
        self._hooks = ContextForgeHooks(self._shared, tenant_from=tenant_from)
        self._released = False

    @property
    def detector(self):
        """The process-wide SharedDetector this instance uses (same object for every instance with these settings)."""
        return self._shared

    async def tool_pre_invoke(self, payload: ToolPreInvokePayload, context: PluginContext) -> ToolPreInvokeResult:
        return _typed(ToolPreInvokeResult, self._hooks.tool_pre_invoke(payload, context))

    async def tool_post_invoke(self, payload: ToolPostInvokePayload, context: PluginContext) -> ToolPostInvokeResult:
        return _typed(ToolPostInvokeResult, self._hooks.tool_post_invoke(payload, context))

    async def shutdown(self) -> None:
        if self._released:
            return
        self._released = True
        # the last instance saves a snapshot: disk work, kept off the event loop
        await asyncio.get_running_loop().run_in_executor(None, self._shared.release)
