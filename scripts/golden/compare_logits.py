#!/usr/bin/env python3
"""Compares clicky's greedy logits with a llama.cpp golden, step by step.

usage: compare_logits.py GOLDEN.json [--bin PATH] [--threads N]
Prints, per case, the steps where both engines chose the same prefix, the largest and mean
absolute difference of the reference's top-1 logit, and where the sequences part.
"""
import argparse, json, subprocess, statistics

parser = argparse.ArgumentParser()
parser.add_argument("golden")
parser.add_argument("--bin", default=".build/release/clicky")
parser.add_argument("--threads", default="1")
parser.add_argument("--model", default=None)
args = parser.parse_args()
golden = json.load(open(args.golden))
for index, case in enumerate(golden["cases"]):
    command = [args.bin, "generate", "--raw", case["prompt"], "--temperature", "0", "--max-tokens",
               str(len(case["generated_token_ids"])), "--json", "--top-logits", "5", "--threads", args.threads]
    if args.model:
        command += ["--model", args.model]
    ours = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    diffs, parted = [], None
    for step, (reference, mine) in enumerate(zip(case["steps"], ours["top_logits"])):
        mine_by_id = {int(t): l for t, l in mine}
        ref_id, ref_logit = reference["top5"][0]
        if ref_id in mine_by_id:
            diffs.append(abs(mine_by_id[ref_id] - ref_logit))
        if ours["token_ids"][step] != reference["token"]:
            parted = (step, reference["margin"], step in case["fragile_steps"])
            break
    print(f"case {index}: prompt ids {'match' if ours['prompt_token_ids'] == case['prompt_token_ids'] else 'DIFFER'}; "
          f"{len(diffs)} steps compared, top-1 logit |diff| max {max(diffs):.4f} mean {statistics.mean(diffs):.4f}; "
          + (f"parted at step {parted[0]} (margin {parted[1]}, fragile {parted[2]})" if parted else "same tokens"))
