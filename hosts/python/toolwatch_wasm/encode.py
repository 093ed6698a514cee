"""Marshals a call into the core's call record, byte for byte as js/core/encode.ts does.

Record (little-endian): u32 tenantLen, u32 principalLen, u32 toolLen, u32 argCount, the three names,
then per entry {u8 type, u8 0, u16 keyLen, u32 valueLen, key, value}. Numbers are f64; an array is an
array entry followed by up to 16 of its string/number elements among its first 4096 (later strings and
nested ones follow as extra entries, then a summary of the rest: docs/ABI.md); strings longer
than the core's value limit are cut on a UTF-8 character boundary. docs/HOSTS.md has every rule.
"""

import math
import re
import struct

from .abi import (
    CALL_ARG_COUNT,
    CALL_HEADER,
    ENTRY_HEADER,
    ENTRY_VALUE_LEN,
    T_ARRAY,
    T_BOOL,
    T_ELEM_NUMBER,
    T_ELEM_STRING,
    T_NESTED_STRING,
    T_NULL,
    T_NUMBER,
    T_OBJECT,
    T_OMITTED,
    T_STRING,
    T_TAIL_STRING,
)
from .errors import ToolwatchError

# How far one argument is looked into comes from the module's limit() (Encoder's limits): "elements"
# scalar elements of an array among its first "scanned", "walk" nested members "depth" levels deep.
_SURROGATE = re.compile("[\ud800-\udfff]")
_U32 = struct.Struct("<I")
_HEADER = struct.Struct("<4I")
_HEADER_PACK = _HEADER.pack
_ENTRY = struct.Struct("<BBHI")
_F64 = struct.Struct("<d")
_ENTRY_PACK, _F64_PACK = _ENTRY.pack, _F64.pack


def utf8(s: str) -> bytes:
    # A lone surrogate becomes U+FFFD, as the WHATWG encoder in the JS hosts does.
    if _SURROGATE.search(s):
        s = _SURROGATE.sub("\ufffd", s)
    return s.encode("utf-8")


def _array_index(k: str) -> bool:
    return k.isascii() and k.isdigit() and (k == "0" or k[0] != "0") and int(k) < 4294967295


def _cut(b: bytes, maximum: int) -> bytes:
    """UTF-8 bytes cut to maximum at a character boundary."""
    if len(b) <= maximum:
        return b
    n = maximum
    while n > 0 and (b[n] & 0xC0) == 0x80:
        n -= 1
    return b[:n]


def js_entries(args: dict) -> list:
    """(key, value) pairs in the order a JS object enumerates them: array indices ascending, then
    insertion order. The core ignores order, but reasons point at entries by index, so every host
    numbers them alike. Non-string keys become strings, as they would in JSON."""
    merged: dict = {}
    for k, v in args.items():
        merged[k if isinstance(k, str) else str(k)] = v
    idx = sorted((k for k in merged if _array_index(k)), key=int)
    return [(k, merged[k]) for k in idx] + [(k, v) for k, v in merged.items() if not _array_index(k)]


def _number(v) -> float:
    try:
        return float(v)
    except OverflowError:  # an int beyond f64 is ±Infinity, as JS Number() would give
        return math.inf if v > 0 else -math.inf


def entry_keys(args: dict, limits: dict) -> list:
    """The key of every entry of a call that Encoder.fast (or the native extension) encoded, in order:
    for the reasons that name an argument by its entry index."""
    max_scanned, max_elements = limits["scanned"], limits["elements"]
    keys = []
    for k, v in args.items():
        keys.append(k)
        t = type(v)
        if t is list or t is tuple:
            m = 0
            for el in v if len(v) <= max_scanned else v[:max_scanned]:
                te = type(el)
                if te is str or te is int or te is float:
                    keys.append(k)
                    m += 1
                    if m == max_elements:
                        break
    return keys


class Encoder:
    def __init__(self, io_size: int, limits: dict):
        self.io_size = io_size
        self.limits = limits
        self._lim = (limits["ident"], limits["tool"], limits["key"], limits["value"], limits["args"])
        for k, v in limits.items():
            if not v > 0:
                raise ToolwatchError("ABI_MISMATCH", f"the module reports no {k} limit (limit() gave {v})")
        self._known_keys: dict = {}

    def fast_identity(self, tenant: str, principal: str, tool: str):
        """identity() for well-formed names within their limits, as bytes; None for anything else."""
        try:
            tb, pb, ob = tenant.encode(), principal.encode(), tool.encode()
        except UnicodeEncodeError:  # a lone surrogate: identity() refuses it
            return None
        li = self._lim[0]
        if len(tb) > li or len(pb) > li or len(ob) > self._lim[1]:
            return None
        return b"".join((_HEADER_PACK(len(tb), len(pb), len(ob), 0), tb, pb, ob))

    def fast(self, tenant: str, principal: str, tool: str, args: dict):
        """call() in one pass for the usual call: (record bytes, keys), or None whenever the call has
        anything the reference encoder treats specially (a lone surrogate, a string over its limit, a
        key that JS orders first, an int beyond f64, a type other than the JSON ones, a record near
        the IO size). Then call() encodes it, or raises; for every call this takes, both give the same
        bytes. One list of parts joined once: no per-entry buffer growth, closures or regex scans."""
        try:
            tb, pb, ob = tenant.encode(), principal.encode(), tool.encode()
        except UnicodeEncodeError:
            return None
        li, lt, _, lv, la = self._lim
        max_scanned, max_elements = self.limits["scanned"], self.limits["elements"]
        if len(tb) > li or len(pb) > li or len(ob) > lt:
            return None
        parts = [b"", tb, pb, ob]
        keys: list = []
        known = self._known_keys
        try:
            for k, v in args.items():
                kb = known.get(k)
                if kb is None:
                    kb = self._key(k)
                    if kb is None:
                        return None
                t = type(v)
                if t is str:
                    vb = v.encode()
                    if len(vb) > lv:
                        return None
                    parts += (_ENTRY_PACK(T_STRING, 0, len(kb), len(vb)), kb, vb)
                elif t is int or t is float:
                    parts += (_ENTRY_PACK(T_NUMBER, 0, len(kb), 8), kb, _F64_PACK(v))
                elif t is bool:
                    parts += (_ENTRY_PACK(T_BOOL, 0, len(kb), 1), kb, b"\x01" if v else b"\x00")
                elif v is None or (t is dict and not v):  # a nested value is call()'s
                    parts += (_ENTRY_PACK(T_NULL if v is None else T_OBJECT, 0, len(kb), 0), kb)
                elif (t is list or t is tuple) and len(v) <= max_scanned:
                    parts += (_ENTRY_PACK(T_ARRAY, 0, len(kb), 0), kb)
                    keys.append(k)
                    m = 0
                    for i, el in enumerate(v):
                        te = type(el)
                        if te is str:
                            eb = el.encode()
                            if len(eb) > lv:
                                return None
                            parts += (_ENTRY_PACK(T_ELEM_STRING, 0, len(kb), len(eb)), kb, eb)
                        elif te is int or te is float:
                            parts += (_ENTRY_PACK(T_ELEM_NUMBER, 0, len(kb), 8), kb, _F64_PACK(el))
                        elif te is bool or el is None or ((te is dict or te is list or te is tuple) and not el):
                            continue
                        else:
                            return None
                        keys.append(k)
                        m += 1
                        if m == max_elements:
                            if i + 1 < len(v):  # elements past the first 16: call()'s
                                return None
                            break
                    continue
                else:
                    return None
                keys.append(k)
        except (UnicodeEncodeError, OverflowError, struct.error):  # an int beyond f64
            return None
        n = len(keys)
        if n > la:
            return None
        parts[0] = _HEADER_PACK(len(tb), len(pb), len(ob), n)
        record = b"".join(parts)
        if len(record) > self.io_size:
            return None
        return record, keys

    def _key(self, k):
        """A key's bytes for fast(), remembered: keys repeat across calls. None for a key fast() leaves
        to call(): not a string, a lone surrogate, over the limit, or a leading digit (array-index keys
        come first in JS order)."""
        if type(k) is not str or k[:1].isdigit():
            return None
        try:
            kb = k.encode()
        except UnicodeEncodeError:
            return None
        if len(kb) > self._lim[2]:
            return None
        if len(self._known_keys) >= 4096:
            self._known_keys.clear()
        self._known_keys[k] = kb
        return kb

    def _put(self, buf: bytearray, s: str, maximum: int, what: str, truncate: bool) -> int:
        room = max(0, min(maximum, self.io_size - len(buf)))
        # Names must be well-formed: as U+FFFD two different names would become one. Values keep the
        # JSON-encoder behaviour (U+FFFD).
        if not truncate and _SURROGATE.search(s):
            raise ToolwatchError("INVALID_STRING", f"{what} contains a lone UTF-16 surrogate (not valid Unicode)")
        b = utf8(s)
        if len(b) > room:
            if not truncate:
                if room < maximum:
                    raise ToolwatchError("ARGS_TOO_LARGE", "arguments exceed the 64 KiB call record")
                raise ToolwatchError("TOO_LONG", f"{what} is longer than {maximum} bytes of UTF-8")
            cut = room
            while cut > 0 and (b[cut] & 0xC0) == 0x80:
                cut -= 1
            b = b[:cut]
        buf += b
        return len(b)

    def identity(self, tenant: str, principal: str, tool: str) -> bytearray:
        buf = bytearray(CALL_HEADER)
        tl = self._put(buf, tenant, self.limits["ident"], "tenant", False)
        pl = self._put(buf, principal, self.limits["ident"], "principal", False)
        ol = self._put(buf, tool, self.limits["tool"], "tool name", False)
        _HEADER.pack_into(buf, 0, tl, pl, ol, 0)
        return buf

    def call(self, tenant: str, principal: str, tool: str, args: dict, keys: list) -> bytearray:
        buf = self.identity(tenant, principal, tool)
        keys.clear()
        too_large = "arguments exceed the 64 KiB call record"

        def entry(kind: int, key: str) -> int:
            if len(keys) >= self.limits["args"]:
                raise ToolwatchError(
                    "ARGS_TOO_LARGE",
                    f"arguments have more than {self.limits['args']} entries (keys plus array elements)",
                )
            if len(buf) + ENTRY_HEADER > self.io_size:
                raise ToolwatchError("ARGS_TOO_LARGE", too_large)
            at = len(buf)
            buf.extend(bytes(ENTRY_HEADER))
            kl = self._put(buf, key, self.limits["key"], f'argument key "{key[:40]}"', False)
            _ENTRY.pack_into(buf, at, kind, 0, kl, 0)
            keys.append(key)
            return at

        def value_len(at: int, n: int) -> None:
            _U32.pack_into(buf, at + ENTRY_VALUE_LEN, n)

        def number(at: int, v) -> None:
            if len(buf) + 8 > self.io_size:
                raise ToolwatchError("ARGS_TOO_LARGE", too_large)
            buf.extend(_F64.pack(_number(v)))
            value_len(at, 8)

        lim = self.limits
        max_elements, max_scanned, max_walk, max_depth = lim["elements"], lim["scanned"], lim["walk"], lim["depth"]
        extras: list = []  # (type, key, value, index of the top-level entry), in the order found
        cut: set = set()  # top-level entries whose walk stopped at a limit

        def walk(c, path: str, depth: int, at: int) -> None:
            if depth > max_depth:
                cut.add(at)
                return
            members = (
                ((path, v) for v in c)
                if isinstance(c, (list, tuple))
                else ((f"{path}.{k}", v) for k, v in js_entries(c))
            )
            for p, v in members:
                if walk.budget == 0:
                    cut.add(at)
                    return
                walk.budget -= 1
                if isinstance(v, str):
                    extras.append((T_NESTED_STRING, p, v, at))
                elif isinstance(v, (dict, list, tuple)):
                    walk(v, p, depth + 1, at)

        for key, value in js_entries(args):
            if value is None:
                entry(T_NULL, key)
            elif isinstance(value, bool):
                at = entry(T_BOOL, key)
                if len(buf) + 1 > self.io_size:
                    raise ToolwatchError("ARGS_TOO_LARGE", too_large)
                buf.append(1 if value else 0)
                value_len(at, 1)
            elif isinstance(value, (int, float)):
                number(entry(T_NUMBER, key), value)
            elif isinstance(value, str):
                at = entry(T_STRING, key)
                value_len(at, self._put(buf, value, self.limits["value"], "value", True))
            elif isinstance(value, (list, tuple)):
                entry(T_ARRAY, key)
                top = len(keys) - 1  # this array's entry index
                walk.budget = max_walk
                if len(value) > max_scanned:
                    cut.add(top)
                n = 0
                for el in value[:max_scanned]:
                    if n >= max_elements:
                        if isinstance(el, str):
                            extras.append((T_TAIL_STRING, key, el, top))
                        elif isinstance(el, (dict, list, tuple)):
                            walk(el, key, 1, top)
                        continue
                    if isinstance(el, (dict, list, tuple)):
                        walk(el, key, 1, top)
                    elif isinstance(el, str):
                        at = entry(T_ELEM_STRING, key)
                        value_len(at, self._put(buf, el, self.limits["value"], "value", True))
                        n += 1
                    elif isinstance(el, (int, float)) and not isinstance(el, bool):
                        number(entry(T_ELEM_NUMBER, key), el)
                        n += 1
            else:
                entry(T_OBJECT, key)
                if isinstance(value, dict):
                    walk.budget = max_walk
                    walk(value, key, 0, len(keys) - 1)
        if extras or cut:
            self._extras(buf, keys, extras, cut)
        _U32.pack_into(buf, CALL_ARG_COUNT, len(keys))
        return buf

    def _extras(self, buf: bytearray, keys: list, extras: list, cut: set) -> None:
        """Appends the extra values that fit, then the summary of the rest (js/core/encode.ts writeExtras)."""
        omitted = {e: 1 for e in cut}
        for x in extras:
            omitted.setdefault(x[3], 0)
        summary = ENTRY_HEADER + 8 * len(omitted)
        if len(buf) + summary > self.io_size:
            raise ToolwatchError("ARGS_TOO_LARGE", "arguments exceed the 64 KiB call record")
        written = 0
        for kind, key, value, at in extras:
            kb = _cut(utf8(key), self.limits["key"])
            vb = _cut(utf8(value), self.limits["value"])
            if written >= self.limits["extra"] or len(buf) + ENTRY_HEADER + len(kb) + len(vb) + summary > self.io_size:
                omitted[at] += 1
                continue
            buf += _ENTRY.pack(kind, 0, len(kb), len(vb)) + kb + vb
            keys.append(key)
            written += 1
        pairs = b"".join(struct.pack("<II", e, n) for e, n in sorted(omitted.items()) if n > 0)
        if pairs:
            buf += _ENTRY.pack(T_OMITTED, 0, 0, len(pairs)) + pairs
            keys.append("")
