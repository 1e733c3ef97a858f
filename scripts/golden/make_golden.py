#!/usr/bin/env python3
"""Makes a greedy golden with llama.cpp (llama-cpp-python), in the shape of shared/golden/*.json.

usage: $(scripts/llamacpp-venv.sh) scripts/golden/make_golden.py MODEL.gguf OUT.json PROMPTS.json
       [--n-ctx 2048] [--max-tokens 32] [--threads 2]
PROMPTS.json is a list of raw prompt strings (special-token markup parsed, BOS per the model).
Each case records the prompt ids, the greedy ids, and per step the top five [id, logit] with the
margin; steps with a margin under 0.1 are listed as fragile.
"""
import argparse, hashlib, json, os
import numpy as np
from llama_cpp import Llama, __version__

parser = argparse.ArgumentParser()
parser.add_argument("model"); parser.add_argument("out"); parser.add_argument("prompts")
parser.add_argument("--n-ctx", type=int, default=2048)
parser.add_argument("--max-tokens", type=int, default=32)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()

llm = Llama(args.model, n_ctx=args.n_ctx, n_batch=512, n_threads=args.threads, logits_all=True,
            flash_attn=False, verbose=False)
eog = {llm.token_eos()}
cases = []
for prompt in json.load(open(args.prompts)):
    ids = llm.tokenize(prompt.encode(), add_bos=True, special=True)
    llm.reset()
    llm.eval(ids)
    generated, steps = [], []
    for step in range(args.max_tokens):
        logits = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        order = np.argsort(-logits, kind="stable")[:5]
        token = int(order[0])
        steps.append({"step": step, "token": token,
                      "top5": [[int(t), round(float(logits[t]), 4)] for t in order],
                      "margin": round(float(logits[order[0]] - logits[order[1]]), 4)})
        generated.append(token)
        if llm.token_is_eog(token) if hasattr(llm, "token_is_eog") else token in eog:
            break
        llm.eval([token])
    cases.append({"prompt": prompt, "prompt_token_ids": ids, "n_prompt": len(ids),
                  "generated_token_ids": generated, "steps": steps,
                  "min_margin": min(s["margin"] for s in steps),
                  "fragile_steps": [s["step"] for s in steps if s["margin"] < 0.1]})
digest = hashlib.sha256(open(args.model, "rb").read()).hexdigest()
json.dump({"model": os.path.basename(args.model), "model_sha256": digest,
           "engine": {"name": "llama-cpp-python", "version": __version__, "n_threads": args.threads,
                      "n_ctx": args.n_ctx, "flash_attn": False},
           "decoding": f"greedy argmax over raw logits, stop at end-of-generation or {args.max_tokens} tokens",
           "cases": cases}, open(args.out, "w"), indent=1)
print(f"wrote {len(cases)} cases to {args.out}")
