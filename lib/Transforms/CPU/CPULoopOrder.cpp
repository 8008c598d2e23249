//===- CPULoopOrder.cpp - Loop order and math flags LLVM can vectorize ----===//
//
// After convert-linalg-to-loops, LLVM's loop vectorizer only pays off on
// the innermost loop, and only when that loop walks memory contiguously.
// Each linalg.generic is therefore interchanged so that its innermost loop
// is the one that is the last (contiguous) index of the most data (for
// C += A B that is C's and B's column loop: one FMA per element, A
// broadcast; for a row sum the row's element loop), with the other
// reduction loops outermost. Reductions need
// reassociation to be vectorized and contraction to become FMAs, so the
// float ops in linalg bodies get `reassoc` and `contract` (results change
// in summation order only).
//
//===----------------------------------------------------------------------===//

#include "CPULoops.h"
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

struct CPULoopOrderPass : ttt::impl::TTTCPULoopOrderBase<CPULoopOrderPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    SmallVector<linalg::GenericOp> generics;
    getOperation()->walk([&](linalg::GenericOp g) { generics.push_back(g); });
    for (linalg::GenericOp g : generics) {
      unsigned inner = ttt::contiguousLoop(g);
      // Reductions outermost: consecutive inner iterations then update
      // different outputs instead of waiting on the last store.
      SmallVector<unsigned> order =
          ttt::loopsWithInnermost(g, inner, utils::IteratorType::reduction);
      if (!llvm::equal(order, llvm::seq<unsigned>(0, g.getNumLoops()))) {
        rewriter.setInsertionPoint(g);
        FailureOr<linalg::GenericOp> swapped =
            linalg::interchangeGenericOp(rewriter, g, order);
        if (failed(swapped)) {
          g.emitOpError("cannot be interchanged");
          return signalPassFailure();
        }
        g = *swapped;
      }
    }
    if (!fastMath)
      return;
    auto flags = arith::FastMathFlagsAttr::get(
        ctx, arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
    getOperation()->walk([&](arith::ArithFastMathInterface op) {
      // Conversions (bf16 <-> f32) have nothing to reassociate, and LLVM's
      // fpext/fptrunc take no fast-math flags.
      if (isa<arith::ExtFOp, arith::TruncFOp>(op))
        return;
      op->setAttr(op.getFastMathAttrName(), flags);
    });
  }
};

} // namespace
