#!/usr/bin/env bash
# Create .venv and install the pinned stack. torch goes in first, from its CPU
# wheel, so nothing later can pull a multi-gigabyte CUDA build.
#   scripts/setup.sh            the app
#   scripts/setup.sh --dev      plus test tools and the local-LLM answer mode
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
if [ "${1:-}" = "--dev" ]; then extras="[dev,llm]"; fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi

stamp=".venv/.installed${extras}"
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
# llama.cpp (the --dev extra) builds from source. A native build uses every instruction the
# build machine advertises, AMX among them, which some virtual machines advertise but cannot
# run (the LLM tests then crash the test run); the portable build runs anywhere.
export CMAKE_ARGS=${CMAKE_ARGS:--DGGML_NATIVE=OFF}
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet "torch==2.13.0"
.venv/bin/pip install --quiet -e ".${extras}"
echo "$want" > "$stamp"
