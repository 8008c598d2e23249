//===- StateInResults.cpp - Large fast weights kept in the result arrays --===//
//
// A chain kernel copies its initial fast weights into a temporary, updates
// it every mini-batch and copies it to the result array at the end; the
// temporary then lives in shared memory for the whole kernel. TTT-MLP's two
// 64 KB weight matrices leave too little shared memory for the input
// prefetch and the level order. With this pass a large temporary whose
// last use is the copy to a result array is that array instead: the
// weights are read and updated in global memory (through L1/L2), the copy
// goes, and the shared memory is free for the rest.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "BufferRoot.h"
#include "LinalgViews.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUSTATEINRESULTS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using ttt::rootOf;

namespace {

/// Whether `copy` (temporary X -> result view Y) can fold into X.
bool canKeepInResult(linalg::CopyOp copy, Block *entry, int64_t minBytes,
                     SmallVectorImpl<Operation *> &viewsOfRoot) {
  Value x = copy.getDpsInputOperand(0)->get();
  Value y = copy.getDpsInitOperand(0)->get();
  auto alloc = x.getDefiningOp<memref::AllocOp>();
  auto xType = cast<MemRefType>(x.getType());
  auto yType = cast<MemRefType>(y.getType());
  if (!alloc || alloc->getBlock() != entry || copy->getBlock() != entry ||
      !xType.hasStaticShape() || xType.getShape() != yType.getShape() ||
      xType.getElementType() != yType.getElementType() ||
      xType.getNumElements() * xType.getElementTypeBitWidth() / 8 < minBytes)
    return false;
  // Y: a view of a kernel argument that nothing else touches.
  Value root = rootOf(y);
  auto arg = dyn_cast<BlockArgument>(root);
  if (!arg || arg.getOwner() != entry)
    return false;
  std::function<bool(Value)> onlyThisCopy = [&](Value v) {
    for (Operation *user : v.getUsers()) {
      if (user == copy.getOperation())
        continue;
      if (user->getNumResults() == 1 &&
          isa<MemRefType>(user->getResultTypes()[0]) &&
          isa<ViewLikeOpInterface>(user) &&
          rootOf(user->getResult(0)) == root) {
        viewsOfRoot.push_back(user);
        if (!onlyThisCopy(user->getResult(0)))
          return false;
        continue;
      }
      return false;
    }
    return true;
  };
  if (!onlyThisCopy(root))
    return false;
  // X: read and written by linalg ops before the copy, the copy its last use.
  if (!ttt::onlyLinalgUses(x))
    return false;
  for (Operation *user : x.getUsers()) {
    Operation *top = entry->findAncestorOpInBlock(*user);
    if (user != copy.getOperation() && (!top || !top->isBeforeInBlock(copy)))
      return false;
  }
  // Y's views must exist where X does: the chain of views moves ahead of
  // the allocation (their operands are kernel-entry values before it).
  for (Operation *view : llvm::reverse(viewsOfRoot))
    for (Value operand : view->getOperands())
      if (Operation *def = operand.getDefiningOp();
          def && def->getBlock() == entry && !def->isBeforeInBlock(alloc) &&
          !llvm::is_contained(viewsOfRoot, def))
        return false;
  return true;
}

/// Folds `copy` into its temporary X (canKeepInResult said it can).
void keepInResult(linalg::CopyOp copy, ArrayRef<Operation *> viewsOfRoot) {
  Value x = copy.getDpsInputOperand(0)->get();
  Value y = copy.getDpsInitOperand(0)->get();
  auto alloc = x.getDefiningOp<memref::AllocOp>();
  for (Operation *view : viewsOfRoot)
    if (!view->isBeforeInBlock(alloc))
      view->moveBefore(alloc);
  copy.erase();
  ttt::replaceInLinalgViews(x, y);
  alloc.erase();
}

struct TTTGPUStateInResultsPass
    : ttt::impl::TTTGPUStateInResultsBase<TTTGPUStateInResultsPass> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUFuncOp kernel = getOperation();
    if (!kernel.isKernel())
      return;
    Block *entry = &kernel.getBody().front();
    SmallVector<linalg::CopyOp> copies(entry->getOps<linalg::CopyOp>());
    int64_t seen = 0, kept = 0;
    for (linalg::CopyOp copy : copies) {
      SmallVector<Operation *> viewsOfRoot;
      if (!canKeepInResult(copy, entry, minBytes, viewsOfRoot))
        continue;
      if (seen++ < skip || (maxCount >= 0 && kept >= maxCount))
        continue;
      keepInResult(copy, viewsOfRoot);
      ++kept;
    }
  }
};

} // namespace
