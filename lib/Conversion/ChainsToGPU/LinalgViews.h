//===- LinalgViews.h - Buffers used by linalg ops through views -*- C++ -*-===//
//
// A buffer that only linalg ops use, directly or through subviews, can be
// replaced by another of the same shape and any layout (padded rows, a
// result array): linalg ops on buffers take any strided memref, and the
// subviews are rebuilt with their new result types. Casts of such views
// to a compatible type (a dynamic offset) may stay.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_LINALGVIEWS_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_LINALGVIEWS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::ttt {

/// Whether every use of `v` (through subviews) is a linalg op.
inline bool onlyLinalgUses(Value v) {
  for (Operation *user : v.getUsers()) {
    if (isa<linalg::LinalgOp>(user))
      continue;
    auto sub = dyn_cast<memref::SubViewOp>(user);
    if (!sub || !onlyLinalgUses(sub.getResult()))
      return false;
  }
  return true;
}

/// Whether `v`'s uses would take a replacement of type `type` (the same
/// shape, any layout): linalg ops, subviews whose rebuilt views' uses
/// would, and casts to a type that the replacement casts to (the carried
/// bias's row, cast to a dynamic offset for the loop).
inline bool viewsAccept(Value v, MemRefType type) {
  for (Operation *user : v.getUsers()) {
    if (isa<linalg::LinalgOp>(user))
      continue;
    if (auto cast = dyn_cast<memref::CastOp>(user)) {
      if (!memref::CastOp::areCastCompatible(type, cast.getType()))
        return false;
      continue;
    }
    auto sub = dyn_cast<memref::SubViewOp>(user);
    if (!sub)
      return false;
    auto subType = memref::SubViewOp::inferRankReducedResultType(
        sub.getType().getShape(), type, sub.getMixedOffsets(),
        sub.getMixedSizes(), sub.getMixedStrides());
    if (!viewsAccept(sub.getResult(), cast<MemRefType>(subType)))
      return false;
  }
  return true;
}

/// `sub`'s offsets, sizes and strides taken over `source` (same shape as
/// sub's source, any layout or memory space): the result type follows.
inline Value subviewOver(OpBuilder &b, memref::SubViewOp sub, Value source) {
  auto type = memref::SubViewOp::inferRankReducedResultType(
      sub.getType().getShape(), cast<MemRefType>(source.getType()),
      sub.getMixedOffsets(), sub.getMixedSizes(), sub.getMixedStrides());
  return memref::SubViewOp::create(b, sub.getLoc(), cast<MemRefType>(type),
                                   source, sub.getMixedOffsets(),
                                   sub.getMixedSizes(), sub.getMixedStrides())
      .getResult();
}

/// Replaces `from` by `to` (the same shape, any layout) in linalg ops,
/// casts and rebuilt subviews; `from` must satisfy onlyLinalgUses or
/// viewsAccept with `to`'s type.
inline void replaceInLinalgViews(Value from, Value to) {
  for (OpOperand &use : llvm::make_early_inc_range(from.getUses())) {
    auto sub = dyn_cast<memref::SubViewOp>(use.getOwner());
    if (!sub) {
      use.set(to);
      continue;
    }
    OpBuilder b(sub);
    replaceInLinalgViews(sub.getResult(), subviewOver(b, sub, to));
    sub.erase();
  }
}

/// `v` (an operand read through `map`) cut to [from, from + size) along
/// loop dim `dim`; `v` itself where the map does not index that dim.
inline Value sliceAlongLoopDim(OpBuilder &b, Location loc, Value v,
                               AffineMap map, unsigned dim, int64_t from,
                               int64_t size) {
  auto type = cast<MemRefType>(v.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  bool cut = false;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    auto d = dyn_cast<AffineDimExpr>(e);
    bool here = d && d.getPosition() == dim;
    cut |= here;
    offsets.push_back(b.getIndexAttr(here ? from : 0));
    sizes.push_back(b.getIndexAttr(here ? size : type.getDimSize(i)));
    strides.push_back(b.getIndexAttr(1));
  }
  if (!cut)
    return v;
  return memref::SubViewOp::create(b, loc, v, offsets, sizes, strides);
}

/// A copy of `op` before it with its inputs (and, with `cutOutputs`, its
/// outputs) cut to [from, from + size) along loop dim `dim` (static
/// shapes).
inline linalg::GenericOp cloneSlicedAlong(OpBuilder &b, linalg::GenericOp op,
                                          unsigned dim, int64_t from,
                                          int64_t size, bool cutOutputs) {
  auto copy = cast<linalg::GenericOp>(b.clone(*op.getOperation()));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(copy);
  for (OpOperand &operand : copy->getOpOperands()) {
    if (!cutOutputs && copy.isDpsInit(&operand))
      continue;
    operand.set(sliceAlongLoopDim(b, op.getLoc(), operand.get(),
                                  copy.getMatchingIndexingMap(&operand), dim,
                                  from, size));
  }
  return copy;
}

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_LINALGVIEWS_H
