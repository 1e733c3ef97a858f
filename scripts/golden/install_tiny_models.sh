#!/usr/bin/env bash
# Installs the tiny random-weight test models that Tests/Fixtures/golden/tiny-*.json were made from:
#   $XDG_DATA_HOME/clicky/models/tiny-llama3.gguf  (llama, Llama 3.2 vocabulary, rope_freqs)
#   $XDG_DATA_HOME/clicky/models/tiny-qwen2.gguf   (qwen2, Qwen vocabulary, q/k/v biases)
# They are generated (not downloaded) by make_tiny_models.py from the vocabulary-only GGUFs of
# install_bpe_vocabs.sh, and checked against the sha256 below. Idempotent: present files with
# the right sha256 are left alone. Needs a python with `gguf` and `numpy` (PY, python3, the
# gguf-venv or the llama.cpp venv in the user cache); if the result's sha256 differs (other
# package versions), a venv pinned to gguf 0.19.0 + numpy 2.4.6 is made and used instead.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
models="${XDG_DATA_HOME:-$HOME/.local/share}/clicky/models"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/clicky"
log() { printf 'install_tiny_models: %s\n' "$*" >&2; }

declare -A want=(
    [tiny-llama3.gguf]=962883a945ecd75006a19ed88b1652d0f0a1e8ade7e79de501ef1ae54aea1bf9
    [tiny-qwen2.gguf]=e5e973bcb031b350e8e2c53c6530bc0483a769295377803a65e539445386a458
)

sha_of() { sha256sum "$1" | cut -d' ' -f1; }
all_present() {
    local name
    for name in "${!want[@]}"; do
        [[ -f "$models/$name" && "$(sha_of "$models/$name")" == "${want[$name]}" ]] || return 1
    done
}

if all_present; then log "tiny models present"; exit 0; fi

if ! [[ -f "$models/llama3.2-vocab.gguf" && -f "$models/qwen3-vocab.gguf" ]]; then
    "$here/install_bpe_vocabs.sh"
fi

has_pkgs() { [[ -x "$1" || "$1" == python3 ]] && "$1" -c 'import gguf, numpy' 2>/dev/null; }

# Generates into a temp dir with python $1; installs and returns 0 only if every sha256 matches.
try_python() {
    local py="$1" tmp name ok=0
    tmp="$(mktemp -d)"
    log "generating with $py"
    if ! "$py" "$here/make_tiny_models.py" "$tmp" --vocab-dir "$models" >&2; then rm -rf "$tmp"; return 1; fi
    for name in "${!want[@]}"; do
        if [[ "$(sha_of "$tmp/$name")" != "${want[$name]}" ]]; then
            log "$name from $py has sha256 $(sha_of "$tmp/$name"), expected ${want[$name]}"
            ok=1
        fi
    done
    if [[ $ok == 0 ]]; then
        mkdir -p "$models"
        for name in "${!want[@]}"; do mv "$tmp/$name" "$models/$name"; log "installed $models/$name"; done
    fi
    rm -rf "$tmp"
    return $ok
}

for py in ${PY:-} python3 "$cache/gguf-venv/bin/python" "$cache/llamacpp-venv/bin/python"; do
    if has_pkgs "$py" && try_python "$py"; then exit 0; fi
done

venv="$cache/tiny-models-venv"
if ! has_pkgs "$venv/bin/python"; then
    log "creating $venv with gguf==0.19.0 numpy==2.4.6"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "gguf==0.19.0" "numpy==2.4.6"
fi
if try_python "$venv/bin/python"; then exit 0; fi
log "could not reproduce the tiny models bit for bit; the tiny-* goldens would not apply"
exit 1
