"""Numeric check of ttt-autodiff: the derived gradients, run in float64
through mlir-runner on fresh random inputs, must match central finite
differences of the independent numpy reference (relative error <= 1e-6),
and the TTT-Linear per-example gradient must equal its closed form."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib"))
import mlir_exec  # noqa: E402
import seeding  # noqa: E402
import reference as ref  # noqa: E402

TOL = 1e-6
N, D, H = 3, 4, 8  # examples, model width, MLP hidden width

T = "tensor<{}xf64>"


def t(*dims):
    return T.format("x".join(map(str, dims)))


def grad_module(name, wrt, captured, body, loss_type, grad_types):
    """A function taking (wrt..., captured...) and returning ttt.grad's results."""
    args = [f"%w{i}: {ty}" for i, (_, ty) in enumerate(wrt)]
    args += [f"%{n}: {ty}" for n, ty in captured]
    wrt_vals = ", ".join(f"%w{i}" for i in range(len(wrt)))
    wrt_tys = ", ".join(ty for _, ty in wrt)
    bargs = ", ".join(f"%{n}: {ty}" for n, ty in wrt)
    gt = ", ".join(grad_types)
    res = ", ".join(f"%g#{i}" for i in range(len(wrt))) if len(wrt) > 1 else "%g"
    lhs = f"%g:{len(wrt)}" if len(wrt) > 1 else "%g"
    return f"""
func.func @{name}({", ".join(args)}) -> ({gt}) {{
  {lhs} = ttt.grad wrt({wrt_vals} : {wrt_tys}) -> ({gt}) {{
  ^bb0({bargs}):
    %zero = arith.constant 0.0 : f64
{body}
    ttt.yield %loss : {loss_type}
  }}
  return {res} : {gt}
}}"""


MATMUL = """    %e = tensor.empty() : tensor<3x4xf64>
    %z0 = linalg.fill ins(%zero : f64) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %p = linalg.matmul ins(%x, %W : tensor<3x4xf64>, tensor<4x4xf64>) outs(%z0 : tensor<3x4xf64>) -> tensor<3x4xf64>
    %loss = ttt.l2_loss %p, %tg reduce sum : tensor<3x4xf64> -> tensor<f64>"""

MATMUL_T = """    %e = tensor.empty() : tensor<3x4xf64>
    %z0 = linalg.fill ins(%zero : f64) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %p = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
        ins(%x, %W : tensor<3x4xf64>, tensor<4x4xf64>) outs(%z0 : tensor<3x4xf64>) -> tensor<3x4xf64>
    %loss = ttt.l2_loss %p, %tg reduce sum : tensor<3x4xf64> -> tensor<f64>"""

ELEMENTWISE = """    %e = tensor.empty() : tensor<3x4xf64>
    %z0 = linalg.fill ins(%zero : f64) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %xw = linalg.matmul ins(%x, %W : tensor<3x4xf64>, tensor<4x4xf64>) outs(%z0 : tensor<3x4xf64>) -> tensor<3x4xf64>
    %bb = linalg.broadcast ins(%b : tensor<4xf64>) outs(%e : tensor<3x4xf64>) dimensions = [0]
    %s = linalg.add ins(%xw, %bb : tensor<3x4xf64>, tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %m = linalg.mul ins(%s, %s : tensor<3x4xf64>, tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %d = linalg.sub ins(%m, %xw : tensor<3x4xf64>, tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %loss = ttt.l2_loss %d, %tg reduce sum : tensor<3x4xf64> -> tensor<f64>"""

ACTIVATIONS = """    %e = tensor.empty() : tensor<3x4xf64>
    %z0 = linalg.fill ins(%zero : f64) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %xw = linalg.matmul ins(%x, %W : tensor<3x4xf64>, tensor<4x4xf64>) outs(%z0 : tensor<3x4xf64>) -> tensor<3x4xf64>
    %g1 = ttt.gelu_tanh %xw : tensor<3x4xf64>
    %s1 = ttt.silu %g1 : tensor<3x4xf64>
    %loss = ttt.l2_loss %s1, %tg reduce sum : tensor<3x4xf64> -> tensor<f64>"""

LAYERNORM = """    %e = tensor.empty() : tensor<3x4xf64>
    %ln = ttt.layer_norm %xx, %gm, %bt {epsilon = 1.0e-06 : f64} : tensor<3x4xf64>, tensor<4xf64>, tensor<4xf64>
    %loss = ttt.l2_loss %ln, %tg reduce sum : tensor<3x4xf64> -> tensor<f64>"""

TTT_LINEAR = """    %e = tensor.empty() : tensor<3x4xf64>
    %z0 = linalg.fill ins(%zero : f64) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %xw = linalg.matmul ins(%k, %W : tensor<3x4xf64>, tensor<4x4xf64>) outs(%z0 : tensor<3x4xf64>) -> tensor<3x4xf64>
    %bb = linalg.broadcast ins(%b : tensor<4xf64>) outs(%e : tensor<3x4xf64>) dimensions = [0]
    %z = linalg.add ins(%xw, %bb : tensor<3x4xf64>, tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %f = ttt.layer_norm %z, %gm, %bt {epsilon = 1.0e-06 : f64} : tensor<3x4xf64>, tensor<4xf64>, tensor<4xf64>
    %loss = ttt.l2_loss %f, %tg : tensor<3x4xf64> -> tensor<3xf64>"""

TTT_MLP = """    %e = tensor.empty() : tensor<3x4xf64>
    %eh = tensor.empty() : tensor<3x8xf64>
    %z0 = linalg.fill ins(%zero : f64) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %h0 = linalg.fill ins(%zero : f64) outs(%eh : tensor<3x8xf64>) -> tensor<3x8xf64>
    %xw1 = linalg.matmul ins(%k, %W1 : tensor<3x4xf64>, tensor<4x8xf64>) outs(%h0 : tensor<3x8xf64>) -> tensor<3x8xf64>
    %bb1 = linalg.broadcast ins(%b1 : tensor<8xf64>) outs(%eh : tensor<3x8xf64>) dimensions = [0]
    %z1 = linalg.add ins(%xw1, %bb1 : tensor<3x8xf64>, tensor<3x8xf64>) outs(%eh : tensor<3x8xf64>) -> tensor<3x8xf64>
    %h = ttt.gelu_tanh %z1 : tensor<3x8xf64>
    %hw2 = linalg.matmul ins(%h, %W2 : tensor<3x8xf64>, tensor<8x4xf64>) outs(%z0 : tensor<3x4xf64>) -> tensor<3x4xf64>
    %bb2 = linalg.broadcast ins(%b2 : tensor<4xf64>) outs(%e : tensor<3x4xf64>) dimensions = [0]
    %z2 = linalg.add ins(%hw2, %bb2 : tensor<3x4xf64>, tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %f = ttt.layer_norm %z2, %gm, %bt {epsilon = 1.0e-06 : f64} : tensor<3x4xf64>, tensor<4xf64>, tensor<4xf64>
    %loss = ttt.l2_loss %f, %tg : tensor<3x4xf64> -> tensor<3xf64>"""


# Layer norm written by hand: linalg.reduce sums, a broadcasting generic for
# the centering, rsqrt in a generic body, gamma/beta broadcast inside it.
LN_BY_HAND = """    %e = tensor.empty() : tensor<3x4xf64>
    %er = tensor.empty() : tensor<3xf64>
    %zr = linalg.fill ins(%zero : f64) outs(%er : tensor<3xf64>) -> tensor<3xf64>
    %sum = linalg.reduce ins(%IN : tensor<3x4xf64>) outs(%zr : tensor<3xf64>) dimensions = [1]
      (%a: f64, %acc: f64) {
        %s = arith.addf %a, %acc : f64
        linalg.yield %s : f64
      }
    %xc = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
        ins(%IN, %sum : tensor<3x4xf64>, tensor<3xf64>) outs(%e : tensor<3x4xf64>) {
    ^bb0(%a: f64, %sm: f64, %o: f64):
      %n = arith.constant 4.0 : f64
      %mu = arith.divf %sm, %n : f64
      %c = arith.subf %a, %mu : f64
      linalg.yield %c : f64
    } -> tensor<3x4xf64>
    %sq = linalg.square ins(%xc : tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %var = linalg.reduce ins(%sq : tensor<3x4xf64>) outs(%zr : tensor<3xf64>) dimensions = [1]
      (%a: f64, %acc: f64) {
        %s = arith.addf %a, %acc : f64
        linalg.yield %s : f64
      }
    %f = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
        ins(%xc, %var, %gm, %bt : tensor<3x4xf64>, tensor<3xf64>, tensor<4xf64>, tensor<4xf64>) outs(%e : tensor<3x4xf64>) {
    ^bb0(%c: f64, %v: f64, %g: f64, %b0: f64, %o: f64):
      %n = arith.constant 4.0 : f64
      %eps = arith.constant 1.0e-6 : f64
      %vm = arith.divf %v, %n : f64
      %ve = arith.addf %vm, %eps : f64
      %inv = math.rsqrt %ve : f64
      %xh = arith.mulf %c, %inv : f64
      %sc = arith.mulf %xh, %g : f64
      %y = arith.addf %sc, %b0 : f64
      linalg.yield %y : f64
    } -> tensor<3x4xf64>"""

LAYERNORM_BY_HAND = LN_BY_HAND.replace("%IN", "%xx") + """
    %loss = ttt.l2_loss %f, %tg reduce sum : tensor<3x4xf64> -> tensor<f64>"""

TTT_LINEAR_BY_HAND = """    %e0 = tensor.empty() : tensor<3x4xf64>
    %z0 = linalg.fill ins(%zero : f64) outs(%e0 : tensor<3x4xf64>) -> tensor<3x4xf64>
    %xw = linalg.matmul ins(%k, %W : tensor<3x4xf64>, tensor<4x4xf64>) outs(%z0 : tensor<3x4xf64>) -> tensor<3x4xf64>
    %bb = linalg.broadcast ins(%b : tensor<4xf64>) outs(%e0 : tensor<3x4xf64>) dimensions = [0]
    %z = linalg.add ins(%xw, %bb : tensor<3x4xf64>, tensor<3x4xf64>) outs(%e0 : tensor<3x4xf64>) -> tensor<3x4xf64>
""" + LN_BY_HAND.replace("%IN", "%z") + """
    %loss = ttt.l2_loss %f, %tg : tensor<3x4xf64> -> tensor<3xf64>"""

# linalg.exp, linalg.tanh, linalg.div and a linalg.transpose.
EXP_TANH_DIV = """    %e = tensor.empty() : tensor<3x4xf64>
    %et = tensor.empty() : tensor<4x4xf64>
    %z0 = linalg.fill ins(%zero : f64) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %wt = linalg.transpose ins(%W : tensor<4x4xf64>) outs(%et : tensor<4x4xf64>) permutation = [1, 0]
    %p = linalg.matmul ins(%x, %wt : tensor<3x4xf64>, tensor<4x4xf64>) outs(%z0 : tensor<3x4xf64>) -> tensor<3x4xf64>
    %ex = linalg.exp ins(%p : tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %th = linalg.tanh ins(%p : tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %q = linalg.div ins(%th, %ex : tensor<3x4xf64>, tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %loss = ttt.l2_loss %q, %tg reduce sum : tensor<3x4xf64> -> tensor<f64>"""


# The remaining scalar rules of elementwise bodies: log, sqrt, max, min,
# select, neg, sub; one generic whose body uses them all.
SCALAR_OPS = """    %e = tensor.empty() : tensor<3x4xf64>
    %z0 = linalg.fill ins(%zero : f64) outs(%e : tensor<3x4xf64>) -> tensor<3x4xf64>
    %p = linalg.matmul ins(%x, %W : tensor<3x4xf64>, tensor<4x4xf64>) outs(%z0 : tensor<3x4xf64>) -> tensor<3x4xf64>
    %f = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
        ins(%p : tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) {
    ^bb0(%a: f64, %o: f64):
      %one = arith.constant 1.0 : f64
      %tenth = arith.constant 0.1 : f64
      %sq = arith.mulf %a, %a : f64
      %s1 = arith.addf %sq, %one : f64
      %r = math.sqrt %s1 : f64
      %l = math.log %r : f64
      %small = arith.mulf %a, %tenth : f64
      %lk = arith.maximumf %a, %small : f64
      %mn = arith.minimumf %lk, %one : f64
      %pos = arith.cmpf ogt, %a, %zero : f64
      %sel = arith.select %pos, %l, %mn : f64
      %ng = arith.negf %sel : f64
      %d = arith.subf %ng, %mn : f64
      linalg.yield %d : f64
    } -> tensor<3x4xf64>
    %loss = ttt.l2_loss %f, %tg reduce sum : tensor<3x4xf64> -> tensor<f64>"""


def scalar_ops_ref(p):
    leaky = np.minimum(np.maximum(p, 0.1 * p), 1.0)
    sel = np.where(p > 0, np.log(np.sqrt(p * p + 1)), leaky)
    return -sel - leaky


def fd_grad(loss, params, i, per_example):
    """Central differences of loss(params) w.r.t. params[i]."""
    h = 1e-6
    p = [np.array(a, dtype=np.float64) for a in params]
    base = np.asarray(loss(*p))
    out = np.zeros(base.shape + p[i].shape)
    for idx in np.ndindex(p[i].shape):
        old = p[i][idx]
        p[i][idx] = old + h
        up = np.asarray(loss(*p))
        p[i][idx] = old - h
        dn = np.asarray(loss(*p))
        p[i][idx] = old
        out[(Ellipsis,) + idx] = (up - dn) / (2 * h)
    return out


def ttt_linear_closed_form(k, W, b, gm, bt, tg, eps=1e-6):
    """g_s = dl_s/dz_s for l_s = 1/2||LN(z_s) - tg_s||^2, z = kW + b;
    grad_W l_s = k_s^T g_s, grad_b l_s = g_s (DESIGN.md)."""
    z = k @ W + b
    mu = z.mean(-1, keepdims=True)
    sd = np.sqrt(((z - mu) ** 2).mean(-1, keepdims=True) + eps)
    xhat = (z - mu) / sd
    gx = (xhat * gm + bt - tg) * gm
    g = (gx - gx.mean(-1, keepdims=True) - xhat * (gx * xhat).mean(-1, keepdims=True)) / sd
    return np.einsum("si,sj->sij", k, g), g


def main():
    ttt_opt = sys.argv[1]
    rng = seeding.seeded_rng()
    r = lambda *s: rng.standard_normal(s)  # noqa: E731
    x, tg, W, b, gm, bt = r(N, D), r(N, D), r(D, D) * 0.5, r(D), 1 + 0.1 * r(D), r(D)
    W1, b1, W2, b2 = r(D, H) * 0.5, r(H), r(H, D) * 0.5, r(D)

    sq = t(N, D)
    cases = [
        ("matmul", [("W", t(D, D))], [("x", sq), ("tg", sq)], MATMUL, "tensor<f64>",
         [W], [x, tg], lambda W: ref.l2_loss(x @ W, tg, "sum"), False),
        ("matmul_transposed", [("W", t(D, D))], [("x", sq), ("tg", sq)], MATMUL_T, "tensor<f64>",
         [W], [x, tg], lambda W: ref.l2_loss(x @ W.T, tg, "sum"), False),
        ("elementwise", [("W", t(D, D)), ("b", t(D))], [("x", sq), ("tg", sq)], ELEMENTWISE, "tensor<f64>",
         [W, b], [x, tg],
         lambda W, b: ref.l2_loss((x @ W + b) ** 2 - x @ W, tg, "sum"), False),
        ("activations", [("W", t(D, D))], [("x", sq), ("tg", sq)], ACTIVATIONS, "tensor<f64>",
         [W], [x, tg], lambda W: ref.l2_loss(ref.silu(ref.gelu_tanh(x @ W)), tg, "sum"), False),
        ("layer_norm", [("xx", sq), ("gm", t(D)), ("bt", t(D))], [("tg", sq)], LAYERNORM, "tensor<f64>",
         [x, gm, bt], [tg], lambda xx, gm, bt: ref.l2_loss(ref.layer_norm(xx, gm, bt), tg, "sum"), False),
        ("layer_norm_by_hand", [("xx", sq), ("gm", t(D)), ("bt", t(D))], [("tg", sq)], LAYERNORM_BY_HAND,
         "tensor<f64>", [x, gm, bt], [tg],
         lambda xx, gm, bt: ref.l2_loss(ref.layer_norm(xx, gm, bt), tg, "sum"), False),
        ("exp_tanh_div", [("W", t(D, D))], [("x", sq), ("tg", sq)], EXP_TANH_DIV, "tensor<f64>",
         [W], [x, tg], lambda W: ref.l2_loss(np.tanh(x @ W.T) / np.exp(x @ W.T), tg, "sum"), False),
        ("scalar_ops", [("W", t(D, D))], [("x", sq), ("tg", sq)], SCALAR_OPS, "tensor<f64>",
         [W], [x, tg], lambda W: ref.l2_loss(scalar_ops_ref(x @ W), tg, "sum"), False),
        ("ttt_linear_by_hand", [("W", t(D, D)), ("b", t(D))], [("k", sq), ("gm", t(D)), ("bt", t(D)), ("tg", sq)],
         TTT_LINEAR_BY_HAND, "tensor<3xf64>", [W, b], [x, gm, bt, tg],
         lambda W, b: ref.l2_loss(ref.layer_norm(x @ W + b, gm, bt), tg), True),
        ("ttt_linear", [("W", t(D, D)), ("b", t(D))], [("k", sq), ("gm", t(D)), ("bt", t(D)), ("tg", sq)],
         TTT_LINEAR, "tensor<3xf64>", [W, b], [x, gm, bt, tg],
         lambda W, b: ref.l2_loss(ref.layer_norm(x @ W + b, gm, bt), tg), True),
        ("ttt_mlp", [("W1", t(D, H)), ("b1", t(H)), ("W2", t(H, D)), ("b2", t(D))],
         [("k", sq), ("gm", t(D)), ("bt", t(D)), ("tg", sq)], TTT_MLP, "tensor<3xf64>",
         [W1, b1, W2, b2], [x, gm, bt, tg],
         lambda W1, b1, W2, b2: ref.l2_loss(
             ref.layer_norm(ref.gelu_tanh(x @ W1 + b1) @ W2 + b2, gm, bt), tg), True),
    ]
    failed = 0
    for name, wrt, captured, body, loss_ty, wvals, cvals, loss, per_ex in cases:
        gtypes = [ty.replace("tensor<", f"tensor<{N}x") if per_ex else ty for _, ty in wrt]
        module = grad_module(name, wrt, captured, body, loss_ty, gtypes)
        got = mlir_exec.run(module, name, wvals + cvals, ttt_opt=ttt_opt,
                            passes=["--ttt-autodiff", "--convert-ttt-to-linalg"])
        for i, (wname, _) in enumerate(wrt):
            expect = fd_grad(loss, wvals, i, per_ex)
            err = mlir_exec.rel_err(got[i], expect)
            ok = got[i].shape == expect.shape and err <= TOL
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'}: {name} d/d{wname} vs finite differences, rel err {err:.1e}")
        if name == "ttt_linear":
            cW, cb = ttt_linear_closed_form(x, W, b, gm, bt, tg)
            for label, g, c in (("W", got[0], cW), ("b", got[1], cb)):
                err = mlir_exec.rel_err(g, c)
                ok = err <= 1e-12
                failed += not ok
                print(f"{'PASS' if ok else 'FAIL'}: ttt_linear d/d{label} vs closed form k_s^T g_s, rel err {err:.1e}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
