"""toolwatch and the prior-art plugin side by side inside ContextForge's real plugin manager (cpex's
TenantPluginManager, with the gateway's hook payload policies), on one stream of tool_pre_invoke calls:

  noop      a plugin that returns ToolPreInvokeResult(): the manager's own cost per hook
  shape     control: a plugin returning toolwatch's result shape (fixed metadata, state carried), no work
  check     control: toolwatch's detector check() alone (its own warmed detector), the no-op's result
  prior     the prior-art plugin (../shared/peers/contextforge/seed), its README's config block with
            learning_window_seconds 0
  inproc    toolwatch in process (toolwatch_wasm.contextforge.ToolCallAnomalyDetectionPlugin), the same block
  external  `toolwatch serve` over streamable HTTP (kind external, http://localhost:<port>/mcp), the same block

Each subject has its own manager; rounds are interleaved (the order rotates) so load on the shared machine
hits all alike. Detector state: N principals (10 000; 2 000 with --quick) in tenants of 2 000, each with a
history of 24 calls over the two hours before the run (bench/python/streams.py), learned by toolwatch
(learn() with the calls' own times), recorded by the prior art (its own _record_call with those times, as its
hook records an allowed call), and given to `toolwatch serve` as a snapshot of the warmed in-process detector
in its state directory (restored at start). Every pre-invoke is timed on its own; a plugin's share is its
median (or p99) minus the no-op's. The host-level Detector.check() per Python backend comes from
bench/python/check.py in the same run.

    .venv-contextforge/bin/python bench/contextforge/bench.py [--quick] [--entities N] [--out FILE]
"""

import argparse
import asyncio
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

here = Path(__file__).resolve().parent
root = here.parent.parent
sys.path[:0] = [str(here), str(root / "bench" / "python"), str(root / "hosts" / "python")]
peers = Path(os.environ.get("TOOLWATCH_CONTEXTFORGE_PEERS", root.parent / "shared" / "peers" / "contextforge"))
os.environ.setdefault("TOOLWATCH_WASM", str(root / "build" / "toolwatch.wasm"))

import streams  # noqa: E402

# The prior-art README's config block (seed/plugins/tool_call_anomaly_detection/README.md), learning off.
PRIOR_BLOCK = {
    "learning_window_seconds": 0,
    "burst_window_seconds": 60,
    "burst_threshold": 20,
    "novelty_score_weight": 0.35,
    "burst_score_weight": 0.35,
    "frequency_score_weight": 0.15,
    "block_threshold": 0.8,
    "warn_threshold": 0.5,
    "max_history_per_user": 1000,
    "off_hours_start": 22,
    "off_hours_end": 6,
    "off_hours_score_bonus": 0.15,
    "action": "warn",
}
HOOKS = ["tool_pre_invoke", "tool_post_invoke"]
PRIOR_KIND = "plugins.tool_call_anomaly_detection.tool_call_anomaly_detection.ToolCallAnomalyDetectionPlugin"
INPROC_KIND = "toolwatch_wasm.contextforge.ToolCallAnomalyDetectionPlugin"
EXTERNAL_NAME = "ToolCallAnomalyDetection"  # the name `toolwatch serve` answers get_plugin_config for


def entries(url: str = None, controls: bool = True) -> dict:
    base = {"hooks": HOOKS, "mode": "sequential", "priority": 201, "conditions": []}
    out = {
        "noop": {**base, "name": "Noop", "kind": "noop.NoopPlugin", "config": {}},
        **(
            {
                "shape": {**base, "name": "Shape", "kind": "noop.MetadataPlugin", "config": {}},
                "check": {**base, "name": "CheckOnly", "kind": "noop.CheckOnlyPlugin", "config": dict(PRIOR_BLOCK)},
            }
            if controls
            else {}
        ),
        "prior": {**base, "name": "PriorArt", "kind": PRIOR_KIND, "config": dict(PRIOR_BLOCK)},
        "inproc": {**base, "name": "Toolwatch", "kind": INPROC_KIND, "config": dict(PRIOR_BLOCK)},
    }
    if url:
        out["external"] = {
            "name": EXTERNAL_NAME,
            "kind": "external",
            "priority": 201,
            "mode": "sequential",
            "mcp": {"proto": "STREAMABLEHTTP", "url": url},
        }
    return out


def serve(config_file: str):
    """`toolwatch serve --port 0 --config FILE`, as an operator starts it; returns (process, gateway URL)."""
    proc = subprocess.Popen(
        [
            os.environ.get("NODE", "node"),
            str(root / "bin" / "toolwatch.mjs"),
            "serve",
            "--port",
            "0",
            "--config",
            config_file,
            "--log-level",
            "warn",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.time() + 60
    seen = ""
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            # its log keeps coming on stdout: drained, or a full pipe would stall the server mid-run
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            # a hostname, as the gateway requires (it refuses loopback IP literals by default)
            return proc, m.group(1).replace("//127.0.0.1:", "//localhost:")
    proc.kill()
    raise RuntimeError(f"toolwatch serve did not start: {seen[-2000:]}")


def served_entities(url: str):
    try:
        text = urllib.request.urlopen(url.replace("/mcp", "/metrics"), timeout=10).read().decode()
    except Exception:  # noqa: BLE001 - a figure for the report, not a condition of the run
        return None
    m = re.search(r"^\w*_tracked_entities\s+([0-9.e+]+)$", text, re.M)
    return float(m.group(1)) if m else None


def pick(xs: list, q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


async def run(a) -> dict:
    import yaml
    from cpex.framework import (
        GlobalContext,
        PluginViolationError,
        TenantPluginManager,
        ToolHookType,
        ToolPreInvokePayload,
    )
    from cpex.framework.hooks.policies import HookPayloadPolicy
    from toolwatch_wasm.store import FileStore

    sys.path.insert(0, str(peers / "seed"))
    policies = {  # the gateway's own (mcpgateway/plugins/policy.py), as test/contextforge/driver.py has them
        "tool_pre_invoke": HookPayloadPolicy(writable_fields=frozenset({"name", "args", "headers"})),
        "tool_post_invoke": HookPayloadPolicy(writable_fields=frozenset({"result"})),
    }
    tmp = tempfile.mkdtemp(prefix="toolwatch-cfbench-")

    async def manager(entry: dict):
        path = os.path.join(tmp, f"{entry['name']}.yaml")
        with open(path, "w") as f:
            yaml.safe_dump({"plugins": [entry], "plugin_dirs": []}, f)
        m = TenantPluginManager(config=path, hook_policies=policies)
        await m.initialize()
        if m.plugin_count != 1:
            raise RuntimeError(f"{entry['name']} did not load")
        return m

    n, started = a.entities, time.time()
    load_start = os.getloadavg()
    # warm-up: the history ends five minutes before now, so the measured calls (at the wall clock, which
    # every plugin reads itself) come after it and no burst window still holds warm-up calls
    now_ms = time.time() * 1000
    shift = now_ms - 300_000 - streams.START
    subjects = entries(controls=not a.no_controls)
    managers = {k: await manager(e) for k, e in subjects.items()}
    inproc = managers["inproc"].get_plugin("Toolwatch")
    detector = inproc.detector.detector  # the process-wide SharedDetector's Detector
    prior = managers["prior"].get_plugin("PriorArt")
    check_only = managers["check"].get_plugin("CheckOnly").detector.detector if "check" in managers else None
    t0 = time.perf_counter()
    for c in streams.history(n):
        t = c["time"] + shift
        detector.learn(c["tool"], c["args"], principal=c["principal"], tenant=c["tenant"], time_ms=t)
        if check_only is not None:
            check_only.learn(c["tool"], c["args"], principal=c["principal"], tenant=c["tenant"], time_ms=t)
        prior._record_call(c["principal"], c["tool"], frozenset(c["args"]), t / 1000)
    warm_s = time.perf_counter() - t0

    proc = None
    if not a.no_external:
        state = os.path.join(tmp, "state")
        FileStore(state).save(detector.snapshot())
        cfg = os.path.join(tmp, "serve.yaml")
        with open(cfg, "w") as f:
            yaml.safe_dump({**PRIOR_BLOCK, "state": {"dir": state, "interval_seconds": 86400}}, f)
        proc, url = serve(cfg)
        managers["external"] = await manager(entries(url)["external"])
        subjects["external"] = entries(url)["external"]

    per = a.calls_per_round
    per_ext = a.external_calls_per_round
    stream = streams.measured(n, per * a.rounds, seed=7)
    times = {k: [] for k in managers}
    per_round = {k: [] for k in managers}
    outcomes = {k: {"allow": 0, "warn": 0, "block": 0, "other": 0} for k in managers}

    def prepared(calls: list, i0: int) -> list:
        # made before the timed region: the gateway builds these per request, before the manager runs
        return [
            (
                ToolPreInvokePayload(name=c["tool"], args=c["args"]),
                GlobalContext(
                    request_id=f"req-{i0 + i}",
                    server_id="gw-1",
                    metadata={"tool": {"name": c["tool"]}},
                    user=c["principal"],
                    tenant_id=c["tenant"],
                ),
            )
            for i, c in enumerate(calls)
        ]

    names = list(managers)
    for r in range(a.rounds):
        chunk = stream[r * per : (r + 1) * per]
        order = names[r % len(names) :] + names[: r % len(names)]
        for k in order:
            m = managers[k]
            calls = prepared(chunk[:per_ext] if k == "external" else chunk, r * per)
            mine = []
            for payload, g in calls:
                t0 = time.perf_counter_ns()
                try:
                    res, _ = await m.invoke_hook(
                        ToolHookType.TOOL_PRE_INVOKE, payload, global_context=g, violations_as_exceptions=True
                    )
                    verdict = None
                except PluginViolationError:
                    res, verdict = None, "block"
                mine.append(time.perf_counter_ns() - t0)
                if verdict is None:
                    meta = res.metadata or {}
                    tw = meta.get("toolwatch")
                    if isinstance(tw, dict):
                        verdict = tw.get("action", "other")
                    elif "anomaly_risk_score" in meta:
                        score = meta["anomaly_risk_score"]
                        verdict = "warn" if score >= PRIOR_BLOCK["warn_threshold"] else "allow"
                    else:
                        verdict = "allow" if k in ("noop", "check") else "other"
                outcomes[k][verdict if verdict in outcomes[k] else "other"] += 1
            times[k] += mine
            per_round[k].append(statistics.median(mine))

    # Where the in-process plugin's share goes: its parts timed on their own on the same calls (CPU time,
    # no manager): the detector's check() (through the plugin's shared, locked detector), the metadata and
    # block description built from the decision, and the whole hook (those, identity, logging, the result).
    from cpex.framework import PluginContext
    from cpex.framework.memory import wrap_payload_for_isolation
    from toolwatch_wasm import contextforge as cf

    hooks, shared = inproc._hooks, inproc.detector
    sample = stream[: min(len(stream), 4096)]
    parts = {}

    def payload_of(c):  # as the manager hands it to a plugin: its arguments a copy-on-write view
        return wrap_payload_for_isolation(ToolPreInvokePayload(name=c["tool"], args=c["args"]))

    def cpu_us(fn, items):
        t0 = time.process_time_ns()
        for it in items:
            fn(it)
        return (time.process_time_ns() - t0) / len(items) / 1000

    for _ in range(3):
        decided = []
        parts.setdefault("check", []).append(
            cpu_us(
                lambda c: decided.append(
                    shared.check(
                        c["tool"], c["args"], principal=c["principal"], tenant=c["tenant"], time_ms=time.time() * 1000
                    )
                ),
                sample,
            )
        )
        parts.setdefault("metadata", []).append(cpu_us(cf.metadata, decided))
        ctxs = [
            (
                payload_of(c),
                PluginContext(global_context=GlobalContext(request_id="b", user=c["principal"], tenant_id=c["tenant"])),
            )
            for c in sample
        ]
        parts.setdefault("hook", []).append(cpu_us(lambda pc: hooks.tool_pre_invoke(*pc), ctxs))
        ctxs = [
            (
                payload_of(c),
                PluginContext(global_context=GlobalContext(request_id="b", user=c["principal"], tenant_id=c["tenant"])),
            )
            for c in sample
        ]
        t0 = time.process_time_ns()
        for pc in ctxs:
            await prior.tool_pre_invoke(*pc)
        parts.setdefault("prior_hook", []).append((time.process_time_ns() - t0) / len(ctxs) / 1000)
        ctxs = [
            (
                payload_of(c),
                PluginContext(global_context=GlobalContext(request_id="b", user=c["principal"], tenant_id=c["tenant"])),
            )
            for c in sample
        ]
        t0 = time.process_time_ns()
        for pc in ctxs:
            await inproc.tool_pre_invoke(*pc)
        parts.setdefault("plugin_hook", []).append((time.process_time_ns() - t0) / len(ctxs) / 1000)
    breakdown = {k: round(statistics.median(v), 2) for k, v in parts.items()}

    entities_served = served_entities(url) if proc else None
    for m in managers.values():
        await m.shutdown()
    if proc:
        proc.terminate()
        proc.wait(timeout=20)

    us = lambda ns: round(ns / 1000, 2)
    fig = {
        k: {
            "median_us": us(statistics.median(v)),
            "p99_us": us(pick(v, 0.99)),
            "mean_us": us(statistics.mean(v)),
            "calls": len(v),
            "per_round_median_us": [us(x) for x in per_round[k]],
            "decisions": outcomes[k],
        }
        for k, v in times.items()
    }
    noop = fig["noop"]
    for k, f in fig.items():
        if k != "noop":
            f["share_median_us"] = round(f["median_us"] - noop["median_us"], 2)
            f["share_p99_us"] = round(f["p99_us"] - noop["p99_us"], 2)
    ratios = {}
    for k in ("inproc", "external", "check"):
        if k in fig and fig["prior"]["share_median_us"] > 0:
            ratios[f"{k}_share_over_prior_share"] = round(
                fig[k]["share_median_us"] / fig["prior"]["share_median_us"], 3
            )
            # the same ratio within each round (subjects of one round ran back to back), to show its spread
            rr = [(x - z) / (y - z) for x, y, z in zip(per_round[k], per_round["prior"], per_round["noop"]) if y > z]
            if rr:
                ratios[f"{k}_share_over_prior_share_per_round"] = [round(x, 3) for x in rr]
    return {
        "entities": n,
        "tenants": -(-n // streams.PER_TENANT),
        "warmup_calls_per_principal": 24,
        "warmup_seconds": round(warm_s, 1),
        "calls_per_round": per,
        "external_calls_per_round": per_ext,
        "rounds": a.rounds,
        "inproc_backend": detector.backend,
        "state": {
            "inproc_entities": detector.stats()["entities"],
            "prior_users": len(prior._baselines),
            "external_entities": entities_served,
        },
        "prior_config": PRIOR_BLOCK,
        "pre_invoke": fig,
        "ratios": ratios,
        "inproc_parts_cpu_us": {
            **breakdown,
            "note": "check: Detector.check through the shared detector; metadata: "
            "contextforge.metadata(decision); hook: ContextForgeHooks.tool_pre_invoke (dict result); "
            "plugin_hook: the plugin's async tool_pre_invoke (framework result types); prior_hook: "
            "the prior art's tool_pre_invoke; all without the manager, hooks given payloads as the "
            "manager passes them (arguments a copy-on-write view)",
        },
        "load_avg": {"start": [round(x, 2) for x in load_start], "end": [round(x, 2) for x in os.getloadavg()]},
        "seconds": round(time.time() - started, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--entities", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--calls-per-round", type=int, default=None)
    ap.add_argument("--external-calls-per-round", type=int, default=None)
    ap.add_argument("--no-external", action="store_true")
    ap.add_argument("--no-controls", action="store_true", help="leave out the shape and check control subjects")
    # the committed figures are rewritten only on purpose (npm run bench -- --update passes --out)
    ap.add_argument("--out", default=str(root / "build" / "bench" / "contextforge-results.json"))
    a = ap.parse_args()
    a.entities = a.entities or (2000 if a.quick else 10000)
    a.rounds = a.rounds or (3 if a.quick else 6)
    # ~3 measured calls per principal in all: the plugins read the wall clock, so a principal called far
    # more often in the few seconds of a run would look like a burst to both
    a.calls_per_round = a.calls_per_round or (1024 if a.quick else 4096)
    a.external_calls_per_round = a.external_calls_per_round or (64 if a.quick else 256)
    # toolwatch logs every warned call (as the gateway would record it): the formatting is paid, the terminal is not
    logging.basicConfig(level=logging.WARNING, stream=open(os.devnull, "w"))
    if not (peers / "seed").is_dir():
        print(f"contextforge bench: skipped, ContextForge peers not found at {peers}", file=sys.stderr)
        return 0
    try:  # the framework, and a backend for the Python host (native library, or wasmtime in this venv)
        import cpex.framework  # noqa: F401
        from toolwatch_wasm.backend import open_core

        open_core()
    except Exception as e:  # noqa: BLE001 - reported, and nothing written: no figures rather than made-up ones
        print(
            f"contextforge bench: skipped, cannot run the subjects here ({type(e).__name__}: {e}); "
            "make -C hosts/c python, or pip install -r hosts/python/requirements.txt into this venv",
            file=sys.stderr,
        )
        return 0
    import check  # bench/python/check.py: Detector.check() per backend, same process, before the managers

    host = check.main(["--entities", str(a.entities)] + (["--quick"] if a.quick else []))
    res = asyncio.run(run(a))
    res["host_check"] = host
    res["mode"] = "quick" if a.quick else "full"
    res["python"] = sys.version.split()[0]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1) + "\n")
    f = res["pre_invoke"]
    print(
        f"\nContextForge TenantPluginManager, tool_pre_invoke, {res['entities']} principals (µs: median / p99; share = minus no-op)"
    )
    for k, v in f.items():
        share = f"   share {v['share_median_us']:8.2f} / {v['share_p99_us']:8.2f}" if "share_median_us" in v else ""
        print(f"  {k:9s} {v['median_us']:9.2f} / {v['p99_us']:9.2f}{share}   ({v['calls']} calls, {v['decisions']})")
    for k, v in res["ratios"].items():
        print(f"  {k}: {v}")
    print(f"  in-process plugin, CPU µs per call without the manager: {res['inproc_parts_cpu_us']}")
    for b, m in host["backends"].items():
        print(f"  host check() {b}: {m['check']['median_ns'] / 1000:.2f} µs (p99 {m['check']['p99_ns'] / 1000:.2f})")
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
