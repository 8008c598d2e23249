//===- CarriedInPlace.h - Loop-carried tensors written in place -*- C++ -*-===//
//
// Tensor-level loop rewrites (ttt-gpu-rotate-output-chain,
// ttt-gpu-lookahead-products) carry new values through a chunk loop. Where
// the op producing the next value writes the iteration argument itself,
// bufferization keeps it in the argument's buffer: no copy per step.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_CARRIEDINPLACE_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_CARRIEDINPLACE_H

#include "mlir/IR/Value.h"

namespace mlir::ttt {

/// Lets the op producing `value` write the carried argument `arg` in place:
/// an init that is an empty tensor becomes `arg`; one that an op writes
/// whole (a fill, a broadcast, an elementwise op) into an empty tensor gets
/// a copy of that op writing `arg` (the op itself goes where nothing else
/// reads it). The previous step's value must be read
/// before this write, in program order.
void produceInto(Value value, Value arg);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_CARRIEDINPLACE_H
