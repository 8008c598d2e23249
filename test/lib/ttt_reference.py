"""Independent float64 reference of the TTT inner loops of DESIGN.md, in
the primal form: for every position r of a mini-batch the weights
W_r = W - sum_{s<=r} eta[r, s] grad l_s(W), gradients taken at the
mini-batch's starting weights by hand-written backprop. Shares no code with
the compiler."""

import numpy as np

from reference import gelu_tanh, layer_norm

C = np.sqrt(2.0 / np.pi)


def gelu_tanh_grad(x):
    t = np.tanh(C * (x + 0.044715 * x ** 3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * 0.044715 * x * x)


def ln_backward(z, dy, gamma, eps=1e-6):
    mu = z.mean(-1, keepdims=True)
    sd = np.sqrt(((z - mu) ** 2).mean(-1, keepdims=True) + eps)
    xhat = (z - mu) / sd
    g = dy * gamma
    return (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / sd


def _eta(variant, lr, tau, start, n):
    if variant == "fla":  # eta[r, s] = e_r
        return np.repeat(lr[start:start + n, None], n, axis=1)
    return np.outer(tau[:n], lr[start:start + n])  # tau_r * alpha_s


def linear_chain(q, k, v, lr, W, b, gamma, beta, bt, variant, tau=None):
    """One (batch, head) chain of TTT-Linear; returns (outputs, W, b)."""
    T = q.shape[0]
    out = np.zeros_like(q)
    for start in range(0, T, bt):
        n = min(bt, T - start)
        K, V, Q = k[start:start + n], v[start:start + n], q[start:start + n]
        z = K @ W + b
        g = ln_backward(z, layer_norm(z, gamma, beta) - (V - K), gamma)
        eta = _eta(variant, lr, tau, start, n)
        for r in range(n):
            Wr = W - sum(eta[r, s] * np.outer(K[s], g[s]) for s in range(r + 1))
            br = b - sum(eta[r, s] * g[s] for s in range(r + 1))
            y = Q[r] @ Wr + br
            out[start + r] = (y if variant == "fla" else Q[r]) + layer_norm(y, gamma, beta)
        W, b = Wr, br
    return out, W, b


def mlp_chain(q, k, v, alpha, W1, b1, W2, b2, gamma, beta, bt, tau):
    """One chain of TTT-MLP (official form); returns (outputs, W1, b1, W2, b2)."""
    T = q.shape[0]
    out = np.zeros_like(q)
    for start in range(0, T, bt):
        n = min(bt, T - start)
        K, V, Q = k[start:start + n], v[start:start + n], q[start:start + n]
        z1 = K @ W1 + b1
        h = gelu_tanh(z1)
        z2 = h @ W2 + b2
        dz2 = ln_backward(z2, layer_norm(z2, gamma, beta) - (V - K), gamma)
        dz1 = (dz2 @ W2.T) * gelu_tanh_grad(z1)
        eta = _eta("official", alpha, tau, start, n)
        for r in range(n):
            c = [eta[r, s] for s in range(r + 1)]
            W1r = W1 - sum(c[s] * np.outer(K[s], dz1[s]) for s in range(r + 1))
            b1r = b1 - sum(c[s] * dz1[s] for s in range(r + 1))
            W2r = W2 - sum(c[s] * np.outer(h[s], dz2[s]) for s in range(r + 1))
            b2r = b2 - sum(c[s] * dz2[s] for s in range(r + 1))
            y = gelu_tanh(Q[r] @ W1r + b1r) @ W2r + b2r
            out[start + r] = Q[r] + layer_norm(y, gamma, beta)
        W1, b1, W2, b2 = W1r, b1r, W2r, b2r
    return out, W1, b1, W2, b2
