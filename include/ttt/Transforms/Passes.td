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

#endif // TTT_TRANSFORMS_PASSES_TD
