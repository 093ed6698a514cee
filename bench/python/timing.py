"""Timing helpers for the Python benchmarks, in the manner of bench/measure.ts: the median of short
batch means (a preemption by another process spoils few samples), a pass of calls timed one at a time
for the tail (p99), and process CPU time per call. Subjects are interleaved round by round, so that
load on the shared machine hits every subject alike."""

import os
import statistics
import time

_ns = time.perf_counter_ns
_cpu = time.process_time_ns


def timer_overhead() -> float:
    d = []
    for _ in range(20000):
        a = _ns()
        d.append(_ns() - a)
    return statistics.median(d)


class Samples:
    def __init__(self):
        self.batch = []  # ns per call, each the mean of one batch
        self.single = []  # ns, calls timed one at a time
        self.cpu_ns = 0
        self.calls = 0

    def summary(self, over: float) -> dict:
        single = sorted(max(0.0, x - over) for x in self.single)
        pick = lambda q: single[min(len(single) - 1, int(q * len(single)))] if single else None
        return {
            "median_ns": round(statistics.median(self.batch), 1),
            "p99_ns": round(pick(0.99), 1) if single else None,
            "single_median_ns": round(pick(0.5), 1) if single else None,
            "cpu_ns": round(self.cpu_ns / max(1, self.calls), 1),
            "batches": len(self.batch),
            "single_calls": len(single),
        }


def run_batches(fn, items, s: Samples, batch: int = 16) -> None:
    """Calls fn(item) over items in batches; appends each batch's mean to s.batch."""
    c0 = _cpu()
    for i in range(0, len(items) - batch + 1, batch):
        chunk = items[i : i + batch]
        t0 = _ns()
        for it in chunk:
            fn(it)
        s.batch.append((_ns() - t0) / batch)
    s.cpu_ns += _cpu() - c0
    s.calls += len(items) - len(items) % batch


def run_single(fn, items, s: Samples) -> None:
    for it in items:
        t0 = _ns()
        fn(it)
        s.single.append(_ns() - t0)


def load() -> list:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []
