"""Checks bench/cpu/naive.cpp (fp32) against the numpy float64 primal-form
reference (test/lib/ttt_reference.py, fla variant) on small random cases,
T a multiple and not a multiple of BT: relative (Frobenius) error of the
outputs and final W, b <= 1e-4. Builds naive.cpp unless --binary is given.
Seed printed; TTT_SEED overrides it.

    python3 bench/cpu/check_naive.py [--binary build/bench/naive_ttt]
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import ttt_reference as ref  # noqa: E402

TOL = 1e-4


def build(out):
    cxx = next((c for c in (os.environ.get("CXX"), "g++", "clang++") if c and
                subprocess.run(["which", c], capture_output=True).returncode == 0), None)
    if cxx is None:
        sys.exit("check_naive: no C++ compiler (g++ or clang++)")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    subprocess.run([cxx, "-O3", "-march=native", "-std=c++17", os.path.join(HERE, "naive.cpp"),
                    "-o", out], check=True)
    return out


def rel_err(a, e):
    return float(np.linalg.norm(a - e) / np.linalg.norm(e))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary")
    args = ap.parse_args()
    binary = args.binary or build(os.path.join(ROOT, "build", "bench", "naive_ttt"))
    seed = int(os.environ.get("TTT_SEED", np.random.SeedSequence().entropy % 2**32))
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    failed = 0
    for B, H, T, D, BT in ((1, 1, 32, 16, 16), (2, 3, 37, 64, 16), (1, 12, 100, 64, 16)):
        r = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
        x = [r(B, H, T, D), r(B, H, T, D), r(B, H, T, D),
             (rng.random((B, H, T)) * 0.1).astype(np.float32),
             r(B, H, D, D) * 0.05, r(B, H, D) * 0.05, 1 + 0.1 * r(B, H, D), 0.1 * r(B, H, D)]
        with tempfile.TemporaryDirectory() as tmp:
            fin, fout = os.path.join(tmp, "in.bin"), os.path.join(tmp, "out.bin")
            with open(fin, "wb") as f:
                for a in x:
                    f.write(np.ascontiguousarray(a, np.float32).tobytes())
            subprocess.run([binary, "check", *map(str, (B, H, T, D, BT)), fin, fout], check=True)
            flat = np.fromfile(fout, np.float32)
        sizes = [B * H * T * D, B * H * D * D, B * H * D]
        got = np.split(flat, np.cumsum(sizes)[:-1])
        got = [g.reshape(s) for g, s in zip(got, [(B, H, T, D), (B, H, D, D), (B, H, D)])]
        x64 = [a.astype(np.float64) for a in x]
        exp = [np.zeros(g.shape) for g in got]
        for b in range(B):
            for h in range(H):
                res = ref.linear_chain(*[a[b, h] for a in x64], BT, "fla")
                for i, y in enumerate(res):
                    exp[i][b, h] = y
        for name, g, e in zip(("out", "W", "b"), got, exp):
            err = rel_err(g, e)
            ok = err <= TOL
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'}: naive fla B={B} H={H} T={T} D={D} {name} rel err {err:.1e}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
