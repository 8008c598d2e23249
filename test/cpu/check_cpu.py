"""End-to-end check of the CPU path: each bundled example is compiled by
ttt-compile (at D = 16 and 64) into an artifact, run by ttt-run on fresh
random fp32 inputs (.npy files), and its outputs and final fast weights are
compared with the independent float64 reference (test/lib/ttt_reference.py)
and the JAX oracle (test/lib/jax_reference.py): relative error <= 1e-5.
Cases: TTT-Linear fla and official, TTT-MLP; B in {1, 3}, H in {1, 4};
T = 32 (a multiple of BT = 16) and 37 (not). Streaming: prefill in pieces
of 7, 16 and 100 tokens, and a prefill of T-1 tokens followed by one decode
step, must equal the one-shot prefill (<= 1e-6).

usage: check_cpu.py BIN_DIR WORK_DIR"""

import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import jax_reference as jref  # noqa: E402
import seeding  # noqa: E402
import ttt_reference as ref  # noqa: E402

TOL, STREAM_TOL, BT = 1e-5, 1e-6, 16
EXAMPLES = {"fla": "ttt_linear_fla.mlir", "official": "ttt_linear_official.mlir",
            "mlp": "ttt_mlp.mlir"}


def rel(a, b):
    return float(np.linalg.norm(np.asarray(a, np.float64) - b) / max(np.linalg.norm(b), 1e-300))


def compile_example(bin_dir, work, variant, D):
    text = open(os.path.join(HERE, "..", "..", "examples", EXAMPLES[variant])).read()
    # Model width D (and hidden 4D): the examples are written for 64.
    dim = r"(?<![0-9if]){}(?![0-9])"
    text = re.sub(dim.format(256), str(4 * D), re.sub(dim.format(64), str(D), text))
    src = os.path.join(work, f"{variant}_{D}.mlir")
    with open(src, "w") as f:
        f.write(text)
    out = os.path.join(work, f"{variant}_{D}")
    subprocess.run([os.path.join(bin_dir, "ttt-compile"), src, "-o", out], check=True,
                   capture_output=True)
    return out + ".json"


def inputs_for(variant, rng, B, H, T, D):
    r = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    x = {"q": r(B, H, T, D), "k": r(B, H, T, D), "v": r(B, H, T, D)}
    lr = (rng.random((B, H, T)) * 0.1).astype(np.float32)
    gm, bt = 1 + 0.1 * r(B, H, D), 0.1 * r(B, H, D)
    tok = 0.3 * r(BT)
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


def reference(variant, x, B, H):
    f64 = {n: a.astype(np.float64) for n, a in x.items()}
    outs = None
    for b in range(B):
        for h in range(H):
            c = {n: (a[b, h] if a.ndim >= 2 and n not in ("token_idx",) else a) for n, a in f64.items()}
            if variant == "mlp":
                res = ref.mlp_chain(c["q"], c["k"], c["v"], c["alpha"], c["W1_0"], c["b1_0"],
                                    c["W2_0"], c["b2_0"], c["ln_w"], c["ln_b"], BT, c["tau"])
            else:
                tau = np.maximum(0.0, 1.0 / np.arange(1, BT + 1) + f64["token_idx"]) \
                    if variant == "official" else None
                lr = c["e"] if variant == "fla" else c["alpha"]
                res = ref.linear_chain(c["q"], c["k"], c["v"], lr, c["W0"], c["b0"], c["ln_w"],
                                       c["ln_b"], BT, variant, tau)
            if outs is None:
                outs = [np.zeros((B, H) + r.shape) for r in res]
            for i, r in enumerate(res):
                outs[i][b, h] = r
    return outs


def jax_oracle(variant, x, tok):
    """The second oracle (jax.grad inside lax.scan), float64, same inputs."""
    f = {n: a.astype(np.float64) for n, a in x.items()}
    if variant == "mlp":
        return jref.ttt_mlp(f["q"], f["k"], f["v"], f["alpha"], f["W1_0"], f["b1_0"], f["W2_0"],
                            f["b2_0"], f["ln_w"], f["ln_b"], tok.astype(np.float64), bt=BT)
    lr = f["e"] if variant == "fla" else f["alpha"]
    return jref.ttt_linear(f["q"], f["k"], f["v"], lr, f["W0"], f["b0"], f["ln_w"], f["ln_b"],
                           bt=BT, variant=variant, token_idx=f.get("token_idx"))


def run(bin_dir, art, x, work, extra=()):
    args = []
    for n, a in x.items():
        p = os.path.join(work, f"in_{n}.npy")
        np.save(p, a)
        args += ["--input", f"{n}={p}"]
    out_dir = os.path.join(work, "out")
    os.makedirs(out_dir, exist_ok=True)
    subprocess.run([os.path.join(bin_dir, "ttt-run"), art, *args, "--out-dir", out_dir,
                    "--quiet", *extra], check=True, capture_output=True)
    return out_dir


def results(out_dir, variant):
    names = {"fla": ["o", "W", "b"], "official": ["z", "W", "b"],
             "mlp": ["z", "W1", "b1", "W2", "b2"]}[variant]
    return [np.load(os.path.join(out_dir, f"{n}.npy")) for n in names]


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    rng = seeding.seeded_rng()
    failed = 0
    for variant in EXAMPLES:
        for D in (16, 64):
            art = compile_example(bin_dir, work, variant, D)
            for B, H in ((1, 1), (1, 4), (3, 1), (3, 4)):
                for T in (32, 37):
                    x, tok = inputs_for(variant, rng, B, H, T, D)
                    got = results(run(bin_dir, art, x, work), variant)
                    exp = reference(variant, x, B, H)
                    err = max(rel(g, e) for g, e in zip(got, exp))
                    ok = err <= TOL
                    failed += not ok
                    print(f"{'PASS' if ok else 'FAIL'}: {variant} D={D} B={B} H={H} T={T}: "
                          f"rel err vs float64 reference {err:.1e}")
                    jerr = max(rel(g, np.asarray(e)) for g, e in zip(got, jax_oracle(variant, x, tok)))
                    ok = jerr <= TOL
                    failed += not ok
                    print(f"{'PASS' if ok else 'FAIL'}: {variant} D={D} B={B} H={H} T={T}: "
                          f"rel err vs JAX oracle {jerr:.1e}")
                    if T != 37:
                        continue
                    for label, extra in (("pieces of 7", ["--stream", "7"]),
                                         ("pieces of 16", ["--stream", "16"]),
                                         ("pieces of 100", ["--stream", "100"]),
                                         ("prefill T-1 then decode", ["--stream", str(T - 1)])):
                        s = results(run(bin_dir, art, x, work, extra), variant)
                        serr = max(rel(a, b.astype(np.float64)) for a, b in zip(s, got))
                        ok = serr <= STREAM_TOL
                        failed += not ok
                        print(f"{'PASS' if ok else 'FAIL'}: {variant} D={D} B={B} H={H} "
                              f"streaming, {label}: rel diff vs one prefill {serr:.1e}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
