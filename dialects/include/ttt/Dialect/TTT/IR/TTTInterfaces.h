//===- TTTInterfaces.h - TTT op interfaces ----------------------*- C++ -*-===//

#ifndef TTT_DIALECT_TTT_IR_TTTINTERFACES_H
#define TTT_DIALECT_TTT_IR_TTTINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::ttt {

/// What a VJP rule reads and writes; owned by the autodiff driver.
struct VJPState {
  /// Cotangent of each result of the op (null: zero).
  SmallVector<Value> resultCotangents;
  /// Out: cotangent of each operand (null: none).
  SmallVector<Value> operandCotangents;
  /// Per-example mode: the loss is a vector of `numExamples` losses.
  bool perExample = false;
  Value numExamples;
  /// Per-example mode: the values on the path whose leading dimension
  /// indexes the examples.
  const llvm::DenseSet<Value> *rowValues = nullptr;
  /// Values that depend on a differentiated value (others get no cotangent).
  const llvm::DenseSet<Value> *activeValues = nullptr;

  bool isRow(Value v) const { return perExample && rowValues->contains(v); }
  bool isActive(Value v) const { return activeValues->contains(v); }
  /// True when `v` needs per-example gradients with an extra leading
  /// dimension: a shared value in per-example mode.
  bool needsExampleDim(Value v) const { return perExample && !isRow(v); }
};

} // namespace mlir::ttt

#include "ttt/Dialect/TTT/IR/TTTInterfaces.h.inc"

#endif // TTT_DIALECT_TTT_IR_TTTINTERFACES_H
