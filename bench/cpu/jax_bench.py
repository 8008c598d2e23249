"""JAX/XLA CPU baseline for the fla TTT-Linear inner loop, fp32.

The timed function is test/lib/jax_reference.py's dual form: `jax.jit` of a
`lax.scan` over the mini-batches of BT = 16 tokens, with the inner loss's
gradient dL/dZ taken by `jax.grad` inside each step, vmapped over batch and
H = 12 heads, D = 64 (check_oracles.py checks this code against the numpy
float64 reference). Inputs already projected (q, k, v, per-token lr).

Per row: compile once, 2 warm-up runs, then the median of 5 timed runs, each
ended by block_until_ready. FLOP count: bench/cpu/flops.py (dual form,
6 BT D^2 + 4 BT^2 D per mini-batch per head, LN ignored). XLA uses all the
machine's cores (its default); --threads 1 limits it to one.

    python3 bench/cpu/jax_bench.py [--rows 1x2048,4x8192] [--json]
"""

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
H, D, BT = 12, 64, 16
DEFAULT_ROWS = "1x2048,1x8192,4x2048,4x8192"


def parse_rows(s):
    return [tuple(int(x) for x in r.split("x")) for r in s.split(",") if r]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default=DEFAULT_ROWS, help="BxT,BxT,...")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0, help="0: XLA's default (all cores)")
    ap.add_argument("--json", action="store_true", help="one JSON line per row")
    args = ap.parse_args()
    if args.threads == 1:
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   " --xla_cpu_multi_thread_eigen=false"
                                   " intra_op_parallelism_threads=1").strip()

    sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "lib"))
    sys.path.insert(0, HERE)
    import jax
    import jax.numpy as jnp
    import numpy as np
    import jax_reference as jref
    from flops import dual_form_flops

    f32 = jnp.float32
    for B, T in parse_rows(args.rows):
        rng = np.random.default_rng(0)
        r = lambda *s: jnp.asarray(rng.standard_normal(s, dtype=np.float32))  # noqa: E731
        q, k, v = r(B, H, T, D) * 0.125, r(B, H, T, D), r(B, H, T, D)  # q pre-scaled (fla)
        lr = jnp.asarray(rng.random((B, H, T), dtype=np.float32) * 0.1)
        W0, b0 = r(B, H, D, D) * 0.05, r(B, H, D) * 0.05
        gamma, beta = 1 + 0.1 * r(B, H, D), 0.1 * r(B, H, D)
        tok = jnp.zeros((BT,), f32)
        fn = jax.jit(lambda *a: jref._linear_jit("fla", "dual", BT, *a))
        a = (q, k, v, lr, W0, b0, gamma, beta, tok)
        t0 = time.perf_counter()
        lowered = fn.lower(*a)
        hlo = lowered.as_text()
        assert "f64" not in hlo, "benchmark graph must be fp32 only"
        compiled = lowered.compile()
        compile_s = time.perf_counter() - t0
        for _ in range(args.warmup):
            jax.block_until_ready(compiled(*a))
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = jax.block_until_ready(compiled(*a))
            times.append((time.perf_counter() - t0) * 1e3)
        assert out[0].dtype == np.float32 and bool(jnp.all(jnp.isfinite(out[0])))
        ms = statistics.median(times)
        row = dict(B=B, T=T, H=H, D=D, BT=BT, time_ms=ms, runs_ms=times,
                   tokens_per_s=B * T / (ms / 1e3),
                   gflops=dual_form_flops(B, T, H, D, BT) / (ms / 1e3) / 1e9,
                   compile_s=compile_s, threads=args.threads or os.cpu_count(),
                   jax=jax.__version__)
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            print(f"B={B} T={T}: {ms:.2f} ms  {row['tokens_per_s']:.0f} tok/s  "
                  f"{row['gflops']:.2f} GFLOP/s  (compile {compile_s:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
