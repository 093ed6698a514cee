"""Maps camelCase settings (the same names as the JS config) onto the core's f64 config block.

The mapping is data: slots.json, generated from js/config/slots.ts by scripts/gen-vectors.mjs. Ranges
are the core's to judge (it refuses a bad block and names the slot); this only checks types.
"""
import json
import math
from pathlib import Path

from .errors import ToolwatchError

TABLE = json.loads((Path(__file__).parent / "slots.json").read_text(encoding="utf-8"))

# Settings the host itself uses; they never reach the core.
HOST_SETTINGS = {"timeZone", "timeZones", "failurePolicy", "anonymous", "allowlist", "identityHeaders", "maxHistoryPerUser"}


def _number(name: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ToolwatchError("INVALID_CONFIG", f"config.{name}: expected a finite number, got {v!r}")
    return float(v)


def _encode(name: str, v) -> float:
    enum = TABLE["enums"].get(name)
    if enum is not None:
        if v not in enum:
            raise ToolwatchError("INVALID_CONFIG", f"config.{name}: expected one of {', '.join(enum)}, got {v!r}")
        return float(enum[v])
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return _number(name, v) * TABLE["settings"][name]["scale"]


def to_core_block(config: dict) -> list:
    """The block init() reads: NaN wherever the config leaves the core's default."""
    if not isinstance(config, dict):
        raise ToolwatchError("INVALID_CONFIG", "config must be a dict")
    block = [math.nan] * TABLE["slots"]
    for name, v in config.items():
        if v is None or name in HOST_SETTINGS:
            continue
        if name == "signals":
            if not isinstance(v, dict):
                raise ToolwatchError("INVALID_CONFIG", "config.signals must be a dict")
            for sig, s in v.items():
                if sig not in TABLE["signals"]:
                    raise ToolwatchError("INVALID_CONFIG", f'config.signals: unknown signal "{sig}"')
                i = TABLE["signals"].index(sig)
                if not isinstance(s, dict) or set(s) - {"weight", "mode"}:
                    raise ToolwatchError("INVALID_CONFIG", f"config.signals.{sig}: expected {{weight, mode}}")
                if s.get("weight") is not None:
                    block[TABLE["weightSlot"] + i] = _number(f"signals.{sig}.weight", s["weight"])
                if s.get("mode") is not None:
                    if s["mode"] not in TABLE["modes"]:
                        raise ToolwatchError("INVALID_CONFIG", f"config.signals.{sig}.mode: expected on, off or shadow")
                    block[TABLE["modeSlot"] + i] = float(TABLE["modes"][s["mode"]])
        elif name in TABLE["settings"]:
            block[TABLE["settings"][name]["slot"]] = _encode(name, v)
        else:
            raise ToolwatchError("INVALID_CONFIG", f'config: unknown setting "{name}"')
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
