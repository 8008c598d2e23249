"""Independent float64 reference of a whole TTT language model of
ttt-lm-pytorch's architecture (TTTForCausalLM), written from the formulas of
../shared/DESIGN.md and docs/MODEL.md; shares no code with the compiler or
with PyTorch.

- Config: `load_config` fills docs/MODEL.md's keys with their defaults.
- Weights: `weight_shapes` lists every tensor under ttt-lm-pytorch's
  state_dict names and shapes; `random_weights` / `iter_random_weights` make
  seeded ones (per-tensor seeds, so one tensor can be made without the rest).
- Layer: `ttt_layer` is TTTLinear/TTTMLP.forward (q/k/v projections, RoPE at
  position mod BT, learnable eta, the inner loop, XQ + LN(Z) per head,
  post LayerNorm, optional gate, o_proj).
- Inner loop: `ttt_inner` in the *primal* per-position form: for every
  position r of a mini-batch W_r = W - sum_{s<=r} eta[r, s] grad l_s(W),
  gradients at the mini-batch's start weights (hand-written backprop), the
  output computed from W_r itself (never through the dual form).
- Model: `model_forward` returns the logits of every position;
  `model_states` the per-layer fast weights at the last mini-batch boundary
  with the accumulated gradients of the tokens after it (the decode state
  of docs/MODEL.md, TTTCache's `*_states` / `*_grad`).

T not a multiple of BT is handled like the official forward: the remainder
is one shorter mini-batch that starts at the last full boundary, with
token positions (RoPE and token_eta) restarting at 0 there.

Array layout: tokens [B, T] int; hidden states [B, T, hidden]; per-head
tensors [B, H, T, D]; fast weights [B, H, ...] with TTTCache's shapes
(W1 [B, H, D, F], b1 [B, H, 1, F], F = D for linear, 4D for mlp)."""

import json
import zlib

import numpy as np

LN_EPS = 1e-6  # ttt_norm and post_norm (fixed in ttt-lm-pytorch)
GELU_C = np.sqrt(2.0 / np.pi)

DEFAULTS = {
    "vocab_size": 32000,
    "hidden_size": 768,
    "intermediate_size": 2048,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "ttt_layer_type": "linear",
    "mini_batch_size": 16,
    "ttt_base_lr": 1.0,
    "use_gate": False,
    "rope_theta": 10000.0,
    "rms_norm_eps": 1e-6,
    "prefill_tokens": 256,
    "logits": "last",
}
# Accepted only with their (unsupported-if-true) ttt-lm-pytorch defaults.
_UNSUPPORTED = {"pre_conv": False, "share_qk": False}


# ----------------------------------------------------------------- config

def load_config(cfg=None):
    """docs/MODEL.md's config: a dict or a path to a JSON file; returns a new
    dict with every key (defaults filled). Keys starting with '_' are
    comments; unknown keys are errors."""
    if cfg is None:
        cfg = {}
    elif isinstance(cfg, str):
        with open(cfg) as f:
            cfg = json.load(f)
    out = dict(DEFAULTS)
    for key, val in cfg.items():
        if key.startswith("_"):
            continue
        if key in _UNSUPPORTED:
            if val:
                raise ValueError(f"config: {key} is not supported")
            continue
        if key not in DEFAULTS:
            raise ValueError(f"config: unknown key {key!r} (known: {', '.join(DEFAULTS)})")
        out[key] = val
    for key in ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                "num_attention_heads", "mini_batch_size", "prefill_tokens"):
        if not isinstance(out[key], int) or isinstance(out[key], bool) or out[key] <= 0:
            raise ValueError(f"config: {key} must be a positive integer, got {out[key]!r}")
    if out["hidden_size"] % out["num_attention_heads"]:
        raise ValueError("config: hidden_size must be a multiple of num_attention_heads")
    if head_dim(out) % 2:
        raise ValueError("config: head_dim (hidden_size / num_attention_heads) must be even (RoPE)")
    if out["ttt_layer_type"] not in ("linear", "mlp"):
        raise ValueError(f"config: ttt_layer_type must be 'linear' or 'mlp', got {out['ttt_layer_type']!r}")
    if out["prefill_tokens"] % out["mini_batch_size"]:
        raise ValueError("config: prefill_tokens must be a multiple of mini_batch_size")
    if out["logits"] not in ("last", "all"):
        raise ValueError(f"config: logits must be 'last' or 'all', got {out['logits']!r}")
    if not isinstance(out["use_gate"], bool):
        raise ValueError("config: use_gate must be a boolean")
    return out


def head_dim(cfg):
    return cfg["hidden_size"] // cfg["num_attention_heads"]


def inner_hidden(cfg):
    """F: width of W1's output (D for TTT-Linear, 4D for TTT-MLP)."""
    d = head_dim(cfg)
    return d if cfg["ttt_layer_type"] == "linear" else 4 * d


def fast_weight_names(cfg):
    return ["W1", "b1"] if cfg["ttt_layer_type"] == "linear" else ["W1", "b1", "W2", "b2"]


# ---------------------------------------------------------------- weights

def layer_prefix(i):
    return f"model.layers.{i}."


def weight_shapes(cfg):
    """[(name, shape)] of every tensor of TTTForCausalLM's state_dict except
    the tied lm_head.weight, in state_dict order, shapes as PyTorch has
    them."""
    cfg = load_config(cfg)
    C, H, D = cfg["hidden_size"], cfg["num_attention_heads"], head_dim(cfg)
    F, I, BT = inner_hidden(cfg), cfg["intermediate_size"], cfg["mini_batch_size"]
    out = [("model.embed_tokens.weight", (cfg["vocab_size"], C))]
    for i in range(cfg["num_hidden_layers"]):
        p = layer_prefix(i)
        s = p + "seq_modeling_block."
        # a module's own parameters first (registration order), then its
        # submodules' (as nn.Module.state_dict orders them)
        out += [
            (s + "learnable_token_idx", (BT,)),
            (s + "learnable_ttt_lr_weight", (H, 1, C)),
            (s + "learnable_ttt_lr_bias", (H, 1)),
            (s + "ttt_norm_weight", (H, D)),
            (s + "ttt_norm_bias", (H, D)),
            (s + "W1", (H, D, F)),
            (s + "b1", (H, 1, F)),
        ]
        if cfg["ttt_layer_type"] == "mlp":
            out += [(s + "W2", (H, F, D)), (s + "b2", (H, 1, D))]
        out += [(s + n + ".weight", (C, C)) for n in ("q_proj", "k_proj", "v_proj", "o_proj")]
        if cfg["use_gate"]:
            out.append((s + "g_proj.weight", (C, C)))
        out += [(s + "post_norm.weight", (C,)), (s + "post_norm.bias", (C,))]
        out += [
            (p + "mlp.gate_proj.weight", (I, C)),
            (p + "mlp.up_proj.weight", (I, C)),
            (p + "mlp.down_proj.weight", (C, I)),
            (p + "seq_norm.weight", (C,)),
            (p + "ffn_norm.weight", (C,)),
        ]
    out.append(("model.norm.weight", (C,)))
    return out


TIED = {"lm_head.weight": "model.embed_tokens.weight"}


def _init_kind(name):
    """(official init, perturbed init) of a tensor, by its short name."""
    leaf = name.split("seq_modeling_block.")[-1] if "seq_modeling_block." in name else name
    if name.endswith("proj.weight") or name == "model.embed_tokens.weight" or leaf in (
            "W1", "W2", "learnable_ttt_lr_weight"):
        return "normal"
    if leaf in ("b1", "b2", "learnable_ttt_lr_bias", "ttt_norm_bias", "post_norm.bias"):
        return "zeros"
    if leaf == "learnable_token_idx":
        return "token_idx"
    if name.endswith("norm.weight") or leaf == "ttt_norm_weight":
        return "ones"
    raise AssertionError(f"no init rule for {name}")


def make_weight(name, shape, seed, perturb=False, std=0.02):
    """One seeded tensor (float64). Official init: normal(0, std) for linear
    layers, the embedding, W1/W2 and the lr gate weight; zeros for b1/b2,
    the lr gate bias, learnable_token_idx and LN biases; ones for norm
    weights. perturb=True makes the zeros/ones small random values too
    (ones -> 1 + 0.1 N, biases -> 0.05 N, learnable_token_idx -> 0.02 N,
    the lr gate bias -> 0.3 N), so every parameter matters in a test. The
    stream depends only on (seed, name)."""
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode())])
    kind = _init_kind(name)
    if kind == "normal":
        return rng.standard_normal(shape) * std
    if not perturb:
        return np.ones(shape) if kind == "ones" else np.zeros(shape)
    scale = {"ones": 0.1, "zeros": 0.05, "token_idx": 0.02}[kind]
    if name.endswith("learnable_ttt_lr_bias"):
        scale = 0.3
    return (1.0 if kind == "ones" else 0.0) + scale * rng.standard_normal(shape)


def iter_random_weights(cfg, seed=0, perturb=False, names=None):
    """Yields (name, float64 array) one at a time (in `names` order if given,
    else weight_shapes order)."""
    shapes = dict(weight_shapes(cfg))
    for name in (names if names is not None else shapes):
        yield name, make_weight(name, shapes[name], seed, perturb)


def random_weights(cfg, seed=0, perturb=False):
    """{name: float64 array} for every weight of weight_shapes(cfg)."""
    return dict(iter_random_weights(cfg, seed, perturb))


def check_weights(cfg, weights):
    """Raises unless `weights` holds every tensor of weight_shapes(cfg) with
    its shape (tied names may be present too)."""
    shapes = dict(weight_shapes(cfg))
    missing = [n for n in shapes if n not in weights]
    extra = [n for n in weights if n not in shapes and n not in TIED]
    if missing or extra:
        raise ValueError(f"weights: missing {missing[:5]}, unexpected {extra[:5]}")
    for n, s in shapes.items():
        if tuple(np.shape(weights[n])) != tuple(s):
            raise ValueError(f"weights: {n} has shape {np.shape(weights[n])}, expected {s}")


# ------------------------------------------------------------ safetensors

_ST_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I32": "<i4", "I64": "<i8"}


def load_safetensors(path):
    """{name: array} of a .safetensors file (F32/F64/F16/I32/I64), as float64
    for the float types."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            dt = np.dtype(_ST_DTYPES[info["dtype"]])
            b, e = info["data_offsets"]
            f.seek(base + b)
            a = np.frombuffer(f.read(e - b), dtype=dt).reshape(info["shape"])
            out[name] = a.astype(np.float64) if dt.kind == "f" else a.copy()
    return out


# ------------------------------------------------------------- primitives

def layer_norm(x, gamma, beta, eps=LN_EPS):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * gamma + beta


def layer_norm_l2_grad(z, target, gamma, beta, eps=LN_EPS):
    """d/dz of 1/2 ||LN(z) - target||^2 (hand-written LayerNorm backward)."""
    mu = z.mean(-1, keepdims=True)
    sd = np.sqrt(((z - mu) ** 2).mean(-1, keepdims=True) + eps)
    xhat = (z - mu) / sd
    dxhat = (xhat * gamma + beta - target) * gamma
    return (dxhat - dxhat.mean(-1, keepdims=True)
            - xhat * (dxhat * xhat).mean(-1, keepdims=True)) / sd


def rms_norm(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(GELU_C * (x + 0.044715 * x ** 3)))


def gelu_tanh_grad(x):
    t = np.tanh(GELU_C * (x + 0.044715 * x ** 3))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3 * 0.044715 * x * x)


def silu(x):
    return x / (1.0 + np.exp(-x))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def rope(x, positions, theta):
    """x [..., T, D] (per head), positions [T]: the pair (x[2i], x[2i+1])
    rotates by positions * theta^(-2i/D) (the net effect of ttt-lm-pytorch's
    permute_qk / apply_rotary_pos_emb / undo_permute_qk)."""
    D = x.shape[-1]
    ang = np.asarray(positions, np.float64)[:, None] * theta ** (-np.arange(0, D, 2) / D)
    c, s = np.cos(ang), np.sin(ang)
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * c - b * s
    out[..., 1::2] = b * c + a * s
    return out


# ------------------------------------------------------- inner loop (primal)

def _inner_forward(x, fw, kind):
    """The inner model at weights fw (leading dims broadcast): returns
    (z_out, cache) with z_out the pre-LN output."""
    z1 = x @ fw["W1"] + fw["b1"]
    if kind == "linear":
        return z1, (z1,)
    h = gelu_tanh(z1)
    return h @ fw["W2"] + fw["b2"], (z1, h)


def _per_token_grads(K, target, fw, gamma, beta, kind):
    """grad l_s at the mini-batch start weights for every token s:
    {name: [B, H, n, *shape of name]} (hand-written backprop)."""
    z, cache = _inner_forward(K, fw, kind)  # [B, H, n, D]
    g = layer_norm_l2_grad(z, target, gamma, beta)
    if kind == "linear":
        return {"W1": K[..., :, None] * g[..., None, :], "b1": g[..., None, :]}
    z1, h = cache
    g1 = (g @ np.swapaxes(fw["W2"], -1, -2)) * gelu_tanh_grad(z1)
    return {"W1": K[..., :, None] * g1[..., None, :], "b1": g1[..., None, :],
            "W2": h[..., :, None] * g[..., None, :], "b2": g[..., None, :]}


def ttt_inner(q, k, v, alpha, tau, fast, gamma, beta, bt, kind="linear"):
    """The official inner loop in the primal form.

    q, k, v: [B, H, T, D] (after RoPE); alpha: [B, H, T] (ttt_lr_eta);
    tau: [>= bt] (token_eta, already clamped); fast: {W1: [B, H, D, F],
    b1: [B, H, 1, F] (, W2: [B, H, F, D], b2: [B, H, 1, D])}; gamma, beta:
    [H, D]. eta[r, s] = tau[r] * alpha[s] for s <= r within a mini-batch.

    Returns (out, states, last):
      out [B, H, T, D]: q_r + LN(f(q_r; W_r)) for every position;
      states: {name + '_states': weights at the last full mini-batch
        boundary, name + '_grad': sum over the tokens after it of
        alpha_s grad l_s (zeros when T is a multiple of bt)};
      last: the weights W_r of the last position."""
    B, H, T, D = q.shape
    gm, bb = gamma[None, :, None, :], beta[None, :, None, :]
    cur = {n: np.broadcast_to(a, (B, H) + a.shape[-2:]).astype(np.float64) for n, a in fast.items()}
    grads = {n: np.zeros_like(a) for n, a in cur.items()}
    last = cur
    out = np.empty((B, H, T, D))
    for start in range(0, T, bt):
        n = min(bt, T - start)
        sl = slice(start, start + n)
        Q, K, V = q[:, :, sl], k[:, :, sl], v[:, :, sl]
        per_tok = _per_token_grads(K, V - K, cur, gm, bb, kind)
        eta = np.tril(tau[:n, None] * alpha[:, :, None, sl])  # [B, H, r, s]
        # W_r = W - sum_{s<=r} eta[r, s] grad l_s, one weight set per position
        w_r = {nm: cur[nm][:, :, None] - np.einsum("bhrs,bhs...->bhr...", eta, g)
               for nm, g in per_tok.items()}
        y, _ = _inner_forward(Q[:, :, :, None, :], w_r, kind)  # [B, H, n, 1, D]
        out[:, :, sl] = Q + layer_norm(y[:, :, :, 0, :], gm, bb)
        last = {nm: w[:, :, -1] for nm, w in w_r.items()}
        if n == bt:
            cur = last
        else:
            grads = {nm: np.einsum("bhs,bhs...->bh...", alpha[:, :, sl], g)
                     for nm, g in per_tok.items()}
    states = {nm + "_states": a for nm, a in cur.items()}
    states.update({nm + "_grad": a for nm, a in grads.items()})
    return out, states, last


# ------------------------------------------------------------------ layers

def _layer_weights(weights, i):
    p = layer_prefix(i) + "seq_modeling_block."
    return {n[len(p):]: w for n, w in weights.items() if n.startswith(p)}


def ttt_layer(lw, cfg, x, return_states=False):
    """TTTLinear / TTTMLP.forward. lw: the layer's weights under their names
    below seq_modeling_block. (q_proj.weight, W1, ...); x: [B, T, hidden]
    (the seq_norm output). Returns [B, T, hidden] (and the states of
    ttt_inner when return_states)."""
    B, T, C = x.shape
    H, D, bt = cfg["num_attention_heads"], head_dim(cfg), cfg["mini_batch_size"]

    def heads(w):  # [B, T, C] -> [B, H, T, D]
        return (x @ w.T).reshape(B, T, H, D).transpose(0, 2, 1, 3)

    pos = np.arange(T) % bt
    XQ = rope(heads(lw["q_proj.weight"]), pos, cfg["rope_theta"])
    XK = rope(heads(lw["k_proj.weight"]), pos, cfg["rope_theta"])
    XV = heads(lw["v_proj.weight"])

    lr = np.einsum("btc,hc->bht", x, lw["learnable_ttt_lr_weight"][:, 0, :])
    alpha = cfg["ttt_base_lr"] * sigmoid(lr + lw["learnable_ttt_lr_bias"][None, :, 0, None]) / D
    tau = np.maximum(1.0 / np.arange(1, bt + 1) + lw["learnable_token_idx"], 0.0)

    fast = {n: lw[n][None] for n in fast_weight_names(cfg)}
    Z, states, _ = ttt_inner(XQ, XK, XV, alpha, tau, fast, lw["ttt_norm_weight"],
                             lw["ttt_norm_bias"], bt, cfg["ttt_layer_type"])
    o = Z.transpose(0, 2, 1, 3).reshape(B, T, C)
    o = layer_norm(o, lw["post_norm.weight"], lw["post_norm.bias"])
    if cfg["use_gate"]:
        o = gelu_tanh(x @ lw["g_proj.weight"].T) * o
    o = o @ lw["o_proj.weight"].T
    return (o, states) if return_states else o


def block(weights, cfg, i, h, return_states=False):
    """Block i: h + layer(RMSNorm(h)), then + SwiGLU(RMSNorm(.))."""
    p, eps = layer_prefix(i), cfg["rms_norm_eps"]
    a, states = ttt_layer(_layer_weights(weights, i), cfg,
                          rms_norm(h, weights[p + "seq_norm.weight"], eps), return_states=True)
    h = h + a
    u = rms_norm(h, weights[p + "ffn_norm.weight"], eps)
    m = silu(u @ weights[p + "mlp.gate_proj.weight"].T) * (u @ weights[p + "mlp.up_proj.weight"].T)
    h = h + m @ weights[p + "mlp.down_proj.weight"].T
    return (h, states) if return_states else h


def _run(weights, cfg, tokens):
    cfg = load_config(cfg)
    tokens = np.asarray(tokens)
    if tokens.ndim != 2:
        raise ValueError("tokens must be [B, T]")
    emb = np.asarray(weights["model.embed_tokens.weight"], np.float64)
    h = emb[tokens]
    all_states = []
    for i in range(cfg["num_hidden_layers"]):
        h, st = block(weights, cfg, i, h, return_states=True)
        all_states.append(st)
    h = rms_norm(h, weights["model.norm.weight"], cfg["rms_norm_eps"])
    return h, emb, all_states


def model_hidden(weights, cfg, tokens):
    """Final hidden states (after model.norm): [B, T, hidden]."""
    return _run(weights, cfg, tokens)[0]


def model_forward(weights, cfg, tokens):
    """Logits of every position, [B, T, vocab] (LM head tied to the
    embedding), for token ids [B, T]."""
    h, emb, _ = _run(weights, cfg, tokens)
    return h @ emb.T


def model_states(weights, cfg, tokens):
    """Per layer, {W1_states, b1_states[, W2_states, b2_states], W1_grad,
    b1_grad, ...}: the fast weights at the last mini-batch boundary of the
    sequence ([B, H, D, F], [B, H, 1, F], ...) and the accumulated
    alpha-weighted gradients of the tokens after it (TTTCache's layout)."""
    return _run(weights, cfg, tokens)[2]


def model_forward_with_states(weights, cfg, tokens):
    h, emb, st = _run(weights, cfg, tokens)
    return h @ emb.T, st
