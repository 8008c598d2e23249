//===- MmaFragments.h - Building tf32 mma fragments -------------*- C++ -*-===//
//
// The pieces every tensor-core emitter needs (MmaContraction.cpp,
// RegisterWeights.cpp): splitting an f32 into its tf32 part and the rest,
// fragments as the vectors nvgpu.mma.sync takes, and one m16n8k8 tf32 mma.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_MMAFRAGMENTS_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_MMAFRAGMENTS_H

#include "mlir/IR/Builders.h"

#include <utility>

namespace mlir::ttt {

/// The tf32 part of x (the bits the tensor cores read) and the rest.
std::pair<Value, Value> splitTF32(OpBuilder &b, Location loc, Value x);

/// A vector<shape x f32> of `elements` in row-major order (zeros where
/// `elements` is empty).
Value vectorOf(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
               ArrayRef<Value> elements);

/// A tf32 fragment of `elems` (vector of `shape`); with `split` (3xtf32)
/// its tf32 part and the rest, in that order.
SmallVector<Value> tf32Fragments(OpBuilder &b, Location loc,
                                 ArrayRef<int64_t> shape, ArrayRef<Value> elems,
                                 bool split);

/// c + a * b for one m16n8k8 tf32 tile (vector<4x1>, <2x1>, <2x2> f32).
Value mmaTF32(OpBuilder &b, Location loc, Value a, Value bv, Value c);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_MMAFRAGMENTS_H
