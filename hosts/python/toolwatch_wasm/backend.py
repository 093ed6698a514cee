"""Which engine runs the core: "native" (hosts/c's wasm2c translation as a shared library, native.py)
or "wasmtime" (core_wasmtime.py). "auto", the default, takes native when its library is found and
was made from the same .wasm the wasmtime backend would load, else wasmtime. TOOLWATCH_BACKEND or
Detector(backend=...) chooses; both decide byte for byte alike."""

import os
from pathlib import Path
from typing import Optional

from .errors import ToolwatchError

BACKENDS = ("auto", "native", "wasmtime")


def find_wasm(required: bool = True) -> Optional[str]:
    """TOOLWATCH_WASM, a toolwatch.wasm shipped inside the package, or build/toolwatch.wasm above it."""
    env = os.environ.get("TOOLWATCH_WASM")
    if env:
        return env
    here = Path(__file__).resolve().parent
    if (here / "toolwatch.wasm").exists():
        return str(here / "toolwatch.wasm")
    for d in [here, *here.parents][:6]:
        p = d / "build" / "toolwatch.wasm"
        if p.exists():
            return str(p)
    if not required:
        return None
    raise ToolwatchError("WASM_NOT_FOUND", "toolwatch.wasm not found: set TOOLWATCH_WASM or run `npm run build`")


def _native(wasm_path: Optional[str], strict: bool):
    from . import native

    lib = native.find_library()
    if lib is None:
        if strict:
            raise ToolwatchError(
                "NATIVE_NOT_FOUND", f"{native.LIB_NAME} not found: run `make -C hosts/c python` or set TOOLWATCH_NATIVE"
            )
        return None
    wasm = wasm_path or find_wasm(required=False)
    try:
        made_from = native.built_from(native.load(lib))
    except OSError as e:
        if strict:
            raise ToolwatchError("NATIVE_NOT_FOUND", f"cannot load {lib}: {e}") from e
        return None
    # a library translated from another core than this .wasm would decide differently: never mix them
    if wasm is not None and os.path.exists(wasm) and native.wasm_sha256(wasm) != made_from:
        if strict:
            raise ToolwatchError(
                "NATIVE_MISMATCH", f"{lib} was built from another core than {wasm}: rebuild it (make -C hosts/c python)"
            )
        return None
    return native.NativeCore(lib)


def open_core(backend: Optional[str] = None, wasm_path: Optional[str] = None):
    backend = backend or os.environ.get("TOOLWATCH_BACKEND") or "auto"
    if backend not in BACKENDS:
        raise ToolwatchError("INVALID_CONFIG", f"backend: expected one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend != "wasmtime":
        core = _native(wasm_path, strict=backend == "native")
        if core is not None:
            return core
    from .core_wasmtime import WasmtimeCore

    return WasmtimeCore(wasm_path or find_wasm())
