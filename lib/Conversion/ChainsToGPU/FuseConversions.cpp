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

/// Whether `v` is one of the chunk's inputs in `loop`: defined outside it,
/// or a slice of such a value.
bool isChunkInput(Value v, scf::ForOp loop) {
  if (auto slice = v.getDefiningOp<tensor::ExtractSliceOp>())
    v = slice.getSource();
  return !loop->isAncestor(v.getParentRegion()->getParentOp());
}

/// Whether `op` (in `loop`) is elementwise on the chunk's inputs alone
/// (input-ops): parallel loops, one result at an identity map that the
/// body does not read, inputs that are the chunk's.
bool isInputOp(linalg::GenericOp op, scf::ForOp loop) {
  if (op.getNumDpsInits() != 1 || op.getNumResults() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() ||
      !op.getBody()->getArgument(op.getNumDpsInputs()).use_empty())
    return false;
  return llvm::all_of(op.getDpsInputs(),
                      [&](Value v) { return isChunkInput(v, loop); });
}

struct TTTGPUFuseConversionsPass
    : ttt::impl::TTTGPUFuseConversionsBase<TTTGPUFuseConversionsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> conversions;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isConversion(op) && isa<scf::ForOp>(op->getParentOp()))
        conversions.push_back(op);
    });
    fuseIntoReaders(conversions);
    if (!inputOps)
      return;
    // Then what the chunk's inputs alone give (conversions fused first,
    // so that v - k reads the staged k).
    SmallVector<linalg::GenericOp> inputs;
    getOperation().walk([&](linalg::GenericOp op) {
      auto loop = dyn_cast<scf::ForOp>(op->getParentOp());
      if (loop && isInputOp(op, loop))
        inputs.push_back(op);
    });
    fuseIntoReaders(inputs);
  }

  /// Fuses each of `producers` into every generic that reads it.
  void fuseIntoReaders(ArrayRef<linalg::GenericOp> producers) {
    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> fusedOps;
    for (linalg::GenericOp conversion : producers) {
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
      signalPassFailure();
  }
};

} // namespace
