"""End-to-end check of the GPU path (issue 5): an example (fla, official or
mlp: told by the manifest's result names) compiled by `ttt-compile --target
cuda` and run by `ttt-run --device cuda` must match the float64 reference
(test/lib/ttt_reference.py), relative error <= 1e-5, for (B, H, T) =
(1, 2, 37) and (2, 3, 64); `--stream 7` must equal one prefill (<= 1e-6).
Prints "SKIP: no CUDA device" and exits 0 without one.

usage: check_gpu.py ARTIFACT.json TTT_RUN WORK_DIR"""

import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import ttt_reference as ref  # noqa: E402

TOL, STREAM_TOL, BT, D = 1e-5, 1e-6, 16, 64


def rel(a, b):
    return float(np.linalg.norm(np.asarray(a, np.float64) - b) / max(np.linalg.norm(b), 1e-300))


def inputs(variant, rng, B, H, T):
    r = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    x = {"q": r(B, H, T, D), "k": r(B, H, T, D), "v": r(B, H, T, D)}
    lr = (rng.random((B, H, T)) * 0.1).astype(np.float32)
    gm, bt = 1 + 0.1 * r(B, H, D), 0.1 * r(B, H, D)
    # Small learnable offsets: tau = 1/r + tok stays > 0 for r = 16, so the
    # weights carried between mini-batches change (with tau_16 = 0 they
    # would stay W0 and go unchecked).
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
    return x


def reference(variant, x, B, H):
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


def run(ttt_run, art, x, work, names, extra=()):
    args = []
    for n, a in x.items():
        p = os.path.join(work, f"in_{n}.npy")
        np.save(p, a)
        args += ["--input", f"{n}={p}"]
    out = os.path.join(work, "out")
    os.makedirs(out, exist_ok=True)
    p = subprocess.run([ttt_run, art, *args, "--out-dir", out, "--quiet", "--device", "cuda",
                        *extra], capture_output=True, text=True)
    if p.returncode != 0:
        if "no CUDA" in p.stderr:
            print("SKIP: no CUDA device")
            sys.exit(0)
        sys.exit(f"ttt-run failed: {p.stderr}")
    return [np.load(os.path.join(out, f"{n}.npy")) for n in names]


def main():
    art, ttt_run, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    names = [r["name"] for r in json.load(open(art))["results"]]
    variant = "mlp" if "W1" in names else "official" if "z" in names else "fla"
    rng = np.random.default_rng(5)
    failed = 0
    for B, H, T in ((1, 2, 37), (2, 3, 64)):
        x = inputs(variant, rng, B, H, T)
        want = reference(variant, x, B, H)
        got = run(ttt_run, art, x, work, names)
        errs = [rel(g, w) for g, w in zip(got, want)]
        streamed = run(ttt_run, art, x, work, names, ("--stream", "7"))
        serr = max(rel(s, g.astype(np.float64)) for s, g in zip(streamed, got))
        ok = max(errs) <= TOL and serr <= STREAM_TOL
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'}: {variant} B={B} H={H} T={T}: rel err " + "/".join(names) + " "
              + " ".join(f"{e:.1e}" for e in errs) + f", --stream 7 vs prefill {serr:.1e}")
    print(f"gpu: {2 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
