#!/usr/bin/env bash
# Creates (once) a cached Python virtualenv holding llama-cpp-python, our llama.cpp peer for
# golden fixtures and speed comparisons. Building llama.cpp from source takes ~4 minutes, so
# the venv lives in the user cache and this script is instant when it is already complete.
#
# Usage:  scripts/llamacpp-venv.sh            -> prints the venv's python interpreter path
#         PY="$(scripts/llamacpp-venv.sh)"; "$PY" scripts/golden/…
# Env:    LLAMACPP_PYTHON_VERSION  pin another llama-cpp-python version (default below)
set -euo pipefail

version="${LLAMACPP_PYTHON_VERSION:-0.3.36}"
cache_home="${XDG_CACHE_HOME:-$HOME/.cache}"
venv="$cache_home/clicky/llamacpp-venv"
# Written last, only after a successful install: its presence means the venv is complete.
stamp="$venv/.clicky-complete-$version"

log() { printf 'llamacpp-venv: %s\n' "$*" >&2; }

if [[ -f "$stamp" && -x "$venv/bin/python" ]]; then
    echo "$venv/bin/python"
    exit 0
fi

log "building llama-cpp-python==$version into $venv (compiles llama.cpp, a few minutes)"
rm -rf "$venv"          # a half-built venv from an interrupted run is not trusted
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# The generic CPU build is enough for fixtures; GGML_NATIVE makes the benchmark numbers fair.
CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=ON}" \
CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
        "llama-cpp-python==$version" gguf numpy
"$venv/bin/python" -c 'import llama_cpp; print(llama_cpp.__version__)' >&2
touch "$stamp"
echo "$venv/bin/python"
