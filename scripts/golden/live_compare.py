#!/usr/bin/env python3
"""Compares clicky's logits with a live llama.cpp, exactly (the golden JSON keeps 4 decimals).

For each golden case (or --prompt), clicky generates greedily; llama.cpp then evaluates the same
prompt and, token by token, the same continuation (the goldens' settings: flash attention off,
F16 KV cache, n_ctx 256 unless --ctx). Prints per case the largest |difference| over the top-k
logits of every step and whether the two engines' greedy choices agree. Identical arithmetic
gives 0.0 everywhere.

usage (with the llama-cpp-python venv, scripts/llamacpp-venv.sh):
    "$PY" scripts/golden/live_compare.py Tests/Fixtures/golden/smollm2-135m-instruct-q4_1.json
        [--bin .build/release/clicky] [--threads N] [--llama-threads N] [--model PATH] [--prompt TEXT --steps N]
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_capture  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("golden", nargs="?")
parser.add_argument("--bin", default=".build/release/clicky")
parser.add_argument("--threads", default="1")
parser.add_argument("--llama-threads", type=int, default=2)
parser.add_argument("--model", default=None, help="defaults to the golden's model in the models directory")
parser.add_argument("--prompt", default=None)
parser.add_argument("--steps", type=int, default=16)
parser.add_argument("--ctx", type=int, default=256)
parser.add_argument("--top", type=int, default=5)
args = parser.parse_args()

golden = json.load(open(args.golden)) if args.golden else None
model_path = args.model or os.path.join(os.environ.get("XDG_DATA_HOME", os.path.expanduser("~/.local/share")),
                                        "clicky", "models", golden["model"] if golden else "SmolLM2-135M-Instruct.Q4_1.gguf")
cases = [(c["prompt"], len(c["generated_token_ids"])) for c in golden["cases"]] if golden and not args.prompt \
    else [(args.prompt, args.steps)]
llama = llama_capture.load(model_path, n_threads=args.llama_threads, n_ctx=args.ctx)
for index, (prompt, steps) in enumerate(cases):
    command = [args.bin, "generate", "--raw", prompt, "--temperature", "0", "--max-tokens", str(steps), "--json",
               "--top-logits", str(args.top), "--threads", args.threads, "--model", model_path]
    ours = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    llama.reset()
    worst, agree = 0.0, True
    for step, top in enumerate(ours["top_logits"]):
        llama.eval(ours["prompt_token_ids"] if step == 0 else [ours["token_ids"][step - 1]])
        reference = np.array(llama.scores[llama.n_tokens - 1])
        for token, logit in top:
            worst = max(worst, abs(float(reference[int(token)]) - logit))
        agree &= int(np.argmax(reference)) == ours["token_ids"][step]
    print(f"case {index}: {len(ours['top_logits'])} steps, top-{args.top} logits max |diff| {worst:.3g}; "
          f"greedy choices {'agree' if agree else 'DIFFER'}")
