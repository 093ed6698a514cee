"""Metadata is in pyproject.toml; this refuses to build a package without the core inside it, and compiles
the native backend's CPython extension when its sources are there.

`npm run build` copies build/toolwatch.wasm and dist/config.schema.json into toolwatch_wasm/; without them
pip would happily build a package that fails at its first Detector(). With wasm2c installed it also writes
native/ (the core translated to C, the wasm2c runtime, hosts/c's pyext.c and pycore.c): the extension
`toolwatch_wasm._toolwatch_native`, the same one `make -C hosts/c python` builds. It is optional: without
those sources, or if it fails to compile (no compiler, no Python headers), the package runs on wasmtime.
"""

from pathlib import Path

from setuptools import Extension, setup

here = Path(__file__).resolve().parent
pkg = here / "toolwatch_wasm"
missing = [f for f in ("toolwatch.wasm", "config.schema.json") if not (pkg / f).exists()]
if missing:
    raise SystemExit(
        f"toolwatch_wasm/{' and '.join(missing)} missing: run `npm run build` in the repository first "
        "(it copies the core and the config schema into the package)"
    )

native = here / "native"
sources = ["pyext.c", "core.c", "wasm-rt-impl.c"]
ext_modules = []
headers = ["pycore.c", "core.h", "toolwatch_abi.generated.h", "wasm-rt.h", "wasm-rt-impl.h", "wasm.sha256"]
if all((native / f).exists() for f in sources + headers):
    # the .wasm the C was translated from, reported by the extension: the auto backend uses it only when it
    # matches the package's toolwatch.wasm (toolwatch_wasm/backend.py)
    sha = (native / "wasm.sha256").read_text().strip()
    ext_modules.append(
        Extension(
            "toolwatch_wasm._toolwatch_native",
            sources=[f"native/{f}" for f in sources],
            include_dirs=["native"],
            # as hosts/c/Makefile: explicit bounds checks, no SIGSEGV handler installed in the host process
            define_macros=[("WASM_RT_MEMCHECK_SIGNAL_HANDLER", "0"), ("TWC_WASM_SHA256", f'"{sha}"')],
            extra_compile_args=["-O2", "-fvisibility=hidden", "-w"],
            libraries=["m"],
            optional=True,
        )
    )
setup(ext_modules=ext_modules)
