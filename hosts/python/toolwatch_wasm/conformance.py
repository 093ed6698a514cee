"""Replays conformance vectors (test/vectors/*.json) and reports every difference as JSON.

    python -m toolwatch_wasm.conformance test/vectors/*.json
Exit status 0 when every step matched, 1 otherwise. TOOLWATCH_BACKEND (native, wasmtime) picks the
engine; the report names the backends that ran.
"""

import json
import struct
import sys

from .detector import Detector
from .errors import ToolwatchError


def _bits(x: float) -> str:
    return struct.pack(">d", x).hex()


def _attempt(fn):
    try:
        return fn(), None
    except ToolwatchError as e:
        return None, e.code


def fnv1a(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return format(h, "016x")


def damage(data: bytes, step: dict) -> bytes:
    b = bytearray(data)
    if step["damage"] == "flip":
        b[step["at"]] ^= 0xFF
    elif step["damage"] == "truncate":
        del b[step["at"] :]
    elif step["damage"] == "foreign":
        b[0:8] = b"notasnap"
    return bytes(b)


def _call(c: dict) -> dict:
    return {
        "tool": c.get("tool"),
        "args": c.get("args"),
        "principal": c.get("principal"),
        "tenant": c.get("tenant"),
        "time_ms": c.get("time"),
        "tz": c.get("tz"),
    }


def replay(v: dict, backends: set = None) -> list:
    backends = set() if backends is None else backends
    d = Detector(v["config"])
    backends.add(d.backend)
    diffs = []

    def same(i, what, got, want):
        if json.dumps(got) != json.dumps(want):
            diffs.append(f"{v['name']} step {i} {what}: got {json.dumps(got)}, want {json.dumps(want)}")

    for i, s in enumerate(v["steps"]):
        e, op = s["expect"], s["op"]
        if op == "check":
            dec, err = _attempt(lambda: d.check(**_call(s["call"])))
            if err is not None or "error" in e:
                same(i, "error", err, e.get("error"))
                continue
            same(i, "action", dec.action, e["action"])
            same(i, "risk", _bits(dec.risk), e["riskBits"])
            same(i, "reasons", dec.codes, e["reasons"])
            same(i, "baseline", dec.baseline, e["baseline"])
            same(i, "flags", dec.flags, e["flags"])
            same(i, "result", d.result_bytes().hex(), e["result"])
        elif op == "learn":
            same(i, "error", _attempt(lambda: d.learn(**_call(s["call"])))[1], e.get("error"))
        elif op == "after":
            c = s["call"]
            tracked, err = _attempt(
                lambda: d.after(
                    c.get("tool"), c.get("principal"), c.get("tenant"), s.get("isError") is True, c.get("time")
                )
            )
            if err is not None or "error" in e:
                same(i, "error", err, e.get("error"))
            else:
                same(i, "tracked", tracked, e["tracked"])
        elif op == "allow":
            same(i, "error", _attempt(lambda: d.allow(s["entry"]))[1], e.get("error"))
        elif op == "raw":
            same(i, "rc", d.raw(s["fn"], bytes.fromhex(s["io"]), float(s["time"]), s["tz"]), e["rc"])
        elif op == "hash":
            same(i, "stateHash", d.state_hash(), e["stateHash"])
        elif op == "snapshot":
            b = d.snapshot()
            same(i, "snapshot", {"bytes": len(b), "fnv1a": fnv1a(b)}, e)
        elif op == "reload":
            b = d.snapshot()
            d = Detector(v["config"])
            backends.add(d.backend)
            same(i, "reload", {"records": d.restore(b), "stateHash": d.state_hash()}, e)
        elif op == "restoreDamaged":
            n, err = _attempt(lambda: d.restore(damage(d.snapshot(), s)))
            same(i, "restore", {"error": err} if err is not None else {"records": n}, e)
        else:
            diffs.append(f"{v['name']} step {i}: unknown op {op}")
    n = len(v["steps"])
    same(n, "final stateHash", d.state_hash(), v["final"]["stateHash"])
    stats = [d.stat(k) for k in range(len(v["final"]["stats"]))]
    if stats != v["final"]["stats"]:  # numeric equality: the JSON has 2 where the core returns 2.0
        same(n, "final stats", stats, v["final"]["stats"])
    return diffs


def main(paths: list) -> int:
    report = {"host": "python", "backends": [], "vectors": 0, "steps": 0, "diffs": []}
    backends: set = set()
    for p in paths:
        with open(p, encoding="utf-8") as f:
            v = json.load(f)
        report["diffs"] += replay(v, backends)
        report["vectors"] += 1
        report["steps"] += len(v["steps"])
    report["backends"] = sorted(backends)
    print(json.dumps(report, indent=1))
    return 1 if report["diffs"] or not report["vectors"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
