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

#endif // TTT_CONVERSION_PASSES_TD
