"""A direct call path for the hot exports check and learn, (f64, i32) -> i32.

wasmtime-py's generic Func.__call__ re-reads the function type and converts every argument through
Val on each call, which costs more than the core's own work. This fills two raw arguments and calls
wasmtime_func_call itself. It relies on wasmtime-py internals (pinned in requirements.txt); when they
are not as expected, make() returns None and the generic path is used.
"""
from ctypes import POINTER, byref

try:
    from wasmtime import _ffi as ffi, Trap, WasmtimeError
except ImportError:  # pragma: no cover
    ffi = None


class _Call:
    def __init__(self, store, func):
        self._store = store
        self._func = func._func
        self._params = (ffi.wasmtime_val_t * 2)()
        self._params[0].kind = ffi.WASMTIME_F64.value
        self._params[1].kind = ffi.WASMTIME_I32.value
        self._results = (ffi.wasmtime_val_t * 1)()

    def __call__(self, t: float, tz: int) -> int:
        p = self._params
        p[0].of.f64 = t
        p[1].of.i32 = tz
        trap = POINTER(ffi.wasm_trap_t)()
        err = ffi.wasmtime_func_call(self._store._context(), byref(self._func), p, 2, self._results, 1, byref(trap))
        if err:
            raise WasmtimeError._from_ptr(err)
        if trap:
            raise Trap._from_ptr(trap)
        return self._results[0].of.i32


def make(store, func):
    """A fast caller for an (f64, i32) -> i32 export, or None to use func(store, ...)."""
    try:
        ty = func.type(store)
        if [str(x) for x in ty.params] != ["f64", "i32"] or [str(x) for x in ty.results] != ["i32"]:
            return None
        return _Call(store, func)
    except Exception:
        return None
