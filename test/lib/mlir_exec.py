"""Runs a tensor-level MLIR function on numpy inputs through ttt-opt and
mlir-runner and returns its results as numpy arrays.

The function is called from a generated @main that builds each input as a
dense constant (full precision) and prints every result with
printMemrefI64 of its bit pattern (exact), so functions under test should
use f64 for exact checks.
"""

import os
import re
import subprocess
import tempfile

import numpy as np

LLVM_BIN = os.environ.get("LLVM_TOOLS_DIR", "/usr/lib/llvm-22/bin")
LLVM_LIB = os.path.join(os.path.dirname(LLVM_BIN), "lib")

# Tensors -> bufferized loops -> LLVM, all upstream passes.
LOWER_TO_LLVM = [
    "--one-shot-bufferize=bufferize-function-boundaries allow-return-allocs-from-loops",
    "--convert-linalg-to-loops", "--lower-affine", "--convert-scf-to-cf",
    "--expand-strided-metadata", "--lower-affine", "--finalize-memref-to-llvm",
    "--convert-math-to-llvm", "--convert-math-to-libm",
    "--convert-arith-to-llvm", "--convert-cf-to-llvm",
    "--convert-func-to-llvm", "--convert-index-to-llvm",
    "--reconcile-unrealized-casts",
]


def _tensor_type(shape, elt="f64"):
    dims = "x".join(str(d) for d in shape)
    return f"tensor<{dims}x{elt}>" if shape else f"tensor<{elt}>"


def _dense(a):
    # Raw little-endian bytes: exact, and compact for large inputs.
    return f'dense<"0x{np.ascontiguousarray(a, "<f8").tobytes().hex().upper()}">'


def _parse_signature(text, func):
    # Argument and result attribute dictionaries ({ttt.name = "q"}) aside.
    text = re.sub(r"\s*\{[\w.]+ = \"[^\"]*\"\}", "", text)
    m = re.search(r"func\.func\s+@" + re.escape(func) + r"\s*\((.*?)\)\s*(->\s*(.*?))?\s*\{",
                  text, re.S)
    if not m:
        raise ValueError(f"function @{func} not found")
    args = re.findall(r"%[\w]+\s*:\s*(tensor<[^>]*>)", m.group(1))
    res = m.group(3) or ""
    res = re.findall(r"tensor<[^>]*>", res)
    return args, res


def _parse_prints(out, count):
    blocks = out.split("Unranked Memref")[1:]
    if len(blocks) != count:
        raise RuntimeError(f"expected {count} printed results, got {len(blocks)}:\n{out}")
    results = []
    for b in blocks:
        sizes = [int(s) for s in re.search(r"sizes = \[([^\]]*)\]", b).group(1).replace(" ", "").split(",") if s]
        data = b.split("data =", 1)[1]
        bits = np.array([int(x) for x in re.findall(r"-?\d+", data)], dtype=np.int64)
        results.append(bits.view(np.float64).reshape(sizes))
    return results


def run(text, func, inputs, ttt_opt="ttt-opt", passes=(), keep=None):
    """Runs @func of `text` after `passes` (ttt-opt flags) on `inputs`."""
    arg_types, res_types = _parse_signature(text, func)
    if len(arg_types) != len(inputs):
        raise ValueError(f"@{func} takes {len(arg_types)} arguments, got {len(inputs)}")
    lines = ["func.func private @printMemrefI64(memref<*xi64>) attributes {llvm.emit_c_interface}",
             "func.func @main() {"]
    names = []
    for i, (a, ty) in enumerate(zip(inputs, arg_types)):
        static = _tensor_type(a.shape)
        lines.append(f"  %in{i} = arith.constant {_dense(np.asarray(a, np.float64))} : {static}")
        if static != ty:
            lines.append(f"  %arg{i} = tensor.cast %in{i} : {static} to {ty}")
            names.append(f"%arg{i}")
        else:
            names.append(f"%in{i}")
    rs = ", ".join(res_types)
    lhs = f"%r:{len(res_types)} = " if len(res_types) > 1 else "%r = "
    lines.append(f"  {lhs}func.call @{func}({', '.join(names)}) : ({', '.join(arg_types)}) -> ({rs})")
    for j, ty in enumerate(res_types):
        ref = f"%r#{j}" if len(res_types) > 1 else "%r"
        ity = ty.replace("xf64>", "xi64>").replace("<f64>", "<i64>")
        dims = ty[len("tensor<"):-1].split("x")[:-1]
        dyn = []
        for d, size in enumerate(dims):
            if size == "?":
                lines.append(f"  %c{j}_{d} = arith.constant {d} : index")
                lines.append(f"  %d{j}_{d} = tensor.dim {ref}, %c{j}_{d} : {ty}")
                dyn.append(f"%d{j}_{d}")
        lines.append(f"  %e{j} = tensor.empty({', '.join(dyn)}) : {ity}")
        lines.append(f"  %i{j} = linalg.map ins({ref} : {ty}) outs(%e{j} : {ity}) (%x: f64, %o: i64) {{")
        lines.append("    %b = arith.bitcast %x : f64 to i64")
        lines.append("    linalg.yield %b : i64")
        lines.append("  }")
        lines.append(f"  %u{j} = tensor.cast %i{j} : {ity} to tensor<*xi64>")
        lines.append(f"  %m{j} = bufferization.to_buffer %u{j} : tensor<*xi64> to memref<*xi64>")
        lines.append(f"  func.call @printMemrefI64(%m{j}) : (memref<*xi64>) -> ()")
    lines += ["  return", "}"]
    module = text + "\n" + "\n".join(lines) + "\n"

    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.mlir")
        with open(src, "w") as f:
            f.write(module)
        if keep:
            with open(keep, "w") as f:
                f.write(module)
        lowered = subprocess.run([ttt_opt, src, *passes, *LOWER_TO_LLVM],
                                 capture_output=True, text=True)
        if lowered.returncode != 0:
            raise RuntimeError(f"ttt-opt failed:\n{lowered.stderr}")
        ran = subprocess.run(
            [os.path.join(LLVM_BIN, "mlir-runner"), "-e", "main", "-entry-point-result=void",
             f"-shared-libs={LLVM_LIB}/libmlir_runner_utils.so,{LLVM_LIB}/libmlir_c_runner_utils.so"],
            input=lowered.stdout, capture_output=True, text=True)
        if ran.returncode != 0:
            raise RuntimeError(f"mlir-runner failed:\n{ran.stderr}")
    return _parse_prints(ran.stdout, len(res_types))


def rel_err(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if not np.all(np.isfinite(a)):
        return float("inf")
    denom = max(np.linalg.norm(b), 1e-300)
    return float(np.linalg.norm(a - b) / denom)
