//===- NarrowCarriedSlices.cpp - Carried slices computed on their own -----===//
//
// TTT-Linear's next bias is the last row of the chunk's per-token bias
// (b - tril(eta) G): the output reads all 16 rows, the recurrence one. As
// long as one op computes all rows, the whole contraction is recurrence
// and sits on the recurrence's warps. Here a slice that the chunk loop
// yields (carries) is computed by the producer's tiled form over that
// slice alone (TilingInterface), so that the full op serves only the
// other readers (the output chain, ttt-gpu-output-warps' second group).
//
//===----------------------------------------------------------------------===//

#include "TiledSlice.h"
#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUNARROWCARRIEDSLICES
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// A slice worth its own op: yielded by the loop of `body`, of a linalg
/// result of the same body that something else reads too, static and
/// smaller than that result.
bool isCandidate(tensor::ExtractSliceOp slice, Block *body) {
  auto source = dyn_cast<OpResult>(slice.getSource());
  if (!source || source.getOwner()->getBlock() != body ||
      !isa<linalg::LinalgOp, TilingInterface>(source.getOwner()) ||
      !slice.hasUnitStride() || !slice.getType().hasStaticShape() ||
      !slice.getSourceType().hasStaticShape() ||
      slice.getType().getNumElements() >=
          slice.getSourceType().getNumElements())
    return false;
  bool yielded = llvm::any_of(slice->getUsers(), [&](Operation *user) {
    return isa<scf::YieldOp>(user) && user->getBlock() == body;
  });
  bool readElsewhere = llvm::any_of(source.getUsers(), [&](Operation *user) {
    return user != slice.getOperation();
  });
  return yielded && readElsewhere;
}

/// A slice of a shared linalg result in `body` (a broadcast another op
/// accumulates onto too) that only starts accumulations: the init of a
/// narrowed op. Computed on its own, the narrowed op gets a buffer of its
/// own instead of writing into the shared one, which its other readers
/// (another warp group) may still read.
bool isSharedInitSlice(tensor::ExtractSliceOp slice, Block *body) {
  auto source = dyn_cast<OpResult>(slice.getSource());
  if (!source || source.getOwner()->getBlock() != body ||
      !isa<linalg::LinalgOp>(source.getOwner()) ||
      cast<linalg::LinalgOp>(source.getOwner()).getNumReductionLoops() != 0 ||
      !slice.hasUnitStride() || !slice.getType().hasStaticShape() ||
      slice.use_empty() || source.hasOneUse())
    return false;
  return llvm::all_of(slice->getUses(), [](OpOperand &use) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
    return dps && dps.isDpsInit(&use);
  });
}

struct TTTGPUNarrowCarriedSlicesPass
    : ttt::impl::TTTGPUNarrowCarriedSlicesBase<TTTGPUNarrowCarriedSlicesPass> {
  void runOnOperation() override {
    SmallVector<tensor::ExtractSliceOp> slices;
    getOperation().walk([&](scf::ForOp loop) {
      for (auto slice : loop.getBody()->getOps<tensor::ExtractSliceOp>())
        if (isCandidate(slice, loop.getBody()))
          slices.push_back(slice);
    });
    // Where the producer cannot be tiled there, the full op stays.
    SmallVector<Block *> bodies;
    for (tensor::ExtractSliceOp slice : slices) {
      Block *body = slice->getBlock();
      if (succeeded(ttt::computeSliceFromProducer(slice)))
        bodies.push_back(body);
    }
    // The narrowed ops' inits, where they are slices of shared broadcasts.
    for (Block *body : bodies) {
      SmallVector<tensor::ExtractSliceOp> inits;
      for (auto slice : body->getOps<tensor::ExtractSliceOp>())
        if (isSharedInitSlice(slice, body))
          inits.push_back(slice);
      for (tensor::ExtractSliceOp slice : inits)
        (void)ttt::computeSliceFromProducer(slice);
      // The tiled ops start from slices of empty tensors: empty tensors of
      // their own, so that bufferization gives them their own buffers.
      SmallVector<tensor::ExtractSliceOp> ofEmpty;
      for (auto slice : body->getOps<tensor::ExtractSliceOp>())
        if (slice.getSource().getDefiningOp<tensor::EmptyOp>() &&
            slice.getType().hasStaticShape())
          ofEmpty.push_back(slice);
      for (tensor::ExtractSliceOp slice : ofEmpty) {
        OpBuilder b(slice);
        slice.replaceAllUsesWith(
            tensor::EmptyOp::create(b, slice.getLoc(),
                                    slice.getType().getShape(),
                                    slice.getType().getElementType())
                .getResult());
        slice.erase();
      }
    }
  }
};

} // namespace
