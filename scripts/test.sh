#!/usr/bin/env bash
# Set up (with test tools), lint, type-check and run every test, browser and
# integration tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export HF_HUB_OFFLINE=1
# llama.cpp and torch share libgomp; passive waiting keeps them from spinning against each other.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
