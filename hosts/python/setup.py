"""Metadata is in pyproject.toml; this only refuses to build a package without the core inside it.

`npm run build` copies build/toolwatch.wasm and dist/config.schema.json into toolwatch_wasm/; without them
pip would happily build a package that fails at its first Detector().
"""
from pathlib import Path

from setuptools import setup

pkg = Path(__file__).resolve().parent / "toolwatch_wasm"
missing = [f for f in ("toolwatch.wasm", "config.schema.json") if not (pkg / f).exists()]
if missing:
    raise SystemExit(f"toolwatch_wasm/{' and '.join(missing)} missing: run `npm run build` in the repository first "
                     "(it copies the core and the config schema into the package)")
setup()
