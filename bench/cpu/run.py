"""CPU benchmark of the fla TTT-Linear inner loop (H = 12, D = 64, BT = 16,
fp32, inputs already projected): our compiled kernel vs JAX/XLA vs a plain
C++ loop implementation, for B in {1, 4} and T in {2048, 8192}; prints a
markdown table (median of 5 runs each) with the machine and the date.

    python3 bench/cpu/run.py [--artifact build/bench/ttt_linear_fla.json]
                             [--ttt-run build/bin/ttt-run] [--rows 1x2048,...]
                             [--no-jax] [--no-naive] [--jax-threads N]

- naive: bench/cpu/naive.cpp, built here with g++ (or clang++) -O3
  -march=native into build/bench/naive_ttt; one thread.
- JAX: bench/cpu/jax_bench.py (jit of lax.scan with jax.grad inside), run in
  a subprocess; XLA's default threading (all cores) unless --jax-threads 1.
- ours: `ttt-run ARTIFACT --random 0 --batch B --heads 12 --tokens T
  --repeat 5 --json --quiet`, which prints {"time_ms", "tokens_per_s",
  "peak_rss_mb"}; "n/a" when the artifact or ttt-run is missing or fails.
GFLOP/s for every column uses the same dual-form count (bench/cpu/flops.py:
B H T (6 D^2 + 4 BT D), LN ignored). Correctness of the baselines:
bench/cpu/check_naive.py and test/oracles/check_oracles.py.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from flops import dual_form_flops  # noqa: E402

H, D, BT = 12, 64, 16
DEFAULT_ROWS = "1x2048,1x8192,4x2048,4x8192"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def build_naive():
    out = os.path.join(ROOT, "build", "bench", "naive_ttt")
    cxx = next((c for c in (os.environ.get("CXX"), "g++", "clang++") if c and shutil.which(c)), None)
    if cxx is None:
        log("run: no g++/clang++; naive column is n/a")
        return None
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cmd = [cxx, "-O3", "-march=native", "-std=c++17", os.path.join(HERE, "naive.cpp"), "-o", out]
    log("run: " + " ".join(cmd))
    subprocess.run(cmd, check=True)
    return out


def json_line(cmd, timeout):
    log("run: " + " ".join(cmd))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        log(f"run: timed out after {timeout} s")
        return None
    if p.returncode != 0:
        log(f"run: exit {p.returncode}: {p.stderr.strip()[-2000:]}")
        return None
    lines = [ln for ln in p.stdout.splitlines() if ln.strip().startswith("{")]
    return json.loads(lines[-1]) if lines else None


def fmt(x, spec):
    return "n/a" if x is None else format(x, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--artifact", default=os.path.join(ROOT, "build", "bench", "ttt_linear_fla.json"))
    ap.add_argument("--ttt-run", default=os.path.join(ROOT, "build", "bin", "ttt-run"))
    ap.add_argument("--rows", default=DEFAULT_ROWS, help="BxT,BxT,...")
    ap.add_argument("--no-jax", action="store_true")
    ap.add_argument("--no-naive", action="store_true")
    ap.add_argument("--jax-threads", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=900, help="seconds per measurement")
    args = ap.parse_args()
    rows = [tuple(int(x) for x in r.split("x")) for r in args.rows.split(",") if r]

    naive = None if args.no_naive else build_naive()
    have_ours = os.path.isfile(args.artifact) and os.access(args.ttt_run, os.X_OK)
    if not have_ours:
        log(f"run: no artifact {args.artifact} or no {args.ttt_run}: 'ours' is n/a")

    results = []
    for B, T in rows:
        res = {}
        if have_ours:
            res["ours"] = json_line([args.ttt_run, args.artifact, "--random", "0", "--batch", str(B),
                                     "--heads", str(H), "--tokens", str(T), "--repeat", "5",
                                     "--json", "--quiet"], args.timeout)
        if not args.no_jax:
            res["jax"] = json_line([sys.executable, os.path.join(HERE, "jax_bench.py"), "--json",
                                    "--rows", f"{B}x{T}", "--threads", str(args.jax_threads)],
                                   args.timeout)
        if naive:
            res["naive"] = json_line([naive, str(B), str(T), str(H), str(D), str(BT), "5"],
                                     args.timeout)
        results.append((B, T, res))

    names = ("ours", "jax", "naive")
    jax_threads = args.jax_threads or os.cpu_count()
    print(f"Machine: {cpu_model()}, {os.cpu_count()} cores (os.cpu_count); "
          f"{platform.system()} {platform.release()}; "
          f"date {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}")
    print(f"fla TTT-Linear inner loop, H={H}, D={D}, BT={BT}, fp32, median of 5. "
          f"JAX: {jax_threads} thread(s); naive: 1 thread. "
          f"GFLOP/s from the dual-form count B*H*T*(6*D^2 + 4*BT*D).")
    print()
    print("| B | T | ours ms | JAX ms | naive ms | ours tok/s | JAX tok/s | naive tok/s "
          "| ours GFLOP/s | JAX GFLOP/s | naive GFLOP/s | ours vs JAX |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for B, T, res in results:
        ms = {n: (res.get(n) or {}).get("time_ms") for n in names}
        tok = {n: None if ms[n] is None else B * T / (ms[n] / 1e3) for n in names}
        gf = {n: None if ms[n] is None else dual_form_flops(B, T, H, D, BT) / (ms[n] / 1e3) / 1e9
              for n in names}
        speedup = None if ms["ours"] is None or ms["jax"] is None else ms["jax"] / ms["ours"]
        cells = [str(B), str(T)] + [fmt(ms[n], ".2f") for n in names] + \
                [fmt(tok[n], ",.0f") for n in names] + [fmt(gf[n], ".2f") for n in names] + \
                ["n/a" if speedup is None else f"{speedup:.2f}x"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
