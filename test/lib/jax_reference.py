"""A second, independent oracle of the TTT inner loops of DESIGN.md, in JAX.

Independent from the numpy reference (ttt_reference.py) and from the
compiler: the inner gradients come from `jax.grad` of the per-token loss
    l_s(W, b) = 1/2 || LN(k_s W + b) - (v_s - k_s) ||^2     (LN eps 1e-6)
taken at the mini-batch's starting weights, inside `jax.lax.scan` over the
full mini-batches of BT tokens (plus one more step on a partial last one),
vmapped over batch and heads.

The oracle functions (`ttt_linear`, `ttt_mlp`) use the primal definition:
every position r of a mini-batch gets its own weights
    W_r = W - sum_{s<=r} eta[r, s] grad_W l_s(W, b),   b_r likewise,
    y_r = q_r W_r + b_r  (TTT-MLP: y_r = GELU(q_r W1_r + b1_r) W2_r + b2_r)
and the next mini-batch starts from the last position's weights.
  fla:      eta[r, s] = e_r = lr[r];          output o_r = y_r + LN(y_r)
  official: eta[r, s] = tau_r * alpha_s,      output z_r = q_r + LN(y_r)
            tau_r = max(0, 1/r + token_idx[r]) (r = 1..BT), alpha_s = lr[s]
(LN of the output uses the same gamma/beta as the inner LN, as in
ttt_reference.py.)

`ttt_linear_dual` is the chunked dual form
    y = q W + b - (E o tril(q k^T)) G - tril(E) G,
    W' = W - k^T (E[last, :] o G),  b' = b - E[last, :] G
with G = dL/dZ at Z = k W + b from `jax.grad`; check_oracles.py checks it
equals the primal oracle, and the CPU benchmark (bench/cpu/jax_bench.py)
times it.

Shapes: q, k, v [B, H, T, D]; lr [B, H, T]; W0 [B, H, D, D]; b0, gamma,
beta [B, H, D]; token_idx [BT] (official variant and TTT-MLP). TTT-MLP:
W1 [B, H, D, 4D], b1 [B, H, 4D], W2 [B, H, 4D, D], b2 [B, H, D].
All computation is in the dtype of q (float64 with x64 enabled, which this
module turns on; float32 inputs stay float32).
"""

from functools import partial

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

EPS = 1e-6
GELU_C = float(np.sqrt(2.0 / np.pi))


def layer_norm(x, gamma, beta):
    mu = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean((x - mu) ** 2, axis=-1, keepdims=True)
    return (x - mu) / jnp.sqrt(var + EPS) * gamma + beta


def gelu_tanh(x):
    return 0.5 * x * (1.0 + jnp.tanh(GELU_C * (x + 0.044715 * x ** 3)))


def _tau(token_idx, dtype):
    r = jnp.arange(1, token_idx.shape[0] + 1, dtype=dtype)
    return jnp.maximum(0.0, 1.0 / r + token_idx.astype(dtype))


def _eta(variant, lr, tau):
    """[n, n] step sizes eta[r, s], zero above the diagonal (s > r)."""
    n = lr.shape[0]
    if variant == "fla":
        eta = jnp.broadcast_to(lr[:, None], (n, n))
    elif variant == "official":
        eta = tau[:n, None] * lr[None, :]
    else:
        raise ValueError(f"unknown variant {variant!r}")
    return jnp.tril(eta)


def _output(variant, q, y, gamma, beta):
    return (y if variant == "fla" else q) + layer_norm(y, gamma, beta)


# ---------------------------------------------------------------- TTT-Linear

def _linear_token_loss(W, b, k, target, gamma, beta):
    return 0.5 * jnp.sum((layer_norm(k @ W + b, gamma, beta) - target) ** 2)


def _linear_step_primal(variant, gamma, beta, tau, carry, xs):
    W, b = carry
    q, k, v, lr = xs  # [n, D] x3, [n]
    grads = jax.vmap(jax.grad(_linear_token_loss, argnums=(0, 1)),
                     in_axes=(None, None, 0, 0, None, None))
    gW, gb = grads(W, b, k, v - k, gamma, beta)  # [n, D, D], [n, D]
    eta = _eta(variant, lr, tau)
    Wr = W[None] - jnp.einsum("rs,sij->rij", eta, gW)  # W_r for every r
    br = b[None] - eta @ gb
    y = jnp.einsum("ri,rij->rj", q, Wr) + br
    return (Wr[-1], br[-1]), _output(variant, q, y, gamma, beta)


def _linear_step_dual(variant, gamma, beta, tau, carry, xs):
    W, b = carry
    q, k, v, lr = xs
    target = v - k

    def loss(z):  # sum of the per-token losses as a function of Z = k W + b
        return 0.5 * jnp.sum((layer_norm(z, gamma, beta) - target) ** 2)

    G = jax.grad(loss)(k @ W + b)  # row s: dl_s/dz_s
    eta = _eta(variant, lr, tau)
    A = eta * (q @ k.T)  # E o tril(q k^T) (eta is already lower-triangular)
    y = q @ W + b - (A + eta) @ G
    last = eta[-1][:, None] * G
    return (W - k.T @ last, b - jnp.sum(last, axis=0)), _output(variant, q, y, gamma, beta)


def _scan_chain(step, carry, xs, bt):
    """Scan `step` over the full mini-batches of xs (arrays with the token
    axis first), then one more step on the partial remainder if any."""
    T = xs[0].shape[0]
    nfull, rem = divmod(T, bt)
    outs = []
    if nfull:
        chunks = tuple(x[:nfull * bt].reshape((nfull, bt) + x.shape[1:]) for x in xs)
        carry, o = jax.lax.scan(step, carry, chunks)
        outs.append(o.reshape((nfull * bt,) + o.shape[2:]))
    if rem:
        carry, o = step(carry, tuple(x[nfull * bt:] for x in xs))
        outs.append(o)
    return jnp.concatenate(outs, axis=0), carry


def _linear_chain(variant, form, bt, q, k, v, lr, W, b, gamma, beta, token_idx):
    dt = q.dtype
    tau = _tau(token_idx, dt)
    step = _linear_step_primal if form == "primal" else _linear_step_dual
    out, (W, b) = _scan_chain(partial(step, variant, gamma, beta, tau), (W, b),
                              (q, k, v, lr), bt)
    return out, W, b


@partial(jax.jit, static_argnums=(0, 1, 2))
def _linear_jit(variant, form, bt, q, k, v, lr, W0, b0, gamma, beta, token_idx):
    f = partial(_linear_chain, variant, form, bt)
    per_head = jax.vmap(f, in_axes=(0,) * 8 + (None,))
    return jax.vmap(per_head, in_axes=(0,) * 8 + (None,))(
        q, k, v, lr, W0, b0, gamma, beta, token_idx)


def _prep(arrays, dtype):
    return [jnp.asarray(np.asarray(a), dtype=dtype) for a in arrays]


def _token_idx(token_idx, bt, dtype):
    if token_idx is None:
        return jnp.zeros((bt,), dtype)
    token_idx = np.asarray(token_idx)
    assert token_idx.shape == (bt,), f"token_idx must be [BT={bt}], got {token_idx.shape}"
    return jnp.asarray(token_idx, dtype)


def ttt_linear(q, k, v, lr, W0, b0, gamma, beta, bt=16, variant="fla",
               token_idx=None, form="primal", dtype=None):
    """TTT-Linear over [B, H, T, D] inputs; returns numpy (out, W, b).
    form="primal" is the oracle; form="dual" is the chunked dual form."""
    dtype = dtype or np.asarray(q).dtype
    args = _prep((q, k, v, lr, W0, b0, gamma, beta), dtype)
    res = _linear_jit(variant, form, bt, *args, _token_idx(token_idx, bt, dtype))
    return tuple(np.asarray(x) for x in res)


def ttt_linear_dual(*args, **kw):
    return ttt_linear(*args, form="dual", **kw)


# ------------------------------------------------------------------- TTT-MLP

def _mlp_forward(x, W1, b1, W2, b2):
    return gelu_tanh(x @ W1 + b1) @ W2 + b2


def _mlp_token_loss(params, k, target, gamma, beta):
    return 0.5 * jnp.sum((layer_norm(_mlp_forward(k, *params), gamma, beta) - target) ** 2)


def _mlp_step_primal(gamma, beta, tau, carry, xs):
    q, k, v, lr = xs
    grads = jax.vmap(jax.grad(_mlp_token_loss), in_axes=(None, 0, 0, None, None))
    g = grads(carry, k, v - k, gamma, beta)  # per-token gradients, leading axis s
    eta = _eta("official", lr, tau)
    Pr = tuple(p[None] - jnp.einsum("rs,s...->r...", eta, gp) for p, gp in zip(carry, g))
    y = jax.vmap(_mlp_forward)(q, *Pr)  # position r with its own weights
    return tuple(p[-1] for p in Pr), _output("official", q, y, gamma, beta)


def _mlp_chain(bt, q, k, v, lr, W1, b1, W2, b2, gamma, beta, token_idx):
    tau = _tau(token_idx, q.dtype)
    out, params = _scan_chain(partial(_mlp_step_primal, gamma, beta, tau),
                              (W1, b1, W2, b2), (q, k, v, lr), bt)
    return (out,) + params


@partial(jax.jit, static_argnums=(0,))
def _mlp_jit(bt, q, k, v, lr, W1, b1, W2, b2, gamma, beta, token_idx):
    f = partial(_mlp_chain, bt)
    per_head = jax.vmap(f, in_axes=(0,) * 10 + (None,))
    return jax.vmap(per_head, in_axes=(0,) * 10 + (None,))(
        q, k, v, lr, W1, b1, W2, b2, gamma, beta, token_idx)


def ttt_mlp(q, k, v, alpha, W1, b1, W2, b2, gamma, beta, token_idx, bt=16, dtype=None):
    """TTT-MLP (official form, hidden 4D) over [B, H, T, D] inputs; returns
    numpy (out, W1, b1, W2, b2)."""
    dtype = dtype or np.asarray(q).dtype
    args = _prep((q, k, v, alpha, W1, b1, W2, b2, gamma, beta), dtype)
    res = _mlp_jit(bt, *args, _token_idx(token_idx, bt, dtype))
    return tuple(np.asarray(x) for x in res)
