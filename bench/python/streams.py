"""The benchmark streams of bench/streams.ts, in Python: principals in tenants of 2 000, 120 tools with
Zipf(1.1) popularity, 6 habitual tools per principal used with Zipf(1.4) frequencies, one usual argument
shape per tool (1 % a second one), values that mostly repeat per principal (1 % fresh), bursts of 25 calls
50 ms apart in 0.2 % of calls. Seeded, generated before any timing; not byte-identical to the TS streams
(same recipe, Python's own generator)."""

import bisect
import json
import random

VERBS = ["read", "list", "search", "get", "write", "send", "create", "update", "delete", "run"]
NOUNS = ["file", "dir", "issue", "email", "event", "page", "row", "ticket", "message", "repo", "user", "invoice"]
KEYS = ["path", "query", "to", "id", "limit", "recursive", "body", "title", "channel", "cc"]
START = 1767603600000  # Monday 2026-01-05 09:00 UTC, as bench/streams.ts
PER_TENANT = 2000
HABITS = 6


def _tools():
    r = random.Random(7)
    out = []
    for n in NOUNS:
        for v in VERBS:
            keys = []
            while len(keys) < 1 + r.randrange(3):
                k = KEYS[r.randrange(len(KEYS))]
                if k not in keys:
                    keys.append(k)
            alt = keys + [next(k for k in KEYS if k not in keys)]
            out.append((f"{n}.{v}", keys, alt))
    return out


TOOLS = _tools()


class Zipf:
    def __init__(self, n: int, s: float):
        w = [1 / k**s for k in range(1, n + 1)]
        total, acc, self.cdf = sum(w), 0.0, []
        for x in w:
            acc += x / total
            self.cdf.append(acc)

    def sample(self, r: random.Random) -> int:
        return min(bisect.bisect_left(self.cdf, r.random()), len(self.cdf) - 1)


_GLOBAL = Zipf(len(TOOLS), 1.1)
_PERSONAL = Zipf(HABITS, 1.4)
_habits: dict = {}


def habits(e: int) -> list:
    h = _habits.get(e)
    if h is None:
        r = random.Random(e * 2654435761 + 1)
        h = []
        while len(h) < HABITS:
            t = _GLOBAL.sample(r)
            if t not in h:
                h.append(t)
        _habits[e] = h
    return h


def names(e: int, per_tenant: int = PER_TENANT) -> tuple:
    return f"user-{e}@example.com", f"tenant-{e // per_tenant}"


def _value(key: str, e: int, r: random.Random):
    fresh = r.random() < 0.01
    v = r.randrange(10**9) if fresh else r.randrange(2)
    if key == "limit":
        return 1 + r.randrange(1000) if fresh else (10, 20, 50)[v % 3]
    if key == "recursive":
        return v % 2 == 0
    if key == "cc":
        return [f"u{e}-{v}@example.com"]
    if key == "to":
        return f"contact-{v}@partner{e % 50}.example.com"
    if key == "path":
        return f"/home/u{e}/work/{v}/notes.md"
    return f"{key}-{v}"


def make_call(e: int, t: float, r: random.Random, per_tenant: int = PER_TENANT) -> dict:
    h = habits(e)
    ti = _GLOBAL.sample(r) if r.random() < 0.005 else h[_PERSONAL.sample(r)]
    name, keys, alt = TOOLS[ti]
    args = {k: _value(k, e, r) for k in (alt if r.random() < 0.01 else keys)}
    principal, tenant = names(e, per_tenant)
    return {"tool": name, "args": args, "principal": principal, "tenant": tenant, "time": t}


def history(entities: int, rounds: int = 24, span_ms: float = 2 * 3600_000, seed: int = 42):
    """Warm-up: `rounds` calls per principal spread over `span_ms` before START, so that every principal
    is past the learning thresholds when timing starts."""
    r = random.Random(seed ^ 0x5BD1E995)
    step = span_ms / rounds
    spread = step / max(1, entities)
    for rnd in range(rounds):
        base = START - span_ms + rnd * step
        for e in range(entities):
            yield make_call(e, round(base + e * spread), r)


def measured(entities: int, length: int, seed: int = 42) -> list:
    """`length` calls by uniformly chosen principals, time moving forward (each principal calls about
    every 5 minutes), passed through JSON as a gateway receives them."""
    r = random.Random(seed)
    gap = 300_000 / entities
    t = START
    out = []
    while len(out) < length:
        e = r.randrange(entities)
        n = 25 if r.random() < 0.002 else 1
        for _ in range(n):
            if len(out) >= length:
                break
            t += 50 if n > 1 else gap * 2 * r.random()
            out.append(make_call(e, t, r))
    return json.loads(json.dumps(out))
