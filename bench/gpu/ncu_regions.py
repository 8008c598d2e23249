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

usage: ncu_regions.py sass.csv [WARP_STEPS]
WARP_STEPS: warps x mini-batch steps of the profiled launch (default
24576: 12 chains x 128 steps of 16 tokens x 16 warps).
"""
import csv
import sys

STALLS = ["stall_barrier", "stall_short_sb", "stall_long_sb", "stall_wait",
          "stall_mio", "stall_math", "stall_selected", "stall_not_selected"]


def opcode(source):
    words = source.split()
    word = words[1] if words[0].startswith("@") else words[0]
    return word.split(".")[0]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rows = list(csv.reader(open(sys.argv[1])))
    header, data = rows[1], rows[2:]
    steps = float(sys.argv[2]) if len(sys.argv) > 2 else 24576.0
    col = {name: header.index(name) for name in
           ["Address", "Source", "Warp Stall Sampling (All Samples)",
            "Instructions Executed"] + STALLS}
    samples = col["Warp Stall Sampling (All Samples)"]
    executed = col["Instructions Executed"]
    total = sum(int(r[samples]) for r in data) or 1
    print(f"samples {total}, instructions per warp-step "
          f"{sum(int(r[executed]) for r in data) / steps:.0f}")
    base = int(data[0][col["Address"]], 16)
    regions, current = [], None
    for r in data:
        if current is None:
            current = {"at": int(r[col["Address"]], 16) - base, "samples": 0,
                       "executed": 0, "ops": {},
                       "stalls": dict.fromkeys(STALLS, 0)}
        current["samples"] += int(r[samples])
        current["executed"] += int(r[executed])
        op = opcode(r[col["Source"]].strip())
        current["ops"][op] = current["ops"].get(op, 0) + int(r[executed])
        for s in STALLS:
            current["stalls"][s] += int(r[col[s]])
        if "BAR.SYNC" in r[col["Source"]]:
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
        print(f"+{g['at']:#06x} {100 * g['samples'] / total:5.1f}% "
              f"{g['executed'] / steps:6.1f} instr/warp-step  " +
              " ".join(f"{k}:{v / steps:.0f}" for k, v in ops) +
              f"  stalls {stalls}")


if __name__ == "__main__":
    main()
