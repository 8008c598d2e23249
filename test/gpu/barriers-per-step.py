#!/usr/bin/env python3
"""Prints the block barriers (gpu.barrier) in each outermost scf.for of the
kernels in an MLIR file (the chain kernel's chunk loops), one line per
loop: `loop N: B block barriers, W named waits, A arrivals` (the named
barriers of ttt-gpu-output-warps' two warp groups: `nvvm.barrier id = `
and `nvvm.barrier.arrive`). Reads the printed form: a loop is the lines
from its `scf.for` to the `}` at the same indentation."""
import sys


def main(path):
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
                index += 1
                i = j
        i += 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: barriers-per-step.py FILE.mlir")
    main(sys.argv[1])
