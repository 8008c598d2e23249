//===- ChainLocalPrologue.cpp - Per-chain slices of prologue values -------===//
//
// A graph may compute per-chain data before the scan (the official
// example's tau, broadcast over [B, H, 16]) that the chain loops then
// slice. On the GPU the prologue runs in every block, so such a value would
// be a temporary of the whole chain extent: no constant bound, and every
// block computing every chain's copy. Each slice of it inside the chain
// loops is instead computed from its producer's tiled form (TilingInterface):
// each block computes its own chain's part only, in a buffer bounded by the
// slice.
//
//===----------------------------------------------------------------------===//

#include "TiledSlice.h"
#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUCHAINLOCALPROLOGUE
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// A slice worth localizing: inside the chain loop nest `loop`, of a value
/// made before it by a tiling-capable op, whose type has a dynamic dim (a
/// chain-extent temporary; static ones already have a bound).
bool isCandidate(tensor::ExtractSliceOp slice, scf::ForOp loop) {
  if (!loop->isProperAncestor(slice))
    return false;
  auto source = dyn_cast<OpResult>(slice.getSource());
  if (!source || !isa<TilingInterface>(source.getOwner()) ||
      !isa<linalg::LinalgOp>(source.getOwner()) ||
      source.getOwner()->getBlock() != loop->getBlock())
    return false;
  return !cast<RankedTensorType>(slice.getSourceType()).hasStaticShape() &&
         slice.hasUnitStride();
}

struct TTTGPUChainLocalProloguePass
    : ttt::impl::TTTGPUChainLocalPrologueBase<TTTGPUChainLocalProloguePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isDeclaration())
      return;
    auto fors = func.getBody().getOps<scf::ForOp>();
    if (std::distance(fors.begin(), fors.end()) != 1)
      return;
    scf::ForOp loop = *fors.begin();
    bool changed = true;
    // A tiled producer slices its own operands: repeat until no slice of a
    // chain-extent prologue value is left.
    while (changed) {
      changed = false;
      SmallVector<tensor::ExtractSliceOp> slices;
      loop.walk([&](tensor::ExtractSliceOp s) {
        if (isCandidate(s, loop))
          slices.push_back(s);
      });
      for (tensor::ExtractSliceOp slice : slices) {
        if (failed(ttt::computeSliceFromProducer(slice))) {
          slice.emitError("ttt-gpu-chain-local-prologue: cannot compute "
                          "this chain's slice of a prologue value");
          return signalPassFailure();
        }
        changed = true;
      }
    }
    // Dead full-size producers go; slices of tensor.empty become small
    // tensor.empty ops.
    RewritePatternSet patterns(&getContext());
    tensor::populateFoldTensorEmptyPatterns(patterns);
    tensor::ExtractSliceOp::getCanonicalizationPatterns(patterns,
                                                        &getContext());
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
