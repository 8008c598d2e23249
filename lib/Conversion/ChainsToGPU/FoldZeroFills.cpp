//===- FoldZeroFills.cpp - Zero accumulators instead of zero fills --------===//
//
// Bufferization leaves `linalg.fill 0 -> X` before each contraction or
// reduction that accumulates into X. In the chain kernel the fill is a
// phase of its own (stores, and a barrier before the accumulating op,
// which loads X back): the op cannot start before the fill's level. Where
// the op is the next to touch X, writes every element of X and only adds
// to the old value (`out + x`), its accumulators may as well start at
// zero: the fill goes and the op is marked `ttt.zero_init` (the indices of
// such outputs), which ttt-gpu-distribute honours.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "AccumulatorInit.h"
#include "BufferRoot.h"
#include "KernelLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUFOLDZEROFILLS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using ttt::accumulatingOutput;
using ttt::mayTouch;
using ttt::rootOf;

namespace {

struct TTTGPUFoldZeroFillsPass
    : ttt::impl::TTTGPUFoldZeroFillsBase<TTTGPUFoldZeroFillsPass> {
  void runOnOperation() override {
    SmallVector<linalg::FillOp> fills;
    getOperation().walk([&](linalg::FillOp f) { fills.push_back(f); });
    for (linalg::FillOp fill : fills) {
      Value x = fill.getOutputs().front();
      if (!isa<MemRefType>(x.getType()) ||
          !matchPattern(fill.getInputs().front(), m_AnyZeroFloat()))
        continue;
      Value root = rootOf(x);
      if (ttt::isLoopCarried(root))
        continue;
      // The next op of the block that may touch X.
      Operation *next = fill->getNextNode();
      while (next && !mayTouch(next, root))
        next = next->getNextNode();
      auto op = dyn_cast_or_null<linalg::GenericOp>(next);
      if (!op || !op.hasPureBufferSemantics())
        continue;
      std::optional<unsigned> index = accumulatingOutput(op, x);
      if (!index)
        continue;
      SmallVector<int64_t> zeroed(ttt::zeroInitOutputs(op));
      zeroed.push_back(*index);
      llvm::sort(zeroed);
      zeroed.erase(llvm::unique(zeroed), zeroed.end());
      op->setAttr(ttt::kZeroInitAttr,
                  DenseI64ArrayAttr::get(op.getContext(), zeroed));
      fill.erase();
    }
  }
};

} // namespace
