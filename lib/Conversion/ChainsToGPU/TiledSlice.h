//===- TiledSlice.h - A slice computed by its tiled producer --*- C++ -*-===//
//
// ttt-gpu-chain-local-prologue (a chain's slice of a prologue value) and
// ttt-gpu-narrow-carried-slices (the carried next bias) both replace a
// tensor.extract_slice of an op's result by that op computed over the
// slice alone (TilingInterface).
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_TILEDSLICE_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_TILEDSLICE_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::ttt {

/// Replaces `slice` (of a result of a TilingInterface op) by the producer's
/// tiled form over it and erases it; failure, with nothing changed, where
/// the producer cannot be tiled there.
LogicalResult computeSliceFromProducer(tensor::ExtractSliceOp slice);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_TILEDSLICE_H
