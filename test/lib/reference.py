"""Independent float64 numpy definitions of the TTT ops, written from
../shared/DESIGN.md and the dialect's op descriptions. Shares no code with
the compiler."""

import numpy as np


def layer_norm(x, gamma, beta, eps=1e-6):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * gamma + beta


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def silu(x):
    return x / (1.0 + np.exp(-x))


def l2_loss(p, t, reduction="none"):
    rows = 0.5 * ((p - t) ** 2).sum(axis=-1)
    return rows if reduction == "none" else rows.sum()


def sgd_per_position(w, grads, lr):
    """W_r = W - sum_{s <= r} lr[r, s] G[s], one weight per position r."""
    n = grads.shape[0]
    out = np.empty_like(grads)
    for r in range(n):
        acc = np.zeros_like(w)
        for s in range(r + 1):
            acc += lr[r, s] * grads[s]
        out[r] = w - acc
    return out
