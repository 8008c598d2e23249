"""End-to-end check of the bundled examples: each graph, in float64, goes
through ttt-autodiff, convert-ttt-scan-to-scf and convert-ttt-to-linalg and
runs in mlir-runner on fresh random inputs, with T a multiple and not a
multiple of the mini-batch, with and without ttt-dual-form; outputs and final fast weights must match the
independent primal-form reference (test/lib/ttt_reference.py) within 1e-10
relative error."""

import os
import re
import sys

import numpy as np

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import mlir_exec  # noqa: E402
import seeding  # noqa: E402
import ttt_reference as ref  # noqa: E402

TOL = 1e-10
LOWER = ["--ttt-autodiff", "--convert-ttt-scan-to-scf", "--convert-ttt-to-linalg",
         "--canonicalize", "--cse"]
# Each pipeline must compute the same function: the primal form, and with
# the matrix weights' updates rewritten into the dual form.
PIPELINES = {"primal": LOWER, "dual": ["--ttt-dual-form"] + LOWER,
             "pipeline": ["--ttt-to-linalg"]}
BT, H, D = 16, 12, 64


def load(name):
    with open(os.path.join(HERE, "..", "..", "examples", name)) as f:
        text = f.read()
    # The examples are fp32; run the same graph in f64 for exact checks.
    text = re.sub(r"\bf32\b", "f64", text).replace("xf32>", "xf64>")
    return text


def check(label, got, expected):
    bad = 0
    for i, (a, e) in enumerate(zip(got, expected)):
        err = mlir_exec.rel_err(a, e)
        ok = a.shape == e.shape and err <= TOL
        bad += not ok
        print(f"{'PASS' if ok else 'FAIL'}: {label} result {i} shape {a.shape} rel err {err:.1e}")
    return bad


def main():
    ttt_opt = sys.argv[1]
    pipeline = PIPELINES[sys.argv[2]]
    rng = seeding.seeded_rng()
    r = lambda *s: rng.standard_normal(s)  # noqa: E731
    failed = 0
    for T in (20, 32):
        q, k, v = r(1, H, T, D), r(1, H, T, D), r(1, H, T, D)
        lr = rng.random((1, H, T)) * 0.1
        W0, b0 = r(1, H, D, D) * 0.05, r(1, H, D) * 0.05
        gm, bt = 1 + 0.1 * r(1, H, D), 0.1 * r(1, H, D)
        tok = 0.02 * r(BT)  # tau_16 > 0: the carried weights change
        tau = np.maximum(0.0, 1.0 / np.arange(1, BT + 1) + tok)

        for variant, name in (("fla", "ttt_linear_fla.mlir"), ("official", "ttt_linear_official.mlir")):
            extra = [] if variant == "fla" else [tok]
            got = mlir_exec.run(load(name), f"ttt_linear_{variant}",
                                [q, k, v, lr, W0, b0, gm, bt] + extra,
                                ttt_opt=ttt_opt, passes=pipeline)
            exp = [np.zeros_like(q), np.zeros_like(W0), np.zeros_like(b0)]
            for h in range(H):
                o, W, b = ref.linear_chain(q[0, h], k[0, h], v[0, h], lr[0, h], W0[0, h], b0[0, h],
                                           gm[0, h], bt[0, h], BT, variant, tau)
                exp[0][0, h], exp[1][0, h], exp[2][0, h] = o, W, b
            failed += check(f"TTT-Linear {variant} T={T}", got, exp)

        W1, b1 = r(1, H, D, 4 * D) * 0.05, r(1, H, 4 * D) * 0.05
        W2, b2 = r(1, H, 4 * D, D) * 0.05, r(1, H, D) * 0.05
        taus = np.broadcast_to(tau, (1, H, BT)).copy()
        got = mlir_exec.run(load("ttt_mlp.mlir"), "ttt_mlp",
                            [q, k, v, lr, W1, b1, W2, b2, gm, bt, taus],
                            ttt_opt=ttt_opt, passes=pipeline)
        exp = [np.zeros_like(q), np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)]
        for h in range(H):
            res = ref.mlp_chain(q[0, h], k[0, h], v[0, h], lr[0, h], W1[0, h], b1[0, h],
                                W2[0, h], b2[0, h], gm[0, h], bt[0, h], BT, tau)
            for i, x in enumerate(res):
                exp[i][0, h] = x
        failed += check(f"TTT-MLP T={T}", got, exp)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
