//===- FuseConversions.cpp - Float conversions fused into their readers ---===//
//
// The fast mode stages bf16 inputs and widens them to f32 by generics of
// their own; in the chain kernel each is a phase (stores, a barrier) that
// its readers wait for. Fused into each reader, the widening is one
// instruction per load.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUFUSECONVERSIONS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// Whether `op` only widens its one input: identity maps, parallel loops,
/// a body yielding arith.extf of the input.
bool isConversion(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumResults() != 1 || op.getNumParallelLoops() != op.getNumLoops() ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return false;
  Block *body = op.getBody();
  auto ext =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::ExtFOp>();
  return ext && ext.getIn() == body->getArgument(0) &&
         body->getOperations().size() == 2;
}

struct TTTGPUFuseConversionsPass
    : ttt::impl::TTTGPUFuseConversionsBase<TTTGPUFuseConversionsPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> conversions;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isConversion(op) && isa<scf::ForOp>(op->getParentOp()))
        conversions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> fusedOps;
    for (linalg::GenericOp conversion : conversions) {
      // One reader at a time: each fusion replaces the reader's results.
      for (;;) {
        OpOperand *use = nullptr;
        for (OpOperand &u : conversion->getResult(0).getUses())
          if (isa<linalg::GenericOp>(u.getOwner()) &&
              linalg::areElementwiseOpsFusable(&u)) {
            use = &u;
            break;
          }
        if (!use)
          break;
        Operation *reader = use->getOwner();
        rewriter.setInsertionPoint(reader);
        FailureOr<linalg::ElementwiseOpFusionResult> fused =
            linalg::fuseElementwiseOps(rewriter, use);
        if (failed(fused))
          break;
        for (auto [from, to] : fused->replacements)
          if (from.getDefiningOp() == reader)
            rewriter.replaceAllUsesWith(from, to);
        rewriter.eraseOp(reader);
        llvm::erase(fusedOps, reader);
        fusedOps.push_back(fused->fusedOp);
      }
      if (conversion->use_empty())
        rewriter.eraseOp(conversion);
    }
    // A reader fused while the conversion had other readers also yields
    // the widened values; unused once those are fused too: dropped.
    RewritePatternSet patterns(&getContext());
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    if (failed(applyOpPatternsGreedily(fusedOps, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
