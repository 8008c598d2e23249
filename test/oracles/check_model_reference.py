"""Self-checks of the whole-model float64 reference
(test/lib/ttt_model_reference.py), on fresh random inputs (seed printed;
TTT_SEED replays it):

(a) its primal inner loop equals test/lib/ttt_reference.py's (official
    variant) within 1e-12: TTT-Linear and TTT-MLP, T = 32 and 37, outputs
    and the weights at the last position; the decode state it returns obeys
    W_last = W_states - tau[r] * W_grad;
(b) causality and the remainder mini-batch: the layer and the model on
    T = 37 agree with T = 32 and T = 21 on the shorter prefix within 1e-12,
    and T = 37 and T = 32 give the same weights at the boundary 32;
(c) scripts/make-model-weights.py writes exactly the reference's weights
    (rounded to f32) under weight_shapes' names and shapes;
(d) only where torch and transformers import and ttt-lm-pytorch's ttt.py
    is found (TTT_PYTORCH_SRC: a ttt.py or a git checkout of ttt-lm-pytorch):
    the official TTTForCausalLM in float64 with the same weights has the
    same state_dict names and shapes, the same logits within 1e-9 (prefill
    of T = 37 and 32, and prefill + one-token decode steps through its
    TTTCache) and the same cached fast weights and gradients. Otherwise
    prints SKIP.

Prints PASS/FAIL/SKIP lines and 'model-reference: N passed, M failed,
K skipped'; exits 1 on any failure."""

import importlib
import itertools
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import ttt_model_reference as mref  # noqa: E402
import ttt_reference as iref  # noqa: E402

TOL_REF = 1e-12
TOL_TORCH = 1e-9
CONFIGS = [os.path.join(ROOT, "examples", "models", n) for n in ("tiny-linear.json", "tiny-mlp.json")]
MIRROR = "/work/.mirror/test-time-training+ttt-lm-pytorch/repo"

counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}


def rel_err(a, e):
    a, e = np.asarray(a, np.float64), np.asarray(e, np.float64)
    if a.shape != e.shape:
        return float("inf")
    return float(np.linalg.norm(a - e) / max(np.linalg.norm(e), 1e-300))


def report(label, err, tol):
    status = "PASS" if err <= tol else "FAIL"
    counts[status] += 1
    print(f"{status}: {label} rel err {err:.1e}")


def skip(label, why):
    counts["SKIP"] += 1
    print(f"SKIP: {label} ({why})")


# ------------------------------------------------------------------ (a)

def check_inner(rng):
    bt = 16
    for kind, D, T in itertools.product(("linear", "mlp"), (16, 64), (32, 37)):
        B, H = 2, 3
        F = D if kind == "linear" else 4 * D
        r = lambda *s: rng.standard_normal(s)  # noqa: E731
        q, k, v = r(B, H, T, D), r(B, H, T, D), r(B, H, T, D)
        alpha = rng.random((B, H, T)) * 0.1
        tau = np.maximum(0.0, 1.0 / np.arange(1, bt + 1) + 0.02 * r(bt))
        gamma, beta = 1 + 0.1 * r(H, D), 0.1 * r(H, D)
        fast = {"W1": 0.05 * r(B, H, D, F), "b1": 0.05 * r(B, H, 1, F)}
        if kind == "mlp":
            fast.update(W2=0.05 * r(B, H, F, D), b2=0.05 * r(B, H, 1, D))
        out, states, last = mref.ttt_inner(q, k, v, alpha, tau, fast, gamma, beta, bt, kind)
        exp_out = np.zeros_like(q)
        exp_last = {n: np.zeros_like(a) for n, a in fast.items()}
        for b, h in itertools.product(range(B), range(H)):
            if kind == "linear":
                o, W, bb = iref.linear_chain(q[b, h], k[b, h], v[b, h], alpha[b, h],
                                             fast["W1"][b, h], fast["b1"][b, h, 0], gamma[h],
                                             beta[h], bt, "official", tau)
                res = {"W1": W, "b1": bb}
            else:
                o, W1, b1, W2, b2 = iref.mlp_chain(
                    q[b, h], k[b, h], v[b, h], alpha[b, h], fast["W1"][b, h], fast["b1"][b, h, 0],
                    fast["W2"][b, h], fast["b2"][b, h, 0], gamma[h], beta[h], bt, tau)
                res = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
            exp_out[b, h] = o
            for n, a in res.items():
                exp_last[n][b, h] = a.reshape(exp_last[n][b, h].shape)
        label = f"inner {kind} D={D} T={T} vs ttt_reference"
        report(f"{label} out", rel_err(out, exp_out), TOL_REF)
        report(f"{label} last weights", max(rel_err(last[n], exp_last[n]) for n in fast), TOL_REF)
        # decode state: W at the last position = W_states - tau[r] W_grad
        n_rem = T % bt or bt
        err = max(rel_err(states[n + "_states"] - tau[n_rem - 1] * states[n + "_grad"], last[n])
                  for n in fast)
        report(f"inner {kind} D={D} T={T} state identity", err, TOL_REF)


# ------------------------------------------------------------------ (b)

def check_causality(rng):
    for path in CONFIGS:
        cfg = mref.load_config(path)
        name = os.path.basename(path)
        w = mref.random_weights(cfg, int(rng.integers(2**31)), perturb=True)
        lw = mref._layer_weights(w, 0)
        x = rng.standard_normal((2, 37, cfg["hidden_size"]))
        y37 = mref.ttt_layer(lw, cfg, x)
        for t in (32, 21):
            report(f"{name} layer T=37 vs T={t} on the first {t}",
                   rel_err(y37[:, :t], mref.ttt_layer(lw, cfg, x[:, :t])), TOL_REF)
        tok = rng.integers(0, cfg["vocab_size"], (2, 37))
        l37, s37 = mref.model_forward_with_states(w, cfg, tok)
        l32, s32 = mref.model_forward_with_states(w, cfg, tok[:, :32])
        report(f"{name} model T=37 vs T=32 logits", rel_err(l37[:, :32], l32), TOL_REF)
        report(f"{name} model T=37 vs T=21 logits",
               rel_err(l37[:, :21], mref.model_forward(w, cfg, tok[:, :21])), TOL_REF)
        err = max(rel_err(s37[i][n], s32[i][n]) for i in range(len(s37))
                  for n in s37[i] if n.endswith("_states"))
        report(f"{name} model T=37 vs T=32 boundary states", err, TOL_REF)


# ------------------------------------------------------------------ (c)

def check_weights_file(rng):
    seed = int(rng.integers(2**31))
    for path in CONFIGS:
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "w.safetensors")
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make-model-weights.py"),
                            path, out, "--seed", str(seed), "--perturb"],
                           check=True, stdout=subprocess.DEVNULL)
            got = mref.load_safetensors(out)
        exp = mref.random_weights(path, seed, perturb=True)
        mref.check_weights(mref.load_config(path), got)
        err = max(float(np.abs(got[n] - exp[n].astype(np.float32)).max()) for n in exp)
        names_ok = sorted(got) == sorted(n for n, _ in mref.weight_shapes(path))
        report(f"{os.path.basename(path)} make-model-weights.py file (max abs err vs f32 weights)",
               err if names_ok else float("inf"), 0.0)


# ------------------------------------------------------------------ (d)

def official_source():
    """ttt.py's text from TTT_PYTORCH_SRC (a file or a git checkout) or the
    mirror; None when not found."""
    for src in (os.environ.get("TTT_PYTORCH_SRC"), MIRROR):
        if not src:
            continue
        if os.path.isfile(src):
            return open(src).read()
        if os.path.isfile(os.path.join(src, "ttt.py")):
            return open(os.path.join(src, "ttt.py")).read()
        if os.path.isdir(src):
            r = subprocess.run(["git", "-C", src, "show", "HEAD:ttt.py"],
                               capture_output=True, text=True)
            if r.returncode == 0:
                return r.stdout
    return None


def load_official(torch):
    """Imports ttt.py as a module and patches three float32 islands of it so
    that a float64 model is float64 throughout (they change rounding only):
    RMSNorm computes in float32, RotaryEmbedding makes cos/sin in float32,
    and the token_idx buffer (1/r) is created in float32 (set per layer in
    build_official). TTTForCausalLM.forward's logits.float() is avoided by
    applying lm_head to TTTModel's output. gelu_bwd is left as it is: its
    truncated constants (0.79788456, 0.1070322243) put TTT-MLP ~1e-12 off
    the exact GELU derivative that the reference uses."""
    src = official_source()
    if src is None:
        return None
    with tempfile.TemporaryDirectory(prefix="ttt-official-") as d:
        with open(os.path.join(d, "ttt_official.py"), "w") as f:
            f.write(src)
        sys.path.insert(0, d)
        try:
            mod = importlib.import_module("ttt_official")
        finally:
            sys.path.remove(d)

    def rms_forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.variance_epsilon))

    def rope_forward(self, x, position_ids):
        inv = 1.0 / (self.base ** (torch.arange(0, self.dim, 2, dtype=torch.float64) / self.dim))
        freqs = position_ids[..., None].to(torch.float64) * inv  # [b, T, dim/2]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(x.dtype), emb.sin().to(x.dtype)

    mod.RMSNorm.forward = rms_forward
    mod.RotaryEmbedding.forward = rope_forward
    return mod


def build_official(torch, mod, cfg, weights):
    tc = mod.TTTConfig(
        vocab_size=cfg["vocab_size"], hidden_size=cfg["hidden_size"],
        intermediate_size=cfg["intermediate_size"], num_hidden_layers=cfg["num_hidden_layers"],
        num_attention_heads=cfg["num_attention_heads"], ttt_layer_type=cfg["ttt_layer_type"],
        mini_batch_size=cfg["mini_batch_size"], ttt_base_lr=cfg["ttt_base_lr"],
        use_gate=cfg["use_gate"], rope_theta=cfg["rope_theta"], rms_norm_eps=cfg["rms_norm_eps"],
        pre_conv=False, share_qk=False, use_cache=False, tie_word_embeddings=True)
    torch.manual_seed(0)
    model = mod.TTTForCausalLM(tc).to(torch.float64).eval()
    bt = cfg["mini_batch_size"]
    for layer in model.model.layers:
        layer.seq_modeling_block.token_idx = 1.0 / torch.arange(1, bt + 1, dtype=torch.float64)
    return model


def check_official(rng):
    try:
        import torch
        import transformers  # noqa: F401
    except Exception as e:  # noqa: BLE001
        skip("ttt-lm-pytorch comparison", f"torch/transformers not importable: {type(e).__name__}")
        return
    mod = load_official(torch)
    if mod is None:
        skip("ttt-lm-pytorch comparison", "ttt.py not found (set TTT_PYTORCH_SRC)")
        return
    torch.set_grad_enabled(False)
    for path in CONFIGS:
        name = os.path.basename(path)
        cfg = mref.load_config(path)
        w = mref.random_weights(cfg, int(rng.integers(2**31)), perturb=True)
        model = build_official(torch, mod, cfg, w)

        # state_dict names and shapes, in module order
        sd = model.state_dict()
        theirs = [(n, tuple(t.shape)) for n, t in sd.items() if n not in mref.TIED]
        ours = [(n, tuple(s)) for n, s in mref.weight_shapes(cfg)]
        ok = theirs == ours and all(tuple(sd[t].shape) == tuple(sd[s].shape)
                                    for t, s in mref.TIED.items())
        report(f"{name} weight_shapes == official state_dict (names, shapes, order)",
               0.0 if ok else float("inf"), 0.0)
        if sorted(theirs) != sorted(ours):
            print(f"  ours only: {sorted(set(ours) - set(theirs))[:6]}")
            print(f"  theirs only: {sorted(set(theirs) - set(ours))[:6]}")
            continue
        state = {n: torch.from_numpy(a.copy()) for n, a in w.items()}
        state.update({t: state[s] for t, s in mref.TIED.items()})
        model.load_state_dict(state, strict=True)
        tied = model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
        report(f"{name} official lm_head tied to the embedding", 0.0 if tied else 1.0, 0.0)

        def logits(ids, cache=None):
            out = model.model(input_ids=torch.from_numpy(ids), cache_params=cache,
                              use_cache=cache is not None)
            return model.lm_head(out.last_hidden_state).numpy()

        tok = rng.integers(0, cfg["vocab_size"], (2, 37))
        exp = mref.model_forward(w, cfg, tok)
        for t in (37, 32):
            report(f"{name} logits vs ttt-lm-pytorch, prefill T={t}",
                   rel_err(logits(tok[:, :t]), exp[:, :t]), TOL_TORCH)
        f32 = model(input_ids=torch.from_numpy(tok)).logits.numpy()
        print(f"info: {name} official TTTForCausalLM.forward logits (cast to f32) rel err "
              f"{rel_err(f32, exp):.1e}")

        # prefill through the cache, then one token at a time
        for t0 in (5, 21):
            cache = mod.TTTCache(model.model, tok.shape[0])
            got = [logits(tok[:, :t0], cache)]
            st = mref.model_states(w, cfg, tok[:, :t0])
            err = max(rel_err(cache.ttt_params_dict[n][i].numpy(), st[i][n])
                      for i in range(len(st)) for n in st[i])
            report(f"{name} cached states/grads after prefill T={t0}", err, TOL_TORCH)
            for t in range(t0, tok.shape[1]):
                got.append(logits(tok[:, t:t + 1], cache))
            report(f"{name} logits vs ttt-lm-pytorch, prefill {t0} + decode to 37",
                   rel_err(np.concatenate(got, axis=1), exp), TOL_TORCH)
            st = mref.model_states(w, cfg, tok)
            err = max(rel_err(cache.ttt_params_dict[n][i].numpy(), st[i][n])
                      for i in range(len(st)) for n in st[i])
            report(f"{name} cached states/grads after decoding to 37", err, TOL_TORCH)


def main():
    seed = int(os.environ.get("TTT_SEED", np.random.SeedSequence().entropy % 2**32))
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    check_inner(rng)
    check_causality(rng)
    check_weights_file(rng)
    check_official(rng)
    print(f"model-reference: {counts['PASS']} passed, {counts['FAIL']} failed, "
          f"{counts['SKIP']} skipped")
    sys.exit(1 if counts["FAIL"] else 0)


if __name__ == "__main__":
    main()
