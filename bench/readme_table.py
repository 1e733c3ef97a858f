#!/usr/bin/env python3
"""Runs `clicky bench --json` for 1 and 2 threads and prints the README's speed table.

usage: bench/readme_table.py [--bin PATH] [--runs N] [--model NAME|PATH]
The medians come from the bench itself (warm-up, then N runs per question).
"""
import argparse, datetime, json, platform, subprocess

parser = argparse.ArgumentParser()
parser.add_argument("--bin", default=".build/release/clicky")
parser.add_argument("--runs", default="3")
parser.add_argument("--model", default=None)
args = parser.parse_args()

def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()

rows = []
for threads in ("1", "2"):
    command = [args.bin, "bench", "--json", "--threads", threads, "--runs", args.runs, "--max-tokens", "128"]
    if args.model:
        command += ["--model", args.model]
    report = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    questions = report["questions"]
    decode = sorted(q["decode_tokens_per_second"] for q in questions)[len(questions) // 2]
    first = sorted(q["first_token_seconds"] for q in questions)[len(questions) // 2]
    rows.append((report["model"], threads, decode, report["prefill_tokens_per_second"], first,
                 report["load_seconds"], report["peak_memory_mb"], questions[0]["prompt_tokens"]))

print(f"Measured {datetime.date.today().isoformat()} on {cpu_name()}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} vCPUs, "
      f"`clicky bench --runs {args.runs} --max-tokens 128` (medians over the three questions).\n")
print("| model | threads | decode tok/s | prefill tok/s (512) | first token (voice prompt) | load | peak memory |")
print("|---|---:|---:|---:|---:|---:|---:|")
for model, threads, decode, prefill, first, load, peak, prompt in rows:
    print(f"| {model} | {threads} | {decode:.0f} | {prefill:.0f} | {first:.2f} s ({prompt} tokens) | {load:.2f} s | {peak:.0f} MB |")
