"""The core compiled to native code: hosts/c/build/libtoolwatch_core.so (`make -C hosts/c python`,
the same build/toolwatch.wasm translated by wasm2c), loaded with ctypes. Same decisions as the wasmtime
backend, byte for byte (the conformance vectors run on both); a call costs one foreign call instead of
wasmtime's generic call path. The library records the sha-256 of the .wasm it was made from, and a
library made from another core is refused.

When the same library was also built as a CPython extension for this interpreter
(_toolwatch_native<suffix>, hosts/c/pyext.c), it is preferred: its run() encodes the usual call from
the Python objects straight into the core and calls it (fused), and ctypes reaches the rest on the same
file. Found through TOOLWATCH_NATIVE (either file), inside the package, or in hosts/c/build beside
hosts/python in a checkout.
"""

import ctypes
import hashlib
import importlib.machinery
import importlib.util
import os
from ctypes import POINTER, byref, c_char_p, c_double, c_int, c_int32, c_int64, c_uint32, c_uint64, c_void_p
from functools import partial
from pathlib import Path
from typing import Optional

LIB_NAME = "libtoolwatch_core.so"
TRAPPED = -(2**31)


class NativeTrap(Exception):
    """The core trapped (a bug, or memory exhausted): the instance is unusable and is replaced."""


MODULE_NAME = "_toolwatch_native"


def find_library() -> Optional[str]:
    env = os.environ.get("TOOLWATCH_NATIVE")
    if env:
        return env
    here = Path(__file__).resolve().parent
    names = [MODULE_NAME + s for s in importlib.machinery.EXTENSION_SUFFIXES] + [LIB_NAME]
    for d in (here, here.parent.parent / "c" / "build"):
        for name in names:
            if (d / name).exists():
                return str(d / name)
    return None


_MODULES: dict = {}


def extension(path: str):
    """The CPython extension at path, or None (the plain library, or built for another Python)."""
    if not os.path.basename(path).startswith(MODULE_NAME):
        return None
    if path not in _MODULES:
        try:
            spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
        except ImportError:
            mod = None
        _MODULES[path] = mod
    return _MODULES[path]


_LIBS: dict = {}
_HASHES: dict = {}


def load(path: str):
    lib = _LIBS.get(path)
    if lib is None:
        # PyDLL: calls keep the GIL, which serialises every use of wasm2c's one global trap buffer
        lib = ctypes.PyDLL(path)
        lib.twc_wasm_sha256.restype = c_char_p
        lib.twc_new.restype = c_void_p
        lib.twc_free.argtypes = [c_void_p]
        lib.twc_memory.restype = c_void_p
        lib.twc_memory.argtypes = [c_void_p, POINTER(c_uint64)]
        lib.twc_export.argtypes = [c_char_p]
        lib.twc_call.restype = c_int32
        lib.twc_call.argtypes = [c_void_p, c_int, c_double, c_uint32, c_uint32, POINTER(c_double), POINTER(c_int64)]
        lib.twc_run.restype = c_int32
        lib.twc_run.argtypes = [c_void_p, c_int, c_char_p, c_uint32, c_double, c_int32]
        _LIBS[path] = lib
    return lib


def wasm_sha256(path: str) -> str:
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _HASHES:
        with open(path, "rb") as f:
            _HASHES[key] = hashlib.sha256(f.read()).hexdigest()
    return _HASHES[key]


def built_from(lib) -> str:
    return lib.twc_wasm_sha256().decode()


# exports whose result is an f64 (the others give an i32 or the i64 state hash, in out_i, or nothing)
_F64 = {"config_default", "config_value", "stat", "snapshot_begin"}
# exports whose first argument is an f64
_F64_FIRST = {"check", "learn", "after", "snapshot_read", "restore_begin", "restore_chunk"}


class _Memory:
    """wasmtime's Memory.read/write, as snapshot.py uses them, over the native core's memory."""

    def __init__(self, core):
        self._core = core

    def read(self, _store, start: int, stop: int) -> bytearray:
        return bytearray(self._core.view[start:stop])

    def write(self, _store, data, start: int) -> int:
        self._core.view[start : start + len(data)] = data
        return len(data)


class NativeCore:
    kind = "native"
    traps = (NativeTrap,)
    store = None

    def __init__(self, lib_path: str):
        self._lib = lib = load(lib_path)
        self._c = lib.twc_new()
        if not self._c:
            raise MemoryError("toolwatch native core: cannot instantiate")
        self._ids: dict = {}
        self._f, self._i = c_double(), c_int64()
        self._out = (byref(self._f), byref(self._i))
        self.memory = _Memory(self)
        self.io = self.call("io_ptr")
        self.refresh()
        run, c = lib.twc_run, self._c

        def hot(e: int):
            def go(record, t, x):
                rc = run(c, e, record, len(record), t, x)
                if rc == TRAPPED:
                    raise NativeTrap("toolwatch core trapped")
                return rc

            return go

        for name in ("check", "learn", "after"):
            setattr(self, name, hot(self._id(name)))
        # fused_check(tenant, principal, tool, args, t, tz) -> rc, TRAPPED, or None (encode it in Python)
        ext = extension(lib_path)
        self.fused_check = self.fused_learn = None
        if ext is not None:
            self.fused_check = partial(ext.run, c, self._id("check"))
            self.fused_learn = partial(ext.run, c, self._id("learn"))

    def __del__(self):
        c, self._c = getattr(self, "_c", None), None
        if c:
            self._lib.twc_free(c)

    def _id(self, name: str) -> int:
        e = self._ids.get(name)
        if e is None:
            e = self._ids[name] = self._lib.twc_export(name.encode())
            if e < 0:
                raise AttributeError(f"the core has no export {name!r}")
        return e

    def call(self, name: str, *args):
        # twc_call takes the f64 argument apart from the i32 ones (docs/ABI.md signatures)
        f, ints = (float(args[0]), args[1:]) if name in _F64_FIRST else (0.0, args)
        a = int(ints[0]) & 0xFFFFFFFF if len(ints) > 0 else 0
        b = int(ints[1]) & 0xFFFFFFFF if len(ints) > 1 else 0
        if self._lib.twc_call(self._c, self._id(name), f, a, b, *self._out) == TRAPPED:
            raise NativeTrap(f"toolwatch core trapped in {name}")
        return self._f.value if name in _F64 else self._i.value

    def refresh(self) -> None:
        size = c_uint64()
        at = self._lib.twc_memory(self._c, byref(size))
        self.view = memoryview((ctypes.c_ubyte * size.value).from_address(at)).cast("B")

    def write(self, data, at: int) -> None:
        self.view[at : at + len(data)] = data
