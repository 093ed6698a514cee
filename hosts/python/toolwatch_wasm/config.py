"""One configuration vocabulary for every host: camelCase settings, their snake_case spellings, and the
prior ContextForge plugin's block, validated with the Node host's rules and wording (js/config/parse.ts).

The rules come from generated artefacts, not from a copy: the JSON Schema the build writes from
js/config/schema.ts (dist/config.schema.json, copied into this package by `npm run build`) and
slots.json (generated from js/config/slots.ts) for where each setting goes in the core's f64 block.
Without the schema (a source checkout that was never built) only names and types are checked here
and the core judges ranges, as before.
"""

import json
import math
import re
from pathlib import Path

from .errors import ToolwatchError

_HERE = Path(__file__).resolve().parent
TABLE = json.loads((_HERE / "slots.json").read_text(encoding="utf-8"))

# Settings the host itself uses; they never reach the core.
HOST_SETTINGS = {
    "timeZone",
    "timeZones",
    "failurePolicy",
    "anonymous",
    "allowlist",
    "identityHeaders",
    "maxHistoryPerUser",
}

# Prior plugin keys whose meaning maps onto toolwatch's signals (weights scaled to equal effect); the
# same table as js/config/parse.ts, which the cross-host test compares against.
PRIOR_ART_WEIGHTS = {
    "novelty_score_weight": (("unseenTool", 1.0), ("unseenArgShape", 0.5)),
    "burst_score_weight": (("burst", 1.0),),
    "frequency_score_weight": (("rareTool", 0.6),),
    "off_hours_score_bonus": (("offHours", 1.0),),
}

MAX_SAFE_INTEGER = 2**53 - 1
# Ordered pairs and the core slots of their defaults: zod refinements that JSON Schema cannot carry.
_PAIRS = (
    ("warnThreshold", "blockThreshold", False),
    ("rateSpikeLow", "rateSpikeHigh", True),
    ("valueRepeatFull", "valueRepeatNone", True),
)
_ABORTING = "abort"  # a wrong type or value: zod skips the object's refinements after one


def camel(key: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), key)


def _levenshtein(a: str, b: str) -> int:
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            cur = d[j]
            d[j] = min(d[j] + 1, d[j - 1] + 1, prev + (0 if a[i - 1] == b[j - 1] else 1))
            prev = cur
    return d[len(b)]


def closest(key: str, valid) -> "str | None":
    best, best_d = None, math.inf
    for v in valid:
        dist = _levenshtein(key.lower(), v.lower())
        if dist < best_d:
            best, best_d = v, dist
    return best if best is not None and best_d <= max(2, len(key) // 3) else None


_SCHEMA_CACHE: dict = {}


def find_schema() -> "Path | None":
    """config.schema.json shipped in the package, else the build's dist/config.schema.json above it."""
    if (_HERE / "config.schema.json").exists():
        return _HERE / "config.schema.json"
    for d in [_HERE, *_HERE.parents][:6]:
        p = d / "dist" / "config.schema.json"
        if p.exists():
            return p
    return None


# dist/config.schema.json describes a whole config file of the Node CLI; its sections are not detector
# settings (the package's own copy has none).
_FILE_SECTIONS = ("server", "proxy", "state")


def schema() -> "dict | None":
    if "s" not in _SCHEMA_CACHE:
        p = find_schema()
        s = json.loads(p.read_text(encoding="utf-8")) if p else None
        for k in _FILE_SECTIONS if s else ():
            s.get("properties", {}).pop(k, None)
        _SCHEMA_CACHE["s"] = s
    return _SCHEMA_CACHE["s"]


def _keys_at(s: "dict | None", path) -> list:
    """The keys the object at `path` accepts, from the schema (else the settings table): for suggestions."""
    if s is None:
        if path == []:
            return [*TABLE["settings"], "signals", *HOST_SETTINGS]
        return (
            list(TABLE["signals"])
            if path == ["signals"]
            else ["weight", "mode"]
            if len(path) == 2 and path[0] == "signals"
            else []
        )
    for step in path:
        if isinstance(step, int):
            s = s.get("items", {})
        else:
            s = s.get("properties", {}).get(step) or (
                s.get("additionalProperties") if isinstance(s.get("additionalProperties"), dict) else {}
            )
    return list(s.get("properties", {}))


_DEFAULTS: dict = {}


def core_defaults() -> "list | None":
    """The core's default block (what NaN slots become), read once from the core itself so that the pair
    messages can name the default ("0.8, the default") without a copy of it here."""
    if "d" not in _DEFAULTS:
        _DEFAULTS["d"] = None
        try:
            import struct

            import wasmtime

            from .detector import find_wasm  # deferred: detector imports this module

            store = wasmtime.Store(wasmtime.Engine())
            inst = wasmtime.Instance(store, wasmtime.Module.from_file(store.engine, find_wasm()), [])
            x = inst.exports(store)
            block = [math.nan] * TABLE["slots"]
            block[TABLE["settings"]["budgetBytes"]["slot"]] = float(1 << 20)  # small: only the defaults are read
            x["memory"].write(store, struct.pack(f"<{len(block)}d", *block), x["io_ptr"](store))
            if x["init"](store) >= 0:
                _DEFAULTS["d"] = [x["config_value"](store, i) for i in range(TABLE["slots"])]
        except Exception:  # no core here: the core refuses inconsistent pairs itself, by slot
            pass
    return _DEFAULTS["d"]


# -- zod's wording, for the same messages as the Node host ------------------------------------------


def _num(v) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    return str(v)


def _received(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and math.isnan(v):
            return "NaN"
        if isinstance(v, float) and math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "array"
    return "object"


_MISSING = object()


class _Issues:
    def __init__(self):
        self.items = []  # (path, message)
        self.aborted = False

    def add(self, path, message, aborting=False):
        self.items.append((list(path), message))
        self.aborted = self.aborted or aborting


def _type_issue(s: dict, v, path, out: _Issues) -> bool:
    """True when v has the schema's JSON type; else records zod's invalid_type issue."""
    t = s.get("type")
    if "enum" in s:
        if v is _MISSING or v not in s["enum"] or isinstance(v, bool) != isinstance(s["enum"][0], bool):
            out.add(path, "Invalid option: expected one of " + "|".join(json.dumps(e) for e in s["enum"]), True)
            return False
        return True
    got = "undefined" if v is _MISSING else _received(v)
    want = {"integer": "number", "object": "record" if "propertyNames" in s else "object"}.get(t, t)
    ok = {
        "integer": got == "number",
        "number": got == "number",
        "string": got == "string",
        "boolean": got == "boolean",
        "object": got == "object",
        "array": got == "array",
    }.get(t, True)
    if not ok:
        out.add(path, f"Invalid input: expected {want}, received {got}", True)
        return False
    if t == "integer" and not (isinstance(v, int) or float(v).is_integer()):
        out.add(path, "Invalid input: expected int, received number", True)
        return False
    return True


def _check(s: dict, v, path, out: _Issues) -> None:
    if "anyOf" in s:
        # zod reports the issues of the branch whose type matched, else a bare "Invalid input"
        for branch in s["anyOf"]:
            probe = _Issues()
            if v is not _MISSING and _type_issue(branch, v, path, probe):
                _check(branch, v, path, out)
                return
        out.add(path, "Invalid input", True)
        return
    if not _type_issue(s, v, path, out):
        return
    t = s.get("type")
    if t in ("integer", "number"):
        if "minimum" in s and v < s["minimum"]:
            out.add(path, f"Too small: expected number to be >={_num(s['minimum'])}")
        if "exclusiveMinimum" in s and v <= s["exclusiveMinimum"]:
            out.add(path, f"Too small: expected number to be >{_num(s['exclusiveMinimum'])}")
        if "maximum" in s and v > s["maximum"]:
            kind = "int" if t == "integer" and s["maximum"] == MAX_SAFE_INTEGER else "number"
            out.add(path, f"Too big: expected {kind} to be <={_num(s['maximum'])}")
    elif t == "string":
        if "minLength" in s and len(v) < s["minLength"]:
            out.add(path, f"Too small: expected string to have >={s['minLength']} characters")
    elif t == "array":
        for i, el in enumerate(v):
            _check(s.get("items", {}), el, [*path, i], out)
    elif t == "object":
        props = s.get("properties", {})
        for k, ps in props.items():
            if k in v:
                _check(ps, v[k], [*path, k], out)
            elif k in s.get("required", ()):
                _check(ps, _MISSING, [*path, k], out)
        extra = s.get("additionalProperties", True)
        if extra is False:
            unknown = [k for k in v if k not in props]
            if unknown:
                out.add(path, ("unknown", unknown))
        elif isinstance(extra, dict):
            for k, el in v.items():
                if k not in props:
                    _check(extra, el, [*path, k], out)


def _types_only(c: dict, out: _Issues) -> None:
    """Without the schema: names from slots.json and the host settings, numbers finite; ranges are the core's."""
    for k, v in c.items():
        if k == "signals":
            if not isinstance(v, dict):
                out.add([k], f"Invalid input: expected object, received {_received(v)}", True)
                continue
            unknown = [s for s in v if s not in TABLE["signals"]]
            if unknown:
                out.add([k], ("unknown", unknown))
            for sig, sv in v.items():
                if sig in TABLE["signals"]:
                    if not isinstance(sv, dict):
                        out.add([k, sig], f"Invalid input: expected object, received {_received(sv)}", True)
                        continue
                    bad = [x for x in sv if x not in ("weight", "mode")]
                    if bad:
                        out.add([k, sig], ("unknown", bad))
                    if "mode" in sv and sv["mode"] not in TABLE["modes"]:
                        out.add([k, sig, "mode"], 'Invalid option: expected one of "on"|"off"|"shadow"', True)
                    if "weight" in sv and _received(sv["weight"]) != "number":
                        out.add(
                            [k, sig, "weight"],
                            f"Invalid input: expected number, received {_received(sv['weight'])}",
                            True,
                        )
        elif k in TABLE["enums"]:
            if v not in TABLE["enums"][k]:
                out.add(
                    [k], "Invalid option: expected one of " + "|".join(json.dumps(e) for e in TABLE["enums"][k]), True
                )
        elif k in TABLE["settings"]:
            if not isinstance(v, bool) and _received(v) != "number":
                out.add([k], f"Invalid input: expected number, received {_received(v)}", True)
        elif k not in HOST_SETTINGS:
            out.add([], ("unknown", [k]))


def _refine(c: dict, out: _Issues) -> None:
    if c.get("maxEntities") == 1 and not isinstance(c.get("maxEntities"), bool):
        out.add(["maxEntities"], "must be 0 (as many as the budget holds) or at least 2 (a tenant and a principal)")
    if out.aborted:
        return
    for lo, hi, strict in _PAIRS:
        if lo not in c and hi not in c:
            continue
        defaults = None if lo in c and hi in c else core_defaults()
        if defaults is None and (lo not in c or hi not in c):
            continue  # the core names the slot instead
        slot = lambda k: TABLE["settings"][k]["slot"]  # noqa: E731
        lv = c[lo] if lo in c else defaults[slot(lo)]
        hv = c[hi] if hi in c else defaults[slot(hi)]
        if (hv > lv) if strict else (hv >= lv):
            continue
        shown = lambda k, v, given: f"{k} ({_num(v)}{'' if given else ', the default'})"  # noqa: E731
        out.add(
            [lo if lo in c else hi],
            f"{shown(lo, lv, lo in c)} must be {'<' if strict else '<='} {shown(hi, hv, hi in c)}",
        )


def _normalise(given: dict, origin: dict) -> dict:
    out, weights = {}, {}
    for key, value in given.items():
        if not isinstance(key, str):
            key = str(key)
        if key in PRIOR_ART_WEIGHTS:
            if _received(value) != "number" or not 0 <= value <= 1:
                raise ToolwatchError("INVALID_CONFIG", f"config.{key}: expected a number between 0 and 1")
            for sig, scale in PRIOR_ART_WEIGHTS[key]:
                weights[sig] = {"weight": value * scale}
            continue
        k = camel(key)
        if k in out:
            raise ToolwatchError("INVALID_CONFIG", f'config: "{key}" and "{origin[k]}" set the same option; give one')
        out[k] = value
        origin[k] = key
    if weights:
        sig_given = out.get("signals", {})
        if not isinstance(sig_given, dict):
            return out  # reported as a type error
        merged = dict(sig_given)
        for sig, w in weights.items():
            merged[sig] = (
                {**w, **(sig_given.get(sig) or {})} if isinstance(sig_given.get(sig, {}), dict) else sig_given[sig]
            )
        out["signals"] = merged
    return out


def _describe(path, origin: dict) -> str:
    path = [str(p) for p in path]
    if path and path[0] in origin and origin[path[0]] != path[0]:
        path[0] = f"{origin[path[0]]} ({path[0]})"
    return "config." + ".".join(path) if path else "config"


def parse_config(given) -> dict:
    """Validated settings in camelCase (snake_case and the prior plugin's keys mapped); raises
    ToolwatchError("INVALID_CONFIG") naming every problem, worded as the Node host words it."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise ToolwatchError("INVALID_CONFIG", "config: expected an object")
    origin: dict = {}
    c = _normalise(given, origin)
    out = _Issues()
    s = schema()
    if s is not None:
        _check(s, c, [], out)
    else:
        _types_only(c, out)
    _refine(c, out)
    if not out.items:
        return c
    problems = []
    for path, msg in out.items:
        if isinstance(msg, tuple):  # unknown keys: name the spelling used, suggest the closest valid key
            at_root = path == []
            valid = _keys_at(s, path)
            for k in msg[1]:
                hint = closest(camel(k), valid) if valid else None
                written = origin.get(k, k) if at_root else k
                problems.append(
                    f'{_describe(path, {})}: unknown key "{written}"' + (f' (did you mean "{hint}"?)' if hint else "")
                )
        else:
            problems.append(f"{_describe(path, origin)}: {msg}")
    raise ToolwatchError("INVALID_CONFIG", "; ".join(problems))


def _encode(name: str, v) -> float:
    enum = TABLE["enums"].get(name)
    if enum is not None:
        return float(enum[v])
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return float(v) * TABLE["settings"][name]["scale"]


def to_core_block(config: dict) -> list:
    """The block init() reads: NaN wherever the config leaves the core's default.

    The dict is normalised in place to camelCase: the Detector keeps the dict it passes here and reads
    its host settings (timeZone, failurePolicy, allowlist, ...) from it by their camelCase names."""
    parsed = parse_config(config)
    if isinstance(config, dict) and config is not parsed:
        config.clear()
        config.update(parsed)
    block = [math.nan] * TABLE["slots"]
    for name, v in parsed.items():
        if name in HOST_SETTINGS:
            continue
        if name == "signals":
            for sig, sv in v.items():
                i = TABLE["signals"].index(sig)
                if sv.get("weight") is not None:
                    block[TABLE["weightSlot"] + i] = float(sv["weight"])
                if sv.get("mode") is not None:
                    block[TABLE["modeSlot"] + i] = float(TABLE["modes"][sv["mode"]])
        else:
            block[TABLE["settings"][name]["slot"]] = _encode(name, v)
    return block


def setting_of_slot(slot: int) -> str:
    for name, s in TABLE["settings"].items():
        if s["slot"] == slot:
            return name
    n = len(TABLE["signals"])
    if TABLE["weightSlot"] <= slot < TABLE["weightSlot"] + n:
        return f"signals.{TABLE['signals'][slot - TABLE['weightSlot']]}.weight"
    if TABLE["modeSlot"] <= slot < TABLE["modeSlot"] + n:
        return f"signals.{TABLE['signals'][slot - TABLE['modeSlot']]}.mode"
    return f"slot {slot}"
