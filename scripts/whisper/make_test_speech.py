#!/usr/bin/env python3
"""Make the test speech for the Whisper work: Tests/Fixtures/speech/*.wav + utterances.json.

Every utterance is spoken by Debian's `flite` (voices kal, kal16, awb, rms, slt) at one of three
speaking rates (flite's `duration_stretch`: 0.85 faster, 1.0 normal, 1.2 slower). The output is
16-bit mono PCM. `kal` speaks at 8 kHz natively: half of its utterances are kept at 8 kHz (so the
Swift resampler is exercised by real speech), the other half are brought to 16 kHz here by a
Kaiser-windowed sinc interpolator written below (numpy only, no sox). Every other voice is 16 kHz
already and is copied through unchanged.

The text given to flite is exactly the `text` stored in utterances.json (plain lower-case words,
numbers written as spoken words), so it is what Whisper should hear after normalisation.

flite is deterministic and so is everything here: re-running rewrites byte-identical files.

    python3 scripts/whisper/make_test_speech.py [--out Tests/Fixtures/speech]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np

# (text, voice, duration_stretch). Lengths run from 2 to about 25 words.
UTTERANCES = [
    ("hello clicky", "slt", 1.0),
    ("thank you", "kal", 1.0),
    ("twenty three", "awb", 1.0),
    ("what is the capital of france", "slt", 1.0),
    ("how do i undo in this app", "rms", 1.0),
    ("alice lives in london", "kal16", 1.0),
    ("i use linux every day", "awb", 0.85),
    ("nineteen eighty four is a book by george orwell", "rms", 1.2),
    ("open the settings menu", "kal", 0.85),
    ("where is the save button", "slt", 1.2),
    ("can you help me write an email to alice", "kal16", 0.85),
    ("what time is it in london right now", "kal", 1.2),
    ("how do i make the text bigger", "awb", 1.2),
    ("set a timer for fifteen minutes", "slt", 0.85),
    ("my flight leaves at seven thirty in the morning", "rms", 0.85),
    ("the meeting moved to tuesday at two", "kal", 1.0),
    ("how many days are there in a leap year", "kal16", 1.2),
    ("what is one hundred and twenty plus forty five", "awb", 1.0),
    ("show me how to split the screen in two", "kal", 1.0),
    ("please read this paragraph out loud", "rms", 1.0),
    ("is there a keyboard shortcut for copy and paste", "slt", 1.0),
    ("the population of london is about nine million people", "kal16", 1.0),
    ("where did i put the file i downloaded yesterday", "kal", 0.85),
    ("linux is an operating system kernel first released in nineteen ninety one", "awb", 1.0),
    ("how do i change the wallpaper on my desktop", "rms", 1.2),
    ("i am trying to save this spreadsheet as a document but the button is grey and i do not "
     "know what i am doing wrong", "slt", 1.0),
    ("can you explain what this error message means and tell me step by step how to fix it "
     "without losing any of my work", "kal", 1.0),
    ("remind me to call alice at nine tomorrow morning", "rms", 1.0),
]

TARGET_RATE = 16000


def kaiser_sinc_upsample2(x: np.ndarray) -> np.ndarray:
    """Doubles the sample rate: zero-stuff, then low-pass at the old Nyquist with a windowed sinc.

    The filter is h[n] = 2 * fc * sinc(2 * fc * n) * kaiser(beta) with fc = 0.25 cycles per
    output sample (the old Nyquist), 129 taps (beta 8.6, about 80 dB stop-band), gain 2 to make
    up for the inserted zeros.
    """
    taps = 129
    half = taps // 2
    n = np.arange(taps) - half
    fc = 0.25
    h = 2.0 * fc * np.sinc(2.0 * fc * n) * np.kaiser(taps, 8.6)
    h *= 2.0 / h.sum()  # unit DC gain after zero-stuffing
    up = np.zeros(len(x) * 2, dtype=np.float64)
    up[::2] = x
    y = np.convolve(up, h)[half:half + len(up)]
    return y


def read_wav(path: str):
    with wave.open(path, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise SystemExit(f"{path}: flite gave an unexpected format")
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    return data, rate


def write_wav(path: str, samples: np.ndarray, rate: int) -> None:
    pcm = np.clip(np.round(samples), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.normpath(os.path.join(here, "..", "..", "Tests", "Fixtures", "speech"))
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=default_out)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    records = []
    kal_seen = 0
    with tempfile.TemporaryDirectory() as tmp:
        for index, (text, voice, stretch) in enumerate(UTTERANCES, start=1):
            raw = os.path.join(tmp, "raw.wav")
            subprocess.run(["flite", "-voice", voice, "--setf", f"duration_stretch={stretch}",
                            "-t", text, "-o", raw], check=True)
            samples, rate = read_wav(raw)
            if rate == 8000:
                kal_seen += 1
                if kal_seen % 2 == 0:  # every second 8 kHz utterance is upsampled here
                    samples, rate = kaiser_sinc_upsample2(samples), TARGET_RATE
            elif rate != TARGET_RATE:
                raise SystemExit(f"voice {voice} speaks at {rate} Hz; expected 8000 or 16000")
            name = f"u{index:02d}_{voice}_{int(round(stretch * 100)):03d}.wav"
            write_wav(os.path.join(args.out, name), samples, rate)
            records.append({
                "file": name,
                "text": text,
                "voice": voice,
                "rate": stretch,
                "sample_rate": rate,
                "seconds": round(len(samples) / rate, 3),
                "words": len(text.split()),
            })

    with open(os.path.join(args.out, "utterances.json"), "w") as f:
        json.dump({
            "generator": "scripts/whisper/make_test_speech.py",
            "synthesizer": "flite 2.2 (Debian); rate = duration_stretch (larger is slower)",
            "utterances": records,
        }, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, r["file"])) for r in records)
    print(f"{len(records)} utterances, {total / 1e6:.2f} MB in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
