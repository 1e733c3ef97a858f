#!/usr/bin/env python3
"""Op-by-op comparison of clicky's forward pass with llama.cpp's, to find the first operation
whose output differs (by even one bit) and by how much.

clicky side: a build with scripts/golden/engine_dump.patch applied (never committed: it writes
every intermediate to $CLICKY_DUMP/<call>_<name>-<layer>.bin). llama.cpp side: llama_capture.py.
Prompt batches are cut at 128 tokens as in LlamaModel, then one batch per generated token.

usage (with the llama-cpp-python venv, scripts/llamacpp-venv.sh):
    git apply scripts/golden/engine_dump.patch && swift build -c release --product clicky
    "$PY" scripts/golden/bisect_ops.py MODEL.gguf "<|im_start|>user\nHi<|im_end|>\n" 4 [--all]
    git apply -R scripts/golden/engine_dump.patch
Tip: with a model cut to a few blocks (truncate_model.py) everything should be identical.
"""
import argparse
import atexit
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_capture  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("prompt")
parser.add_argument("steps", type=int)
parser.add_argument("--bin", default=".build/release/clicky")
parser.add_argument("--threads", default="1")
parser.add_argument("--llama-threads", type=int, default=2)
parser.add_argument("--ctx", type=int, default=256)
parser.add_argument("--all", action="store_true", help="print every op, not only the first differing layer")
args = parser.parse_args()

directory = tempfile.mkdtemp(prefix="clicky-dump-")
atexit.register(shutil.rmtree, directory, ignore_errors=True)
out = subprocess.run([args.bin, "generate", "--raw", args.prompt, "--temperature", "0", "--max-tokens", str(args.steps),
                      "--json", "--threads", args.threads, "--model", args.model],
                     capture_output=True, text=True, env=dict(os.environ, CLICKY_DUMP=directory), check=True)
ours = json.loads(out.stdout)
if not glob.glob(directory + "/1_*"):
    sys.exit("no dumps written: is engine_dump.patch applied to this build?")
prompt = ours["prompt_token_ids"]
batches = [prompt[i:i + 128] for i in range(0, len(prompt), 128)] + [[t] for t in ours["token_ids"][:-1]]
dumps, _ = llama_capture.run(llama_capture.load(args.model, n_threads=args.llama_threads, n_ctx=args.ctx), batches)

layers = max(int(f.rsplit("-", 1)[1][:-4]) for f in glob.glob(directory + "/1_*")) + 1
order = ["attn_norm", "Qcur", "Kcur", "Vcur", "Qrope", "Krope", "kqv_out", "attn_out", "ffn_inp", "ffn_norm",
         "ffn_gate", "ffn_up", "ffn_swiglu", "ffn_out", "l_out"]


def reference(dump, name, layer):
    """llama.cpp's tensor for our dump point: Qcur/Kcur come as [matmul, reshape, rope]."""
    base = {"Qrope": "Qcur", "Krope": "Kcur"}.get(name, name)
    values = dump.get(base if name.startswith("result") else f"{base}-{layer}")
    if values is None:
        return None
    return values[2 if name in ("Qrope", "Krope") else 0].reshape(-1)


for call, dump in enumerate(dumps, start=1):
    rows, first = [], None
    points = [(layer, name) for layer in range(layers) for name in order] + [(0, "result_norm"), (0, "result_output")]
    for layer, name in points:
        path = f"{directory}/{call}_{name}-{layer}.bin"
        if not os.path.exists(path):
            continue
        mine, theirs = np.fromfile(path, dtype=np.float32), reference(dump, name, layer)
        if theirs is None:
            rows.append((layer, name, "not in llama.cpp's graph"))
            continue
        theirs = theirs[-mine.size:]   # llama.cpp keeps all outputs of a batch; we only the last
        differing = int((mine != theirs).sum())
        gap = float(np.abs(mine - theirs).max())
        rows.append((layer, name, f"{differing:6d}/{mine.size} differ, max |diff| {gap:.3e}"))
        if differing and first is None:
            first = (layer, name)
    print(f"== batch {call} ({len(batches[call - 1])} tokens): first difference at {first or 'none'}")
    for layer, name, text in rows:
        if args.all or name == "l_out" or name.startswith("result") or (first and layer == first[0]):
            print(f"   {layer:>3} {name:<13} {text}")
