#!/usr/bin/env bash
# Set up (with test tools), lint, type-check and run every test, browser and
# integration tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export HF_HUB_OFFLINE=1
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
