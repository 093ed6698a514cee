"""Host-level Detector.check() per Python backend, at N tracked principals (default 10 000), on the
stream of bench/streams.ts (bench/python/streams.py). Every backend gets the same warm-up history
(learned), then the same measured stream, replayed in interleaved rounds with the clock moving
forward; the figure is the median of 16-call batch means, with the p99 of single calls and the CPU
time per call. Also times check() followed by reading the whole decision (every field, signal and
reason), which is what a gateway plugin does with it.

    PYTHONPATH=hosts/python .venv/bin/python bench/python/check.py [--entities 10000] [--quick] [--json out]
    ... --ref DIR   also time the toolwatch_wasm package found in DIR (e.g. an older commit's, from
                    `git archive <commit> hosts/python | tar -x -C DIR --strip-components=2`)
"""

import argparse
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here))
sys.path.insert(0, str(here.parent.parent / "hosts" / "python"))

from streams import PER_TENANT, START, history, measured  # noqa: E402
from timing import Samples, load, run_batches, run_single, timer_overhead  # noqa: E402

_record_bytes = 0


def record_bytes() -> int:
    """Bytes of one record at the default caps, as this core reports it (the record grows with the core)."""
    global _record_bytes
    if not _record_bytes:
        from toolwatch_wasm import Detector

        _record_bytes = Detector({"budgetBytes": 1 << 20}).stats()["record_bytes"]
    return _record_bytes


def budget(entities: int) -> dict:
    """As bench/subjects.ts budgetFor: room for the principals and their tenants."""
    records = entities + entities // PER_TENANT + 64
    idx = 1
    while idx < records * 1.5 + 1:
        idx *= 2
    size = int((128 + 1024 * 16 + idx * 4 + records * record_bytes()) * 1.01) + 65536
    return {"budgetBytes": size, "maxEntities": records}


def subjects(ref: str = None) -> dict:
    from toolwatch_wasm import Detector
    from toolwatch_wasm.backend import open_core

    out = {}
    for b in ("native", "wasmtime"):
        try:
            open_core(b)
            out[b] = lambda cfg, b=b: Detector(cfg, backend=b)
        except Exception as e:  # noqa: BLE001 - a backend that is not built here is reported, not timed
            print(f"check.py: backend {b} unavailable: {e}", file=sys.stderr)
    # the plain ctypes library as well, when the extension is what "native" loads
    from toolwatch_wasm import native

    lib = native.find_library()
    plain = os.path.join(os.path.dirname(lib), native.LIB_NAME) if lib else None
    if "native" in out and native.extension(lib) is not None and os.path.exists(plain):

        def ctypes_only(cfg):
            old = os.environ.get("TOOLWATCH_NATIVE")
            os.environ["TOOLWATCH_NATIVE"] = plain
            try:
                return Detector(cfg, backend="native")
            finally:
                if old is None:
                    del os.environ["TOOLWATCH_NATIVE"]
                else:
                    os.environ["TOOLWATCH_NATIVE"] = old

        out["native-ctypes"] = ctypes_only
    if ref:
        # the other package under another name, so both load in this process
        tmp = tempfile.mkdtemp(prefix="toolwatch-ref-")
        shutil.copytree(os.path.join(ref, "toolwatch_wasm"), os.path.join(tmp, "toolwatch_wasm_ref"))
        sys.path.insert(0, tmp)
        mod = importlib.import_module("toolwatch_wasm_ref")
        from toolwatch_wasm.backend import find_wasm

        out["reference"] = lambda cfg: mod.Detector(cfg, wasm_path=find_wasm())
    return out


def read_all(d) -> None:
    d.risk, d.baseline, d.learned, d.signals, d.window_count
    for r in d.reasons:
        r.code


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entities", type=int, default=10000)
    ap.add_argument("--calls", type=int, default=None, help="measured stream length")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--ref", default=None)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    n = a.entities
    calls = a.calls or (8192 if a.quick else 32768)
    rounds = a.rounds or (3 if a.quick else 7)
    started, load_start = time.time(), load()
    makers = subjects(a.ref)
    dets, warm = {}, {}
    for name, make in makers.items():
        d = make(budget(n))
        t0 = time.perf_counter()
        for c in history(n):
            d.learn(c["tool"], c["args"], principal=c["principal"], tenant=c["tenant"], time_ms=c["time"])
        warm[name] = round(time.perf_counter() - t0, 2)
        dets[name] = d
    stream = measured(n, calls)
    span = stream[-1]["time"] - START + 60_000
    over = timer_overhead()
    samples = {k: {"check": Samples(), "check+read": Samples()} for k in dets}
    shift = 0.0
    names = list(dets)

    for r in range(rounds):
        for mode in ("check", "check+read"):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                chk = dets[name].check
                if mode == "check":
                    fn = lambda c, chk=chk, s=shift: chk(
                        c["tool"], c["args"], c["principal"], c["tenant"], c["time"] + s
                    )
                else:
                    fn = lambda c, chk=chk, s=shift: read_all(
                        chk(c["tool"], c["args"], c["principal"], c["tenant"], c["time"] + s)
                    )
                run_batches(fn, stream, samples[name][mode])
            shift += span  # every subject saw the stream at the same times; the next pass comes later
    # the tail: one pass of single calls each
    for name in names:
        chk = dets[name].check
        run_single(
            lambda c, chk=chk, s=shift: chk(c["tool"], c["args"], c["principal"], c["tenant"], c["time"] + s),
            stream,
            samples[name]["check"],
        )
    shift += span
    hashes = {k: d.state_hash() for k, d in dets.items()}
    out = {
        "entities": n,
        "tenants": -(-n // PER_TENANT),
        "measured_calls": len(stream),
        "rounds": rounds,
        "warmup_calls_per_principal": 24,
        "warmup_seconds": warm,
        "backends": {k: {m: s.summary(over) for m, s in v.items()} for k, v in samples.items()},
        "same_state": len(set(hashes.values())) == 1,
        "python": sys.version.split()[0],
        "load_avg": {"start": load_start, "end": load()},
        "seconds": round(time.time() - started, 1),
    }
    return out


if __name__ == "__main__":
    res = main()
    args = sys.argv[1:]
    if "--json" in args:
        Path(args[args.index("--json") + 1]).write_text(json.dumps(res, indent=1) + "\n")
    for name, m in res["backends"].items():
        print(
            f"{name:13s} check() {m['check']['median_ns'] / 1000:6.2f} us (p99 {m['check']['p99_ns'] / 1000:6.2f}, cpu {m['check']['cpu_ns'] / 1000:6.2f})"
            f"   check()+read {m['check+read']['median_ns'] / 1000:6.2f} us"
        )
    print(f"entities {res['entities']}, same state in every backend: {res['same_state']}, load {res['load_avg']}")
