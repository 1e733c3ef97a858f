#!/usr/bin/env python3
"""Writes a tokenizer fixture for a vocabulary-only GGUF made by make_bpe_vocab_gguf.py (Llama 3,
Qwen): the shared tricky strings plus cases aimed at the Llama 3 / Qwen 2 expression (digit
groups, case-insensitive contractions, line-break runs, a leading non-letter before letters),
using make_tokenizer_fixture.py unchanged.

Usage (from the repository root):
    PY="$(scripts/llamacpp-venv.sh)"
    "$PY" scripts/golden/make_bpe_tokenizer_fixture.py VOCAB.gguf OUT.json
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_tokenizer_fixture as base  # noqa: E402
from tokenizer_cases import CASES  # noqa: E402

HEADER_CASES = [
    "1 12 123 1234 12345 123456 1234567",
    " 1 a1 _1 -12345",
    "IT'S It'S it's I'M WE'LL THEY'RE YOU'VE HE'D",
    "a\r\nb\n\n\nc \n d\t\n\te",
    "  \n  \n  x",
    "end with spaces   ",
    "end with newline spaces \n  ",
    "\tTab\tTab",
    "(hello) [world] {x} <y>",
    "$100 #tag @user ~home",
    "...!!!???\n\n",
    "\u00a0non-breaking\u00a0space\u3000ideographic",
    "\u2028line\u2029paragraph",
    "caf\u00e9 na\u0308ive \u1100\u1161",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    "<|eot_id|><|eot_id|> <|end_of_text|>",
]

if __name__ == "__main__":
    base.CASES = CASES + HEADER_CASES
    base.main()
