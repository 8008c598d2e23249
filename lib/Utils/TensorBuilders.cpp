//===- TensorBuilders.cpp - Small builders for linalg on tensors ----------===//

#include "ttt/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

Value ttt::emptyLike(OpBuilder &b, Location loc, Value like,
                     unsigned dropBack) {
  auto type = cast<RankedTensorType>(like.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, like);
  sizes.resize(sizes.size() - dropBack);
  return tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
}

Value ttt::zeros(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                 Type elt) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elt);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

Value ttt::zerosLike(OpBuilder &b, Location loc, Value like,
                     unsigned dropBack) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, like);
  sizes.resize(sizes.size() - dropBack);
  return zeros(b, loc, sizes,
               cast<RankedTensorType>(like.getType()).getElementType());
}

Value ttt::floatConst(OpBuilder &b, Location loc, Type elt, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(elt, v));
}

Value ttt::dimAsFloat(OpBuilder &b, Location loc, Value v, int64_t dim,
                      Type elt) {
  Value d = tensor::DimOp::create(b, loc, v, dim);
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), d);
  return arith::SIToFPOp::create(b, loc, elt, i64);
}

Value ttt::buildGeneric(OpBuilder &b, Location loc, ValueRange ins,
                        ArrayRef<AffineMap> inMaps, Value init,
                        AffineMap outMap, ScalarBody body) {
  unsigned numLoops = outMap.getNumDims();
  SmallVector<utils::IteratorType> iters(numLoops,
                                         utils::IteratorType::reduction);
  for (AffineExpr e : outMap.getResults())
    iters[cast<AffineDimExpr>(e).getPosition()] = utils::IteratorType::parallel;
  SmallVector<AffineMap> maps(inMaps);
  maps.push_back(outMap);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ins, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, body(nb, l, args));
      });
  return generic.getResult(0);
}

Value ttt::buildReduction(OpBuilder &b, Location loc, ValueRange ins,
                          ArrayRef<AffineMap> inMaps, AffineMap outMap,
                          Type elt, ScalarBody body) {
  SmallVector<OpFoldResult> sizes;
  for (AffineExpr e : outMap.getResults()) {
    unsigned loop = cast<AffineDimExpr>(e).getPosition();
    OpFoldResult size;
    for (auto [in, map] : llvm::zip(ins, inMaps)) {
      std::optional<unsigned> pos =
          map.getResultPosition(getAffineDimExpr(loop, b.getContext()));
      if (pos) {
        size = tensor::getMixedSize(b, loc, in, *pos);
        break;
      }
    }
    assert(size && "every output loop must index some input");
    sizes.push_back(size);
  }
  // Without a reduction loop nothing accumulates: start from -0.0 (the
  // identity of addition, folded away) and never read the output, since
  // upstream elementwise fusion mishandles producers that read their init.
  if (outMap.getNumResults() == outMap.getNumDims()) {
    Value empty = tensor::EmptyOp::create(b, loc, sizes, elt);
    Value negZero = floatConst(b, loc, elt, -0.0);
    return buildGeneric(b, loc, ins, inMaps, empty, outMap,
                        [&](OpBuilder &nb, Location l, ValueRange args) {
                          SmallVector<Value> a(args);
                          a.back() = negZero;
                          return body(nb, l, a);
                        });
  }
  return buildGeneric(b, loc, ins, inMaps, zeros(b, loc, sizes, elt), outMap,
                      body);
}

Value ttt::addTensors(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  auto type = cast<RankedTensorType>(lhs.getType());
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  return buildGeneric(b, loc, ValueRange{lhs, rhs}, {id, id},
                      emptyLike(b, loc, lhs), id,
                      [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                        return arith::AddFOp::create(nb, l, a[0], a[1]);
                      });
}

AffineMap ttt::rowMap(MLIRContext *ctx, unsigned rank) {
  return AffineMap::getMultiDimIdentityMap(rank, ctx).getMajorSubMap(rank - 1);
}

AffineMap ttt::lastDimMap(MLIRContext *ctx, unsigned rank) {
  return AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx));
}
