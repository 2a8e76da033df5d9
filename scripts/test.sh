#!/usr/bin/env bash
# Set up (with test tools), lint, type-check, check the import layers and copied
# code, and run every test, browser and integration tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export HF_HUB_OFFLINE=1
# llama.cpp and torch share libgomp; passive waiting keeps them from spinning against each other.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports            # layers UI -> qa_app -> ingest, and no import cycles
.venv/bin/pylint ingest qa_app ui streamlit_app.py pages   # no copied block of 6+ lines
exec .venv/bin/python -m pytest "$@"
