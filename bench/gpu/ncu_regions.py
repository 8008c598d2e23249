#!/usr/bin/env python3
"""Where a chain kernel's time goes, barrier interval by barrier interval.

Reads the SASS source page of an ncu report (`ncu --set full -o R ...`, then
`ncu -i R.ncu-rep --page source --csv --print-source sass > sass.csv`) and
prints, for each stretch of code between two BAR.SYNC, its share of the
warp-state samples, the instructions each warp executes there per
mini-batch step, the commonest opcodes and the stall reasons above 8% of
its samples. ncu charges a warp waiting at a barrier to the instruction
after the BAR.SYNC, so a stretch's `barrier` samples are waits for the
stretch before it.

With --groups (kernels with ttt-gpu-output-warps' two warp groups) a
stretch also ends at every named-barrier arrival (BAR.ARV) and branch
(the guards of each group's ops), and each line shows `runs`: its
busiest instruction's executions per chain and mini-batch step, the
warps that run the stretch (8 for one group's code, 16 for both) times
any loop inside it. A stretch of one group holds that group's samples
only.
"""
import argparse
import csv

STALLS = ["stall_barrier", "stall_short_sb", "stall_long_sb", "stall_wait",
          "stall_mio", "stall_math", "stall_selected", "stall_not_selected"]


def opcode(source):
    words = source.split()
    word = words[1] if words[0].startswith("@") else words[0]
    return word.split(".")[0]


def ends_stretch(source, groups):
    """Whether the stretch ends after this instruction."""
    if "BAR.SYNC" in source:
        return True
    return groups and ("BAR.ARV" in source or opcode(source) == "BRA")


def number(text):
    try:
        return int(float(text))
    except ValueError:
        return 0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("csv", help="the SASS source page of an ncu report (CSV)")
    p.add_argument("warp_steps", nargs="?", type=float, default=24576.0,
                   help="warps x mini-batch steps of the profiled launch "
                        "(default 24576: 12 chains x 128 steps of 16 tokens "
                        "x 16 warps)")
    p.add_argument("--warps", type=int, default=16,
                   help="warps per block (default 16), for --groups")
    p.add_argument("--groups", action="store_true",
                   help="also split at BAR.ARV and branches; show runs "
                        "per step")
    return p.parse_args()


def main():
    a = parse_args()
    rows = list(csv.reader(open(a.csv)))
    header, data = rows[1], rows[2:]
    steps = a.warp_steps
    chain_steps = steps / a.warps
    col = {name: header.index(name) for name in
           ["Address", "Source", "Warp Stall Sampling (All Samples)",
            "Instructions Executed"] + STALLS}
    samples = col["Warp Stall Sampling (All Samples)"]
    executed = col["Instructions Executed"]
    total = sum(number(r[samples]) for r in data) or 1
    print(f"samples {total}, instructions per warp-step "
          f"{sum(number(r[executed]) for r in data) / steps:.0f}")
    base = int(data[0][col["Address"]], 16)
    regions, current = [], None
    for r in data:
        source = r[col["Source"]].strip()
        if current is None:
            current = {"at": int(r[col["Address"]], 16) - base, "samples": 0,
                       "executed": 0, "busiest": 0, "ops": {},
                       "stalls": dict.fromkeys(STALLS, 0), "head": source}
        current["samples"] += number(r[samples])
        current["executed"] += number(r[executed])
        current["busiest"] = max(current["busiest"], number(r[executed]))
        op = opcode(source) if source else "?"
        current["ops"][op] = current["ops"].get(op, 0) + number(r[executed])
        for s in STALLS:
            current["stalls"][s] += number(r[col[s]])
        if source and ends_stretch(source, a.groups):
            regions.append(current)
            current = None
    if current:
        regions.append(current)
    for g in regions:
        if g["samples"] < total * 0.01:
            continue
        ops = sorted(g["ops"].items(), key=lambda kv: -kv[1])[:7]
        stalls = {k[6:]: v for k, v in g["stalls"].items()
                  if v > g["samples"] * 0.08}
        warps = (f"runs {g['busiest'] / chain_steps:4.1f}  "
                 if a.groups else "")
        print(f"+{g['at']:#06x} {100 * g['samples'] / total:5.1f}% {warps}"
              f"{g['executed'] / steps:6.1f} instr/warp-step  " +
              " ".join(f"{k}:{v / steps:.0f}" for k, v in ops) +
              f"  stalls {stalls}")


if __name__ == "__main__":
    main()
