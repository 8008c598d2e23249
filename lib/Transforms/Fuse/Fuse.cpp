//===- Fuse.cpp - The ttt-fuse pass ---------------------------------------===//
//
// Runs on linalg-on-tensors after the TTT ops are lowered:
//  1. named linalg ops (matmul, add, transpose, broadcast, ...) become
//     generics, so a transpose is only an indexing map of its consumer;
//  2. an add/sub of a zero-initialized reduction becomes the reduction
//     accumulating into the other operand (the weight update fused into
//     its gradient contraction);
//  3. independent reductions over the same rows share one pass;
//  4. elementwise producers fuse into their consumers (upstream patterns),
//     then unused operands and results are dropped.
//
//===----------------------------------------------------------------------===//

#include "FusePatterns.h"
#include "ttt/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTFUSE
#include "ttt/Transforms/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// Named ops to generics; fills stay named (fusion folds them as scalars).
struct GeneralizeNamedOps : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (isa<linalg::GenericOp, linalg::FillOp>(op))
      return failure();
    return linalg::generalizeNamedOp(rewriter, op);
  }
};

/// Fusing a producer into a consumer never duplicates work when the consumer
/// is its only user and reads each of its elements once (a permutation map:
/// no broadcast, no extra reduction loop that would recompute it), or when
/// the producer only moves data. A
/// producer whose body reads its init is left alone: upstream fusion would
/// keep that init as a result and accumulate into it across the consumer's
/// extra loops.
bool shouldFuse(OpOperand *operand) {
  auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
  if (!producer || !producer->hasOneUse())
    return false;
  // A producer that only moves data (a transpose, a broadcast) costs
  // nothing to recompute: it becomes an indexing map of its consumer.
  Block *body = producer.getBlock();
  bool movesOnly =
      llvm::all_of(body->getTerminator()->getOperands(), [&](Value v) {
        return isa<BlockArgument>(v) && v.getParentBlock() == body;
      });
  auto consumer = cast<linalg::LinalgOp>(operand->getOwner());
  if (!movesOnly && !consumer.getMatchingIndexingMap(operand).isPermutation())
    return false;
  for (OpOperand &init : producer.getDpsInitsMutable())
    if (producer.payloadUsesValueFromOperand(&init))
      return false;
  return true;
}

struct TTTFusePass : ttt::impl::TTTFuseBase<TTTFusePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    auto run = [&](RewritePatternSet &&patterns) {
      return applyPatternsGreedily(getOperation(), std::move(patterns));
    };

    RewritePatternSet generalize(ctx);
    generalize.add<GeneralizeNamedOps>(ctx);
    if (failed(run(std::move(generalize))))
      return signalPassFailure();

    RewritePatternSet accumulate(ctx);
    ttt::populateAccumulateIntoInitPatterns(accumulate);
    if (failed(run(std::move(accumulate))))
      return signalPassFailure();

    RewritePatternSet fuse(ctx);
    ttt::populateSiblingReductionFusionPatterns(fuse);
    linalg::populateElementwiseOpsFusionPatterns(fuse, shouldFuse);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(fuse);
    if (failed(run(std::move(fuse))))
      return signalPassFailure();
  }
};

} // namespace
