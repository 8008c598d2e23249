//===- AccumulatorInit.cpp - What an accumulating op starts from ----------===//

#include "AccumulatorInit.h"

#include "BufferRoot.h"
#include "KernelLoops.h"

#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

static bool mayBeAt(Value v, Value root, int depth) {
  Value other = ttt::rootOf(v);
  if (other == root)
    return true;
  auto arg = dyn_cast<BlockArgument>(other);
  if (!arg || isa<FunctionOpInterface>(arg.getOwner()->getParentOp()))
    return false;
  SmallVector<Value> sources = ttt::carriedSources(other);
  if (depth > 0 || sources.size() == 1)
    return true; // not a loop's iter_arg: anything
  return llvm::any_of(sources,
                      [&](Value s) { return mayBeAt(s, root, depth + 1); });
}

bool ttt::mayBe(Value v, Value root) { return mayBeAt(v, root, 0); }

/// Whether a memref operand of `op` may be `root`'s buffer.
static bool hasOperandThatMayBe(Operation *op, Value root) {
  return llvm::any_of(op->getOperands(), [&](Value v) {
    return isa<MemRefType>(v.getType()) && ttt::mayBe(v, root);
  });
}

bool ttt::mayTouch(Operation *op, Value root) {
  WalkResult r = op->walk([&](Operation *inner) {
    // Views and casts touch no memory; their users are checked.
    if (inner->getNumRegions() == 0 && isMemoryEffectFree(inner))
      return WalkResult::advance();
    return hasOperandThatMayBe(inner, root) ? WalkResult::interrupt()
                                            : WalkResult::advance();
  });
  return r.wasInterrupted();
}

bool ttt::mayWrite(Operation *op, Value root) {
  WalkResult r = op->walk<WalkOrder::PreOrder>([&](Operation *inner) {
    // Destination-style ops write their inits (their bodies nothing).
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(inner)) {
      for (OpOperand &init : dps.getDpsInitsMutable())
        if (isa<MemRefType>(init.get().getType()) && mayBe(init.get(), root))
          return WalkResult::interrupt();
      return WalkResult::skip();
    }
    // Other region ops: their nested ops are visited.
    if (inner->getNumRegions() != 0 || isMemoryEffectFree(inner))
      return WalkResult::advance();
    auto effects = dyn_cast<MemoryEffectOpInterface>(inner);
    if (effects && !effects.hasEffect<MemoryEffects::Write>())
      return WalkResult::advance();
    return hasOperandThatMayBe(inner, root) ? WalkResult::interrupt()
                                            : WalkResult::advance();
  });
  return r.wasInterrupted();
}

bool ttt::writtenBetween(Operation *first, Operation *last, Value root) {
  SmallVector<Value> roots = {root};
  if (isLoopCarried(root))
    for (Value s : carriedSources(root))
      roots.push_back(rootOf(s));
  for (Operation *it = first; it && it != last; it = it->getNextNode())
    for (Value r : roots)
      if (mayWrite(it, r))
        return true;
  return false;
}

bool ttt::yieldsItsInput(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0 ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return false;
  Block *body = op.getBody();
  return &body->front() == body->getTerminator() &&
         body->getTerminator()->getOperand(0) == body->getArgument(0);
}

bool ttt::isLoopCarried(Value root) {
  auto arg = dyn_cast<BlockArgument>(root);
  return arg && !isa<FunctionOpInterface>(arg.getOwner()->getParentOp());
}

/// Whether `map` is a permutation of the dims `parallel` (the output
/// then has one element per parallel point).
static bool permutesParallelDims(AffineMap map, ArrayRef<unsigned> parallel) {
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

std::optional<unsigned> ttt::accumulatingOutput(linalg::GenericOp op, Value x) {
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
  if (!addCombinedOutput(op, *found))
    return std::nullopt;
  return found;
}
