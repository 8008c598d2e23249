//===- Passes.td - TTT transformation passes ---------------*- tablegen -*-===//

#ifndef TTT_TRANSFORMS_PASSES_TD
#define TTT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def TTTAutodiff : Pass<"ttt-autodiff"> {
  let summary = "Expand ttt.grad into explicit reverse-mode IR";
  let description = [{
    Replaces every `ttt.grad` by its forward computation followed by the
    reverse sweep built from each op's `DifferentiableOpInterface` rule
    (the TTT inner-model ops and the upstream linalg contractions,
    elementwise ops and broadcasts). Values defined outside the `ttt.grad`
    body are constants.

    With a per-example (vector) loss, the gradients keep one entry per
    example: a contribution that a scalar loss would sum over the examples
    (such as `X^T dZ` for `Z = X W`) becomes the stack of per-example outer
    products. An op on the differentiable path without a rule is a located
    error naming it.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def TTTDualForm : Pass<"ttt-dual-form"> {
  let summary = "Rewrite the per-position weight update into the dual form";
  let description = [{
    For a matrix weight `W` whose per-example gradient comes from a
    `ttt.grad` in which `W` enters only through `Z = X W` (the layer is
    linear), `grad_W l_s = X_s^T dZ_s`. The per-position weights
    `W_r = W - sum_{s<=r} eta[r, s] X_s^T dZ_s` are then never
    materialized: `q_r W_r` becomes `Q W - (eta o tril(Q X^T)) dZ` and the
    weight at position `p` (the next chunk's state) becomes
    `W - X^T (eta[p, :] o [s <= p] o dZ)`. `dZ` is the gradient of the
    summed loss with respect to `Z` (a new scalar `ttt.grad`, since each
    loss depends on its own row only). Runs before `ttt-autodiff`; uses it
    does not understand keep the primal form.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTFuse : Pass<"ttt-fuse"> {
  let summary = "Fuse the lowered TTT graph: transposes, updates, reductions";
  let description = [{
    Runs on linalg on tensors (after `convert-ttt-to-linalg`):

    - named linalg ops become `linalg.generic`, so that a transpose or a
      broadcast is folded into the indexing maps of its consumer and never
      materialized;
    - `X + R`, `R + X` and `X - R`, where `R` is a reduction into zeros with
      no other use, become `R` accumulating into `X` (negated for `X - R`):
      the fast-weight update `W - X^T (eta o G)` is one contraction that
      accumulates into `W`, and the dual form's `Q W - (eta o tril(Q K^T)) G`
      one contraction that accumulates into `Q W`;
    - independent reductions over the same loops that read a common input
      (layer norm's two row sums, forward and backward) become one generic
      with several results: one pass over each row;
    - elementwise producers fuse into their only consumer (upstream
      elementwise fusion); unused operands and results are dropped.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTCPULoopOrder : Pass<"ttt-cpu-loop-order"> {
  let summary = "Order linalg loops and set math flags for LLVM's vectorizer";
  let description = [{
    For the CPU backend, which lowers linalg to loops and leaves
    vectorization to LLVM: interchanges every `linalg.generic` so that its
    innermost loop is the one that indexes the last (contiguous) dimension
    of the most data (operands weighted by their size; for `C += A B` the
    column loop of C and B, for a row reduction the row's elements) with the
    other reductions outermost, and marks every float arith op `reassoc`
    and `contract` so that LLVM may vectorize reductions and form FMAs
    (results change in summation order only).
  }];
  let options = [
    Option<"fastMath", "fast-math", "bool", /*default=*/"true",
           "Set reassoc and contract on the float arith ops">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTCPUVectorize : Pass<"ttt-cpu-vectorize"> {
  let summary = "Tile static linalg ops to vectors and vectorize them";
  let description = [{
    For the CPU backend, on linalg on tensors: every linalg op whose
    iteration space is static (the full mini-batches after
    `convert-ttt-scan-to-scf`) and that the upstream vectorizer accepts is
    tiled by 1 along every loop but its contiguous one (the last index of
    the most data), with the parallel loops outermost and the reductions
    inside, and the tile is vectorized (`linalg::vectorize`). Followed by
    `loop-invariant-subset-hoisting`, a contraction keeps its output vector
    in registers across the reduction loop. Other ops are left unchanged.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // TTT_TRANSFORMS_PASSES_TD
