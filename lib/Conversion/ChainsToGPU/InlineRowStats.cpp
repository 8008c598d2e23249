//===- InlineRowStats.cpp - Small elementwise producers into consumers ----===//
//
// LayerNorm leaves per-row statistics (mean = sum / D, rstd =
// rsqrt(var + eps)) as ops of their own over the mini-batch's 16 rows,
// between the row reductions and the ops that use them. In a chain kernel
// each such op is a phase of the mini-batch between two barriers, with 16
// of the block's threads busy. Fused into their consumers they are
// recomputed per element instead: a few arithmetic instructions per element
// against a phase.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUINLINEROWSTATS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

struct TTTGPUInlineRowStatsPass
    : ttt::impl::TTTGPUInlineRowStatsBase<TTTGPUInlineRowStatsPass> {
  using Base::Base;

  void runOnOperation() override {
    int64_t limit = maxElements;
    // A producer on tensors, all loops parallel, of at most `limit`
    // elements, that does not read its init.
    auto small = [limit](OpOperand *operand) {
      auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
      if (!producer || !producer.hasPureTensorSemantics() ||
          producer.getNumParallelLoops() != producer.getNumLoops() ||
          producer.getNumDpsInits() != 1)
        return false;
      auto type = dyn_cast<RankedTensorType>(operand->get().getType());
      if (!type || !type.hasStaticShape() || type.getNumElements() > limit)
        return false;
      for (OpOperand &init : producer.getDpsInitsMutable())
        if (producer.payloadUsesValueFromOperand(&init))
          return false;
      return true;
    };
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, small);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
