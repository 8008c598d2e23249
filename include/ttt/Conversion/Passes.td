//===- Passes.td - TTT conversion passes -------------------*- tablegen -*-===//

#ifndef TTT_CONVERSION_PASSES_TD
#define TTT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertTTTToLinalg : Pass<"convert-ttt-to-linalg"> {
  let summary = "Lower the TTT inner-model and update ops to linalg on tensors";
  let description = [{
    Rewrites `ttt.layer_norm`, `ttt.gelu_tanh`, `ttt.silu`, `ttt.l2_loss` and
    `ttt.update sgd` into `linalg.generic` ops on tensors (with `arith` and
    `math` bodies), ready for fusion, bufferization and either backend.
    `ttt.scan` and `ttt.grad` are left for `ttt-autodiff` and the scheduling
    passes. An update rule without a lowering (`momentum`, `adam`) is a
    located error.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def ConvertTTTScanToSCF : Pass<"convert-ttt-scan-to-scf"> {
  let summary = "Lower ttt.scan to loops over the chains and the chunks";
  let description = [{
    Rewrites each `ttt.scan` into `scf.for` loops over its batch dimensions
    (independent chains) and, inside, an `scf.for` over the chunks that
    carries the state and the output tensors. Each iteration slices the
    chunk of every sequence (`tensor.extract_slice`, `min(chunk_size,
    T - t0)` positions, so a final partial chunk is handled), inlines the
    body and inserts the chunk's outputs (`tensor.insert_slice`). The
    `ttt.grad` ops of the body must have been expanded first.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def ConvertMemRefCopyToLinalg : Pass<"convert-memref-copy-to-linalg"> {
  let summary = "Rewrite memref.copy as linalg.copy, so that it becomes loops";
  let description = [{
    `finalize-memref-to-llvm` lowers a copy between non-contiguous memrefs
    to a call of `memrefCopy` from MLIR's C runner utilities, a library
    that compiled artifacts must not depend on. As `linalg.copy` the copy
    becomes plain loops with `convert-linalg-to-loops`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // TTT_CONVERSION_PASSES_TD
