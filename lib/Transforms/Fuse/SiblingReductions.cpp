//===- SiblingReductions.cpp - One pass for independent row reductions ----===//
//
// Two reductions over the same loops that read a common input (the shifted
// sums of layer norm's statistics; the two row sums of its backward) become
// one linalg.generic with two results, so the input is read once.
//
//===----------------------------------------------------------------------===//

#include "FusePatterns.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {

/// A shared input read through a permutation of all the loops: the two ops
/// then iterate over the same domain.
bool shareFullInput(linalg::GenericOp a, linalg::GenericOp b) {
  for (OpOperand *ia : a.getDpsInputOperands()) {
    AffineMap ma = a.getMatchingIndexingMap(ia);
    if (!ma.isPermutation())
      continue;
    for (OpOperand *ib : b.getDpsInputOperands())
      if (ib->get() == ia->get() && b.getMatchingIndexingMap(ib) == ma)
        return true;
  }
  return false;
}

/// Whether `v` is available at `first`'s place, or can be made so by
/// moving side-effect-free producers (a fill of zeros, its tensor.empty)
/// above `first`. `toMove` collects them, operands before users.
bool availableAt(Value v, Operation *first,
                 SmallVectorImpl<Operation *> &toMove, unsigned depth = 0) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return true;
  Operation *inBlock = first->getBlock()->findAncestorOpInBlock(*def);
  if (!inBlock || inBlock->isBeforeInBlock(first) ||
      llvm::is_contained(toMove, inBlock))
    return true;
  if (inBlock == first || depth > 4 || !isMemoryEffectFree(inBlock) ||
      inBlock->getNumRegions() != 0)
    return false;
  for (Value operand : inBlock->getOperands())
    if (!availableAt(operand, first, toMove, depth + 1))
      return false;
  toMove.push_back(inBlock);
  return true;
}

/// `later` reads nothing computed after `first` (after moving what
/// `availableAt` allows), so both can be computed at `first`'s place.
bool independentOf(linalg::GenericOp later, linalg::GenericOp first,
                   SmallVectorImpl<Operation *> &toMove) {
  for (Value v : later->getOperands())
    if (!availableAt(v, first, toMove))
      return false;
  return true;
}

bool isCandidate(linalg::GenericOp op) {
  return op.getNumReductionLoops() > 0 && op.hasPureTensorSemantics() &&
         !op.hasIndexSemantics();
}

struct FuseSiblingReductions : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp first,
                                PatternRewriter &rewriter) const override {
    if (!isCandidate(first))
      return failure();
    for (Operation *it = first->getNextNode(); it; it = it->getNextNode()) {
      auto second = dyn_cast<linalg::GenericOp>(it);
      if (!second || !isCandidate(second) ||
          second.getIteratorTypesArray() != first.getIteratorTypesArray() ||
          !shareFullInput(first, second))
        continue;
      SmallVector<Operation *> toMove;
      if (!independentOf(second, first, toMove))
        continue;
      for (Operation *op : toMove)
        rewriter.moveOpBefore(op, first);
      fuse(rewriter, first, second);
      return success();
    }
    return failure();
  }

  static void fuse(PatternRewriter &rewriter, linalg::GenericOp first,
                   linalg::GenericOp second) {
    SmallVector<Value> ins(first.getDpsInputs()), outs(first.getDpsInits());
    llvm::append_range(ins, second.getDpsInputs());
    llvm::append_range(outs, second.getDpsInits());
    SmallVector<AffineMap> maps;
    auto appendMaps = [&](linalg::GenericOp op, bool inputs) {
      for (OpOperand &o : op->getOpOperands())
        if (op.isDpsInput(&o) == inputs)
          maps.push_back(op.getMatchingIndexingMap(&o));
    };
    appendMaps(first, true);
    appendMaps(second, true);
    appendMaps(first, false);
    appendMaps(second, false);
    SmallVector<Type> types(first->getResultTypes());
    llvm::append_range(types, second->getResultTypes());

    rewriter.setInsertionPoint(first);
    auto fused =
        linalg::GenericOp::create(rewriter, first.getLoc(), types, ins, outs,
                                  maps, first.getIteratorTypesArray());
    Block *body = rewriter.createBlock(&fused.getRegion());
    for (Value v : llvm::concat<Value>(ins, outs))
      body->addArgument(getElementTypeOrSelf(v.getType()), v.getLoc());

    // Block arguments of each op, in the fused block's order.
    unsigned nIn1 = first.getNumDpsInputs(), nIn2 = second.getNumDpsInputs();
    unsigned nOut1 = first.getNumDpsInits();
    SmallVector<Value> yields;
    auto inlineBody = [&](linalg::GenericOp op, unsigned inBase,
                          unsigned outBase) {
      IRMapping map;
      Block *old = op.getBlock();
      for (unsigned i = 0, e = op.getNumDpsInputs(); i < e; ++i)
        map.map(old->getArgument(i), body->getArgument(inBase + i));
      for (unsigned i = 0, e = op.getNumDpsInits(); i < e; ++i)
        map.map(old->getArgument(op.getNumDpsInputs() + i),
                body->getArgument(outBase + i));
      for (Operation &o : old->without_terminator())
        rewriter.clone(o, map);
      for (Value v : old->getTerminator()->getOperands())
        yields.push_back(map.lookupOrDefault(v));
    };
    inlineBody(first, 0, nIn1 + nIn2);
    inlineBody(second, nIn1, nIn1 + nIn2 + nOut1);
    linalg::YieldOp::create(rewriter, first.getLoc(), yields);

    rewriter.replaceOp(first, fused->getResults().take_front(nOut1));
    rewriter.replaceOp(second, fused->getResults().drop_front(nOut1));
  }
};

} // namespace

void mlir::ttt::populateSiblingReductionFusionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<FuseSiblingReductions>(patterns.getContext());
}
