//===- KernelLoops.cpp - Points of a linalg op inside a kernel ------------===//

#include "KernelLoops.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

SmallVector<Value> ttt::indicesAt(OpBuilder &b, Location loc, AffineMap map,
                                  ArrayRef<Value> ivs) {
  SmallVector<Value> idx;
  for (AffineExpr e : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(e)) {
      idx.push_back(ivs[dim.getPosition()]);
      continue;
    }
    if (auto c = dyn_cast<AffineConstantExpr>(e)) {
      idx.push_back(arith::ConstantIndexOp::create(b, loc, c.getValue()));
      continue;
    }
    idx.push_back(affine::AffineApplyOp::create(
        b, loc, AffineMap::get(map.getNumDims(), 0, e), ivs));
  }
  return idx;
}

Value ttt::readAt(OpBuilder &b, Location loc, linalg::GenericOp op,
                  OpOperand &o, ArrayRef<Value> ivs) {
  if (!isa<MemRefType>(o.get().getType()))
    return o.get();
  return memref::LoadOp::create(
      b, loc, o.get(), indicesAt(b, loc, op.getMatchingIndexingMap(&o), ivs));
}

void ttt::forEachPoint(OpBuilder &b, Location loc, Value first, Value total,
                       int64_t step,
                       function_ref<void(OpBuilder &, Location, Value)> body) {
  std::optional<int64_t> n = getConstantIntValue(total);
  Value stepV = arith::ConstantIndexOp::create(b, loc, step);
  if (!n) {
    scf::ForOp::create(b, loc, first, total, stepV, ValueRange{},
                       [&](OpBuilder &nb, Location nl, Value iv, ValueRange) {
                         body(nb, nl, iv);
                         scf::YieldOp::create(nb, nl);
                       });
    return;
  }
  int64_t rounds = (*n + step - 1) / step;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value end = arith::ConstantIndexOp::create(b, loc, rounds);
  scf::ForOp::create(
      b, loc, zero, end, one, ValueRange{},
      [&](OpBuilder &nb, Location nl, Value round, ValueRange) {
        Value linear = arith::AddIOp::create(
            nb, nl, first, arith::MulIOp::create(nb, nl, round, stepV));
        if (*n % step == 0) {
          body(nb, nl, linear);
        } else {
          Value in = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult,
                                           linear, total);
          auto guard = scf::IfOp::create(nb, nl, in, /*withElse=*/false);
          OpBuilder gb = guard.getThenBodyBuilder();
          body(gb, nl, linear);
        }
        scf::YieldOp::create(nb, nl);
      });
}
