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
import ttt_cases  # noqa: E402

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
    args = ttt_cases.input_args(x, work)
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
                    x, tok = ttt_cases.inputs(variant, rng, B, H, T, D)
                    got = results(run(bin_dir, art, x, work), variant)
                    exp = ttt_cases.reference(variant, x, B, H)
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
