"""A direct call path for the hot exports check, learn and after, (f64, i32) -> i32, under wasmtime.

wasmtime-py's generic Func.__call__ re-reads the function type and converts every argument through
Val on each call, which costs more than the core's own work. This checks the type once, then copies
the call record in and calls
wasmtime_func_call_unchecked with one preallocated raw-value array, a private function pointer whose
result is a plain address (no pointer object per call), and every pointer argument made once. The
pointer comes from a PyDLL view of wasmtime's library, so the call keeps the GIL: the core imports
nothing, so it can never call back into Python, and a call of a few µs gains nothing from releasing
it. It relies on wasmtime-py internals (pinned in requirements.txt); when they are not as expected,
make() returns None and the generic path is used.
"""

import ctypes
from ctypes import POINTER, byref, c_size_t, c_void_p

try:
    from wasmtime import Trap, WasmtimeError
    from wasmtime import _ffi as ffi
except ImportError:  # pragma: no cover
    ffi = None


def _raw_call():
    lib = ctypes.PyDLL(None, handle=ffi.dll._handle)
    f = lib["wasmtime_func_call_unchecked"]  # a fresh pointer: wasmtime's own binding keeps its types
    f.restype = c_void_p
    f.argtypes = [
        POINTER(ffi.wasmtime_context_t),
        POINTER(ffi.wasmtime_func_t),
        POINTER(ffi.wasmtime_val_raw_t),
        c_size_t,
        POINTER(POINTER(ffi.wasm_trap_t)),
    ]
    return f


def _caller(store, func, view, io: int):
    raw = (ffi.wasmtime_val_raw_t * 2)()
    p0, p1 = raw[0], raw[1]  # views of the array's slots, made once
    trap = POINTER(ffi.wasm_trap_t)()
    ctx = store._context()
    args = (ctx, byref(func._func), raw, 2, byref(trap))
    call = _raw_call()

    def run(record, t: float, x: int) -> int:
        view[io : io + len(record)] = record
        p0.f64 = t
        p1.i32 = x
        err = call(*args)
        if err:
            raise WasmtimeError._from_ptr(ctypes.cast(err, POINTER(ffi.wasmtime_error_t)))
        if trap:
            at = ctypes.cast(trap, c_void_p).value
            ctypes.memset(ctypes.addressof(trap), 0, ctypes.sizeof(c_void_p))  # null again, in place
            raise Trap._from_ptr(ctypes.cast(c_void_p(at), POINTER(ffi.wasm_trap_t)))
        return p0.i32

    run.keep = (store, func, ctx, raw, trap)  # the objects behind the pointers live as long as the caller
    return run


def make(store, func, view, io: int):
    """run(record, t, x): copies the call record into IO (through view, a memoryview over linear memory)
    and calls an (f64, i32) -> i32 export; or None to use func(store, ...)."""
    if ffi is None:
        return None
    try:
        ty = func.type(store)
        if [str(x) for x in ty.params] != ["f64", "i32"] or [str(x) for x in ty.results] != ["i32"]:
            return None
        return _caller(store, func, view, io)
    except Exception:
        return None
