//===- AccumulatorInit.h - What an accumulating op starts from --*- C++ -*-===//
//
// Shared by ttt-gpu-fold-zero-fills and ttt-gpu-fold-init-copies: which
// ops of a bufferized kernel may touch or write a buffer, and which
// outputs of an op only add to their old value (so that the value they
// start from may come from elsewhere: zero, or an input).
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_ACCUMULATORINIT_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_ACCUMULATORINIT_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace mlir::ttt {

/// Whether `v`'s buffer may be `root`'s: the same root, or a loop-carried
/// buffer (an scf.for iter_arg) whose initial or yielded value may be.
bool mayBe(Value v, Value root);

/// Whether `op` or an op nested in it may read or write `root`'s buffer.
bool mayTouch(Operation *op, Value root);

/// Whether `op` or an op nested in it may write `root`'s buffer.
bool mayWrite(Operation *op, Value root);

/// Whether an op from `first` up to (not including) `last` in a block may
/// write `root`'s buffer; for a loop-carried buffer, also the buffers it
/// is initialised with and yields (what it is in other iterations).
bool writtenBetween(Operation *first, Operation *last, Value root);

/// Whether `op` is a broadcast or copy: one input, one output written
/// through an identity map, a body that yields the input (on tensors or
/// buffers alike).
bool yieldsItsInput(linalg::GenericOp op);

/// Whether `root` is an scf.for iter_arg (a loop-carried buffer).
bool isLoopCarried(Value root);

/// The output of `op` that `x` is, when `op` adds to its old value only
/// (`out + x`, its block argument used by that addf alone) and runs point
/// by point (ttt-gpu-distribute's accumulating plan): every output's map a
/// permutation of the parallel dims, so every element of `x` is written,
/// and no input that may be in an output's buffer.
std::optional<unsigned> accumulatingOutput(linalg::GenericOp op, Value x);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_ACCUMULATORINIT_H
