#!/usr/bin/env python3
"""One measurement of llama.cpp (through llama-cpp-python) in its own process, the same
quantities `clicky bench --json` reports, on the token ids clicky itself produced.

usage: llamacpp_peer.py MODEL THREADS PROMPTS.json [--prefill 512] [--decode 128] [--flash-attn]
PROMPTS.json holds `prompt_token_ids` (one list per voice question) from `clicky bench --json`.
Prints one JSON object. Runs inside the venv made by scripts/llamacpp-venv.sh.

Timing is wall clock around llama_decode calls made through `Llama.eval`; picking the next
token is an argmax over the last logits (greedy, as clicky's bench). Peak memory is VmHWM
minus what the interpreter and numpy held before the model was loaded, so Python's own
footprint is not charged to llama.cpp.
"""
import argparse, json, time

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("threads", type=int)
parser.add_argument("prompts")
parser.add_argument("--prefill", type=int, default=512)
parser.add_argument("--decode", type=int, default=128)
parser.add_argument("--flash-attn", action="store_true")
args = parser.parse_args()


def vm_hwm_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024
    return 0.0


prompts = json.load(open(args.prompts))["prompt_token_ids"]
import llama_cpp  # noqa: E402  (imported after argument errors can be reported)

baseline = vm_hwm_mb()
start = time.perf_counter()
llm = llama_cpp.Llama(args.model, n_ctx=4096, n_batch=512, n_ubatch=512, n_threads=args.threads,
                      n_threads_batch=args.threads, flash_attn=args.flash_attn, verbose=False)
load = time.perf_counter() - start


def next_token():
    return int(np.argmax(llm.scores[llm.n_tokens - 1]))


def run_prompt(ids):
    llm.reset()
    llm.eval(ids)
    return next_token()


run_prompt(prompts[0][:8])  # warm-up, as clicky's bench does

first_token = []
for ids in prompts:
    start = time.perf_counter()
    run_prompt(ids)
    first_token.append(time.perf_counter() - start)

prefill_ids = (prompts[0] * (args.prefill // len(prompts[0]) + 1))[: args.prefill]
start = time.perf_counter()
run_prompt(prefill_ids)
prefill = args.prefill / (time.perf_counter() - start)

token = run_prompt(prompts[0])
start = time.perf_counter()
for _ in range(args.decode):
    llm.eval([token])
    token = next_token()
decode = args.decode / (time.perf_counter() - start)

print(json.dumps({
    "engine": "llama.cpp " + llama_cpp.__version__,
    "threads": args.threads,
    "load_seconds": load,
    "first_token_seconds": sorted(first_token)[len(first_token) // 2],
    "prefill_tokens_per_second": prefill,
    "decode_tokens_per_second": decode,
    "peak_memory_mb": vm_hwm_mb() - baseline,
}))
