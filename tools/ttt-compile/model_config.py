"""Model configurations (docs/MODEL.md): keys, defaults, validation, and the
weight and state layout of a model artifact. Used by ttt-model-gen."""

import json

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

# ttt-lm-pytorch options we do not compile (the Mamba-backbone variants).
UNSUPPORTED = {"pre_conv": False, "share_qk": False}


class ConfigError(Exception):
    pass


def _positive_int(cfg, key):
    value = cfg[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"'{key}' must be a positive integer, got {value!r}")
    return value


def load_config(path):
    try:
        with open(path) as f:
            raw = json.load(f)
    except OSError as e:
        raise ConfigError(f"cannot read '{path}': {e.strerror}")
    except json.JSONDecodeError as e:
        raise ConfigError(f"'{path}' is not valid JSON: {e}")
    if not isinstance(raw, dict):
        raise ConfigError(f"'{path}' must hold a JSON object")
    return check_config(raw)


def check_config(raw):
    """Returns the full configuration (defaults filled in) or raises
    ConfigError naming the offending key."""
    cfg = dict(DEFAULTS)
    for key, value in raw.items():
        if key.startswith("_"):
            continue  # comments ("_comment": ...)
        if key in UNSUPPORTED:
            if value != UNSUPPORTED[key]:
                raise ConfigError(f"'{key}' = {value!r} is not supported")
            continue
        if key not in DEFAULTS:
            raise ConfigError(f"unknown key '{key}' (known: "
                              + ", ".join(sorted(DEFAULTS)) + ")")
        cfg[key] = value
    for key in ("vocab_size", "hidden_size", "intermediate_size",
                "num_hidden_layers", "num_attention_heads", "mini_batch_size",
                "prefill_tokens"):
        _positive_int(cfg, key)
    if cfg["hidden_size"] % cfg["num_attention_heads"]:
        raise ConfigError("'hidden_size' must be a multiple of "
                          "'num_attention_heads'")
    if (cfg["hidden_size"] // cfg["num_attention_heads"]) % 2:
        raise ConfigError("the head size (hidden_size / num_attention_heads) "
                          "must be even for RoPE")
    if cfg["prefill_tokens"] % cfg["mini_batch_size"]:
        raise ConfigError("'prefill_tokens' must be a multiple of "
                          "'mini_batch_size'")
    if cfg["ttt_layer_type"] not in ("linear", "mlp"):
        raise ConfigError("'ttt_layer_type' must be \"linear\" or \"mlp\", "
                          f"got {cfg['ttt_layer_type']!r}")
    if cfg["logits"] not in ("last", "all"):
        raise ConfigError("'logits' must be \"last\" or \"all\"")
    if not isinstance(cfg["use_gate"], bool):
        raise ConfigError("'use_gate' must be true or false")
    for key in ("ttt_base_lr", "rope_theta", "rms_norm_eps"):
        if not isinstance(cfg[key], (int, float)) or isinstance(cfg[key], bool):
            raise ConfigError(f"'{key}' must be a number")
        cfg[key] = float(cfg[key])
    if cfg["rope_theta"] <= 0 or cfg["rms_norm_eps"] < 0:
        raise ConfigError("'rope_theta' must be > 0 and 'rms_norm_eps' >= 0")
    return cfg


def head_dim(cfg):
    return cfg["hidden_size"] // cfg["num_attention_heads"]


def inner_weights(cfg):
    """(name, per-head shape) of the fast weights, as TTTCache names them."""
    d = head_dim(cfg)
    if cfg["ttt_layer_type"] == "linear":
        return [("W1", [d, d]), ("b1", [1, d])]
    return [("W1", [d, 4 * d]), ("b1", [1, 4 * d]), ("W2", [4 * d, d]),
            ("b2", [1, d])]


def weight_shapes(cfg):
    """Every weight of the model in ttt-lm-pytorch's state_dict names and
    shapes, in blob order."""
    hid, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    d, bt, ff = head_dim(cfg), cfg["mini_batch_size"], cfg["intermediate_size"]
    out = [("model.embed_tokens.weight", [cfg["vocab_size"], hid])]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        s = p + "seq_modeling_block."
        out.append((p + "seq_norm.weight", [hid]))
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            out.append((s + proj + ".weight", [hid, hid]))
        if cfg["use_gate"]:
            out.append((s + "g_proj.weight", [hid, hid]))
        for name, shape in inner_weights(cfg):
            out.append((s + name, [heads] + shape))
        out += [(s + "ttt_norm_weight", [heads, d]),
                (s + "ttt_norm_bias", [heads, d]),
                (s + "learnable_ttt_lr_weight", [heads, 1, hid]),
                (s + "learnable_ttt_lr_bias", [heads, 1]),
                (s + "learnable_token_idx", [bt]),
                (s + "post_norm.weight", [hid]),
                (s + "post_norm.bias", [hid]),
                (p + "ffn_norm.weight", [hid]),
                (p + "mlp.gate_proj.weight", [ff, hid]),
                (p + "mlp.up_proj.weight", [ff, hid]),
                (p + "mlp.down_proj.weight", [hid, ff])]
    out.append(("model.norm.weight", [hid]))
    return out


def state_shapes(cfg):
    """(name, shape, init) of one sequence's state, in blob order: per layer
    the fast weights at the last mini-batch boundary, then the gradient sums
    of the current mini-batch (docs/MODEL.md, decode)."""
    heads = cfg["num_attention_heads"]
    out = []
    for i in range(cfg["num_hidden_layers"]):
        s = f"model.layers.{i}.seq_modeling_block."
        for name, shape in inner_weights(cfg):
            out.append((f"layers.{i}.{name}_states", [heads] + shape, s + name))
        for name, shape in inner_weights(cfg):
            out.append((f"layers.{i}.{name}_grad", [heads] + shape, "zeros"))
    return out


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def with_offsets(entries):
    """Adds the row-major blob offset to each (name, shape, ...) entry and
    returns (entries with offsets, total size)."""
    offset, out = 0, []
    for entry in entries:
        out.append((entry[0], entry[1], offset) + tuple(entry[2:]))
        offset += numel(entry[1])
    return out, offset
