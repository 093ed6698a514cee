"""The core run by wasmtime: the pure-Python backend (wasmtime's wheel is the only dependency).

A backend gives the detector the core's exports by name (call), its linear memory as one memoryview
(view, re-made by refresh() after init, the only call that grows memory), and one hot entry per
call kind (check, learn, after: copy the call record into IO, then call) — see native.py for the other.
"""

import ctypes

import wasmtime

from . import fastcall

_ENGINE = None
_MODULES: dict = {}


def _module(path: str):
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = wasmtime.Engine()
    if path not in _MODULES:
        _MODULES[path] = wasmtime.Module.from_file(_ENGINE, path)
    return _MODULES[path]


class WasmtimeCore:
    kind = "wasmtime"
    traps = (wasmtime.Trap, wasmtime.WasmtimeError)
    fused_check = fused_learn = None  # see native.py

    def __init__(self, wasm_path: str):
        module = _module(wasm_path)
        self.store = wasmtime.Store(_ENGINE)
        inst = wasmtime.Instance(self.store, module, [])
        self._x = inst.exports(self.store)
        self.memory = self._x["memory"]  # with store: what snapshot.py reads and writes through
        self.io = self.call("io_ptr")
        self.refresh()

    def call(self, name: str, *args):
        return self._x[name](self.store, *args)

    def refresh(self) -> None:
        """One view over linear memory, made again whenever memory may have grown."""
        size = self.memory.data_len(self.store)
        at = ctypes.addressof(self.memory.data_ptr(self.store).contents)
        self.view = memoryview((ctypes.c_ubyte * size).from_address(at)).cast("B")
        for name in ("check", "learn", "after"):  # they write through this view
            setattr(self, name, self._hot(name))

    def write(self, data, at: int) -> None:
        self.view[at : at + len(data)] = data

    def _hot(self, name: str):
        io, view = self.io, self.view
        f = fastcall.make(self.store, self._x[name], view, io)
        if f is not None:
            return f
        g, store = self._x[name], self.store

        def run(record, t, x):
            view[io : io + len(record)] = record
            return g(store, t, x)

        return run
