"""Where the in-process plugin's tool_pre_invoke time goes, without the manager: per-part CPU timers on the
same calls, then cProfile of the plugin's hook.

    .venv-contextforge/bin/python bench/contextforge/hook_profile.py [--entities N] [--calls N] [--cprofile] [--manager]
"""

import argparse
import asyncio
import cProfile
import logging
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

here = Path(__file__).resolve().parent
root = here.parent.parent
sys.path[:0] = [str(here), str(root / "bench" / "python"), str(root / "hosts" / "python")]
os.environ.setdefault("TOOLWATCH_WASM", str(root / "build" / "toolwatch.wasm"))

import streams  # noqa: E402

from bench import PRIOR_BLOCK  # noqa: E402


def cpu_us(fn, items) -> float:
    t0 = time.process_time_ns()
    for it in items:
        fn(it)
    return (time.process_time_ns() - t0) / len(items) / 1000


async def main(a) -> None:
    from cpex.framework import GlobalContext, PluginConfig, PluginContext, ToolPreInvokePayload, ToolPreInvokeResult
    from noop import MetadataPlugin, NoopPlugin
    from toolwatch_wasm import contextforge as cf
    from toolwatch_wasm.contextforge_plugin import ToolCallAnomalyDetectionPlugin

    logging.basicConfig(level=logging.WARNING, stream=open(os.devnull, "w"))
    cfg = lambda name, kind: PluginConfig(name=name, kind=kind, hooks=["tool_pre_invoke"], config=dict(PRIOR_BLOCK))
    plugin = ToolCallAnomalyDetectionPlugin(
        cfg("Toolwatch", "toolwatch_wasm.contextforge.ToolCallAnomalyDetectionPlugin")
    )
    noop = NoopPlugin(cfg("Noop", "noop.NoopPlugin"))
    hooks, shared = plugin._hooks, plugin.detector
    det = shared.detector
    shift = time.time() * 1000 - 300_000 - streams.START
    for c in streams.history(a.entities):
        det.learn(c["tool"], c["args"], principal=c["principal"], tenant=c["tenant"], time_ms=c["time"] + shift)
    print(f"backend {det.backend}, {a.entities} principals")
    stream = streams.measured(a.entities, a.calls * (a.repeats + 1), seed=7)

    def ctxs(calls):
        return [
            (
                ToolPreInvokePayload(name=c["tool"], args=c["args"]),
                PluginContext(global_context=GlobalContext(request_id="b", user=c["principal"], tenant_id=c["tenant"])),
            )
            for c in calls
        ]

    async def run_async(fn, items):
        t0 = time.process_time_ns()
        for p, c in items:
            await fn(p, c)
        return (time.process_time_ns() - t0) / len(items) / 1000

    parts = {}
    for r in range(a.repeats):
        calls = stream[r * a.calls : (r + 1) * a.calls]
        items = ctxs(calls)
        decided = []
        parts.setdefault("check (shared)", []).append(
            cpu_us(
                lambda pc: decided.append(
                    shared.check(
                        pc[0].name, pc[0].args, time_ms=time.time() * 1000, **cf.identity(pc[1].global_context)
                    )
                ),
                items,
            )
        )
        parts.setdefault("identity", []).append(cpu_us(lambda pc: cf.identity(pc[1].global_context), items))
        parts.setdefault("metadata", []).append(cpu_us(cf.metadata, decided))
        parts.setdefault("ToolPreInvokeResult()", []).append(cpu_us(lambda _: ToolPreInvokeResult(), items))
        parts.setdefault("hooks.tool_pre_invoke", []).append(cpu_us(lambda pc: hooks.tool_pre_invoke(*pc), ctxs(calls)))
        parts.setdefault("noop plugin hook", []).append(await run_async(noop.tool_pre_invoke, ctxs(calls)))
        parts.setdefault("plugin hook", []).append(await run_async(plugin.tool_pre_invoke, ctxs(calls)))
    for k, v in parts.items():
        print(f"  {k:24s} {statistics.median(v):7.2f} µs CPU  {[round(x, 2) for x in v]}")
    # the hook's steps timed one by one on fresh calls (payloads as the manager passes them): medians,
    # for the calls with no reason (most) and with some
    from cpex.framework.memory import wrap_payload_for_isolation
    from toolwatch_wasm.contextforge_plugin import _typed

    pn, steps, nr = time.perf_counter_ns, {}, []
    for c in streams.measured(a.entities, a.calls, seed=11):
        p = wrap_payload_for_isolation(ToolPreInvokePayload(name=c["tool"], args=c["args"]))
        ctx = PluginContext(global_context=GlobalContext(request_id="b", user=c["principal"], tenant_id=c["tenant"]))
        t = [pn()]
        g, state, tool, args = ctx.global_context, ctx.state, p.name, p.args
        t.append(pn())
        args = cf._plain(args)
        t.append(pn())
        who = cf.identity(g)
        t.append(pn())
        now = hooks.clock()
        d = shared.check(tool, args, principal=who["principal"], tenant=who["tenant"], time_ms=now)
        t.append(pn())
        meta = cf.metadata(d)
        t.append(pn())
        m = meta["toolwatch"]
        state["toolwatch"] = {
            "action": d.action,
            "risk_score": m["risk_score"],
            "time": now,
            "reasons": [r["code"] for r in m["reasons"] if r["counted"]],
        }
        t.append(pn())
        _typed(
            ToolPreInvokeResult, {"continue_processing": True, "violation": None, "metadata": meta, "retry_delay_ms": 0}
        )
        t.append(pn())
        for k, i in (
            ("payload, context", 0),
            ("arguments unwrapped", 1),
            ("identity", 2),
            ("clock + check", 3),
            ("metadata", 4),
            ("state carried", 5),
            ("framework result", 6),
        ):
            steps.setdefault(k, []).append((t[i + 1] - t[i]) / 1000)
        steps.setdefault("all", []).append((t[-1] - t[0]) / 1000)
        nr.append(bool(m["reasons"]))
    print(f"  steps, µs wall, medians: all calls / {nr.count(False)} without reasons / {nr.count(True)} with")
    for k, v in steps.items():
        print(
            f"  {k:24s} {statistics.median(v):6.2f} / {statistics.median([x for x, q in zip(v, nr) if not q]):6.2f}"
            f" / {statistics.median([x for x, q in zip(v, nr) if q]):6.2f}"
        )
    if a.manager:  # the same calls through cpex's TenantPluginManager, no-op and toolwatch, profiled
        import tempfile

        import yaml
        from cpex.framework import TenantPluginManager, ToolHookType
        from cpex.framework.hooks.policies import HookPayloadPolicy

        from bench import HOOKS, INPROC_KIND

        policies = {"tool_pre_invoke": HookPayloadPolicy(writable_fields=frozenset({"name", "args", "headers"}))}
        tmp = tempfile.mkdtemp(prefix="toolwatch-cfprof-")
        base = {"hooks": HOOKS, "mode": "sequential", "priority": 201, "conditions": []}
        timers = {"Noop": [], "Metadata": [], "Toolwatch": []}

        def timing(cls, own):  # the plugin's own time, as the manager calls it
            inner = cls.tool_pre_invoke

            async def tool_pre_invoke(self, payload, context):
                t0 = time.perf_counter_ns()
                r = await inner(self, payload, context)
                own.append(time.perf_counter_ns() - t0)
                return r

            cls.tool_pre_invoke = tool_pre_invoke

        timing(NoopPlugin, timers["Noop"])
        timing(MetadataPlugin, timers["Metadata"])
        timing(ToolCallAnomalyDetectionPlugin, timers["Toolwatch"])
        for name, kind in (
            ("Noop", "noop.NoopPlugin"),
            ("Metadata", "noop.MetadataPlugin"),
            ("Toolwatch", INPROC_KIND),
        ):
            path = os.path.join(tmp, name + ".yaml")
            with open(path, "w") as f:
                yaml.safe_dump(
                    {"plugins": [{**base, "name": name, "kind": kind, "config": dict(PRIOR_BLOCK)}], "plugin_dirs": []},
                    f,
                )
            m = TenantPluginManager(config=path, hook_policies=policies)
            await m.initialize()
            calls = [
                (
                    ToolPreInvokePayload(name=c["tool"], args=c["args"]),
                    GlobalContext(request_id=f"r{i}", server_id="gw-1", user=c["principal"], tenant_id=c["tenant"]),
                )
                for i, c in enumerate(stream[-a.calls :])
            ]
            own = timers[name]
            whole = []
            for p, g in calls[: len(calls) // 2]:
                t0 = time.perf_counter_ns()
                await m.invoke_hook(ToolHookType.TOOL_PRE_INVOKE, p, global_context=g)
                whole.append(time.perf_counter_ns() - t0)
            print(
                f"--- {name} through the manager: median {statistics.median(whole) / 1000:.1f} µs, "
                f"the plugin's hook inside it {statistics.median(own) / 1000:.1f} µs"
            )
            if a.cprofile:
                pr = cProfile.Profile()
                pr.enable()
                for p, g in calls[len(calls) // 2 :]:
                    await m.invoke_hook(ToolHookType.TOOL_PRE_INVOKE, p, global_context=g)
                pr.disable()
                pstats.Stats(pr).sort_stats("tottime").print_stats(18)
            await m.shutdown()
    if a.cprofile:
        items = ctxs(stream[-a.calls :])
        pr = cProfile.Profile()
        pr.enable()
        for p, c in items:
            await plugin.tool_pre_invoke(p, c)
        pr.disable()
        pstats.Stats(pr).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--entities", type=int, default=10000)
    ap.add_argument("--calls", type=int, default=4096)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cprofile", action="store_true")
    ap.add_argument("--manager", action="store_true")
    asyncio.run(main(ap.parse_args()))
