"""Numeric check of convert-ttt-to-linalg: each lowered op, run through
mlir-runner in float64 on fresh random inputs, must match the independent
numpy reference within 1e-12 relative error."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib"))
import mlir_exec  # noqa: E402
import reference  # noqa: E402

TOL = 1e-12

MODULE = """
func.func @ln(%x: tensor<?x?xf64>, %g: tensor<?xf64>, %b: tensor<?xf64>) -> tensor<?x?xf64> {
  %0 = ttt.layer_norm %x, %g, %b {epsilon = 1.0e-06 : f64} : tensor<?x?xf64>, tensor<?xf64>, tensor<?xf64>
  return %0 : tensor<?x?xf64>
}
func.func @ln3(%x: tensor<2x3x5xf64>, %g: tensor<5xf64>, %b: tensor<5xf64>) -> tensor<2x3x5xf64> {
  %0 = ttt.layer_norm %x, %g, %b {epsilon = 1.0e-03 : f64} : tensor<2x3x5xf64>, tensor<5xf64>, tensor<5xf64>
  return %0 : tensor<2x3x5xf64>
}
func.func @gelu(%x: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %0 = ttt.gelu_tanh %x : tensor<?x?xf64>
  return %0 : tensor<?x?xf64>
}
func.func @silu(%x: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %0 = ttt.silu %x : tensor<?x?xf64>
  return %0 : tensor<?x?xf64>
}
func.func @l2(%p: tensor<?x?xf64>, %t: tensor<?x?xf64>) -> (tensor<?xf64>, tensor<f64>) {
  %0 = ttt.l2_loss %p, %t : tensor<?x?xf64> -> tensor<?xf64>
  %1 = ttt.l2_loss %p, %t reduce sum : tensor<?x?xf64> -> tensor<f64>
  return %0, %1 : tensor<?xf64>, tensor<f64>
}
func.func @sgd(%w: tensor<6x5xf64>, %g: tensor<?x6x5xf64>, %lr: tensor<?x?xf64>) -> tensor<?x6x5xf64> {
  %0 = ttt.update sgd %w, %g, %lr : (tensor<6x5xf64>, tensor<?x6x5xf64>, tensor<?x?xf64>) -> tensor<?x6x5xf64>
  return %0 : tensor<?x6x5xf64>
}
"""


def main():
    ttt_opt = sys.argv[1]
    seed = int(os.environ.get("TTT_SEED", np.random.SeedSequence().entropy % 2**32))
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 17))
    d = int(rng.integers(2, 33))
    x = rng.standard_normal((n, d)) * 2.0
    g, b = rng.standard_normal(d), rng.standard_normal(d)
    x3 = rng.standard_normal((2, 3, 5))
    g5, b5 = rng.standard_normal(5), rng.standard_normal(5)
    p, t = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    w, gr, lr = rng.standard_normal((6, 5)), rng.standard_normal((n, 6, 5)), rng.random((n, n))

    cases = [
        ("layer_norm", "ln", [x, g, b], [reference.layer_norm(x, g, b, 1e-6)]),
        ("layer_norm rank 3", "ln3", [x3, g5, b5], [reference.layer_norm(x3, g5, b5, 1e-3)]),
        ("gelu_tanh", "gelu", [x], [reference.gelu_tanh(x)]),
        ("silu", "silu", [x], [reference.silu(x)]),
        ("l2_loss", "l2", [p, t], [reference.l2_loss(p, t), reference.l2_loss(p, t, "sum")]),
        ("update sgd", "sgd", [w, gr, lr], [reference.sgd_per_position(w, gr, lr)]),
    ]
    failed = 0
    for name, func, inputs, expected in cases:
        got = mlir_exec.run(MODULE, func, inputs, ttt_opt=ttt_opt, passes=["--convert-ttt-to-linalg"])
        for k, (a, e) in enumerate(zip(got, expected)):
            err = mlir_exec.rel_err(a, e)
            ok = a.shape == np.shape(e) and err <= TOL
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'}: {name} result {k} shape {a.shape} rel err {err:.2e}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
