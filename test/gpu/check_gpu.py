"""End-to-end check of the GPU path (issue 5): an example (fla, official or
mlp: told by the manifest's result names) compiled by `ttt-compile --target
cuda` and run by `ttt-run --device cuda` must match the float64 reference
(test/lib/ttt_reference.py), relative error <= 1e-5, for (B, H, T) =
(1, 2, 37) and (2, 3, 64), on fresh random inputs (the seed is printed;
TTT_SEED=N repeats one); `--stream 7` (partial mini-batches buffered) and
`--stream 1` (token-by-token decode after nothing) must match one prefill
to the same tolerance (full mini-batches run their contractions on the
tensor cores, a partial one on the CUDA cores: the rounding differs). --tol sets the reference tolerance (e.g. 1e-2 for a
`--gpu-mma tf32` artifact). Fast mode (bf16 sequences and outputs): the
reference runs on the bf16-rounded inputs the kernel sees, tolerance 1e-2
(issue 5). Prints "SKIP: no CUDA device" and exits 0 without one;
`--device cpu` runs a cpu artifact the same way.

usage: check_gpu.py ARTIFACT.json TTT_RUN WORK_DIR [--tol X] [--device cpu|cuda]"""

import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import ttt_cases  # noqa: E402

TOL, FAST_TOL, BT, D = 1e-5, 1e-2, 16, 64


def rel(a, b):
    return float(np.linalg.norm(np.asarray(a, np.float64) - b) / max(np.linalg.norm(b), 1e-300))


def run(ttt_run, art, x, work, names, device, extra=()):
    args = ttt_cases.input_args(x, work)
    out = os.path.join(work, "out")
    os.makedirs(out, exist_ok=True)
    p = subprocess.run([ttt_run, art, *args, "--out-dir", out, "--quiet", "--device", device,
                        *extra], capture_output=True, text=True)
    if p.returncode != 0:
        if "no CUDA" in p.stderr:
            print("SKIP: no CUDA device")
            sys.exit(0)
        sys.exit(f"ttt-run failed: {p.stderr}")
    return [np.load(os.path.join(out, f"{n}.npy")) for n in names]


def main():
    art, ttt_run, work = sys.argv[1:4]
    manifest = json.load(open(art))
    fast = any(s["dtype"] == "bf16" for s in manifest["args"] + manifest["results"])
    tol = float(sys.argv[sys.argv.index("--tol") + 1]) if "--tol" in sys.argv else \
        FAST_TOL if fast else TOL
    device = sys.argv[sys.argv.index("--device") + 1] if "--device" in sys.argv else "cuda"
    os.makedirs(work, exist_ok=True)
    names = [r["name"] for r in manifest["results"]]
    variant = "mlp" if "W1" in names else "official" if "z" in names else "fla"
    seed = int(os.environ.get("TTT_SEED", int.from_bytes(os.urandom(4), "little")))
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    failed = 0
    for B, H, T in ((1, 2, 37), (2, 3, 64)):
        x, _ = ttt_cases.inputs(variant, rng, B, H, T, D)
        want = ttt_cases.reference(variant, ttt_cases.as_kernel_sees(x, manifest), B, H)
        got = run(ttt_run, art, x, work, names, device)
        errs = [rel(g, w) for g, w in zip(got, want)]
        serr = 0.0
        for piece in ("7", "1"):
            streamed = run(ttt_run, art, x, work, names, device, ("--stream", piece))
            serr = max(serr, max(rel(s, g.astype(np.float64)) for s, g in zip(streamed, got)))
        ok = max(errs) <= tol and serr <= tol
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'}: {variant}{' (bf16 I/O)' if fast else ''} B={B} H={H} "
              f"T={T}: rel err " + "/".join(names) + " "
              + " ".join(f"{e:.1e}" for e in errs) + f", --stream 7/1 vs prefill {serr:.1e}")
    print(f"{'gpu' if device == 'cuda' else device}: {2 - failed} passed, {failed} failed "
          f"(tol {tol:g})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
