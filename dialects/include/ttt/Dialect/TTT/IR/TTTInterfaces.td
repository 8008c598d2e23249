//===- TTTInterfaces.td - TTT op interfaces ----------------*- tablegen -*-===//

#ifndef TTT_INTERFACES_TD
#define TTT_INTERFACES_TD

include "mlir/IR/OpBase.td"

def TTT_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::mlir::ttt";
  let description = [{
    An op that states its vector-Jacobian product, so that `ttt-autodiff`
    can expand `ttt.grad` in reverse mode. TTT ops and the upstream ops the
    inner models use (linalg contractions, elementwise ops and broadcasts)
    implement it; the upstream ones through external models.

    In per-example mode (a `ttt.grad` whose loss is a vector of N losses)
    every value on the differentiable path is either *row-indexed* (its
    leading dimension indexes the examples and row s depends only on
    example s; its cotangent has the value's own shape, row s holding
    d l_s / d value[s]) or *shared* (its cotangent has an extra leading
    dimension N, one gradient per example).
  }];
  let methods = [
    InterfaceMethod<[{
        Builds the cotangents of the operands from those of the results.
        `state` gives the result cotangents (null when zero), says which
        values are row-indexed in per-example mode, and receives one
        cotangent per operand (null for none). Fails with a located error
        when a case is not supported.
      }], "::mlir::LogicalResult", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ttt::VJPState &":$state)>,
  ];
}

#endif // TTT_INTERFACES_TD
