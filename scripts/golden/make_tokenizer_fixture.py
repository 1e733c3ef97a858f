#!/usr/bin/env python3
"""Writes Tests/Fixtures/tokenizer/<model>.json: llama.cpp's tokenization of tricky strings.

The Swift tokenizer must match llama.cpp byte for byte, so the reference is llama.cpp itself
(through llama-cpp-python, vocabulary only: no weights are loaded). For every string the fixture
records the token ids with special-token markup parsed and with it left as text, and what
llama.cpp detokenizes those ids back to. It also records the end-of-generation set, the token
attributes that matter to the tokenizer, and a digest of every token's piece so one test covers
the whole vocabulary's decoding.

Usage (from the repository root):
    PY="$(scripts/llamacpp-venv.sh)"
    "$PY" scripts/golden/make_tokenizer_fixture.py [MODEL.gguf] [OUT.json]
Defaults: the SmolLM2-135M-Instruct model under $XDG_DATA_HOME/clicky/models and
Tests/Fixtures/tokenizer/smollm2-135m-instruct.json.
"""
import ctypes
import hashlib
import json
import os
import sys

import llama_cpp
from llama_cpp import Llama

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from tokenizer_cases import CASES  # noqa: E402


def default_model():
    data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(data, "clicky", "models", "SmolLM2-135M-Instruct.Q4_1.gguf")


def piece(vocab, token, special):
    """llama_token_to_piece with a buffer grown until the piece fits."""
    size = 64
    while True:
        buf = ctypes.create_string_buffer(size)
        n = llama_cpp.llama_token_to_piece(vocab, token, buf, size, 0, special)
        if n >= 0:
            return buf.raw[:n]
        size = -n


def fnv1a64(data, state=0xCBF29CE484222325):
    for byte in data:
        state = ((state ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return state


def pieces_digest(vocab, n_tokens, special):
    """FNV-1a 64 over every token's piece, each prefixed by its length as 4 little-endian bytes
    (a checksum both sides compute in a few lines; this is not about security)."""
    state = fnv1a64(b"")
    for token in range(n_tokens):
        p = piece(vocab, token, special)
        state = fnv1a64(len(p).to_bytes(4, "little") + p, state)
    return "%016x" % state


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else default_model()
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        ROOT, "Tests", "Fixtures", "tokenizer", "smollm2-135m-instruct.json")

    llm = Llama(model_path=model, vocab_only=True, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    n_tokens = llama_cpp.llama_vocab_n_tokens(vocab)

    cases = []
    for text in CASES:
        raw = text.encode("utf-8")
        with_special = llm.tokenize(raw, add_bos=False, special=True)
        as_text = llm.tokenize(raw, add_bos=False, special=False)
        cases.append({
            "text": text,
            "ids_parse_special": with_special,
            "ids_plain": as_text,
            # Decoding with special=True must give the input back for the plain ids.
            "decoded_plain": llm.detokenize(as_text, special=True).decode("utf-8"),
        })

    def optional(token):
        return token if token >= 0 else None

    fixture = {
        "generator": "scripts/golden/make_tokenizer_fixture.py",
        "llama_cpp_python": llama_cpp.__version__,
        "model": os.path.basename(model),
        "model_sha256": sha256_file(model),
        "vocabulary_size": n_tokens,
        "bos": optional(llama_cpp.llama_vocab_bos(vocab)),
        "eos": optional(llama_cpp.llama_vocab_eos(vocab)),
        "eot": optional(llama_cpp.llama_vocab_eot(vocab)),
        "adds_bos": bool(llama_cpp.llama_vocab_get_add_bos(vocab)),
        "end_of_generation_ids": [t for t in range(n_tokens) if llama_cpp.llama_vocab_is_eog(vocab, t)],
        "control_ids": [t for t in range(n_tokens) if llama_cpp.llama_vocab_is_control(vocab, t)],
        # Length-prefixed pieces of every token; `special` says whether control tokens render.
        "pieces_fnv1a64_special": pieces_digest(vocab, n_tokens, True),
        "pieces_fnv1a64_plain": pieces_digest(vocab, n_tokens, False),
        "cases": cases,
    }
    # One key, and one case, per line: reviewable diffs without a line per token id.
    def line(value):
        return json.dumps(value, ensure_ascii=False)
    fields = [f" {line(key)}: {line(value)}" for key, value in fixture.items() if key != "cases"]
    fields.append(' "cases": [\n' + ",\n".join("  " + line(case) for case in cases) + "\n ]")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(fields) + "\n}\n")
    print(f"wrote {len(cases)} cases to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
