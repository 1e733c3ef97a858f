#!/usr/bin/env python3
"""Writes Tests/Fixtures/tokenizer/gemma3-270m.json: llama.cpp's SentencePiece tokenization of
the shared tricky strings plus SentencePiece-specific ones (leading/trailing/multiple spaces,
byte fallback, Gemma markup), using make_tokenizer_fixture.py unchanged.

Usage (from the repository root):
    PY="$(scripts/llamacpp-venv.sh)"
    "$PY" scripts/golden/make_gemma_tokenizer_fixture.py [MODEL.gguf] [OUT.json]
Defaults: gemma-3-270m-Q4_K_M.gguf under $XDG_DATA_HOME/clicky/models and
Tests/Fixtures/tokenizer/gemma3-270m.json.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import make_tokenizer_fixture as base  # noqa: E402
from tokenizer_cases import CASES  # noqa: E402

SPM_CASES = [
    "  two leading spaces",
    "trailing spaces   ",
    "a  b   c    d     e",
    " \u2581 literal lower one eighth block \u2581\u2581",
    "\u2581Hello",
    "tab\tand\nnewline\n\n\nthree",
    "\r\n windows \r\n",
    "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
    "<bos><start_of_turn>user\nWho are you?<end_of_turn>",
    "text<end_of_turn>text",
    "<start_of_turn> spaced <end_of_turn> ",
    "<start_of_image> <end_of_image>",
    "<unused0><unused1>",
    "<pad><eos><unk><mask>",
    "<0x41> <0xFF>",
    "\U0001F600\U0001F680\U0001F9D1\u200D\U0001F4BB",
    "\U0001D54F\U0001D550 \U00010348",
    "\u0000 nul and \u0007 bell \u001b[31m",
    "\ue000\uf8ff private use",
    "\U000E0041 tag char",
    "\u4f60\u597d\uff0c\u4e16\u754c",
    "\u3053\u3093\u306b\u3061\u306f \u30ab\u30bf\u30ab\u30ca",
    "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
    "<html><body><div class=\"x\">hi</div></body></html>",
    "    def f(x):\n        return x * 2\n",
    "**bold** _italic_ `code` ~~strike~~",
    "https://example.com/a?b=c&d=e#f",
]

if __name__ == "__main__":
    data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    model = sys.argv[1] if len(sys.argv) > 1 else os.path.join(data, "clicky", "models", "gemma-3-270m-Q4_K_M.gguf")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "Tests", "Fixtures", "tokenizer", "gemma3-270m.json")
    base.CASES = CASES + SPM_CASES
    sys.argv = [sys.argv[0], model, out]
    base.main()
