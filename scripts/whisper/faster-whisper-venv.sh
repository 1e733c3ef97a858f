#!/usr/bin/env bash
# Creates (once) a cached Python virtualenv holding faster-whisper, our Whisper peer (issue 6):
# the reference transcripts of Tests/Fixtures/speech/faster-whisper.json and the speed
# comparison bench/compare-whisper. faster-whisper runs the very CTranslate2 model directory
# scripts/setup.sh installs ($XDG_DATA_HOME/clicky/models/whisper-tiny.en). Everything comes
# from PyPI as prebuilt manylinux wheels (ctranslate2, onnxruntime, av, tokenizers, …), so the
# build is pip download time only (about 15 s here); the venv lives in the user cache and this
# script is instant when it is already complete.
#
# Usage:  scripts/whisper/faster-whisper-venv.sh    -> prints the venv's python interpreter path
#         PY="$(scripts/whisper/faster-whisper-venv.sh)"; "$PY" scripts/whisper/faster_whisper_reference.py
# Env:    FASTER_WHISPER_VERSION  pin another faster-whisper version (default below; the other
#                                 pins then still hold unless pip finds them incompatible)
#         XDG_CACHE_HOME          the venv is $XDG_CACHE_HOME/clicky/faster-whisper-venv (~/.cache)
set -euo pipefail

version="${FASTER_WHISPER_VERSION:-1.2.1}"
# faster-whisper's own requirements are ranges; the ones that decide the numbers (the CTranslate2
# engine, the tokenizer, numpy for the features, PyAV for decode_audio) are pinned to the set
# the committed fixture was made with, so a rebuilt venv reproduces it.
requirements=("faster-whisper==$version" "ctranslate2==4.8.5" "tokenizers==0.23.3" "numpy==2.4.6" "av==18.1.0")
cache_home="${XDG_CACHE_HOME:-$HOME/.cache}"
venv="$cache_home/clicky/faster-whisper-venv"
# Written last, only after a successful install and import: its presence means the venv is
# complete. Its name carries the requirement set, so changing a pin rebuilds the venv.
stamp="$venv/.clicky-complete-$(printf '%s\n' "${requirements[@]}" | sha256sum | cut -c1-12)"

log() { printf 'faster-whisper-venv: %s\n' "$*" >&2; }

if [[ -f "$stamp" && -x "$venv/bin/python" ]]; then
    echo "$venv/bin/python"
    exit 0
fi

log "installing ${requirements[*]} into $venv (prebuilt wheels from PyPI, ~15 s here)"
rm -rf "$venv"          # a half-built venv from an interrupted run is not trusted
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# --only-binary: never fall back to compiling ctranslate2 or PyAV from source.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    --only-binary ctranslate2,av,onnxruntime,tokenizers \
    "${requirements[@]}"
"$venv/bin/python" -c 'import faster_whisper, ctranslate2
print("faster-whisper", faster_whisper.__version__, "ctranslate2", ctranslate2.__version__)' >&2
touch "$stamp"
echo "$venv/bin/python"
