#!/usr/bin/env python3
"""CTranslate2's own numbers for a few test utterances: Tests/Fixtures/speech/whisper-reference-tokens.json.

The network-level reference for our Swift Whisper (Sources/Speech/Whisper, issue 6): for each
utterance named below, the log-mel window faster-whisper's FeatureExtractor makes of the whole file
(no silence trimming), pushed through CTranslate2's Whisper on the installed tiny.en directory with
the prompt [<|startoftranscript|>, <|notimestamps|>], greedy (beam 1), suppress_blank and the
config's suppress_ids (suppress_tokens=[-1]), max_length 448 — so CTranslate2 itself stops after
448/2 = 224 tokens. Recorded per utterance:

* `greedy_ids`: the generated ids without the prompt and without <|endoftext|>;
* `first_step_top5`: the five highest first-step logits (ids and values) after CTranslate2's
  suppression (suppressed ids are -inf and never among them) — the raw scores of the decoder's
  output layer for the token after <|notimestamps|>;
* `first_step_logsumexp` over the unsuppressed first-step logits, a check on the whole row.

    PY="$(scripts/whisper/faster-whisper-venv.sh)"
    "$PY" scripts/whisper/reference_tokens.py [--model-dir DIR] [--speech-dir DIR] [--out FILE]

The Swift test (Tests/SpeechTests/WhisperNetworkTests.swift) computes the same window with our
front end, runs our encoder and decoder, and compares: top-5 ids equal, logits within a small
tolerance (our mel differs from faster-whisper's by < 1e-6 and our sums run in another order),
greedy ids equal.
"""
import argparse
import datetime
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import faster_whisper_reference as ref  # noqa: E402  (wave reading, the 8 kHz upsampler, paths)

UTTERANCES = ["u26_slt_100.wav", "u08_rms_120.wav", "u24_awb_100.wav"]
PROMPT = [50257, 50362]   # <|startoftranscript|> <|notimestamps|>, checked against the vocabulary below


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    parser.add_argument("--model-dir", default=os.path.join(data_home, "clicky", "models", "whisper-tiny.en"))
    parser.add_argument("--speech-dir", default=ref.DEFAULT_SPEECH_DIR)
    parser.add_argument("--out", default=os.path.join(ref.DEFAULT_SPEECH_DIR, "whisper-reference-tokens.json"))
    args = parser.parse_args()

    import ctranslate2
    import faster_whisper
    from faster_whisper.feature_extractor import FeatureExtractor

    with open(os.path.join(args.model_dir, "vocabulary.txt"), encoding="utf-8") as f:
        vocabulary = f.read().split("\n")
    assert [vocabulary[i] for i in PROMPT] == ["<|startoftranscript|>", "<|notimestamps|>"], "unexpected vocabulary"

    model = ctranslate2.models.Whisper(args.model_dir, device="cpu", compute_type="float32", intra_threads=1)
    extractor = FeatureExtractor()
    results = []
    for name in UTTERANCES:
        samples, rate, _ = ref.load_16k(os.path.join(args.speech_dir, name))
        # As faster-whisper's transcribe: features of the clip (padding=160 appended inside),
        # the first 3000 content frames, zero columns after them.
        features = extractor(samples)
        content = features[:, : features.shape[-1] - 1]
        window = np.zeros((80, 3000), dtype=np.float32)
        window[:, : min(3000, content.shape[-1])] = content[:, :3000]
        storage = ctranslate2.StorageView.from_array(np.ascontiguousarray(window[None]))
        result = model.generate(storage, [PROMPT], beam_size=1, max_length=448, return_logits_vocab=True,
                                suppress_blank=True, suppress_tokens=[-1])[0]
        ids = [int(t) for t in result.sequences_ids[0]]
        first = np.array(result.logits[0][0], dtype=np.float64)
        finite = np.isfinite(first)
        order = [int(i) for i in np.argsort(-np.where(finite, first, -np.inf), kind="stable")[:5]]
        top = first[finite].max()
        results.append({
            "file": name,
            "input_rate": rate,
            "greedy_ids": ids,
            "text": "".join(vocabulary[i] for i in ids).replace("\u0120", " ").strip(),
            "first_step_top5": {"ids": order, "logits": [round(float(first[i]), 5) for i in order]},
            "first_step_logsumexp": round(float(top + np.log(np.exp(first[finite] - top).sum())), 5),
        })
        print(f"{name}: {len(ids)} tokens, top-1 {order[0]} ({first[order[0]]:.4f})", file=sys.stderr)

    out = {
        "generator": "scripts/whisper/reference_tokens.py",
        "date": datetime.date.today().isoformat(),
        "ctranslate2": ctranslate2.__version__,
        "faster_whisper": faster_whisper.__version__,
        "model_dir_name": os.path.basename(os.path.normpath(args.model_dir)),
        "compute_type": "float32 (fp16 weights widened at load), intra_threads=1",
        "prompt": PROMPT,
        "decoding": "greedy, max_length 448 (224 new tokens), suppress_blank, suppress_tokens [-1] = config suppress_ids",
        "features": "faster-whisper FeatureExtractor on the whole file, first 3000 content frames, zero columns after",
        "utterances": results,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
