#!/usr/bin/env python3
"""Clicky's engine and llama.cpp side by side on the same GGUF files, prompts and threads.

usage (through bench/compare-llamacpp, which builds and provides the paths):
  compare_llamacpp.py --clicky BIN --kernel-bench BIN --models A.gguf B.gguf [--threads 1 2] [--runs 3]

For each model and thread count it alternates `clicky bench --json --runs 1` and
bench/llamacpp_peer.py (A B A B …), each in a fresh process, and reports the medians:
decode tok/s (128 greedy tokens, end-of-text ignored), prefill tok/s (512-token prompt),
time to first token for the local voice prompt (system prompt + question; median of the
bench's three questions), model load time and peak resident memory, each with the ratio
ours / llama.cpp. The peer is fed the token ids clicky produced, so both do the same work.

It also measures the machine's read bandwidth (KernelBench --only bandwidth) and prints decode
as a share of the limit bandwidth / bytes read per token, where the bytes per token are every
weight tensor once (the token embedding only once more if it doubles as the output head).
"""
import argparse, datetime, json, os, platform, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser()
parser.add_argument("--clicky", required=True)
parser.add_argument("--kernel-bench", required=True)
parser.add_argument("--models", nargs="+", required=True)
parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--flash-attn", action="store_true", help="run llama.cpp with flash attention")
parser.add_argument("--json", action="store_true", help="print the raw medians as JSON as well")
args = parser.parse_args()


def cpu_name():
    """Model name, family/model numbers (AMD family 25 is Zen 3/4, 26 Zen 5) and vector ISA."""
    fields = {}
    for line in open("/proc/cpuinfo"):
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    flags = fields.get("flags", "").split()
    isa = "AVX-512 VNNI" if "avx512_vnni" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    name = fields.get("model name", platform.processor())
    return f"{name} (family {fields.get('cpu family', '?')} model {fields.get('model', '?')}, {isa})"


def bytes_per_token(path):
    """Weight bytes one decode step reads: all tensors, the embedding table only as the head."""
    from gguf import GGUFReader
    tensors = {t.name: int(t.n_bytes) for t in GGUFReader(path).tensors}
    total = sum(tensors.values())
    if "output.weight" in tensors and "token_embd.weight" in tensors:
        total -= tensors["token_embd.weight"]   # only one row is looked up per token
    return total


def bandwidth():
    out = subprocess.run([args.kernel_bench, "--only", "bandwidth", "--rounds", "10"],
                         capture_output=True, text=True, check=True).stdout
    result = {}
    for line in out.splitlines():
        if line.startswith("read_bandwidth_gbps"):
            _, threads, value = line.split()
            result[int(threads)] = float(value)
    return result


def ours(model, threads):
    out = subprocess.run([args.clicky, "bench", "--json", "--runs", "1", "--threads", str(threads),
                          "--model", model, "--max-tokens", "64"],
                         capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    firsts = sorted(q["first_token_seconds"] for q in report["questions"])
    return report, {
        "decode": report["decode_tokens_per_second"],
        "prefill": report["prefill_tokens_per_second"],
        "first_token": firsts[len(firsts) // 2],
        "load": report["load_seconds"],
        "peak_mb": report["peak_memory_mb"],
    }


def peer(model, threads, prompts_file):
    command = [sys.executable, os.path.join(HERE, "llamacpp_peer.py"), model, str(threads), prompts_file]
    if args.flash_attn:
        command.append("--flash-attn")
    report = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    return report, {
        "decode": report["decode_tokens_per_second"],
        "prefill": report["prefill_tokens_per_second"],
        "first_token": report["first_token_seconds"],
        "load": report["load_seconds"],
        "peak_mb": report["peak_memory_mb"],
    }


def medians(samples):
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


limits = bandwidth()
rows = []
for model in args.models:
    per_token = bytes_per_token(model)
    for threads in args.threads:
        mine, theirs = [], []
        prompts_file = None
        for run in range(args.runs):
            report, sample = ours(model, threads)   # A
            mine.append(sample)
            if prompts_file is None:
                handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
                json.dump({"prompt_token_ids": report["prompt_token_ids"]}, handle)
                handle.close()
                prompts_file = handle.name
            peer_report, sample = peer(model, threads, prompts_file)   # B
            theirs.append(sample)
            engine = peer_report["engine"]
            print(f"  {os.path.basename(model)} {threads}T run {run + 1}: ours {mine[-1]['decode']:.0f} tok/s, "
                  f"llama.cpp {theirs[-1]['decode']:.0f} tok/s", file=sys.stderr)
        os.unlink(prompts_file)
        limit = limits.get(threads, 0) * 1e9 / per_token
        rows.append({"model": os.path.basename(model), "threads": threads, "ours": medians(mine),
                     "llama.cpp": medians(theirs), "engine": engine, "bytes_per_token": per_token,
                     "bandwidth_gbps": limits.get(threads, 0), "limit_tok_s": limit})

today = datetime.date.today().isoformat()
print(f"Measured {today} on {cpu_name()}, {os.cpu_count()} vCPUs; read bandwidth "
      + ", ".join(f"{v:.1f} GB/s ({t}T)" for t, v in sorted(limits.items()))
      + f". Medians of {args.runs} interleaved runs; peer: {rows[0]['engine'] if rows else 'llama.cpp'} "
      + f"(flash attention {'on' if args.flash_attn else 'off'}).\n")
print("| model | threads | decode tok/s (ours / llama.cpp = ratio) | share of bandwidth limit | "
      "prefill tok/s (512) | first token (voice prompt) | load | peak memory |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for row in rows:
    a, b = row["ours"], row["llama.cpp"]

    def pair(key, fmt):
        ratio = a[key] / b[key] if b[key] else float("nan")
        return f"{format(a[key], fmt)} / {format(b[key], fmt)} = {ratio:.2f}×"

    share = f"{a['decode'] / row['limit_tok_s']:.0%} / {b['decode'] / row['limit_tok_s']:.0%} of {row['limit_tok_s']:.0f}"
    print(f"| {row['model']} | {row['threads']} | {pair('decode', '.0f')} | {share} | {pair('prefill', '.0f')} | "
          f"{pair('first_token', '.2f')} s | {pair('load', '.2f')} s | {pair('peak_mb', '.0f')} MB |")
if args.json:
    print(json.dumps(rows, indent=1))
