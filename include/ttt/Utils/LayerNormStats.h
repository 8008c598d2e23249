//===- LayerNormStats.h - LayerNorm's row statistics ------------*- C++ -*-===//
//
// The row statistics of a LayerNorm over the last dim, built the same way
// by the forward lowering (convert-ttt-to-linalg) and the VJP rule
// (ttt-autodiff): the backward then needs no statistics of its own, as CSE
// folds its ops into the forward's (one row reduction fewer per LayerNorm
// backward: a round of warp shuffles on the GPU's critical path).
//
//===----------------------------------------------------------------------===//

#ifndef TTT_UTILS_LAYERNORMSTATS_H
#define TTT_UTILS_LAYERNORMSTATS_H

#include "mlir/IR/Builders.h"

namespace mlir::ttt {

/// xhat = (x - shift - meanD) * inv per element, with per-row tensors:
/// `shift` = x[..., 0] (a slice), `meanD` = the mean of x - shift, `inv` =
/// 1 / sqrt(var + eps) with var = E[(x - shift)^2] - meanD^2 (shifting by
/// one element of the row keeps this free of cancellation when the mean is
/// large). Two sibling row reductions, which ttt-fuse merges into one pass.
struct LayerNormStats {
  Value shift, meanD, inv;
};
LayerNormStats buildLayerNormStats(OpBuilder &b, Location loc, Value x,
                                   Value eps);

/// xhat from the leading body arguments (x, shift, meanD, inv).
Value layerNormXhat(OpBuilder &b, Location loc, ValueRange args);

} // namespace mlir::ttt

#endif // TTT_UTILS_LAYERNORMSTATS_H
