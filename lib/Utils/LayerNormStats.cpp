//===- LayerNormStats.cpp - LayerNorm's row statistics --------------------===//

#include "ttt/Utils/LayerNormStats.h"
#include "ttt/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

/// x[..., 0] as a tensor of the rows (a slice, not a copy).
static Value firstOfEachRow(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  sizes.back() = b.getIndexAttr(1);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  auto rowsType =
      RankedTensorType::get(type.getShape().drop_back(), type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, rowsType, x, offsets, sizes,
                                        strides);
}

ttt::LayerNormStats ttt::buildLayerNormStats(OpBuilder &b, Location loc,
                                             Value x, Value eps) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elt = type.getElementType();
  unsigned rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap row = rowMap(ctx, rank);
  Value n = dimAsFloat(b, loc, x, rank - 1, elt);
  Value shift = firstOfEachRow(b, loc, x);

  auto rowSum = [&](bool squared) {
    return buildReduction(
        b, loc, ValueRange{x, shift}, {id, row}, row, elt,
        [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
          if (squared)
            d = arith::MulFOp::create(nb, l, d, d);
          return arith::AddFOp::create(nb, l, a[2], d);
        });
  };
  Value s1 = rowSum(false), s2 = rowSum(true);

  // Per row, once: the mean of x - shift and 1/std, var = (S2 - S1^2/n)/n.
  AffineMap rowId = b.getMultiDimIdentityMap(rank - 1);
  Value meanD = buildGeneric(
      b, loc, ValueRange{s1}, {rowId}, emptyLike(b, loc, x, 1), rowId,
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return arith::DivFOp::create(nb, l, a[0], n);
      });
  Value inv = buildGeneric(
      b, loc, ValueRange{s1, s2}, {rowId, rowId}, emptyLike(b, loc, x, 1),
      rowId, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value m = arith::DivFOp::create(nb, l, a[0], n);
        Value variance = arith::DivFOp::create(
            nb, l,
            arith::SubFOp::create(nb, l, a[1],
                                  arith::MulFOp::create(nb, l, a[0], m)),
            n);
        return math::RsqrtOp::create(
            nb, l, arith::AddFOp::create(nb, l, variance, eps));
      });
  return {shift, meanD, inv};
}

Value ttt::layerNormXhat(OpBuilder &b, Location loc, ValueRange a) {
  Value centered = arith::SubFOp::create(
      b, loc, arith::SubFOp::create(b, loc, a[0], a[1]), a[2]);
  return arith::MulFOp::create(b, loc, centered, a[3]);
}
