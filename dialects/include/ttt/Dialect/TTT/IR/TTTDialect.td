//===- TTTDialect.td - Test-time-training dialect ----------*- tablegen -*-===//
//
// The TTT dialect expresses training-in-inference graphs: a scan over a
// sequence in mini-batches that carries fast weights, the gradient of an inner
// loss, the update rule, and the few inner-model ops upstream dialects lack.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_DIALECT_TD
#define TTT_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"

def TTT_Dialect : Dialect {
  let name = "ttt";
  let cppNamespace = "::mlir::ttt";
  let summary = "Test-time training (training-in-inference) graphs";
  let description = [{
    The `ttt` dialect expresses one test-time-training inner loop as one graph
    inside a `func.func`: `ttt.scan` walks a sequence in mini-batches and
    carries the fast weights, `ttt.grad` stands for the gradient of a scalar
    (or per-example) inner loss and is expanded by `ttt-autodiff`,
    `ttt.update` applies the learning-rate matrix `eta[r, s]` of the
    mini-batch update, and `ttt.layer_norm`, `ttt.gelu_tanh`, `ttt.silu` and
    `ttt.l2_loss` are the inner-model ops upstream dialects lack. Everything
    else (contractions, broadcasts, slicing) uses `linalg`, `tensor`, `arith`
    and `math` on tensors.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def TTT_ReductionAttr : I32EnumAttr<"Reduction", "how a loss combines its rows", [
  I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"sum", 1>]> {
  let cppNamespace = "::mlir::ttt";
}

def TTT_UpdateRuleAttr : I32EnumAttr<"UpdateRule", "inner optimizer", [
  I32EnumAttrCase<"sgd", 0>, I32EnumAttrCase<"momentum", 1>,
  I32EnumAttrCase<"adam", 2>]> {
  let cppNamespace = "::mlir::ttt";
}

#endif // TTT_DIALECT_TD
