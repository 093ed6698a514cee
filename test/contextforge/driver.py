"""Drives ContextForge's real plugin framework (cpex) the way the gateway's tool service does, so the
project's tests judge toolwatch through the peer itself rather than through a reading of it.

Reads a scenario as JSON on stdin, prints one JSON document on stdout (logs go to stderr):

  {"plugins": [<gateway plugins/config.yaml entries>], "seed": "<dir on sys.path>" | null, "policies": true,
   "ops": [{"op": "call", ...}, {"op": "sleep", "ms": 100}, {"op": "validate_config", "url": ...}, ...]}

A "call" runs tool_pre_invoke and, when the call continues and "post" is set, tool_post_invoke with the
contexts the pre hook returned. With "plugin" it goes to that plugin alone (invoke_hook_for_plugin, the
executor's own path), else through the whole chain (invoke_hook). Either way violations_as_exceptions=True
and the gateway's hook payload policies, as the gateway's tool service calls it.

The gateway builds one manager per (team, tool) context: "managers": N builds N managers from the same
file in this one process, and a call's "manager": i picks the one it goes through (default 0). Ops
{"op": "restart"} shuts every manager down and builds them anew (same process), and {"op": "inspect",
"plugin": name} reports each manager's instance of that plugin (its class, and for a plugin exposing
a `detector`, that object's id and state hash).
"""

import asyncio
import json
import os
import sys
import tempfile
import time


def _dump(model):
    return model.model_dump(mode="json") if model is not None else None


async def main() -> None:
    spec = json.load(sys.stdin)
    if spec.get("seed"):
        sys.path.insert(0, spec["seed"])

    # Imported after the environment is set: cpex reads its settings (fail_on_plugin_error, SSRF) once.
    import yaml
    from cpex.framework import (
        GlobalContext,
        PluginConfig,
        PluginError,
        PluginViolationError,
        TenantPluginManager,
        ToolHookType,
        ToolPostInvokePayload,
        ToolPreInvokePayload,
        UserContext,
    )
    from cpex.framework.hooks.policies import HookPayloadPolicy

    # The gateway's own policies for the tool hooks (mcpgateway/plugins/policy.py).
    policies = {
        "tool_pre_invoke": HookPayloadPolicy(writable_fields=frozenset({"name", "args", "headers"})),
        "tool_post_invoke": HookPayloadPolicy(writable_fields=frozenset({"result"})),
    }
    if not spec.get("policies", True):
        policies = None

    out: dict = {"ops": []}
    manager = None
    managers: list = []
    path = None
    if spec.get("plugins") is not None:
        tmp = tempfile.mkdtemp(prefix="toolwatch-cpex-")
        path = os.path.join(tmp, "config.yaml")
        with open(path, "w") as f:
            yaml.safe_dump({"plugins": spec["plugins"], "plugin_dirs": []}, f)
        t0 = time.perf_counter()
        try:
            # the gateway reads plugins/config.yaml here: a refused entry fails the whole file
            manager = TenantPluginManager(config=path, hook_policies=policies)
        except Exception as e:
            out["config_error"] = f"{type(e).__name__}: {e}"
            json.dump(out, sys.stdout, default=str)
            sys.stdout.write("\n")
            return
        try:
            await manager.initialize()
            out["loaded"] = manager.plugin_count
            out["loaded_names"] = [p["name"] for p in spec["plugins"] if manager.get_plugin(p["name"]) is not None]
        except Exception as e:  # fail_on_plugin_error turns a refused plugin into this
            out["loaded"] = 0
            out["init_error"] = f"{type(e).__name__}: {e}"
        out["init_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        managers = [manager]
        for _ in range(int(spec.get("managers", 1)) - 1):  # the gateway's other (team, tool) contexts
            m = TenantPluginManager(config=path, hook_policies=policies)
            await m.initialize()
            managers.append(m)

    def global_context(i: int, tool: str, ident: dict) -> GlobalContext:
        fields = dict(ident)
        if isinstance(fields.get("user_context"), dict):
            fields["user_context"] = UserContext(**fields["user_context"])
        return GlobalContext(request_id=f"req-{i}", server_id="gw-1", metadata={"tool": {"name": tool}}, **fields)

    async def run_hook(hook, payload, ctx, plugin, local_contexts):
        """One hook through the manager: the result, or the violation / error the gateway would see."""
        try:
            manager = managers[op.get("manager", 0)] if managers else None
            if plugin:
                from cpex.framework.models import PluginContext

                # one plugin's own context, carried from its pre hook to its post hook
                pctx = (
                    local_contexts if isinstance(local_contexts, PluginContext) else PluginContext(global_context=ctx)
                )
                res = await manager.invoke_hook_for_plugin(plugin, hook, payload, pctx, violations_as_exceptions=True)
                return {
                    "continue": res.continue_processing,
                    "metadata": res.metadata,
                    "violation": _dump(res.violation),
                }, pctx
            res, contexts = await manager.invoke_hook(
                hook, payload, global_context=ctx, local_contexts=local_contexts, violations_as_exceptions=True
            )
            return {
                "continue": res.continue_processing,
                "metadata": res.metadata,
                "violation": _dump(res.violation),
            }, contexts
        except PluginViolationError as e:
            return {
                "continue": False,
                "raised": "PluginViolationError",
                "message": str(e),
                "violation": _dump(e.violation),
            }, None
        except PluginError as e:
            return {"continue": None, "raised": "PluginError", "message": str(e), "error": _dump(e.error)}, None

    for i, op in enumerate(spec.get("ops", [])):
        kind = op["op"]
        if kind == "sleep":
            await asyncio.sleep(op["ms"] / 1000)
            continue
        if kind == "validate_config":
            out["ops"].append(await validate_config(op, PluginConfig))
            continue
        if kind == "restart":
            for m in managers:
                await m.shutdown()
            managers = [TenantPluginManager(config=path, hook_policies=policies) for _ in managers]
            for m in managers:
                await m.initialize()
            out["ops"].append({"restarted": len(managers), "loaded": [m.plugin_count for m in managers]})
            continue
        if kind == "inspect":
            seen = []
            for m in managers:
                p = m.get_plugin(op["plugin"])
                det = getattr(p, "detector", None)
                seen.append(
                    {
                        "class": type(p).__name__ if p is not None else None,
                        "detector_id": id(det) if det is not None else None,
                        "state_hash": det.state_hash() if hasattr(det, "state_hash") else None,
                    }
                )
            out["ops"].append({"inspect": seen})
            continue
        if kind != "call":
            raise SystemExit(f"unknown op {kind!r}")
        tool = op["tool"]
        ctx = global_context(i, tool, op.get("identity", {}))
        pre_payload = ToolPreInvokePayload(name=tool, args=op.get("args", {}))
        t0 = time.perf_counter()
        pre, contexts = await run_hook(ToolHookType.TOOL_PRE_INVOKE, pre_payload, ctx, op.get("plugin"), None)
        pre["ms"] = round((time.perf_counter() - t0) * 1000, 3)
        entry = {"tool": tool, "plugin": op.get("plugin"), "pre": pre}
        if op.get("post") and pre.get("continue"):
            result = {"content": [{"type": "text", "text": "ok"}], "isError": bool(op.get("is_error", False))}
            post_payload = ToolPostInvokePayload(name=tool, result=result)
            post, _ = await run_hook(ToolHookType.TOOL_POST_INVOKE, post_payload, ctx, op.get("plugin"), contexts)
            entry["post"] = post
        out["ops"].append(entry)

    for m in managers:
        await m.shutdown()
    json.dump(out, sys.stdout, default=str)
    sys.stdout.write("\n")


async def validate_config(op: dict, PluginConfig) -> dict:
    """get_plugin_config over streamable HTTP, validated with the framework's own model as its client does."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async with streamablehttp_client(op["url"]) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            answer = await session.call_tool("get_plugin_config", {"name": op["name"]})
    text = next(c.text for c in answer.content if getattr(c, "type", None) == "text")
    conf = json.loads(text)

    def check(c):
        try:
            PluginConfig.model_validate(c)
            return None
        except Exception as e:
            return str(e)

    error = check(conf)
    # the same answer with kind "external" must be refused, or this check could not catch the old bug
    external_error = check({**conf, "kind": "external"}) if isinstance(conf, dict) and conf else None
    return {"valid": error is None, "error": error, "answer": conf, "external_refused": external_error}


if __name__ == "__main__":
    asyncio.run(main())
