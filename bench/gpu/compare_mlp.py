#!/usr/bin/env python3
"""TTT-MLP inner loop (official form of DESIGN.md: hidden 4D, eta[r, s] =
tau_r * alpha_s, output z = q + LN(f(q))), H = 12, D = 64, BT = 16, fp32:
PyTorch eager against our compiled kernel, side by side in one run (issue
5: ours at least 50x faster on every row).

  eager   this file's torch version of ttt-lm-pytorch's TTT-MLP dual form
          (per mini-batch: Z1 = k W1 + b1, X2 = gelu_tanh(Z1), Z2 = X2 W2 +
          b2, the LayerNorm-L2 backward by hand, the dual-form outputs
          through tril(q k^T) and tril(X2bar X2^T), the weight update from
          the last row of eta), a Python loop over mini-batches, batched
          over B and H; checked in float64 against test/lib/ttt_reference.py
          (the primal form, shares no code) on B=1 H=2 T=37 first
  kernel  the artifact's kernel alone (bench/gpu/kernel_time.py: inputs and
          outputs on the device, CUDA-event median per launch, checked in
          float64 first)

Times: median of --repeat runs after one warm-up (eager: synchronized
wall time of the whole loop). speedup = eager / kernel on the same row.

usage: python3 bench/gpu/compare_mlp.py --artifact DIR/mlp.json
           [--rows 1x2048,1x8192,8x8192] [--repeat 3] [--budget 60]
"""

import argparse
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
from compare import median_time, row_name  # noqa: E402
from kernel_time import fmt_rate, parse_rows  # noqa: E402

H, D, HID, BT, EPS = 12, 64, 256, 16, 1e-6
C = math.sqrt(2.0 / math.pi)


def gelu(torch, x):
    return 0.5 * x * (1 + torch.tanh(C * (x + 0.044715 * x ** 3)))


def gelu_grad(torch, x):
    t = torch.tanh(C * (x + 0.044715 * x ** 3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * 0.044715 * x * x)


def layer_norm(x, g, b):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / (var + EPS).sqrt() * g + b


def ln_l2_backward(z, target, g, b):
    """d/dz of 1/2 ||LN(z) - target||^2 (rows)."""
    mu = z.mean(-1, keepdim=True)
    sd = (((z - mu) ** 2).mean(-1, keepdim=True) + EPS).sqrt()
    xhat = (z - mu) / sd
    gy = (xhat * g + b - target) * g
    return (gy - gy.mean(-1, keepdim=True) - xhat * (gy * xhat).mean(-1, keepdim=True)) / sd


def ttt_mlp(torch, q, k, v, alpha, W1, b1, W2, b2, g, bb, tau):
    """q, k, v [B, H, T, D]; alpha [B, H, T]; W1 [B, H, D, 4D]; b1 [B, H,
    4D]; W2 [B, H, 4D, D]; b2, g, bb [B, H, D]; tau [B, H, BT]. Returns
    (z, W1, b1, W2, b2)."""
    T = q.shape[2]
    b1, b2 = b1.unsqueeze(-2), b2.unsqueeze(-2)
    g, bb = g.unsqueeze(-2), bb.unsqueeze(-2)
    outs = []
    for s in range(0, T, BT):
        n = min(BT, T - s)
        Q, K, V = q[:, :, s:s + n], k[:, :, s:s + n], v[:, :, s:s + n]
        eta = tau[:, :, :n, None] * alpha[:, :, None, s:s + n]  # [B, H, n, n]
        mask = torch.tril(torch.ones(n, n, dtype=q.dtype, device=q.device))
        eta_l = eta * mask
        Z1 = K @ W1 + b1
        X2 = gelu(torch, Z1)
        Z2 = X2 @ W2 + b2
        G2 = ln_l2_backward(Z2, V - K, g, bb)
        G1 = (G2 @ W2.transpose(-1, -2)) * gelu_grad(torch, Z1)
        b1_bar = b1 - eta_l @ G1
        Z1_bar = Q @ W1 - (eta_l * (Q @ K.transpose(-1, -2))) @ G1 + b1_bar
        X2_bar = gelu(torch, Z1_bar)
        b2_bar = b2 - eta_l @ G2
        Z2_bar = X2_bar @ W2 - (eta_l * (X2_bar @ X2.transpose(-1, -2))) @ G2 + b2_bar
        last = eta[:, :, -1, :, None]  # eta[n-1, s]
        W1 = W1 - (last * K).transpose(-1, -2) @ G1
        W2 = W2 - (last * X2).transpose(-1, -2) @ G2
        b1, b2 = b1_bar[:, :, -1:], b2_bar[:, :, -1:]
        outs.append(Q + layer_norm(Z2_bar, g, bb))
    return torch.cat(outs, 2), W1, b1.squeeze(-2), W2, b2.squeeze(-2)


def check_eager(torch, dev):
    """float64 eager vs the primal-form reference, B=1 H=2 T=37."""
    import numpy as np
    import ttt_reference as ref
    rng = np.random.default_rng(7)
    Hs, T = 2, 37
    x = dict(q=rng.standard_normal((1, Hs, T, D)), k=rng.standard_normal((1, Hs, T, D)),
             v=rng.standard_normal((1, Hs, T, D)), alpha=0.1 * rng.random((1, Hs, T)),
             W1=0.05 * rng.standard_normal((1, Hs, D, HID)),
             b1=0.05 * rng.standard_normal((1, Hs, HID)),
             W2=0.05 * rng.standard_normal((1, Hs, HID, D)),
             b2=0.05 * rng.standard_normal((1, Hs, D)),
             g=1 + 0.1 * rng.standard_normal((1, Hs, D)), bb=0.1 * rng.standard_normal((1, Hs, D)),
             tau=np.maximum(0, 1 / np.arange(1, BT + 1) + 0.1 * rng.standard_normal((1, Hs, BT))))
    t = {n: torch.tensor(v, dtype=torch.float64, device=dev) for n, v in x.items()}
    got = ttt_mlp(torch, t["q"], t["k"], t["v"], t["alpha"], t["W1"], t["b1"], t["W2"],
                  t["b2"], t["g"], t["bb"], t["tau"])
    err = 0.0
    for h in range(Hs):
        want = ref.mlp_chain(x["q"][0, h], x["k"][0, h], x["v"][0, h], x["alpha"][0, h],
                             x["W1"][0, h], x["b1"][0, h], x["W2"][0, h], x["b2"][0, h],
                             x["g"][0, h], x["bb"][0, h], BT, x["tau"][0, h])
        for gv, wv in zip(got, want):
            gv = gv[0, h].cpu().numpy()
            err = max(err, float(np.linalg.norm(gv - wv) / np.linalg.norm(wv)))
    return err


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--artifact", required=True, help="the TTT-MLP artifact (mlp.json, cuda)")
    ap.add_argument("--rows", default="1x2048,1x8192,8x8192")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--budget", type=float, default=60.0)
    a = ap.parse_args(argv)
    rows = parse_rows(a.rows, "compare_mlp.py")
    try:
        import torch
    except Exception as ex:  # noqa: BLE001
        print(f"SKIP: PyTorch not importable ({ex})")
        return 0
    if not torch.cuda.is_available():
        print("SKIP: no CUDA device")
        return 0
    import kernel_time as kt
    dev = "cuda"
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    err = check_eager(torch, dev)
    print(f"check: eager (float64) vs test/lib/ttt_reference.py mlp_chain, B=1 H=2 T=37: "
          f"max rel err {err:.1e}")
    if not err < 1e-10:
        print("FAIL: the eager implementation does not match the reference")
        return 1
    torch_, kern = kt.open_kernel(a.artifact)
    ok, lines = kt.check(torch_, kern)
    for line in lines:
        print(f"check: {line}")
    if not ok:
        print("FAIL: the kernel does not match the reference")
        return 1
    sync = torch.cuda.synchronize
    table = []
    for B, T in rows:
        gen = torch.Generator(device=dev).manual_seed(B * 1000003 + T)
        rn = lambda *s: torch.randn(*s, generator=gen, device=dev)  # noqa: E731
        args = (rn(B, H, T, D), rn(B, H, T, D), rn(B, H, T, D),
                0.1 * torch.rand(B, H, T, generator=gen, device=dev),
                0.05 * rn(B, H, D, HID), 0.05 * rn(B, H, HID), 0.05 * rn(B, H, HID, D),
                0.05 * rn(B, H, D), 1 + 0.1 * rn(B, H, D), 0.1 * rn(B, H, D),
                torch.clamp(1 / torch.arange(1, BT + 1, device=dev) + 0.1 * rn(B, H, BT), min=0))
        sec, why = median_time(lambda: ttt_mlp(torch, *args), sync, a.repeat, 1, a.budget)
        eager = sec * 1e3 if sec else None
        args = None
        torch.cuda.empty_cache()
        m = kt.time_row(torch_, kern, B, H, T, max(a.repeat, 10), 3, a.budget)
        ours = m.get("ms")
        table.append((B, T, eager, why, ours))
    print()
    print(f"TTT-MLP inner loop (official), H = {H}, D = {D}, hidden {HID}, BT = {BT}, fp32")
    print()
    print("| B x T | PyTorch eager ms | ours (kernel) ms | ours tokens/s | speedup |")
    print("|---|---:|---:|---:|---:|")
    for B, T, eager, why, ours in table:
        e = f"{eager:.4g}" if eager else f"skipped ({why})"
        o = f"{ours:.4g}" if ours else "-"
        sp = f"{eager / ours:.1f}x" if eager and ours else "-"
        rate = fmt_rate(B * T / (ours / 1e3)) if ours else "-"
        print(f"| {B} x {T} | {e} | {o} | {rate} | {sp} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
