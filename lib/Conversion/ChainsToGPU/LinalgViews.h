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

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_LINALGVIEWS_H
