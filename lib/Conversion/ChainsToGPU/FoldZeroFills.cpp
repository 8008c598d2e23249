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
using ttt::rootOf;

namespace {

/// Whether `v`'s buffer may be `root`'s: the same root, or a loop-carried
/// buffer (an scf.for iter_arg) whose initial or yielded value may be.
bool mayBe(Value v, Value root, int depth = 0) {
  Value other = rootOf(v);
  if (other == root)
    return true;
  auto arg = dyn_cast<BlockArgument>(other);
  if (!arg || isa<FunctionOpInterface>(arg.getOwner()->getParentOp()))
    return false;
  SmallVector<Value> sources = ttt::carriedSources(other);
  if (depth > 0 || sources.size() == 1)
    return true; // not a loop's iter_arg: anything
  return llvm::any_of(sources,
                      [&](Value s) { return mayBe(s, root, depth + 1); });
}

/// Whether `op` or an op nested in it may touch `root`'s buffer.
bool mayTouch(Operation *op, Value root) {
  WalkResult r = op->walk([&](Operation *inner) {
    // Views and casts touch no memory; their users are checked.
    if (inner->getNumRegions() == 0 && isMemoryEffectFree(inner))
      return WalkResult::advance();
    for (Value v : inner->getOperands())
      if (isa<MemRefType>(v.getType()) && mayBe(v, root))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return r.wasInterrupted();
}

/// Whether `map` is a permutation of the dims `parallel` (the output
/// then has one element per parallel point).
bool permutesParallelDims(AffineMap map, ArrayRef<unsigned> parallel) {
  if (parallel.empty() || map.getNumResults() != parallel.size())
    return false;
  llvm::SmallDenseSet<unsigned> seen;
  for (AffineExpr e : map.getResults()) {
    auto dim = dyn_cast<AffineDimExpr>(e);
    if (!dim || !llvm::is_contained(parallel, dim.getPosition()) ||
        !seen.insert(dim.getPosition()).second)
      return false;
  }
  return true;
}

/// The output of `op` that `x` is, when `op` adds to its old value only
/// (`out + x`, its block argument used by that addf alone) and runs point
/// by point (ttt-gpu-distribute's accumulating plan): every output's map a
/// permutation of the parallel dims, so every element of `x` is written,
/// and no input that may be in an output's buffer.
std::optional<unsigned> accumulatingOutput(linalg::GenericOp op, Value x) {
  std::optional<unsigned> found;
  SmallVector<unsigned> parallel;
  op.getParallelDims(parallel);
  llvm::SmallDenseSet<Value> outRoots;
  for (OpOperand &out : op.getDpsInitsMutable()) {
    if (!permutesParallelDims(op.getMatchingIndexingMap(&out), parallel))
      return std::nullopt;
    outRoots.insert(rootOf(out.get()));
    if (out.get() == x)
      found = out.getOperandNumber() - op.getNumDpsInputs();
  }
  if (!found)
    return std::nullopt;
  for (OpOperand *in : op.getDpsInputOperands())
    if (isa<MemRefType>(in->get().getType()) &&
        llvm::any_of(outRoots,
                     [&](Value root) { return mayBe(in->get(), root); }))
      return std::nullopt;
  if (!ttt::addCombinedOutput(op, *found))
    return std::nullopt;
  return found;
}

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
      if (auto arg = dyn_cast<BlockArgument>(root);
          arg && !isa<FunctionOpInterface>(arg.getOwner()->getParentOp()))
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
