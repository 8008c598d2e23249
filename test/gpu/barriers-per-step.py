#!/usr/bin/env python3
"""Prints the block barriers (gpu.barrier) in each outermost scf.for of the
kernels in an MLIR file (the chain kernel's chunk loops), one line per
loop: `loop N: B block barriers, W named waits, A arrivals` (the named
barriers of ttt-gpu-output-warps' two warp groups: `nvvm.barrier id = `
and `nvvm.barrier.arrive`). With --blocks (cluster-groups with
group-sections: each block's code under guards of its rank at the top of
the loop body), also `  block R: B block barriers` for each block: the
body's own barriers (every block's) and those under its guards. Reads the
printed form: a loop is the lines from its `scf.for` to the `}` at the
same indentation."""
import re
import sys


def per_block(body, indent):
    """Block barriers a step on each block of a sectioned loop body."""
    ranks, counts, common, current = {}, {}, 0, None
    for line in body:
        m = re.match(r"\s*(%\S+) = arith.cmpi eq, %cluster_block_id_y\S*, %c(\d+)", line)
        if m:
            ranks[m.group(1)] = int(m.group(2))
        depth = len(line) - len(line.lstrip())
        if depth == indent + 2:
            guard = re.match(r"\s*scf.if (%\S+) \{", line)
            current = ranks.get(guard.group(1)) if guard else None
            common += "gpu.barrier" in line
        elif current is not None and "gpu.barrier" in line:
            counts[current] = counts.get(current, 0) + 1
    for rank in sorted(counts):
        print(f"  block {rank}: {common + counts[rank]} block barriers")


def main(path, blocks=False):
    lines = open(path).read().splitlines()
    index = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if "scf.for" in line and line.rstrip().endswith("{"):
            indent = len(line) - len(line.lstrip())
            barriers = waits = arrivals = 0
            j = i + 1
            while j < len(lines):
                inner = lines[j]
                if inner.strip() == "}" and len(inner) - len(inner.lstrip()) == indent:
                    break
                barriers += "gpu.barrier" in inner
                waits += "nvvm.barrier id = " in inner
                arrivals += "nvvm.barrier.arrive" in inner
                j += 1
            if barriers:
                print(f"loop {index}: {barriers} block barriers, "
                      f"{waits} named waits, {arrivals} arrivals")
                if blocks:
                    per_block(lines[i + 1:j], indent)
                index += 1
                i = j
        i += 1


if __name__ == "__main__":
    args = sys.argv[1:]
    blocks = "--blocks" in args
    args = [a for a in args if a != "--blocks"]
    if len(args) != 1:
        sys.exit("usage: barriers-per-step.py [--blocks] FILE.mlir")
    main(args[0], blocks)
