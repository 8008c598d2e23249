//===- CPULoopOrder.cpp - Loop order and math flags LLVM can vectorize ----===//
//
// After convert-linalg-to-loops, LLVM's loop vectorizer only pays off on
// the innermost loop, and only when that loop walks memory contiguously.
// Each linalg.generic is therefore interchanged so that its innermost loop
// is the one that is the last (contiguous) index of the most data: for
// C += A B that is C's and B's column loop (one FMA per element, A
// broadcast), for a row sum the row's element loop. Reductions need
// reassociation to be vectorized and contraction to become FMAs, so the
// float ops in linalg bodies get `reassoc` and `contract` (results change
// in summation order only).
//
//===----------------------------------------------------------------------===//

#include "ttt/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTCPULOOPORDER
#include "ttt/Transforms/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// The loop that is the last index of the most data (operands weighted by
/// their rank); ties go to the later loop.
unsigned contiguousLoop(linalg::GenericOp op) {
  unsigned numLoops = op.getNumLoops();
  SmallVector<unsigned> score(numLoops, 0);
  for (AffineMap map : op.getIndexingMapsArray()) {
    if (map.getNumResults() == 0)
      continue;
    if (auto d = dyn_cast<AffineDimExpr>(map.getResults().back()))
      score[d.getPosition()] += map.getNumResults();
  }
  unsigned best = numLoops - 1;
  for (unsigned l = 0; l < numLoops; ++l)
    if (score[l] > score[best])
      best = l;
  return best;
}

struct CPULoopOrderPass
    : ttt::impl::TTTCPULoopOrderBase<CPULoopOrderPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    SmallVector<linalg::GenericOp> generics;
    getOperation()->walk([&](linalg::GenericOp g) { generics.push_back(g); });
    for (linalg::GenericOp g : generics) {
      unsigned inner = contiguousLoop(g);
      if (inner != g.getNumLoops() - 1) {
        SmallVector<unsigned> order;
        for (unsigned l = 0; l < g.getNumLoops(); ++l)
          if (l != inner)
            order.push_back(l);
        order.push_back(inner);
        rewriter.setInsertionPoint(g);
        FailureOr<linalg::GenericOp> swapped =
            linalg::interchangeGenericOp(rewriter, g, order);
        if (failed(swapped)) {
          g.emitOpError("cannot be interchanged");
          return signalPassFailure();
        }
        g = *swapped;
      }
      if (!fastMath)
        continue;
      auto flags = arith::FastMathFlagsAttr::get(
          ctx, arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
      g.getBlock()->walk([&](arith::ArithFastMathInterface op) {
        op->setAttr(op.getFastMathAttrName(), flags);
      });
    }
  }
};

} // namespace
