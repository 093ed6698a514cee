#!/usr/bin/env bash
# Installs what the whole test suite needs besides npm packages (run as root on Debian 12; idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
# one try per index: where the default index is unreachable, pip's five retries per package cost minutes
export PIP_RETRIES="${PIP_RETRIES:-0}"
apt-get update
# redis-server: the Redis-replicas tests start their own instance on a loopback port
apt-get install -y redis-server
# openssl (test certificates for the mutual-TLS test) and script (a pseudo-terminal for the progress-bar test)
apt-get install -y openssl bsdutils
# chromium: the HTML report test opens the page in headless Chromium (driven by playwright-core)
apt-get install -y chromium
# wabt (wasm2c) and libcjson-dev: the C host and its vector replay (hosts/c)
apt-get install -y wabt libcjson-dev
# rustc: the Rust example that links the C host (Debian's, when the machine has none)
command -v rustc >/dev/null || apt-get install -y rustc
# clang-format: npm run lint checks the C host's formatting (ruff, for Python, goes into .venv below)
apt-get install -y clang-format
# the Python host's runtime (hosts/python): a venv with wasmtime, reused when already complete
if ! .venv/bin/python -c "import wasmtime" 2>/dev/null; then
  python3 -m venv .venv || { apt-get install -y python3-venv && python3 -m venv .venv; }
  .venv/bin/pip install --quiet -r hosts/python/requirements.txt
fi
# ruff: npm run lint checks the Python host's style and formatting
.venv/bin/ruff --version >/dev/null 2>&1 || .venv/bin/pip install --quiet -r hosts/python/requirements-dev.txt
# ContextForge's real plugin framework (cpex) and MCP client, from the peers beside the repository, for
# the tests that load toolwatch through the gateway's own plugin manager (test/contextforge)
peers=../shared/peers/contextforge
if [ -f "$peers/install.sh" ] && ! .venv-contextforge/bin/python -c "import cpex.framework, mcp" 2>/dev/null; then
  bash "$peers/install.sh" .venv-contextforge
fi
npm ci --no-audit --no-fund
# the Python host's native backend: the core translated by wasm2c into a shared library (hosts/c/pycore.c)
npm run --silent build:wasm && make -C hosts/c -s python
