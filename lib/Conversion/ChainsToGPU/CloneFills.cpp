//===- CloneFills.cpp - One fill per consumer -----------------------------===//
//
// A filled tensor (zeros for a contraction's accumulator) used as the init
// of several ops must, once bufferized, stay live until its last consumer,
// each of which gets a copy of it. In shared memory that is a whole buffer
// kept for the mini-batch (a 16 x 256 zero block of TTT-MLP: 16 KB). A
// fill of its own right before each consumer makes every copy a fill and
// lets the buffer's memory be reused (ttt-gpu-private-buffers). With
// `broadcasts`, broadcasts get the same treatment: each consumer then
// starts from a broadcast of its own, which ttt-gpu-fold-init-copies
// folds into it (TTT-Linear's bias, the init of Z = b + K W and of the
// bias update).
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "AccumulatorInit.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUCLONEFILLS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

struct TTTGPUCloneFillsPass
    : ttt::impl::TTTGPUCloneFillsBase<TTTGPUCloneFillsPass> {
  using Base::Base;

  /// Each destination use of `op`'s result after the first, in op's
  /// block, gets a clone of op right before its user.
  static void cloneForEachInit(Operation *op) {
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : op->getResult(0).getUses()) {
      auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
      if (dps && dps.isDpsInit(&use) &&
          use.getOwner()->getBlock() == op->getBlock())
        uses.push_back(&use);
    }
    if (uses.size() < 2)
      return;
    llvm::sort(uses, [](OpOperand *a, OpOperand *b) {
      return a->getOwner()->isBeforeInBlock(b->getOwner());
    });
    for (OpOperand *use : llvm::drop_begin(uses)) {
      OpBuilder b(use->getOwner());
      use->set(b.clone(*op)->getResult(0));
    }
  }

  /// A broadcast or copy on tensors.
  static bool isBroadcast(Operation *op) {
    auto g = dyn_cast<linalg::GenericOp>(op);
    return g && g.hasPureTensorSemantics() && ttt::yieldsItsInput(g);
  }

  void runOnOperation() override {
    SmallVector<Operation *> fills, empties;
    getOperation().walk([&](Operation *op) {
      if (auto fill = dyn_cast<linalg::FillOp>(op);
          fill && fill.hasPureTensorSemantics())
        fills.push_back(op);
      if (broadcasts && isBroadcast(op))
        fills.push_back(op);
      if (isa<tensor::EmptyOp>(op))
        empties.push_back(op);
    });
    // Fills first, then the empty tensors they (and other ops) fill.
    for (Operation *fill : fills)
      cloneForEachInit(fill);
    for (Operation *empty : empties)
      cloneForEachInit(empty);
  }
};

} // namespace
