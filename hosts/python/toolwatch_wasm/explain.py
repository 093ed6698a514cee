"""Reason messages with the JS host's wording (js/explain.ts), so a ContextForge violation or metadata reads
the same whichever host wrote it. The core decides; this only words its figures. Also the JS rounding
helpers the shapes need (Math.round, toFixed), which differ from Python's round-half-even at ties."""

import math
from decimal import ROUND_HALF_UP, Decimal

from . import abi


def js_round(x: float) -> float:
    """Math.round: halves go up."""
    return float(math.floor(x + 0.5)) if math.isfinite(x) else x


def r4(x: float) -> float:
    """Math.round(x * 10000) / 10000, as the JS metadata rounds."""
    return js_round(x * 10000) / 10000 if math.isfinite(x) else x


def fixed(x: float, digits: int) -> str:
    """Number.prototype.toFixed: the exact binary value rounded half up."""
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    # Python's formatting rounds the exact binary value too, but half to even: it agrees except at an exact
    # tie (2·x·10^digits an odd integer), which is rare and takes the Decimal path (a few µs)
    p, q = x.as_integer_ratio()
    m = p * 10**digits * 2
    if m % q == 0 and (m // q) % 2 == 1:
        s = f"{Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):.{digits}f}"
    else:
        s = f"{x:.{digits}f}"
    return s[1:] if s[0] == "-" and float(s) == 0 else s


def _n(x: float) -> str:
    r = js_round(x)
    if not math.isfinite(r):
        return "∞" if r > 0 else "-∞" if r < 0 else "NaN"
    return f"{int(r):,}"


def _pct(x: float) -> str:
    p = x * 100
    return (fixed(p, 0) if p >= 10 else fixed(p, 1) if p >= 1 else fixed(p, 2)) + "%"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _hh(h: float) -> str:
    return str(int(h)).rjust(2, "0") + "h"


def explain(r) -> str:
    """One line for a Reason (toolwatch_wasm.detector.Reason)."""
    f = r.flags
    who = "this tenant" if f & abi.REASON_FLAG_TENANT else "this principal"
    a, t, c = r.actual, r.typical, r.context
    code = r.code
    if code == "UNSEEN_TOOL":
        if f & abi.REASON_FLAG_TENANT_KNOWN:
            return f"tool never used by this principal (used elsewhere in its tenant; {_n(t)} tools known over {_n(c)} calls)"
        return f"tool never used by {who} ({_n(t)} tools known over {_n(c)} calls)"
    if code == "UNSEEN_ARG_SHAPE":
        return f"argument keys/types never sent with this tool by {who} (tool used {_n(t)} times)"
    if code == "UNSEEN_ARG_VALUE" and f & abi.REASON_FLAG_UNJUDGED:
        return (
            f'values of "{r.key if r.key is not None else "?"}" past the encoding limits were not looked at, '
            f"and its values repeat for {who} ({_n(a)} distinct values in {_n(t)} calls)"
        )
    if code == "UNSEEN_ARG_VALUE":
        tail = (
            "; its domain is known, so it counts half"
            if f & abi.REASON_FLAG_DOMAIN_KNOWN
            else "; first contact: nobody in the tenant has used this address or account"
            if f & abi.REASON_FLAG_DOMAIN_NEW
            else ""
        )
        return f'value of "{r.key if r.key is not None else "?"}" never used with this tool by {who} ({_n(a)} distinct values in {_n(t)} calls){tail}'
    if code == "BURST":
        return f"{'about ' if f & abi.REASON_FLAG_ESTIMATE else ''}{_n(a)} calls in {_n(c)} s, threshold {_n(t)}"
    if code == "RATE_SPIKE":
        return f"{_n(a)} calls in {_n(c)} s, usually {fixed(t, 1)} ({fixed(a / max(t, 1), 1)}x)"
    if code == "RARE_TOOL":
        return f"tool is {_pct(a)} of {_n(c)} calls by {who} (rare under {_pct(t)})"
    if code == "OFF_HOURS":
        return f"{_hh(a)} UTC is inside the off-hours window {_hh(t)}-{_hh(c)} UTC"
    if code == "UNUSUAL_HOUR":
        b = int(js_round(c))
        day = _DAYS[b // 24] if 0 <= b // 24 < 7 else "?"
        return f"{day} {_hh(b % 24)} local: {who} is active {fixed(a, 2)}x as much as an average hour (unusual under {fixed(t, 2)}x)"
    if code == "UNSEEN_TRANSITION":
        if a >= 2:
            return f"{_n(a)} unusual steps in a row for {who}: this order of tools is off its habitual paths ({_n(t)} transitions known)"
        return f"this tool never followed the previous one for {who} ({_n(t)} transitions known)"
    if code == "ALLOWLISTED":
        return "allowlisted: allowed whatever the risk"
    if code == "LEARNING":
        return (
            f"principal still learning ({_n(a)} of {_n(t)} calls, {math.floor(c / 60000)} min old); "
            "judged against its tenant's baseline when that has enough evidence"
        )
    if code == "VALUES_UNJUDGED":
        return (
            f"{_n(a)} argument values past the encoding limits (more than {_n(t)} extra values, "
            "or nesting too large) were not looked at"
        )
    if code == "CLOCK_STEP":
        return (
            f"clock stepped back {_n(a)} s (more than the {_n(t)} s burst window): "
            "the burst window is kept and this call counted in it"
        )
    return code
