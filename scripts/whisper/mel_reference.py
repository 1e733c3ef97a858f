#!/usr/bin/env python3
"""Reference numbers for the Swift log-mel front end (Sources/Speech/Audio/LogMel.swift).

numpy only. Written from the published description of Whisper's front end and of librosa's
Slaney mel filters; the pipeline follows faster-whisper's `FeatureExtractor.__call__` with its
default `padding=160`, which is what faster-whisper's `transcribe` feeds the model:

  1. append 160 zero samples to the float32 waveform;
  2. reflect-pad n_fft/2 = 200 samples on both sides (torch.stft / librosa `center=True`);
  3. frames of 400 samples every 160, times the periodic Hann window (float32), real FFT,
     result rounded to complex64, power |X|^2 in float32;
  4. drop the last frame; the result has len//160 + 1 frames;
  5. mel = filters (80 x 201, float32) @ power; log10(max(mel, 1e-10));
     clamp below (global max - 8); (x + 4) / 4;
  6. the transcriber uses the first len//160 frames ("content frames"); a 30 s window is those
     frames (cut at 3000) followed by zero columns up to 3000 (faster_whisper.audio.pad_or_trim).

Mel filters (librosa.filters.mel(sr=16000, n_fft=400, n_mels=80), htk=False, norm="slaney"):
mel(f) = 3 f / 200 below 1 kHz, 15 + 27 ln(f / 1000) / ln 6.4 above; 82 points evenly spaced in
mel between mel(0) and mel(8000); filter m is the triangle over points m, m+1, m+2 evaluated at
the FFT bin frequencies k * 16000 / 400, scaled by 2 / (f[m+2] - f[m]).

Output: Tests/Fixtures/speech/mel_reference.json (the filter bank's nonzero entries and, for a
test WAV and a 32 s synthetic chirp, the 80 x 3000 window summarised by its row sums, column sums
and a few hundred sampled entries). With `--check-faster-whisper` and faster_whisper importable,
it also prints how far this reimplementation is from faster-whisper's own extractor.

    python3 scripts/whisper/mel_reference.py [--check-faster-whisper]
"""
import argparse
import json
import math
import os
import sys
import wave

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
N_MELS = 80
N_FRAMES = 3000


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    linear = f * 3.0 / 200.0
    log = 15.0 + np.log(np.maximum(f, 1e-12) / 1000.0) * 27.0 / np.log(6.4)
    return np.where(f >= 1000.0, log, linear)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    linear = m * 200.0 / 3.0
    log = 1000.0 * np.exp((m - 15.0) * np.log(6.4) / 27.0)
    return np.where(m >= 15.0, log, linear)


def mel_filters() -> np.ndarray:
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    bins = np.arange(N_FFT // 2 + 1, dtype=np.float64) * SAMPLE_RATE / N_FFT
    out = np.zeros((N_MELS, N_FFT // 2 + 1), dtype=np.float64)
    for m in range(N_MELS):
        left, centre, right = edges[m], edges[m + 1], edges[m + 2]
        rising = (bins - left) / (centre - left)
        falling = (right - bins) / (right - centre)
        out[m] = np.maximum(0.0, np.minimum(rising, falling)) * (2.0 / (right - left))
    return out.astype(np.float32)


def log_mel(samples: np.ndarray, filters: np.ndarray):
    """Returns (all frames len//160 + 1, the pre-normalisation global max)."""
    x = np.concatenate([samples.astype(np.float32), np.zeros(HOP, dtype=np.float32)])
    x = np.pad(x, (N_FFT // 2, N_FFT // 2), mode="reflect")
    count = 1 + (len(x) - N_FFT) // HOP
    n = np.arange(N_FFT, dtype=np.float64)
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * n / N_FFT)).astype(np.float32)
    index = np.arange(count)[:, None] * HOP + np.arange(N_FFT)[None, :]
    spectrum = np.fft.rfft(x[index] * window, axis=-1).astype(np.complex64)
    power = (np.abs(spectrum) ** 2).T[:, :-1]  # (201, frames), last frame dropped
    mel = filters @ power
    logs = np.log10(np.maximum(mel, np.float32(1e-10)))
    top = logs.max()
    logs = np.maximum(logs, top - 8.0)
    return ((logs + 4.0) / 4.0).astype(np.float32), float(top)


def window_30s(features: np.ndarray, content: int) -> np.ndarray:
    out = np.zeros((N_MELS, N_FRAMES), dtype=np.float32)
    used = min(content, N_FRAMES)
    out[:, :used] = features[:, :used]
    return out


def chirp() -> np.ndarray:
    """32 s linear chirp 50 Hz -> 7950 Hz, amplitude 0.5 with a slow tremolo (also in Swift)."""
    count = 32 * SAMPLE_RATE
    t = np.arange(count, dtype=np.float64) / SAMPLE_RATE
    phase = 2.0 * np.pi * (50.0 * t + (7950.0 - 50.0) / (2.0 * 32.0) * t * t)
    envelope = 0.5 * (0.6 + 0.4 * np.sin(2.0 * np.pi * 0.7 * t))
    return (envelope * np.sin(phase)).astype(np.float32)


def read_wav16(path: str) -> np.ndarray:
    with wave.open(path, "rb") as w:
        assert w.getframerate() == SAMPLE_RATE and w.getsampwidth() == 2 and w.getnchannels() == 1
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return (data.astype(np.float32) / np.float32(32768.0)).astype(np.float32)


def sample_points(content: int, count: int = 400):
    """Deterministic (mel, frame) picks: a 32-bit LCG, plus the edges of the content."""
    state = 12345
    picks = []
    for _ in range(count):
        state = (1103515245 * state + 12345) % (1 << 31)
        m = state % N_MELS
        state = (1103515245 * state + 12345) % (1 << 31)
        t = state % N_FRAMES
        picks.append((m, t))
    edges = {0, 1, content - 2, content - 1, content, N_FRAMES - 1}
    for t in sorted(min(max(t, 0), N_FRAMES - 1) for t in edges):
        for m in (0, 1, 40, 78, 79):
            picks.append((m, t))
    return picks


def case(name: str, source: str, samples: np.ndarray, filters: np.ndarray, check):
    features, top = log_mel(samples, filters)
    content = len(samples) // HOP
    window = window_30s(features, content)
    if check is not None:
        theirs = check(samples)
        diff = np.abs(theirs[:, :content] - features[:, :content]).max()
        print(f"{name}: faster-whisper vs this script, max |diff| over content = {diff:.3g}",
              file=sys.stderr)
    return {
        "name": name,
        "source": source,
        "samples": int(len(samples)),
        "content_frames": content,
        "max_log10": round(top, 7),
        "row_sums": [round(float(v), 4) for v in window.astype(np.float64).sum(axis=1)],
        "column_sums": [round(float(v), 4) for v in window.astype(np.float64).sum(axis=0)],
        "entries": [[m, t, round(float(window[m, t]), 6)] for m, t in sample_points(content)],
    }


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    fixtures = os.path.normpath(os.path.join(here, "..", "..", "Tests", "Fixtures", "speech"))
    parser = argparse.ArgumentParser()
    parser.add_argument("--check-faster-whisper", action="store_true")
    args = parser.parse_args()

    check = None
    if args.check_faster_whisper:
        from faster_whisper.feature_extractor import FeatureExtractor  # optional peer
        extractor = FeatureExtractor()
        check = lambda samples: extractor(samples)  # noqa: E731

    filters = mel_filters()
    if check is not None:
        diff = np.abs(extractor.mel_filters - filters).max()
        print(f"filters: faster-whisper vs this script, max |diff| = {diff:.3g}", file=sys.stderr)
    nonzero = [[int(m), int(k), float(filters[m, k])] for m, k in zip(*np.nonzero(filters))]

    wav_name = "u26_slt_100.wav"
    cases = [
        case("wav", wav_name, read_wav16(os.path.join(fixtures, wav_name)), filters, check),
        case("chirp", "0.5*(0.6+0.4*sin(2pi*0.7t))*sin(2pi*(50t+7900/64*t^2)), 32 s at 16 kHz",
             chirp(), filters, check),
    ]
    out = {
        "generator": "scripts/whisper/mel_reference.py",
        "pipeline": "faster-whisper FeatureExtractor(padding=160); content = samples // 160 "
                    "frames; window = content cut at 3000 then zero columns to 3000",
        "filters": {"shape": [N_MELS, N_FFT // 2 + 1], "nonzero": nonzero,
                    "row_sums": [float(v) for v in filters.astype(np.float64).sum(axis=1)]},
        "cases": cases,
    }
    path = os.path.join(fixtures, "mel_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path) / 1e3:.0f} kB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
