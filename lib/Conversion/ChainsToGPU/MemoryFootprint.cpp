//===- MemoryFootprint.cpp - What a kernel op touches, and where ----------===//

#include "MemoryFootprint.h"

#include "BufferRoot.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::ttt;

static Footprint footprintOf(Value v, Block *entry, bool distinctArgs,
                             int depth = 8);

/// `f` for a view of a loop-carried buffer `v` (an scf.for iter_arg or
/// result): the bytes of every buffer it may be (carriedSources), where
/// those are views of the same shared memory; else unknown.
static Footprint carriedFootprint(Footprint f, Value v, Block *entry,
                                  bool distinctArgs, int depth) {
  SmallVector<Value> sources = carriedSources(v);
  if (depth == 0 || (sources.size() == 1 && sources.front() == v))
    return f;
  for (auto [i, s] : llvm::enumerate(sources)) {
    // carriedSources stops at its depth on loop values: unknown then (no
    // second expansion, which could go round a cycle of loops).
    Value root = throughCasts(s);
    bool loopValue = isa<BlockArgument>(root)
                         ? cast<BlockArgument>(root).getOwner() != entry
                         : isa<scf::ForOp>(root.getDefiningOp());
    Footprint x = loopValue ? Footprint()
                            : footprintOf(s, entry, distinctArgs, depth - 1);
    if (x.kind != Footprint::Shared || !x.base || (i > 0 && x.base != f.base)) {
      Footprint unknown;
      unknown.view = f.view;
      unknown.shape = f.shape;
      return unknown;
    }
    f.lo = i == 0 ? x.lo : std::min(f.lo, x.lo);
    f.hi = i == 0 ? x.hi : std::max(f.hi, x.hi);
    f.base = x.base;
  }
  f.kind = Footprint::Shared;
  f.wholeStatic = false;
  f.rowsOfView = false;
  f.usedLo = f.lo;
  f.usedHi = f.hi;
  return f;
}

/// A static subview of a shared view touches only the elements from its
/// offset to its last one (layout offsets count from the view's first
/// element): W's rows 32-63 are not rows 0-31 (`usedLo`, `usedHi`).
static void narrowToOperand(Footprint &f, MemRefType operand, MemRefType view) {
  if (operand.getElementType() != view.getElementType() ||
      operand.getNumElements() == 0)
    return;
  auto [strides, offset] = operand.getStridesAndOffset();
  // A dynamic offset (a prefetch slot's view) may be anywhere in the view.
  if (ShapedType::isDynamic(offset) || offset < 0)
    return;
  int64_t last = offset;
  for (auto [size, stride] : llvm::zip(operand.getShape(), strides)) {
    if (ShapedType::isDynamic(stride) || stride < 0)
      return;
    last += (size - 1) * stride;
  }
  int64_t elem = (operand.getElementTypeBitWidth() + 7) / 8;
  int64_t lo = f.lo + offset * elem, hi = f.lo + (last + 1) * elem;
  if (hi > f.hi)
    return;
  f.usedLo = lo;
  f.usedHi = hi;
}

static Footprint footprintOf(Value v, Block *entry, bool distinctArgs,
                             int depth) {
  Footprint f;
  f.view = v;
  bool whole = true, rowsKept = true;
  auto type = cast<MemRefType>(v.getType());
  f.shape.assign(type.getShape().begin(), type.getShape().end());
  // A static layout (identity, or the padded rows of private-buffers):
  // element i of the view is one address whichever op touches it.
  bool staticLayout =
      type.hasStaticShape() && type.isStrided() &&
      llvm::none_of(type.getStridesAndOffset().first, ShapedType::isDynamic);
  while (true) {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() == entry) {
        f.kind = Footprint::Global;
        if (distinctArgs)
          f.base = arg;
        return f;
      }
      return carriedFootprint(f, v, entry, distinctArgs, depth);
    }
    Operation *def = v.getDefiningOp();
    if (isa<scf::ForOp>(def))
      return carriedFootprint(f, v, entry, distinctArgs, depth);
    if (auto cast = dyn_cast<memref::CastOp>(def)) {
      v = cast.getSource();
      continue;
    }
    if (isa<memref::AllocOp, memref::AllocaOp>(def)) {
      f.kind = Footprint::Shared;
      f.base = v;
      return f;
    }
    if (auto view = dyn_cast<memref::ViewOp>(def)) {
      auto type = view.getType();
      std::optional<int64_t> shift = getConstantIntValue(view.getByteShift());
      if (!view.getSource().getDefiningOp<gpu::DynamicSharedMemoryOp>() ||
          !shift || !type.hasStaticShape() ||
          !type.getElementType().isIntOrFloat())
        return f;
      f.kind = Footprint::Shared;
      f.base = view.getSource();
      f.lo = *shift;
      f.hi = *shift +
             type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
      f.wholeStatic = whole && staticLayout;
      f.rowsOfView = rowsKept;
      f.usedLo = f.lo;
      f.usedHi = f.hi;
      if (!whole && staticLayout)
        narrowToOperand(f, cast<MemRefType>(f.view.getType()), type);
      f.viewShape.assign(type.getShape().begin(), type.getShape().end());
      return f;
    }
    if (auto cast = dyn_cast<memref::MemorySpaceCastOp>(def)) {
      v = cast.getSource();
      continue;
    }
    // The padded rows of a private buffer are the whole buffer.
    if (auto rows = dyn_cast<memref::SubViewOp>(def);
        rows && rows->hasAttr("ttt.padded_rows")) {
      v = rows.getSource();
      continue;
    }
    whole = false;
    if (auto sub = dyn_cast<memref::SubViewOp>(def)) {
      std::optional<int64_t> offset =
          getConstantIntValue(sub.getMixedOffsets().front());
      std::optional<int64_t> stride =
          getConstantIntValue(sub.getMixedStrides().front());
      rowsKept = rowsKept && offset == 0 && stride == 1 &&
                 !sub.getDroppedDims().test(0);
    } else if (!isa<memref::CastOp>(def)) {
      rowsKept = false;
    }
    // Subviews, casts, reinterpret casts: within their source.
    auto like = dyn_cast<ViewLikeOpInterface>(def);
    if (!like)
      return f;
    v = like.getViewSource();
  }
}

/// Whether `a` and `b` may touch the same bytes, on any threads.
static bool mayShareBytes(const Footprint &a, const Footprint &b) {
  if (a.kind == Footprint::Unknown || b.kind == Footprint::Unknown)
    return true;
  if (a.kind != b.kind)
    return false;
  // With distinct-args, two arguments' arrays never overlap.
  if (a.kind == Footprint::Global)
    return !a.base || !b.base || a.base == b.base;
  return a.base == b.base && a.lo < b.hi && b.lo < a.hi;
}

static bool mayOverlap(const Footprint &a, const Footprint &b) {
  if (!mayShareBytes(a, b))
    return false;
  // The same elements on the same threads.
  return !(a.kind == Footprint::Shared && a.owned && b.owned && a.lo == b.lo &&
           a.hi == b.hi && a.shape == b.shape);
}

/// `a` is a write and `b` a read after it (else any other pair).
static Conflict conflictOf(const Footprint &a, const Footprint &b,
                           bool readAfter) {
  if (!mayOverlap(a, b))
    return Conflict::None;
  // The same view, or rows of the same shared view: row r of it is
  // touched on warp r mod warps by both.
  bool sameRows = a.view == b.view ||
                  (a.kind == Footprint::Shared && b.kind == Footprint::Shared &&
                   a.rowsOfView && b.rowsOfView && a.base == b.base &&
                   a.lo == b.lo && a.hi == b.hi && a.viewShape == b.viewShape);
  if (!a.rowOwned || !b.rowOwned || !sameRows)
    return Conflict::Block;
  // Element j of each row on lane j mod 32 in both: thread-local.
  bool sameView =
      a.view == b.view ||
      (a.wholeStatic && b.wholeStatic && a.kind == Footprint::Shared &&
       a.base == b.base && a.lo == b.lo && a.hi == b.hi && a.shape == b.shape);
  if (sameView && a.lanes == RowLanes::Linear && b.lanes == RowLanes::Linear)
    return Conflict::None;
  // Every lane wrote the row's value (the same on all), each reads its own.
  if (readAfter && a.lanes == RowLanes::Every && b.lanes == RowLanes::Every)
    return Conflict::None;
  return Conflict::SameWarp;
}

Footprint ttt::viewFootprint(Value v, Block *entry, bool distinctArgs) {
  return footprintOf(v, entry, distinctArgs);
}

Access ttt::accessOf(linalg::GenericOp op, Block *entry,
                     ArrayRef<unsigned> parallel, bool threaded, bool rows,
                     bool distinctArgs) {
  Access a;
  auto rowIndexed = [&](OpOperand &o) -> bool {
    AffineMap map = op.getMatchingIndexingMap(&o);
    if (!rows || map.getNumResults() == 0)
      return false;
    auto dim = dyn_cast<AffineDimExpr>(map.getResult(0));
    return dim && dim.getPosition() == parallel[0];
  };
  auto owns = [&](OpOperand &o) {
    if (!threaded)
      return false;
    AffineMap map = op.getMatchingIndexingMap(&o);
    if (map.getNumResults() != parallel.size())
      return false;
    for (auto [e, d] : llvm::zip(map.getResults(), parallel)) {
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim || dim.getPosition() != d)
        return false;
    }
    return true;
  };
  auto add = [&](SmallVector<Footprint> &to, OpOperand &o) {
    SmallVector<Value> sources = carriedSources(o.get());
    for (Value v : sources) {
      Footprint f = footprintOf(v, entry, distinctArgs);
      f.owned = sources.size() == 1 && f.wholeStatic && owns(o);
      f.rowOwned = rowIndexed(o);
      if (f.rowOwned)
        f.lanes = rowLanesOf(op, parallel, o);
      to.push_back(std::move(f));
    }
  };
  for (OpOperand *in : op.getDpsInputOperands())
    if (isa<MemRefType>(in->get().getType()))
      add(a.reads, *in);
  for (OpOperand &out : op.getDpsInitsMutable())
    add(a.writes, out);
  return a;
}

Conflict ttt::conflictAfter(const Access &group, const Access &b) {
  Conflict c = Conflict::None;
  auto meet = [&](const Footprint &x, const Footprint &y, bool readAfter) {
    c = std::max(c, conflictOf(x, y, readAfter));
  };
  for (const Footprint &w : group.writes) {
    for (const Footprint &x : b.reads)
      meet(w, x, true);
    for (const Footprint &x : b.writes)
      meet(w, x, false);
  }
  for (const Footprint &r : group.reads)
    for (const Footprint &x : b.writes)
      meet(r, x, false);
  return c;
}

bool ttt::disjoint(const Access &a, const Access &b) {
  auto meet = [](ArrayRef<Footprint> xs, ArrayRef<Footprint> ys) {
    for (const Footprint &x : xs)
      for (const Footprint &y : ys)
        if (mayShareBytes(x, y))
          return true;
    return false;
  };
  return !meet(a.writes, b.reads) && !meet(a.writes, b.writes) &&
         !meet(a.reads, b.writes);
}

bool ttt::readsWhereItWrites(const Access &a) {
  for (const Footprint &r : a.reads)
    for (const Footprint &w : a.writes)
      if (mayOverlap(r, w))
        return true;
  return false;
}
