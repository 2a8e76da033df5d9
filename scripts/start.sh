#!/usr/bin/env bash
# Set up, bring the index up to date with corpus/, and start the chat app on
# http://127.0.0.1:8501 (loopback only). To expose it deliberately on your
# network: COUNCIL_ADDRESS=0.0.0.0 scripts/start.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HF_HUB_OFFLINE=1
# llama.cpp and torch share libgomp; passive waiting keeps them from spinning against each other.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
# Incremental: unchanged papers are skipped, so this is quick after the first run.
# Exit code 1 means some papers failed (reported above); the app still starts.
.venv/bin/python -m ingest || [ $? -eq 1 ]
exec .venv/bin/streamlit run streamlit_app.py \
  --server.address "${COUNCIL_ADDRESS:-127.0.0.1}" \
  --server.port "${COUNCIL_PORT:-8501}" \
  --server.headless true \
  --browser.gatherUsageStats false
