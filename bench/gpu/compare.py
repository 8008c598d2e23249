#!/usr/bin/env python3
"""One table: the TTT-Linear fla inner loop of DESIGN.md ("Workloads and the
numbers to beat": H = 12, D = 64, BT = 16, fp32, inputs already projected)
run by PyTorch eager, torch.compile, JAX/XLA and our compiled artifact
(its kernel alone, device-resident, and ttt-run end to end), side by side
on one GPU.

Per (batch, head): q, k, v [T, D], eta e [T] (fla: eta[r, s] = e_r), W0
[D, D], b0 [D], LayerNorm gamma/beta [D]; per mini-batch of BT tokens, with
Z = k W + b, G = dl/dZ of 1/2 ||LN(Z) - (v - k)||^2 (rows: tokens) and
E = tril(e_r broadcast over s):
    y = q W + b - (E o tril(q k^T)) G - E G,
    W' = W - k^T (E[last] o G),  b' = b - sum_s E[last, s] G_s,
    o = y + LN(y).

  eager    this file's straightforward torch implementation of that dual
           form, one call of `ttt_step` per mini-batch in a Python loop
           (float32, cuda); checked in float64 against
           test/lib/ttt_reference.py (the primal form) on a small case
  compile  torch.compile (mode default) of the same `ttt_step`, the same
           Python loop; compile time reported separately; its output is
           compared with eager's on every row
  jax      test/lib/jax_reference.py's dual form (jax.grad for the inner
           gradient, lax.scan over mini-batches, vmapped over B and H),
           jit-compiled; checked in float64 against ttt_reference.py
  kernel   "ours (kernel, device-resident)": the artifact's kernel launched
           by bench/gpu/kernel_time.py (imported; PyTorch allocates, the
           CUDA driver API launches) with its inputs and outputs already on
           the device, like the framework rows; median of --repeat per-launch
           times (CUDA events) after --warmup launches, rotating over copies
           of the inputs when one set could sit in L2; one launch covers all
           T; checked in float64 against ttt_reference.py (B=1 H=2 T=37,
           B=2 H=3 T=64) first; every row, the ours-only ones too
  kernel_fast
           the same for --fast-artifact, a fast-mode artifact (bf16 q, k, v,
           o; f32 state), checked at 1e-2 against the float64 reference on
           the bf16-rounded inputs (issue 5: half the Triton bf16 line)
  sdpa     not TTT: causal attention over the same q, k, v shape (B, H, T,
           D) in bf16, torch.nn.functional.scaled_dot_product_attention
           (is_causal=True; FlashAttention where torch picks it), the
           point of comparison of DESIGN.md's last column (issue 5: ours
           must beat it from T = 32768 on)
  triton   flash-linear-attention's Triton TTT-Linear kernels (fla.ops.ttt:
           fused_chunk_ttt_linear and chunk_ttt_linear, chunk 16, scale 1,
           inputs [B, T, H, D] as they take them, LayerNorm weights per
           head), the best of the two per row, in fp32 and in bf16 (two
           lines); both kernels are checked in fp32 against
           test/lib/ttt_reference.py (float64) on B=1 H=2 T=48 first.
           Needs the `fla` package (fla-core; carried as a wheel to a
           device machine), else a SKIP line
  ours     "ours (ttt-run, incl. copies)": `ttt-run ART.json --device cuda
           --random 0 --batch B --heads 12 --tokens T --repeat N --json
           --quiet` (large rows: q, k, v, e from .npy files instead, see
           --ours-inputs); its time is one prefill call from host arrays:
           pageable host<->device copies included; checked against
           ttt_reference.py on a small case

Times: median of --repeat runs after --warmup runs, each bracketed by
torch.cuda.synchronize / block_until_ready (kernel: CUDA events around
each launch; ours: ttt-run's median of --repeat, no separate warm-up). tokens/s = B * T / time. "floor" = the
fp32 bytes of q, k, v, eta in and o out at 3.0 TB/s (the copy bandwidth
DESIGN.md measured on the H100) divided by the measured time. "extra MiB":
peak device memory beyond inputs and outputs (torch: max_memory_allocated
minus what was allocated before the call minus the outputs; JAX: the
compiled program's temp_size_in_bytes from XLA's memory analysis; kernel:
max_memory_allocated during the launches minus the inputs and outputs, 0
since the kernel allocates nothing (its local memory, if any, is in the
notes); ours: -).

Each framework runs in its own subprocess (`--worker`), so a missing
package or device prints a SKIP line instead of failing the table.

usage: python3 bench/gpu/compare.py --ttt-run PATH --artifact FLA.json
           [--rows 1x2048,1x8192,...] [--skip eager,compile,jax,sdpa,triton,ours,kernel]
           [--repeat 5] [--warmup 1]
       (--ttt-run is needed for the ours rows only; the kernel rows need
       --artifact and PyTorch with a CUDA device)
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
LIB = os.path.join(ROOT, "test", "lib")
sys.path.insert(0, HERE)
# Shared with kernel_time.py (plain Python at import: no torch, no driver).
from kernel_time import COPY_BW, DEFAULT_ROWS, fmt_rate, parse_rows  # noqa: E402

H, D, BT, EPS = 12, 64, 16, 1e-6
OURS_ONLY = "1x1048576"
IMPLS = ("ours", "kernel", "kernel_fast", "jax", "eager", "compile", "sdpa",
         "triton")  # the order they run in
TABLE = ("eager", "compile", "jax", "sdpa", "triton", "triton_bf16", "kernel",
         "kernel_fast", "ours")  # the order of a row's lines
WHOLE_ROWS = ("kernel", "kernel_fast", "ours")  # also run the ours-only rows
LABEL = {"eager": "PyTorch eager", "compile": "torch.compile", "jax": "JAX/XLA scan",
         "kernel": "ours (kernel, device-resident)", "ours": "ours (ttt-run, incl. copies)",
         "kernel_fast": "ours fast mode (bf16 I/O, kernel)",
         "sdpa": "causal SDPA bf16 (attention)",
         "triton": "fla Triton fp32 (best of fused_chunk, chunk)",
         "triton_bf16": "fla Triton bf16 (best of fused_chunk, chunk)"}
TAG = "@@"  # worker result lines


def row_name(r):
    return f"{r[0]}x{r[1]}"


def floor_ms(B, T):
    n = B * H * T
    return (4 * n * D + n) * 4 / COPY_BW * 1e3  # q, k, v, o [.., D] and eta [..]


def emit(obj):
    print(TAG + json.dumps(obj), flush=True)


def median_time(run, sync, repeat, warmup, budget):
    """(median seconds, None) or (None, reason) when the estimated cost of
    the timed runs (first warm-up run x repeat) is over budget."""
    t = 0.0
    for i in range(max(warmup, 1)):
        sync()
        t0 = time.perf_counter()
        run()
        sync()
        t = time.perf_counter() - t0
        if i == 0 and t * repeat > budget:
            return None, f"est. {t * repeat:.0f} s for {repeat} runs > budget {budget:.0f} s " \
                         f"(one run {t * 1e3:.0f} ms)"
    times = []
    for _ in range(repeat):
        sync()
        t0 = time.perf_counter()
        run()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), None


# ------------------------------------------------------------------ torch

def ttt_step(W, b, q, k, v, e, gamma, beta):
    """One mini-batch of the fla dual form. W [B,H,D,D]; b, gamma, beta
    [B,H,1,D]; q, k, v [B,H,n,D]; e [B,H,n]. Returns (W', b', o [B,H,n,D])."""
    import torch
    z = k @ W + b
    zc = z - z.mean(-1, keepdim=True)
    rstd = torch.rsqrt((zc * zc).mean(-1, keepdim=True) + EPS)
    xhat = zc * rstd
    g = (xhat * gamma + beta - (v - k)) * gamma  # dl/dLN(z) * gamma
    G = (g - g.mean(-1, keepdim=True) - xhat * (g * xhat).mean(-1, keepdim=True)) * rstd
    n = q.shape[-2]
    E = torch.tril(e.unsqueeze(-1).expand(*e.shape, n))  # E[r, s] = e_r, s <= r
    y = q @ W + b - (E * (q @ k.transpose(-1, -2)) + E) @ G
    last = E[..., -1, :].unsqueeze(-1) * G  # [B,H,n,D]
    W = W - k.transpose(-1, -2) @ last
    b = b - last.sum(-2, keepdim=True)
    yc = y - y.mean(-1, keepdim=True)
    o = y + yc * torch.rsqrt((yc * yc).mean(-1, keepdim=True) + EPS) * gamma + beta
    return W, b, o


def ttt_torch(step, q, k, v, e, W0, b0, gamma, beta):
    """The loop over mini-batches (the last may be partial). Shapes as
    ttt_reference: q, k, v [B,H,T,D], e [B,H,T], W0 [B,H,D,D], b0, gamma,
    beta [B,H,D]. Returns (o, W, b)."""
    import torch
    T = q.shape[2]
    o = torch.empty_like(q)
    W, b = W0, b0.unsqueeze(-2)
    gamma, beta = gamma.unsqueeze(-2), beta.unsqueeze(-2)
    for s in range(0, T, BT):
        W, b, o[:, :, s:s + BT] = step(W, b, q[:, :, s:s + BT], k[:, :, s:s + BT],
                                       v[:, :, s:s + BT], e[:, :, s:s + BT], gamma, beta)
    return o, W, b.squeeze(-2)


def small_case():
    """(inputs by manifest name, float64 reference [o, W, b]) at B=1, H=2,
    T=37 (a partial last mini-batch), from test/lib/ttt_cases.py."""
    sys.path.insert(0, LIB)
    import numpy as np
    import ttt_cases
    x, _ = ttt_cases.inputs("fla", np.random.default_rng(5), 1, 2, 37, D)
    return x, ttt_cases.reference("fla", x, 1, 2)


def max_err(got, want):
    import numpy as np
    return max(float(np.max(np.abs(np.asarray(g, np.float64) - w))) for g, w in zip(got, want))


def timed_with_peak(torch, dev, sync, run, a, out_bytes):
    """(median seconds or None, why not, peak device bytes beyond what was
    allocated before and the outputs' `out_bytes`; None off the GPU)."""
    base = None
    if dev == "cuda":
        sync()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    sec, why = median_time(run, sync, a.repeat, a.warmup, a.budget)
    extra = None
    if sec is not None and base is not None:
        extra = torch.cuda.max_memory_allocated() - base - out_bytes
    return sec, why, extra


def torch_worker(kind, rows, a):
    try:
        import torch
    except Exception as ex:  # noqa: BLE001
        return emit({"skip": f"PyTorch not importable ({type(ex).__name__}: {ex})"})
    if torch.cuda.is_available():
        dev = "cuda"
    elif a.allow_cpu:
        dev = "cpu"
    else:
        return emit({"skip": f"torch {torch.__version__}: no CUDA device"})
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    name = torch.cuda.get_device_name() if dev == "cuda" else "cpu"
    emit({"info": f"torch {torch.__version__} on {name}"})
    if kind == "eager":  # float64 check of ttt_step against the primal reference
        x, want = small_case()
        t = {n: torch.tensor(v, dtype=torch.float64, device=dev) for n, v in x.items()}
        got = ttt_torch(ttt_step, t["q"], t["k"], t["v"], t["e"], t["W0"], t["b0"],
                        t["ln_w"], t["ln_b"])
        emit({"check": f"eager ttt_step (float64, {dev}) vs test/lib/ttt_reference.py, "
                       f"B=1 H=2 T=37: max abs err o/W/b {max_err([g.cpu() for g in got], want):.1e}"})
    step = ttt_step
    if kind == "sdpa":
        return sdpa_rows(torch, dev, sync, rows, a)
    if kind == "triton":
        return triton_rows(torch, dev, sync, rows, a)
    for B, T in rows:
        r = row_name((B, T))
        try:
            gen = torch.Generator(device=dev).manual_seed(B * 1000003 + T)
            rn = lambda *s: torch.randn(*s, generator=gen, device=dev)  # noqa: E731
            q, k, v = rn(B, H, T, D), rn(B, H, T, D), rn(B, H, T, D)
            e = 0.1 * torch.rand(B, H, T, generator=gen, device=dev)
            W0, b0 = 0.05 * rn(B, H, D, D), 0.05 * rn(B, H, D)
            gm, bt = 1 + 0.1 * rn(B, H, D), 0.1 * rn(B, H, D)
            args = (q, k, v, e, W0, b0, gm, bt)
            out_bytes = 4 * (B * H * T * D + B * H * D * D + B * H * D)
            note = []
            if kind == "compile":
                torch._dynamo.reset()
                step = torch.compile(ttt_step)
                sync()
                t0 = time.perf_counter()
                step(W0, b0.unsqueeze(-2), q[:, :, :BT], k[:, :, :BT], v[:, :, :BT],
                     e[:, :, :BT], gm.unsqueeze(-2), bt.unsqueeze(-2))
                sync()
                note.append(f"compile {time.perf_counter() - t0:.1f} s")
            res = [None]

            def run():
                res[0] = None  # the previous outputs are freed before the call
                res[0] = ttt_torch(step, *args)

            sec, why, extra = timed_with_peak(torch, dev, sync, run, a, out_bytes)
            if sec is None:
                emit({"row": r, "skip": why, "note": "; ".join(note)})
                continue
            o = res[0][0]
            if not bool(torch.isfinite(o).all()):
                note.append("NON-FINITE output")
            if kind == "compile":
                ref = ttt_torch(ttt_step, *args)
                d = max(float((x - y).abs().max()) for x, y in zip(res[0], ref))
                note.append(f"max abs diff to eager {d:.1e}")
            emit({"row": r, "ms": sec * 1e3, "extra_bytes": extra, "note": "; ".join(note)})
            res[0] = None
            args = q = k = v = e = o = None
            if dev == "cuda":
                torch.cuda.empty_cache()
        except Exception as ex:  # noqa: BLE001
            emit({"row": r, "skip": f"error: {type(ex).__name__}: {str(ex)[:300]}"})


def sdpa_rows(torch, dev, sync, rows, a):
    """Causal attention (bf16) over q, k, v of the TTT rows' shape."""
    import torch.nn.functional as F
    for B, T in rows:
        r = row_name((B, T))
        try:
            gen = torch.Generator(device=dev).manual_seed(B * 1000003 + T)
            q, k, v = (torch.randn(B, H, T, D, generator=gen, device=dev).to(torch.bfloat16)
                       for _ in range(3))
            res = [None]

            def run():
                res[0] = None
                res[0] = F.scaled_dot_product_attention(q, k, v, is_causal=True)

            sec, why, extra = timed_with_peak(torch, dev, sync, run, a, 2 * B * H * T * D)
            if sec is None:
                emit({"row": r, "skip": why})
                continue
            note = "" if bool(torch.isfinite(res[0]).all()) else "NON-FINITE output"
            emit({"row": r, "ms": sec * 1e3, "extra_bytes": extra, "note": note})
            res[0] = q = k = v = None
            if dev == "cuda":
                torch.cuda.empty_cache()
        except Exception as ex:  # noqa: BLE001
            emit({"row": r, "skip": f"error: {type(ex).__name__}: {str(ex)[:300]}"})


def triton_rows(torch, dev, sync, rows, a):
    """flash-linear-attention's TTT-Linear Triton kernels, fp32 and bf16."""
    try:
        from fla.ops.ttt import chunk_ttt_linear, fused_chunk_ttt_linear
    except Exception as ex:  # noqa: BLE001
        return emit({"skip": f"fla (flash-linear-attention) not importable "
                             f"({type(ex).__name__}: {str(ex)[:200]})"})
    import numpy as np
    kernels = {"fused_chunk": fused_chunk_ttt_linear, "chunk": chunk_ttt_linear}

    def call(fn, q, k, v, w, b, e, h0, hb0):
        return fn(q, k, v, w, b, e, scale=1.0, eps=EPS, chunk_size=BT, initial_state=h0,
                  initial_state_bias=hb0, output_final_state=True)

    # Check: B=1 (per-head LayerNorm = per chain), T a multiple of BT.
    sys.path.insert(0, LIB)
    import ttt_cases
    x, _ = ttt_cases.inputs("fla", np.random.default_rng(9), 1, 2, 48, D)
    want = ttt_cases.reference("fla", x, 1, 2)
    t = {n: torch.tensor(v, device=dev) for n, v in x.items()}
    bthd = lambda z: z.transpose(1, 2).contiguous()  # noqa: E731
    for name, fn in kernels.items():
        try:
            o, h, hb = call(fn, bthd(t["q"]), bthd(t["k"]), bthd(t["v"]), t["ln_w"][0],
                            t["ln_b"][0], bthd(t["e"][..., None]), t["W0"].clone(),
                            t["b0"][:, :, None].clone())
            got = [o.transpose(1, 2).double().cpu().numpy(), h.double().cpu().numpy(),
                   hb[:, :, 0].double().cpu().numpy()]
            err = max(float(np.linalg.norm(g - w) / np.linalg.norm(w)) for g, w in zip(got, want))
            emit({"check": f"fla {name}_ttt_linear (fp32) vs test/lib/ttt_reference.py, "
                           f"B=1 H=2 T=48: max rel err o/W/b {err:.1e}"})
        except Exception as ex:  # noqa: BLE001
            emit({"check": f"fla {name}_ttt_linear failed: {type(ex).__name__}: {str(ex)[:200]}"})
    for B, T in rows:
        r = row_name((B, T))
        for label, dtype in (("triton", torch.float32), ("triton_bf16", torch.bfloat16)):
            best, notes = None, []
            try:
                gen = torch.Generator(device=dev).manual_seed(B * 1000003 + T)
                rn = lambda *s: torch.randn(*s, generator=gen, device=dev)  # noqa: E731
                q, k, v = (rn(B, T, H, D).to(dtype) for _ in range(3))
                e = (0.1 * torch.rand(B, T, H, 1, generator=gen, device=dev)).to(dtype)
                w, b = 1 + 0.1 * rn(H, D), 0.1 * rn(H, D)
                h0, hb0 = 0.05 * rn(B, H, D, D), 0.05 * rn(B, H, 1, D)
                for name, fn in kernels.items():
                    # Triton compiles (and autotunes) at the first call: not
                    # part of the budget estimate nor of the times.
                    call(fn, q, k, v, w, b, e, h0, hb0)
                    sec, why, extra = timed_with_peak(
                        torch, dev, sync, lambda: call(fn, q, k, v, w, b, e, h0, hb0), a,
                        (B * T * H * D) * q.element_size() + 4 * B * H * D * (D + 1))
                    if sec is None:
                        notes.append(f"{name}: {why}")
                        continue
                    notes.append(f"{name} {sec * 1e3:.3g} ms")
                    if best is None or sec < best[0]:
                        best = (sec, extra, name)
                q = k = v = e = None
                torch.cuda.empty_cache()
            except Exception as ex:  # noqa: BLE001
                notes.append(f"error: {type(ex).__name__}: {str(ex)[:200]}")
            if best is None:
                emit({"row": r, "impl": label, "skip": "; ".join(notes)})
            else:
                emit({"row": r, "impl": label, "ms": best[0] * 1e3, "extra_bytes": best[1],
                      "note": "; ".join(notes)})


# -------------------------------------------------------------------- JAX

def jax_worker(rows, a):
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    try:
        import jax
        import jax.numpy as jnp
    except Exception as ex:  # noqa: BLE001
        return emit({"skip": f"JAX not importable ({type(ex).__name__}: {ex})"})
    backend = jax.default_backend()
    if backend != "gpu" and not a.allow_cpu:
        return emit({"skip": f"JAX {jax.__version__}: no GPU backend (default backend {backend})"})
    sys.path.insert(0, LIB)
    import numpy as np
    import jax_reference as jr  # turns on x64; float32 inputs stay float32
    dev = jax.devices()[0]
    emit({"info": f"jax {jax.__version__} on {dev.device_kind}"})
    x, want = small_case()
    got = jr.ttt_linear_dual(x["q"], x["k"], x["v"], x["e"], x["W0"], x["b0"], x["ln_w"],
                             x["ln_b"], bt=BT, variant="fla", dtype=np.float64)
    emit({"check": f"JAX dual form (float64, {backend}) vs test/lib/ttt_reference.py, "
                   f"B=1 H=2 T=37: max abs err o/W/b {max_err(got, want):.1e}"})
    for B, T in rows:
        r = row_name((B, T))
        try:
            ks = jax.random.split(jax.random.PRNGKey(B * 1000003 + T), 8)
            rn = lambda i, *s: jax.random.normal(ks[i], s, jnp.float32)  # noqa: E731
            args = [rn(0, B, H, T, D), rn(1, B, H, T, D), rn(2, B, H, T, D),
                    0.1 * jax.random.uniform(ks[3], (B, H, T), jnp.float32),
                    0.05 * rn(4, B, H, D, D), 0.05 * rn(5, B, H, D),
                    1 + 0.1 * rn(6, B, H, D), 0.1 * rn(7, B, H, D), jnp.zeros((BT,), jnp.float32)]
            jax.block_until_ready(args)
            t0 = time.perf_counter()
            compiled = jr._linear_jit.lower("fla", "dual", BT, *args).compile()
            note = [f"compile {time.perf_counter() - t0:.1f} s"]
            extra = None
            try:
                extra = int(compiled.memory_analysis().temp_size_in_bytes)
            except Exception:  # noqa: BLE001
                pass
            res = [None]

            def run():
                res[0] = None
                res[0] = jax.block_until_ready(compiled(*args))

            sec, why = median_time(run, lambda: None, a.repeat, a.warmup, a.budget)
            if sec is None:
                emit({"row": r, "skip": why, "note": "; ".join(note)})
                continue
            if not bool(jnp.isfinite(res[0][0]).all()):
                note.append("NON-FINITE output")
            emit({"row": r, "ms": sec * 1e3, "extra_bytes": extra, "note": "; ".join(note)})
            res[0] = None
            args = compiled = None
        except Exception as ex:  # noqa: BLE001
            emit({"row": r, "skip": f"error: {type(ex).__name__}: {str(ex)[:300]}"})


# ---------------------------------------------------------- ours: kernel

def kernel_worker(rows, a):
    """Our kernel alone, through bench/gpu/kernel_time.py, in this worker
    process (its device memory goes back when the worker ends)."""
    import kernel_time as kt
    try:
        torch, kern = kt.open_kernel(a.artifact)
    except kt.Skip as ex:
        return emit({"skip": str(ex)})
    emit({"info": kt.describe(torch, kern)})
    ok, lines = kt.check(torch, kern)
    for line in lines:
        emit({"check": line})
    for B, T in rows:
        r = row_name((B, T))
        try:
            m = kt.time_row(torch, kern, B, H, T, a.repeat, a.warmup, a.budget)
            if "skip" in m:
                emit({"row": r, "skip": m["skip"]})
                continue
            note = [m["note"]] if m["note"] else []
            if kern.local:
                note.append(f"+ local {kern.local} B/thread (driver)")
            if not ok:
                note.append("CHECK FAILED")
            emit({"row": r, "ms": m["ms"], "extra_bytes": m["extra_bytes"],
                  "note": "; ".join(note)})
        except Exception as ex:  # noqa: BLE001
            emit({"row": r, "skip": f"error: {type(ex).__name__}: {str(ex)[:300]}"})


# ------------------------------------------------------------ ours: ttt-run

def ttt_run_cmd(a, art, B, T, extra=()):
    return [a.ttt_run, art, "--device", a.ours_device, "--random", "0", "--batch", str(B),
            "--heads", str(H), "--tokens", str(T), *extra]


def ours_check(a):
    import numpy as np
    x, want = small_case()
    with tempfile.TemporaryDirectory() as d:
        flags = []
        for n, v in x.items():
            np.save(os.path.join(d, f"in_{n}.npy"), v)
            flags += ["--input", f"{n}={os.path.join(d, f'in_{n}.npy')}"]
        out = os.path.join(d, "out")
        os.makedirs(out)
        cmd = [a.ttt_run, a.artifact, "--device", a.ours_device, *flags, "--out-dir", out, "--quiet"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            return f"SKIP ours check: ttt-run failed: {p.stderr.strip()[-300:]}"
        got = [np.load(os.path.join(out, f"{n}.npy")) for n in ("o", "W", "b")]
    return (f"check: ours ({os.path.basename(a.artifact)}, fp32, {a.ours_device}) vs "
            f"test/lib/ttt_reference.py, B=1 H=2 T=37: max abs err o/W/b {max_err(got, want):.1e}")


def big_inputs(B, T, d):
    """q, k, v, e as .npy files in d (a random block of at most 65536 tokens
    tiled along T: the values do not change the kernel's work)."""
    import numpy as np
    rng = np.random.default_rng(0)
    tb = T if T <= 65536 or T % 65536 else 65536
    flags = []
    for n in ("q", "k", "v", "e"):
        if n == "e":
            blk = (0.1 * rng.random((B, H, tb))).astype(np.float32)
            arr = np.tile(blk, (1, 1, T // tb))
        else:
            blk = rng.standard_normal((B, H, tb, D), dtype=np.float32)
            arr = np.tile(blk, (1, 1, T // tb, 1))
        p = os.path.join(d, f"{n}.npy")
        np.save(p, arr)
        del arr, blk
        flags += ["--input", f"{n}={p}"]
    return flags


def ours_rows(a, rows, results):
    if not os.access(a.ttt_run, os.X_OK):
        return print(f"SKIP ours: {a.ttt_run} is not an executable", flush=True)
    try:
        print(ours_check(a), flush=True)
    except Exception as ex:  # noqa: BLE001
        print(f"SKIP ours check: {type(ex).__name__}: {ex}", flush=True)
    for B, T in rows:
        r = row_name((B, T))
        seq_elems = 3 * B * H * T * D
        use_files = a.ours_inputs == "files" or (a.ours_inputs == "auto" and seq_elems > 2 ** 28)
        tmp = None
        try:
            extra = []
            note = ["incl. host<->device copies (pageable)"] if a.ours_device == "cuda" else []
            if use_files:
                need = 4 * (seq_elems + B * H * T) * 1.2
                base = "/dev/shm" if os.path.isdir("/dev/shm") and \
                    shutil.disk_usage("/dev/shm").free > need else None
                tmp = tempfile.mkdtemp(prefix="ttt-compare-", dir=base)
                t0 = time.perf_counter()
                extra = big_inputs(B, T, tmp)
                note.append(f"q,k,v,e from .npy ({time.perf_counter() - t0:.0f} s to write)")
            cmd = ttt_run_cmd(a, a.artifact, B, T, extra) + \
                ["--repeat", str(a.repeat), "--json", "--quiet"]
            print(f"  ours {r}: {' '.join(cmd)}", file=sys.stderr, flush=True)
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
            line = (p.stdout.strip().splitlines() or [""])[-1]
            if p.returncode != 0 or not line.startswith("{"):
                results.append(("ours", r, {"skip": f"ttt-run rc {p.returncode}: "
                                                    f"{(p.stderr or p.stdout).strip()[-300:]}"}))
                continue
            j = json.loads(line)
            note.append(f"peak host RSS {j.get('peak_rss_mb', 0) / 1024:.1f} GiB")
            results.append(("ours", r, {"ms": j["time_ms"], "extra_bytes": None,
                                        "note": "; ".join(note)}))
        except subprocess.TimeoutExpired:
            results.append(("ours", r, {"skip": f"timeout after {a.timeout} s"}))
        except Exception as ex:  # noqa: BLE001
            results.append(("ours", r, {"skip": f"error: {type(ex).__name__}: {ex}"}))
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------- main

def run_worker(kind, rows, a, results):
    # The fast artifact runs in the kernel worker too (its own check: 1e-2
    # against the float64 reference on the bf16-rounded inputs).
    worker = "kernel" if kind == "kernel_fast" else kind
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", worker,
           "--rows", ",".join(map(row_name, rows)), "--repeat", str(a.repeat),
           "--warmup", str(a.warmup), "--budget", str(a.budget)]
    if a.allow_cpu:
        cmd.append("--allow-cpu")
    if worker == "kernel":
        cmd += ["--artifact", a.artifact if kind == "kernel" else a.fast_artifact]
    print(f"  {kind}: running {len(rows)} rows", file=sys.stderr, flush=True)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
        out, err, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as ex:
        dec = lambda s: s.decode(errors="replace") if isinstance(s, bytes) else (s or "")  # noqa: E731
        out, err, rc = dec(ex.stdout), dec(ex.stderr), f"timeout after {a.timeout} s"
    done = set()
    for line in out.splitlines():
        if not line.startswith(TAG):
            continue
        m = json.loads(line[len(TAG):])
        if "info" in m:
            print(f"{kind}: {m['info']}", flush=True)
        elif "check" in m:
            print(f"check: {m['check']}", flush=True)
        elif "row" in m:
            results.append((m.get("impl", kind), m["row"], m))
            done.add(m["row"])
        elif "skip" in m:
            print(f"SKIP {kind}: {m['skip']}", flush=True)
            return
    if rc != 0 or len(done) < len(rows):
        tail = " | ".join(err.strip().splitlines()[-3:])[-400:]
        print(f"SKIP {kind}: worker ended early (rc {rc}): {tail}", flush=True)
        for r in rows:
            if row_name(r) not in done:
                results.append((kind, row_name(r), {"skip": f"not run (worker rc {rc})"}))


def gpu_line():
    try:
        p = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                            "--format=csv,noheader"], capture_output=True, text=True, timeout=30)
        return p.stdout.strip() or p.stderr.strip()
    except Exception as ex:  # noqa: BLE001
        return f"nvidia-smi not available ({type(ex).__name__})"


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="TTT-Linear fla inner loop (H=12, D=64, BT=16, fp32): PyTorch eager, "
                    "torch.compile, JAX/XLA and ttt-run side by side; prints one table.",
        epilog="Example: python3 bench/gpu/compare.py --ttt-run build-gpu-models/ttt-run "
               "--artifact build-gpu-c/art/fla.json")
    ap.add_argument("--ttt-run", help="the ttt-run binary (needed unless --skip ours)")
    ap.add_argument("--artifact", help="a prebuilt fla artifact (FLA.json, target cuda)")
    ap.add_argument("--fast-artifact",
                    help="also time a fast-mode fla artifact (bf16 I/O: "
                         "examples/ttt_linear_fla_bf16.mlir, target cuda) as its own line")
    ap.add_argument("--rows", default=DEFAULT_ROWS,
                    help=f"comma-separated BxT (default {DEFAULT_ROWS}); T a multiple of 16")
    ap.add_argument("--ours-only-rows", default=OURS_ONLY,
                    help=f"rows run by ours alone (default {OURS_ONLY})")
    ap.add_argument("--skip", default="",
                    help="comma-separated: eager,compile,jax,sdpa,triton,ours,kernel")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs; the median is reported")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed runs first (frameworks, kernel)")
    ap.add_argument("--budget", type=float, default=60.0,
                    help="skip a framework row whose timed runs would take longer, in s "
                         "(estimated from the first warm-up run; default 60)")
    ap.add_argument("--timeout", type=int, default=300,
                    help="seconds for each framework's worker and each ttt-run call")
    ap.add_argument("--ours-inputs", choices=("auto", "random", "files"), default="auto",
                    help="ttt-run inputs: --random 0 (its generator is ~20-30 ns per value, "
                         "outside the timed call), or q,k,v,e from .npy files; auto = files "
                         "above 2^28 values of q,k,v (default auto)")
    ap.add_argument("--ours-device", default="cuda", help=argparse.SUPPRESS)
    ap.add_argument("--allow-cpu", action="store_true",
                    help="let the frameworks run on the CPU when no GPU is visible "
                         "(to test this script, not for numbers)")
    ap.add_argument("--json-out", help="also write every result as JSON to this file")
    ap.add_argument("--worker", choices=("eager", "compile", "jax", "sdpa", "triton", "kernel"),
                    help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    rows = parse_rows(a.rows, "compare.py")
    for B, T in rows:
        if T % BT:
            ap.error(f"T = {T} is not a multiple of BT = {BT}")

    if a.worker == "kernel":
        return kernel_worker(rows, a)
    if a.worker:
        return torch_worker(a.worker, rows, a) if a.worker != "jax" else jax_worker(rows, a)

    skip = set(filter(None, (s.strip() for s in a.skip.split(","))))
    bad = skip - set(IMPLS)
    if bad:
        ap.error(f"--skip: unknown {','.join(sorted(bad))} (eager, compile, jax, sdpa, triton, "
                 "ours, kernel)")
    if "ours" not in skip and not (a.ttt_run and a.artifact):
        ap.error("--ttt-run and --artifact are needed (or --skip ours)")
    if "kernel" not in skip and not a.artifact:
        ap.error("--artifact is needed (or --skip kernel)")
    ours_only = {row_name(r) for r in parse_rows(a.ours_only_rows, "compare.py")}
    fw_rows = [r for r in rows if row_name(r) not in ours_only]

    print(f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"GPU: {gpu_line()}")
    print(f"command: {' '.join([os.path.relpath(__file__, ROOT)] + sys.argv[1:])}")
    sys.stdout.flush()
    results = []
    for impl in IMPLS:
        if impl in skip:
            print(f"SKIP {impl}: --skip", flush=True)
        elif impl == "ours":
            ours_rows(a, rows, results)
        elif impl == "kernel":
            run_worker(impl, rows, a, results)
        elif impl == "kernel_fast":
            if a.fast_artifact:
                run_worker(impl, rows, a, results)
        elif fw_rows:
            run_worker(impl, fw_rows, a, results)

    by = {(i, r): m for i, r, m in results}
    print()
    print(f"TTT-Linear fla inner loop, H = {H}, D = {D}, BT = {BT}, fp32; ms = median of "
          f"{a.repeat}; floor = fp32 bytes of q,k,v,eta in + o out at 3.0 TB/s / time")
    print()
    print("| B x T | implementation | ms | tokens/s | floor | extra MiB | notes |")
    print("|---|---|---:|---:|---:|---:|---|")
    for B, T in rows:
        r = row_name((B, T))
        for impl in TABLE:
            if impl in skip or (impl not in WHOLE_ROWS and r in ours_only):
                continue
            m = by.get((impl, r))
            if m is None:
                continue
            if "ms" not in m:
                print(f"| {B} x {T} | {LABEL[impl]} | - | - | - | - | skipped: "
                      f"{m.get('skip', '')}{'; ' + m['note'] if m.get('note') else ''} |")
                continue
            ms = m["ms"]
            eb = m.get("extra_bytes")
            mib = "-" if eb is None else f"{eb / 2 ** 20:.1f}"
            print(f"| {B} x {T} | {LABEL[impl]} | {ms:.3g} | {fmt_rate(B * T / (ms / 1e3))} | "
                  f"{100 * floor_ms(B, T) / ms:.3g}% | {mib} | {m.get('note', '')} |")
    print()
    print("copy floor: " + ", ".join(f"{row_name(r)} {floor_ms(*r):.4g} ms" for r in rows))
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump([{"impl": i, "row": r, **m} for i, r, m in results], f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
