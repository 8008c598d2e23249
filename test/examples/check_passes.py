"""Each pass of --ttt-to-linalg preserves meaning: the bundled examples run
(in float64, through mlir-runner) after every prefix of the pipeline, on
fresh random inputs, with T a multiple (32) and not a multiple (20) of the
mini-batch. A graph that still holds ttt.grad / ttt.scan / TTT ops is made
executable by the mandatory lowerings it lacks (autodiff, scan-to-scf,
ttt-to-linalg), so "before pass k" is what the prefix without pass k
computes. Every stage must match the stage before it (relative error
<= 1e-10) and the independent primal-form reference (<= 1e-10). Heads are
cut to 2 to keep the run short."""

import os
import sys

import numpy as np

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import mlir_exec  # noqa: E402
import seeding  # noqa: E402
import ttt_cases  # noqa: E402
from check_examples import D, load  # noqa: E402

TOL = 1e-10
H = 2
PIPELINE = ["--ttt-dual-form", "--ttt-autodiff", "--convert-ttt-scan-to-scf",
            "--convert-ttt-to-linalg", "--canonicalize", "--cse", "--ttt-fuse",
            "--canonicalize", "--cse"]
MANDATORY = ["--ttt-autodiff", "--convert-ttt-scan-to-scf", "--convert-ttt-to-linalg"]


def stage_passes(k):
    applied = PIPELINE[:k]
    return applied + [p for p in MANDATORY if p not in applied]


def main():
    ttt_opt = sys.argv[1]
    rng = seeding.seeded_rng()
    failed = 0
    for T in (20, 32):
        examples = []
        for variant, fname in (("fla", "ttt_linear_fla"), ("official", "ttt_linear_official"),
                               ("mlp", "ttt_mlp")):
            x, _ = ttt_cases.inputs(variant, rng, 1, H, T, D)
            examples.append((variant, f"{fname}.mlir", fname, x))
        for variant, fname, func, x in examples:
            text = load(fname)
            inputs = [a.astype(np.float64) for a in x.values()]
            expected = ttt_cases.reference(variant, x, 1, H)
            previous = None
            for stage in range(len(PIPELINE) + 1):
                name = "as written" if stage == 0 else f"after {PIPELINE[stage - 1]} (#{stage})"
                got = mlir_exec.run(text, func, inputs, ttt_opt=ttt_opt,
                                    passes=stage_passes(stage))
                errs = [mlir_exec.rel_err(a, e) for a, e in zip(got, expected)]
                prev = [mlir_exec.rel_err(a, p) for a, p in zip(got, previous)] if previous else [0.0]
                ok = max(errs) <= TOL and max(prev) <= TOL
                failed += not ok
                print(f"{'PASS' if ok else 'FAIL'}: {variant} T={T} {name}: "
                      f"vs reference {max(errs):.1e}, vs previous stage {max(prev):.1e}")
                previous = got
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
