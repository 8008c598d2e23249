"""End-to-end checks of compiled whole models (docs/MODEL.md) against the
independent float64 reference test/lib/ttt_model_reference.py.

Compiles examples/models/tiny-linear.json (TTT-Linear, gate) and
tiny-mlp.json (TTT-MLP), N = 2 layers, with ttt-compile --config, and runs
them through ctypes (test/lib/model_exec.py: the documented splitting into
prefill entries and decode steps) on fresh random weights and tokens,
B = 2 sequences, T = 37 (not a multiple of BT = 16):

  prefill      one span of T tokens: logits of every position and the
               final states (fast weights at the last boundary, gradient
               sums after it) vs the reference: <= 1e-4 relative (fp32
               after 2 layers; max |diff| / max |ref|)
  decode       token by token (the official primal decode): same checks
  streaming    spans of 3, 29, 5 tokens (decode steps to the boundary, a
               prefill entry, decode steps): same checks
  equivalence  prefill(T) then decode(1) vs prefill(T+1), T = 47 (prefill
               entries vs decode steps for the last mini-batch): last
               logits within 1e-5 relative

usage: check_models.py BUILD_BIN_DIR WORK_DIR [--target cuda] [--prebuilt]

With --target cuda the models are compiled for the GPU (skipped, with a
SKIP line, where no CUDA driver or device is found); --prebuilt uses the
artifacts already in WORK_DIR (the GPU machine has no compiler).
"""

import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from model_exec import ModelArtifact  # noqa: E402
from seeding import seeded_rng  # noqa: E402
import ttt_model_reference as ref  # noqa: E402

ROOT = os.path.join(HERE, "..", "..")
TOL, TOL_STREAM = 1e-4, 1e-5
failures = 0


def report(name, err, tol):
    global failures
    ok = err <= tol
    failures += not ok
    print(f"{'PASS' if ok else 'FAIL'} {name}: {err:.2e} (tol {tol:.0e})")


def rel(a, b):
    return float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())


def run_spans(art, wblob, weights, tokens, spans):
    """Runs one sequence in the given spans; returns logits rows and state."""
    state, seen, rows = art.initial_state(weights), 0, []
    for n in spans:
        out, state = art.run(tokens[seen:seen + n], wblob, state, seen)
        for positions, logits in out:
            rows += list(logits.reshape(len(positions), -1))
        seen += n
    return np.stack(rows), state


def check_states(name, art, state, ref_states):
    worst = 0.0
    for layer, fields in enumerate(ref_states):
        for field, value in fields.items():
            got = art.read_state(state, f"layers.{layer}.{field}")
            scale = max(np.abs(value).max(), 1e-30)
            worst = max(worst, float(np.abs(got - value.reshape(got.shape)).max() / scale))
    report(name, worst, TOL)


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    target = "cuda" if "--target" in sys.argv and sys.argv[sys.argv.index("--target") + 1] == "cuda" else "cpu"
    prebuilt = "--prebuilt" in sys.argv
    os.makedirs(work, exist_ok=True)
    rng = seeded_rng()
    models = ("tiny-linear", "tiny-mlp")
    if "--models" in sys.argv:
        models = sys.argv[sys.argv.index("--models") + 1].split(",")
    for model in models:
        config = os.path.join(ROOT, "examples", "models", model + ".json")
        out = os.path.join(work, model)
        if not prebuilt:
            subprocess.run([os.path.join(bin_dir, "ttt-compile"), "--config", config,
                            "--set", 'logits="all"', "--target", target, "-o", out],
                           check=True, stdout=subprocess.DEVNULL)
        try:
            art = ModelArtifact(out + ".json")
        except (OSError, RuntimeError) as e:
            if target != "cuda":
                raise
            print(f"SKIP {model}: no usable CUDA device ({e})")
            continue
        cfg = ref.load_config(config)
        seed = int(rng.integers(2**31))
        weights = {name: ref.make_weight(name, shape, seed, perturb=True, std=0.05)
                   for name, shape in ref.weight_shapes(cfg)}
        wblob = art.pack_weights(weights)
        B, T = 2, 37
        tokens = rng.integers(0, cfg["vocab_size"], (B, T))
        want, want_states = ref.model_forward_with_states(weights, cfg, tokens)
        for b in range(B):
            per_seq = [{k: v[b] for k, v in layer.items()} for layer in want_states]
            for mode, spans in (("prefill", [T]), ("decode", [1] * T),
                                ("streaming", [3, 29, 5])):
                got, state = run_spans(art, wblob, weights, tokens[b], spans)
                report(f"{model} b={b} {mode} logits", rel(got, want[b]), TOL)
                check_states(f"{model} b={b} {mode} states", art, state, per_seq)
        long = rng.integers(0, cfg["vocab_size"], 48)
        a, _ = run_spans(art, wblob, weights, long, [47, 1])
        b_, _ = run_spans(art, wblob, weights, long, [48])
        report(f"{model} prefill(47)+decode == prefill(48)", rel(a[-1], b_[-1].astype(np.float64)),
               TOL_STREAM)
        ref_last = ref.model_forward(weights, cfg, long[None])[0, -1]
        report(f"{model} prefill(48) last logits", rel(b_[-1], ref_last), TOL)
    print(f"models: {'FAILED' if failures else 'all passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
