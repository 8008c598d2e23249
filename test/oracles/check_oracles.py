"""Cross-check of the two independent float64 oracles: the JAX one
(test/lib/jax_reference.py: jax.grad inside lax.scan, vmapped over batch and
heads) against the numpy primal-form reference (test/lib/ttt_reference.py:
hand-written backprop, one chain at a time), on fresh random inputs (seed
printed; TTT_SEED overrides it). TTT-Linear fla and official (primal oracle
and the JAX dual form) and TTT-MLP, B in {1, 3}, H in {1, 4}, D in {16, 64},
T = 32 (a multiple of BT = 16) and T = 37 (partial last mini-batch); outputs
and final fast weights must agree within 1e-10 relative (Frobenius) error.
Fails loudly when jax cannot be imported: scripts/install-deps.sh installs it.

To keep the run short (XLA's compile time dominates it), each shape's five
JAX computations are compiled as one jitted function with LLVM optimization
off; the public wrappers (ttt_linear, ttt_mlp) are called on one shape too."""

import itertools
import os
import sys

import numpy as np

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                           " --xla_backend_optimization_level=0").strip()
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
try:
    import jax_reference as jref  # noqa: E402
except ImportError as e:  # not a skip: install-deps installs jax
    print(f"FAIL: cannot import jax ({e}); run scripts/install-deps.sh")
    sys.exit(2)
import jax  # noqa: E402
import ttt_reference as ref  # noqa: E402

TOL = 1e-10
BT = 16


def rel_err(a, e):
    a, e = np.asarray(a, np.float64), np.asarray(e, np.float64)
    if a.shape != e.shape:
        return float("inf")
    return float(np.linalg.norm(a - e) / max(np.linalg.norm(e), 1e-300))


def inputs(rng, B, H, T, D, hidden=None):
    r = lambda *s: rng.standard_normal(s)  # noqa: E731
    # Small token offsets keep tau_16 > 0, so the carried weights change.
    x = dict(q=r(B, H, T, D), k=r(B, H, T, D), v=r(B, H, T, D),
             lr=rng.random((B, H, T)) * 0.1,
             gamma=1 + 0.1 * r(B, H, D), beta=0.1 * r(B, H, D), tok=0.02 * r(BT))
    if hidden is None:
        x.update(W0=r(B, H, D, D) * 0.05, b0=r(B, H, D) * 0.05)
    else:
        x.update(W1=r(B, H, D, hidden) * 0.05, b1=r(B, H, hidden) * 0.05,
                 W2=r(B, H, hidden, D) * 0.05, b2=r(B, H, D) * 0.05)
    return x


def numpy_linear(x, variant, tau):
    q = x["q"]
    B, H = q.shape[:2]
    exp = [np.zeros_like(q), np.zeros_like(x["W0"]), np.zeros_like(x["b0"])]
    for b, h in itertools.product(range(B), range(H)):
        res = ref.linear_chain(x["q"][b, h], x["k"][b, h], x["v"][b, h], x["lr"][b, h],
                               x["W0"][b, h], x["b0"][b, h], x["gamma"][b, h],
                               x["beta"][b, h], BT, variant, tau)
        for i, y in enumerate(res):
            exp[i][b, h] = y
    return exp


def numpy_mlp(x, tau):
    q = x["q"]
    B, H = q.shape[:2]
    names = ["W1", "b1", "W2", "b2"]
    exp = [np.zeros_like(q)] + [np.zeros_like(x[n]) for n in names]
    for b, h in itertools.product(range(B), range(H)):
        res = ref.mlp_chain(x["q"][b, h], x["k"][b, h], x["v"][b, h], x["lr"][b, h],
                            *[x[n][b, h] for n in names], x["gamma"][b, h],
                            x["beta"][b, h], BT, tau)
        for i, y in enumerate(res):
            exp[i][b, h] = y
    return exp


def check(label, got, exp, names):
    bad = 0
    for name, a, e in zip(names, got, exp):
        err = rel_err(a, e)
        ok = err <= TOL and np.asarray(a).dtype == np.float64
        bad += not ok
        print(f"{'PASS' if ok else 'FAIL'}: {label} {name} {tuple(np.shape(a))} rel err {err:.1e}")
    return bad


LINEAR = ("q", "k", "v", "lr", "W0", "b0", "gamma", "beta")
MLP = ("q", "k", "v", "lr", "W1", "b1", "W2", "b2", "gamma", "beta")
FORMS = [(v, f) for v in ("fla", "official") for f in ("primal", "dual")]


@jax.jit
def all_jax(lin, mlp, tok_lin, tok_mlp):
    """The four TTT-Linear forms and TTT-MLP in one XLA compile."""
    res = [jref._linear_jit(v, f, BT, *lin, tok_lin if v == "official" else 0 * tok_lin)
           for v, f in FORMS]
    return res, jref._mlp_jit(BT, *mlp, tok_mlp)


def main():
    seed = int(os.environ.get("TTT_SEED", np.random.SeedSequence().entropy % 2**32))
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    failed = total = 0
    for B, H, D, T in itertools.product((1, 3), (1, 4), (16, 64), (32, 37)):
        shape = f"B={B} H={H} D={D} T={T}"
        x = inputs(rng, B, H, T, D)
        y = inputs(rng, B, H, T, D, hidden=4 * D)
        public = (B, H, D, T) == (1, 1, 16, 37)
        if public:  # the numpy-in, numpy-out API
            lin = [jref.ttt_linear(*[x[n] for n in LINEAR], bt=BT, variant=v, form=f,
                                   token_idx=x["tok"] if v == "official" else None)
                   for v, f in FORMS]
            mlp = jref.ttt_mlp(*[y[n] for n in MLP], y["tok"], bt=BT)
        else:
            lin, mlp = all_jax([x[n] for n in LINEAR], [y[n] for n in MLP], x["tok"], y["tok"])
        tau = np.maximum(0.0, 1.0 / np.arange(1, BT + 1) + x["tok"])
        for (variant, form), got in zip(FORMS, lin):
            if form == "primal":
                exp = numpy_linear(x, variant, tau)
            failed += check(f"TTT-Linear {variant} {form} {shape}", got, exp, ("out", "W", "b"))
            total += 3
        tau = np.maximum(0.0, 1.0 / np.arange(1, BT + 1) + y["tok"])
        failed += check(f"TTT-MLP official {shape}", mlp, numpy_mlp(y, tau),
                        ("out", "W1", "b1", "W2", "b2"))
        total += 5
    print(f"oracles: {total - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
