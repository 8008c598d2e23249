//===- ForwardCopies.cpp - Write where a copy would have put it -----------===//
//
// Bufferization leaves `W writes X; linalg.copy X -> Y` where a value ends
// up in a buffer of its own: the mini-batch's output rows computed into a
// temporary, then copied to the output array; a bias broadcast copied into
// the accumulator a contraction adds onto. In a chain kernel each copy is a
// phase of the mini-batch between two barriers, and X a shared buffer.
// Where X is a temporary that W alone writes (without reading it) and the
// copy alone reads, W writes Y instead and the copy goes.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "BufferRoot.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUFORWARDCOPIES
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using ttt::rootOf;

namespace {

/// Whether `v` is available before `op`: defined in an enclosing region or
/// earlier in op's block.
bool availableBefore(Value v, Operation *op) {
  Operation *def = v.getDefiningOp();
  Block *block = def ? def->getBlock() : cast<BlockArgument>(v).getOwner();
  if (block != op->getBlock())
    return block->getParentOp()->isProperAncestor(op);
  return !def || def->isBeforeInBlock(op);
}

/// Folds `copy` into the op that writes its source, where that is safe.
bool forward(linalg::CopyOp copy) {
  Value x = copy.getDpsInputOperand(0)->get();
  Value y = copy.getDpsInitOperand(0)->get();
  auto alloc = x.getDefiningOp<memref::AllocOp>();
  auto xType = cast<MemRefType>(x.getType());
  auto yType = cast<MemRefType>(y.getType());
  if (!alloc || !xType.hasStaticShape() ||
      xType.getShape() != yType.getShape() ||
      xType.getElementType() != yType.getElementType())
    return false;
  // X: written by one linalg op as its init, read by the copy alone.
  linalg::LinalgOp writer;
  for (OpOperand &use : x.getUses()) {
    if (use.getOwner() == copy.getOperation())
      continue;
    auto op = dyn_cast<linalg::LinalgOp>(use.getOwner());
    if (!op || writer || !op.isDpsInit(&use) ||
        op.payloadUsesValueFromOperand(&use))
      return false;
    writer = op;
  }
  if (!writer || writer->getBlock() != copy->getBlock() ||
      !writer->isBeforeInBlock(copy))
    return false;
  // Nothing between them may touch Y, nor W read it.
  Value yRoot = rootOf(y);
  for (OpOperand *in : writer.getDpsInputOperands())
    if (rootOf(in->get()) == yRoot)
      return false;
  for (Operation *it = writer->getNextNode(); it != copy.getOperation();
       it = it->getNextNode()) {
    if (auto op = dyn_cast<linalg::LinalgOp>(it)) {
      for (OpOperand &o : op->getOpOperands())
        if (isa<MemRefType>(o.get().getType()) && rootOf(o.get()) == yRoot)
          return false;
      continue;
    }
    if (!isMemoryEffectFree(it) && !isa<memref::AllocOp>(it))
      return false;
  }
  // Y must exist where W runs: a view defined between them moves up.
  if (!availableBefore(y, writer)) {
    Operation *def = y.getDefiningOp();
    if (!def || !isa<memref::SubViewOp>(def) ||
        !llvm::all_of(def->getOperands(),
                      [&](Value v) { return availableBefore(v, writer); }))
      return false;
    def->moveBefore(writer);
  }
  for (OpOperand &init : writer.getDpsInitsMutable())
    if (init.get() == x)
      init.set(y);
  copy.erase();
  if (alloc->use_empty())
    alloc.erase();
  return true;
}

struct TTTGPUForwardCopiesPass
    : ttt::impl::TTTGPUForwardCopiesBase<TTTGPUForwardCopiesPass> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUFuncOp kernel = getOperation();
    if (!kernel.isKernel())
      return;
    SmallVector<linalg::CopyOp> copies;
    kernel.walk([&](linalg::CopyOp copy) {
      if (copy.hasPureBufferSemantics())
        copies.push_back(copy);
    });
    for (linalg::CopyOp copy : copies)
      forward(copy);
  }
};

} // namespace
