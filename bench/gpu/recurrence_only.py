#!/usr/bin/env python3
"""Writes TTT-Linear's graph with its output chain cut off: what the
recurrence alone (K W + b, the LayerNorm chain, G, the weight and bias
updates) costs, the bound on what moving the output chain elsewhere can
give (docs/GPU.md, "A step's timeline").

  recurrence_only.py examples/ttt_linear_fla[_bf16].mlir OUT.mlir

The output chain (y = q W_r + b_r, its LayerNorm, the residual) becomes
o = (v - k) + q: still a sequence output of the same shape and element
type (bf16 for the fast mode's graph), computed from the chunk's inputs
alone. An experiment, not a model: its o has no
reference (time it with kernel_time.py --no-check).
"""
import sys

OUTPUT_START = "    // y_r = q_r W_r + b_r"
OUTPUT_END = "    // The next mini-batch"
REPLACEMENT = """    // The recurrence alone (bench/gpu/recurrence_only.py): o = (v - k) + q.
    %o = linalg.add ins(%target, %qc : tensor<?x64xf32>, tensor<?x64xf32>)
                    outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>

"""


# The fast mode's graph (examples/ttt_linear_fla_bf16.mlir) stores o in
# bf16: the sum rounded as its output chain rounds o.
REPLACEMENT_BF16 = """    // The recurrence alone (bench/gpu/recurrence_only.py): o = (v - k) + q.
    %o_rows = tensor.empty(%n) : tensor<?x64xbf16>
    %o = linalg.generic {indexing_maps = [#bf16_id, #bf16_id, #bf16_id], iterator_types = ["parallel", "parallel"]}
        ins(%target, %qc : tensor<?x64xf32>, tensor<?x64xf32>) outs(%o_rows : tensor<?x64xbf16>) {
    ^bb0(%a: f32, %b: f32, %o: bf16):
      %s = arith.addf %a, %b : f32
      %h = arith.truncf %s : f32 to bf16
      linalg.yield %h : bf16
    } -> tensor<?x64xbf16>

"""


def cut(src):
    a, b = src.find(OUTPUT_START), src.find(OUTPUT_END)
    if a < 0 or b < a:
        raise ValueError("not examples/ttt_linear_fla.mlir's layout: no output chain "
                         f"between {OUTPUT_START.strip()!r} and {OUTPUT_END.strip()!r}")
    bf16 = "tensor<?x64xbf16>" in src[a:b]
    return src[:a] + (REPLACEMENT_BF16 if bf16 else REPLACEMENT) + src[b:]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[0] + "\nusage: recurrence_only.py FLA.mlir OUT.mlir")
    try:
        with open(sys.argv[1]) as f:
            out = cut(f.read())
    except (OSError, ValueError) as ex:
        sys.exit(f"recurrence_only: {sys.argv[1]}: {ex}")
    with open(sys.argv[2], "w") as f:
        f.write(out)


if __name__ == "__main__":
    main()
