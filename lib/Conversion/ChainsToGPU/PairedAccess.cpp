//===- PairedAccess.cpp - Two adjacent elements in one access -------------===//

#include "PairedAccess.h"

#include "KernelLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

static bool isMultiple(std::optional<int64_t> v, int64_t n) {
  return v && *v % n == 0;
}

/// A run's bytes (its alignment): `n` elements.
static int64_t runBytes(Type element, int64_t n) {
  return n * element.getIntOrFloatBitWidth() / 8;
}

/// Whether `v`'s offset (in elements) is a multiple of `n`: static, or
/// through the views and casts that made it from an allocation or
/// argument.
static bool offsetMultipleOf(Value v, int64_t n, int depth = 0) {
  auto type = dyn_cast<MemRefType>(v.getType());
  if (!type || depth > 16)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  if (!ShapedType::isDynamic(offset))
    return offset % n == 0;
  Operation *def = v.getDefiningOp();
  if (!def)
    return false;
  if (auto cast = dyn_cast<memref::CastOp>(def))
    return offsetMultipleOf(cast.getSource(), n, depth + 1);
  if (auto cast = dyn_cast<memref::MemorySpaceCastOp>(def))
    return offsetMultipleOf(cast.getSource(), n, depth + 1);
  if (auto sub = dyn_cast<memref::SubViewOp>(def)) {
    // offset = source offset + sum(offset_i * source stride_i).
    if (!offsetMultipleOf(sub.getSource(), n, depth + 1))
      return false;
    SmallVector<int64_t> srcStrides;
    int64_t srcOffset;
    if (failed(sub.getSourceType().getStridesAndOffset(srcStrides, srcOffset)))
      return false;
    for (auto [off, stride] : llvm::zip(sub.getMixedOffsets(), srcStrides))
      if (!(stride != ShapedType::kDynamic && stride % n == 0) &&
          !isMultiple(getConstantIntValue(off), n))
        return false;
    return true;
  }
  return false;
}

/// Whether the buffer `v` is a view of starts `bytes`-aligned (at most
/// 16): every memref.view on the way shifts by a constant multiple of
/// `bytes` (allocations and the kernel's arrays are at least 16-byte
/// aligned).
static bool alignedRoot(Value v, int64_t bytes) {
  for (int depth = 0; depth < 32; ++depth) {
    Operation *def = v.getDefiningOp();
    if (auto view = dyn_cast_or_null<memref::ViewOp>(def)) {
      if (!isMultiple(getConstantIntValue(view.getByteShift()), bytes))
        return false;
      v = view.getSource();
      continue;
    }
    auto like = dyn_cast_or_null<ViewLikeOpInterface>(def);
    if (!like)
      return true;
    v = like.getViewSource();
  }
  return false;
}

bool ttt::pairsAlong(linalg::GenericOp op, OpOperand &o, unsigned dim) {
  return runsAlong(op, o, dim, 2);
}

bool ttt::runsAlong(linalg::GenericOp op, OpOperand &o, unsigned dim,
                    int64_t n) {
  auto type = dyn_cast<MemRefType>(o.get().getType());
  if (!type ||
      !(type.getElementType().isF32() || type.getElementType().isBF16()) ||
      type.getRank() == 0)
    return false;
  AffineMap map = op.getMatchingIndexingMap(&o);
  auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
  if (!last || last.getPosition() != dim)
    return false;
  for (AffineExpr e : map.getResults().drop_back())
    if (e.isFunctionOfDim(dim))
      return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1)
    return false;
  for (int64_t s : ArrayRef<int64_t>(strides).drop_back())
    if (ShapedType::isDynamic(s) || s % n != 0)
      return false;
  int64_t bytes = runBytes(type.getElementType(), n);
  return bytes <= 16 && offsetMultipleOf(o.get(), n) &&
         alignedRoot(o.get(), std::max<int64_t>(bytes, 8));
}

SmallVector<Value> ttt::nextAlong(OpBuilder &b, Location loc,
                                  ArrayRef<Value> ivs, unsigned dim) {
  SmallVector<Value> next(ivs);
  next[dim] = arith::AddIOp::create(b, loc, ivs[dim],
                                    arith::ConstantIndexOp::create(b, loc, 1));
  return next;
}

std::pair<Value, Value> ttt::readPair(OpBuilder &b, Location loc,
                                      linalg::GenericOp op, OpOperand &o,
                                      ArrayRef<Value> ivs, unsigned dim,
                                      bool vector) {
  if (!vector || !pairsAlong(op, o, dim))
    return {readAt(b, loc, op, o, ivs),
            readAt(b, loc, op, o, nextAlong(b, loc, ivs, dim))};
  Type element = cast<MemRefType>(o.get().getType()).getElementType();
  auto load = vector::LoadOp::create(
      b, loc, VectorType::get({2}, element), o.get(),
      indicesAt(b, loc, op.getMatchingIndexingMap(&o), ivs));
  load.setAlignment(runBytes(element, 2));
  return {vector::ExtractOp::create(b, loc, load, ArrayRef<int64_t>{0}),
          vector::ExtractOp::create(b, loc, load, ArrayRef<int64_t>{1})};
}

void ttt::storePair(OpBuilder &b, Location loc, linalg::GenericOp op,
                    OpOperand &o, ArrayRef<Value> ivs, unsigned dim,
                    Value first, Value second, bool vector) {
  AffineMap map = op.getMatchingIndexingMap(&o);
  if (!vector || !pairsAlong(op, o, dim)) {
    memref::StoreOp::create(b, loc, first, o.get(),
                            indicesAt(b, loc, map, ivs));
    memref::StoreOp::create(
        b, loc, second, o.get(),
        indicesAt(b, loc, map, nextAlong(b, loc, ivs, dim)));
    return;
  }
  Type element = cast<MemRefType>(o.get().getType()).getElementType();
  Value v = vector::FromElementsOp::create(
      b, loc, VectorType::get({2}, element), ValueRange{first, second});
  auto store =
      vector::StoreOp::create(b, loc, v, o.get(), indicesAt(b, loc, map, ivs));
  store.setAlignment(runBytes(element, 2));
}
