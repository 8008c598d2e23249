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
import ttt_reference as ref  # noqa: E402
from check_examples import BT, D, load  # noqa: E402

TOL = 1e-10
H = 2
PIPELINE = ["--ttt-dual-form", "--ttt-autodiff", "--convert-ttt-scan-to-scf",
            "--convert-ttt-to-linalg", "--canonicalize", "--cse", "--ttt-fuse",
            "--canonicalize", "--cse"]
MANDATORY = ["--ttt-autodiff", "--convert-ttt-scan-to-scf", "--convert-ttt-to-linalg"]


def stage_passes(k):
    applied = PIPELINE[:k]
    return applied + [p for p in MANDATORY if p not in applied]


def reference(variant, inputs, tau):
    q, k, v, lr = inputs[:4]
    if variant == "mlp":
        W1, b1, W2, b2, gm, bt = inputs[4:10]
        exp = [np.zeros_like(x) for x in (q, W1, b1, W2, b2)]
        for h in range(H):
            res = ref.mlp_chain(q[0, h], k[0, h], v[0, h], lr[0, h], W1[0, h], b1[0, h],
                                W2[0, h], b2[0, h], gm[0, h], bt[0, h], BT, tau)
            for i, x in enumerate(res):
                exp[i][0, h] = x
        return exp
    W0, b0, gm, bt = inputs[4:8]
    exp = [np.zeros_like(q), np.zeros_like(W0), np.zeros_like(b0)]
    for h in range(H):
        o, W, b = ref.linear_chain(q[0, h], k[0, h], v[0, h], lr[0, h], W0[0, h], b0[0, h],
                                   gm[0, h], bt[0, h], BT, variant, tau)
        exp[0][0, h], exp[1][0, h], exp[2][0, h] = o, W, b
    return exp


def main():
    ttt_opt = sys.argv[1]
    rng = seeding.seeded_rng()
    r = lambda *s: rng.standard_normal(s)  # noqa: E731
    failed = 0
    for T in (20, 32):
        q, k, v = r(1, H, T, D), r(1, H, T, D), r(1, H, T, D)
        lr = rng.random((1, H, T)) * 0.1
        gm, bt = 1 + 0.1 * r(1, H, D), 0.1 * r(1, H, D)
        tok = 0.02 * r(BT)  # tau_16 > 0: the carried weights change
        tau = np.maximum(0.0, 1.0 / np.arange(1, BT + 1) + tok)
        W0, b0 = r(1, H, D, D) * 0.05, r(1, H, D) * 0.05
        W1, b1 = r(1, H, D, 4 * D) * 0.05, r(1, H, 4 * D) * 0.05
        W2, b2 = r(1, H, 4 * D, D) * 0.05, r(1, H, D) * 0.05
        examples = [
            ("fla", "ttt_linear_fla.mlir", "ttt_linear_fla", [q, k, v, lr, W0, b0, gm, bt]),
            ("official", "ttt_linear_official.mlir", "ttt_linear_official",
             [q, k, v, lr, W0, b0, gm, bt, tok]),
            ("mlp", "ttt_mlp.mlir", "ttt_mlp",
             [q, k, v, lr, W1, b1, W2, b2, gm, bt, np.broadcast_to(tau, (1, H, BT)).copy()]),
        ]
        for variant, fname, func, inputs in examples:
            text = load(fname).replace("1x12x", f"1x{H}x")
            expected = reference(variant, inputs, tau)
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
