#!/usr/bin/env python3
"""Counts what a TTT graph costs at each stage: loops, contractions and
other linalg ops, and the intermediate tensors it materializes (with the
largest, taking the dynamic chunk dimension as the mini-batch size).

usage: scripts/ir-stats.py [--ttt-opt PATH] [--bt 16] example.mlir
Prints a Markdown table for: the graph as written, the primal lowering
(no dual form), the dual form before fusion and the full --ttt-to-linalg
pipeline."""

import argparse
import re
import subprocess

STAGES = [
    ("as written", []),
    ("primal: autodiff, scan-to-scf, ttt-to-linalg",
     ["--ttt-autodiff", "--convert-ttt-scan-to-scf", "--convert-ttt-to-linalg", "--canonicalize", "--cse"]),
    ("dual form, before ttt-fuse",
     ["--ttt-dual-form", "--ttt-autodiff", "--convert-ttt-scan-to-scf", "--convert-ttt-to-linalg",
      "--canonicalize", "--cse"]),
    ("--ttt-to-linalg (dual form + ttt-fuse)", ["--ttt-to-linalg"]),
]


def stats(ir, bt):
    generics = re.findall(r"linalg\.generic \{indexing_maps = .*?iterator_types = \[([^\]]*)\]", ir)
    reductions = sum('"reduction"' in g for g in generics)
    named = re.findall(r"= linalg\.(matmul|batch_vecmat|batch_matmul|matvec|vecmat)\b", ir)
    empties = re.findall(r"tensor\.empty\([^)]*\) : tensor<([^>]*)>", ir)
    largest = 0
    for t in empties:
        n = 1
        for d in t.split("x")[:-1]:
            n *= bt if d == "?" else int(d)
        largest = max(largest, n)
    return {
        "loops (scf.for)": len(re.findall(r"\bscf\.for\b", ir)),
        "contractions/reductions": reductions + len(named),
        "elementwise generics": len(generics) - reductions,
        "ttt ops left": len(re.findall(r"\bttt\.(?!yield\b|name\b|chain\b)\w+", ir)),
        "materialized tensors (tensor.empty)": len(empties),
        "largest intermediate (elements)": largest,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ttt-opt", default="build/bin/ttt-opt")
    ap.add_argument("--bt", type=int, default=16)
    ap.add_argument("file")
    a = ap.parse_args()
    rows = []
    for name, flags in STAGES:
        # Counted at B=1, H=12: the examples' chain dims are dynamic.
        src = re.sub(r"<\?x\?x(?=[0-9?])", "<1x12x", open(a.file).read()).replace("empty(%batch, %heads)", "empty()")
        ir = subprocess.run([a.ttt_opt, "-", *flags], input=src, check=True, capture_output=True,
                            text=True).stdout
        rows.append((name, stats(ir, a.bt)))
    keys = list(rows[0][1])
    print("| stage | " + " | ".join(keys) + " |")
    print("|---|" + "---:|" * len(keys))
    for name, s in rows:
        print(f"| {name} | " + " | ".join(str(s[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
