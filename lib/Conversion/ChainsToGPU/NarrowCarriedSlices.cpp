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
    for (tensor::ExtractSliceOp slice : slices)
      (void)ttt::computeSliceFromProducer(slice);
  }
};

} // namespace
