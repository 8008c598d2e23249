"""Random inputs for the bundled examples, named as their manifests name
them, and their float64 reference outputs (test/lib/ttt_reference.py), for
the end-to-end checks of compiled artifacts (CPU and GPU).

The learnable token offsets are small (0.02 N(0, 1)): tau_r = max(0, 1/r +
offset_r) then stays positive up to r = 16, so the weights carried from one
mini-batch to the next really change (with tau_16 = 0 the official and MLP
forms would carry W0 unchanged and the final-weight checks would test
nothing)."""

import os

import numpy as np

import ttt_reference as ref

BT = 16


def inputs(variant, rng, B, H, T, D):
    """(inputs by manifest name, learnable token offsets) for one case."""
    r = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    x = {"q": r(B, H, T, D), "k": r(B, H, T, D), "v": r(B, H, T, D)}
    lr = (rng.random((B, H, T)) * 0.1).astype(np.float32)
    gm, bt = 1 + 0.1 * r(B, H, D), 0.1 * r(B, H, D)
    tok = 0.02 * r(BT)
    if variant == "fla":
        x.update(e=lr, W0=0.05 * r(B, H, D, D), b0=0.05 * r(B, H, D), ln_w=gm, ln_b=bt)
    elif variant == "official":
        x.update(alpha=lr, W0=0.05 * r(B, H, D, D), b0=0.05 * r(B, H, D), ln_w=gm, ln_b=bt,
                 token_idx=tok)
    else:
        tau = np.maximum(0.0, 1.0 / np.arange(1, BT + 1) + tok).astype(np.float32)
        x.update(alpha=lr, W1_0=0.05 * r(B, H, D, 4 * D), b1_0=0.05 * r(B, H, 4 * D),
                 W2_0=0.05 * r(B, H, 4 * D, D), b2_0=0.05 * r(B, H, D), ln_w=gm, ln_b=bt,
                 tau=np.broadcast_to(tau, (B, H, BT)).copy())
    return x, tok


def round_bf16(a):
    """a rounded to bf16 (nearest, ties to even: as ttt-run and torch do),
    as float32."""
    u = np.asarray(a, np.float32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return u.astype(np.uint32).view(np.float32)


def as_kernel_sees(x, manifest):
    """x with the inputs the manifest takes in bf16 rounded to bf16 (the
    reference then computes on what the kernel computes on)."""
    bf16 = {s["name"] for s in manifest["args"] if s["dtype"] == "bf16"}
    return {n: round_bf16(a) if n in bf16 else a for n, a in x.items()}


def reference(variant, x, B, H):
    """Outputs then final weights, [B, H, ...] each, in float64."""
    f = {n: a.astype(np.float64) for n, a in x.items()}
    outs = None
    for b in range(B):
        for h in range(H):
            c = {n: (a[b, h] if n != "token_idx" else a) for n, a in f.items()}
            if variant == "mlp":
                res = ref.mlp_chain(c["q"], c["k"], c["v"], c["alpha"], c["W1_0"], c["b1_0"],
                                    c["W2_0"], c["b2_0"], c["ln_w"], c["ln_b"], BT, c["tau"])
            else:
                tau = np.maximum(0.0, 1.0 / np.arange(1, BT + 1) + f["token_idx"]) \
                    if variant == "official" else None
                lr = c["e"] if variant == "fla" else c["alpha"]
                res = ref.linear_chain(c["q"], c["k"], c["v"], lr, c["W0"], c["b0"], c["ln_w"],
                                       c["ln_b"], BT, variant, tau)
            if outs is None:
                outs = [np.zeros((B, H) + r.shape) for r in res]
            for i, r in enumerate(res):
                outs[i][b, h] = r
    return outs


def input_args(x, work):
    """Writes each input to WORK/in_NAME.npy; the ttt-run flags naming them."""
    args = []
    for n, a in x.items():
        p = os.path.join(work, f"in_{n}.npy")
        np.save(p, a)
        args += ["--input", f"{n}={p}"]
    return args
