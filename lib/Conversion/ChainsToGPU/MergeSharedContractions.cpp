//===- MergeSharedContractions.cpp - One contraction against a shared G ---===//
//
// TTT-Linear's output is Z = (Q W - (eta tril(Q K^T)) G) + (b - tril(eta) G):
// two contractions against the same gradient G, added. Each body is
// out + t(..., G) with t linear in G, so t(G) = t(1) G and
// Z = (I1 + I2) + sum_k M[i, k] G[k, j] with M = t1(1) + t2(1) over
// (i, k): M and I1 + I2 need no G, and one contraction waits for it.
// With ttt-gpu-narrow-carried-slices (the next bias carried by its own
// op) the output group then has one contraction after G instead of two.
//
//===----------------------------------------------------------------------===//

#include "LinearBodies.h"
#include "ttt/Conversion/Passes.h"
#include "ttt/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUMERGESHAREDCONTRACTIONS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using namespace mlir::ttt::linear_bodies;

namespace {

/// Whether `op` is an elementwise x + y of two inputs.
bool isElementwiseSum(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0 ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return false;
  Block *body = op.getBody();
  auto add = dyn_cast_or_null<arith::AddFOp>(
      body->getTerminator()->getOperand(0).getDefiningOp());
  Value x = body->getArgument(0), y = body->getArgument(1);
  return add && ((add.getLhs() == x && add.getRhs() == y) ||
                 (add.getLhs() == y && add.getRhs() == x));
}

/// Replaces `sum` = c1 + c2 (contractions against the shared input `g`)
/// by one contraction.
void merge(linalg::GenericOp sum, linalg::GenericOp c[2], unsigned shared[2]) {
  OpBuilder b(sum);
  Location loc = sum.getLoc();
  MLIRContext *ctx = b.getContext();
  Value g = c[0]->getOperand(shared[0]);
  auto zType = cast<RankedTensorType>(sum.getResultTypes()[0]);
  auto gType = cast<RankedTensorType>(g.getType());
  Type element = zType.getElementType();
  // M over (i, k): the other inputs' maps with d2 as the second dim.
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  AffineMap toIK =
      AffineMap::get(2, 0,
                     {getAffineDimExpr(0, ctx), getAffineConstantExpr(0, ctx),
                      getAffineDimExpr(1, ctx)},
                     ctx);
  for (int n = 0; n < 2; ++n)
    for (OpOperand *input : c[n].getDpsInputOperands()) {
      if (input->getOperandNumber() == shared[n])
        continue;
      inputs.push_back(input->get());
      AffineMap m = c[n].getMatchingIndexingMap(input);
      maps.push_back(AffineMap::get(2, 0, m.compose(toIK).getResults(), ctx));
    }
  unsigned split = c[0].getNumDpsInputs() - 1;
  Value mInit = tensor::EmptyOp::create(
      b, loc, {zType.getDimSize(0), gType.getDimSize(0)}, element);
  AffineMap id = b.getMultiDimIdentityMap(2);
  Value m = ttt::buildGeneric(
      b, loc, inputs, maps, mInit, id,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        // Each body's part of M: at (i, k), G = 1, out = 0.
        Value t0 = coefficientOf(nb, nl, c[0], shared[0],
                                 args.take_front(split), /*row=*/{});
        Value t1 = coefficientOf(nb, nl, c[1], shared[1],
                                 args.slice(split, args.size() - 1 - split),
                                 /*row=*/{});
        return arith::AddFOp::create(nb, nl, t0, t1);
      });
  // I1 + I2, then (I1 + I2) + M G.
  Value init =
      ttt::addTensors(b, loc, c[0].getDpsInits()[0], c[1].getDpsInits()[0]);
  Value z = addProduct(b, loc, m, g, init);
  sum.getResult(0).replaceAllUsesWith(z);
  sum.erase();
  c[1].erase();
  c[0].erase();
}

struct TTTGPUMergeSharedContractionsPass
    : ttt::impl::TTTGPUMergeSharedContractionsBase<
          TTTGPUMergeSharedContractionsPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> sums;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isElementwiseSum(op))
        sums.push_back(op);
    });
    for (linalg::GenericOp sum : sums) {
      linalg::GenericOp c[2];
      bool ok = true;
      for (int n = 0; n < 2; ++n) {
        c[n] = sum.getDpsInputs()[n].getDefiningOp<linalg::GenericOp>();
        ok &= c[n] && c[n]->hasOneUse() && c[n]->getBlock() == sum->getBlock();
      }
      if (!ok || c[0] == c[1] ||
          c[0].getResultTypes() != sum.getResultTypes() ||
          c[1].getResultTypes() != sum.getResultTypes())
        continue;
      // G: read at (k, j), the same value in both.
      std::optional<unsigned> s0 = linearInputAlong(c[0], 1);
      if (!s0)
        continue;
      std::optional<unsigned> s1 =
          linearInputAlong(c[1], 1, c[0]->getOperand(*s0));
      if (!s1)
        continue;
      unsigned shared[2] = {*s0, *s1};
      merge(sum, c, shared);
    }
  }
};

} // namespace
