//===- ScheduleLevels.cpp - Independent linalg ops next to each other -----===//
//
// ttt-gpu-distribute drops the barrier between two adjacent ops that touch
// no memory the other writes. The order bufferization leaves is the
// graph's order, where independent ops (q k^T next to the LayerNorm
// chain of k W, say) are often apart, each paying a barrier. Here the
// linalg ops of each block are ordered by level, as soon as possible: an
// op's level is one more than the highest level of the earlier ops it
// depends on (it reads what they write, or writes what they read or
// write), so the ops of one level are independent and run between the
// same two barriers.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "BufferRoot.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUSCHEDULELEVELS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using ttt::rootOf;

namespace {

struct Effects {
  SmallVector<Value> reads, writes;
};

Effects effectsOf(linalg::LinalgOp op) {
  Effects e;
  for (OpOperand *in : op.getDpsInputOperands())
    if (isa<MemRefType>(in->get().getType()))
      e.reads.push_back(rootOf(in->get()));
  for (OpOperand &out : op.getDpsInitsMutable()) {
    e.writes.push_back(rootOf(out.get()));
    // An output whose old value the op uses is read too.
    if (op.payloadUsesValueFromOperand(&out))
      e.reads.push_back(rootOf(out.get()));
  }
  return e;
}

bool dependent(const Effects &first, const Effects &then) {
  auto meets = [](ArrayRef<Value> a, ArrayRef<Value> b) {
    return llvm::any_of(a, [&](Value x) { return llvm::is_contained(b, x); });
  };
  return meets(first.writes, then.reads) || meets(first.writes, then.writes) ||
         meets(first.reads, then.writes);
}

/// Orders one block's run of linalg ops by level. Only blocks whose ops
/// are linalg ops on buffers, allocations, views and ops free of memory
/// effects without regions take part: those are moved to the front (their
/// operands come from outside or from ops before them), the linalg ops
/// follow by level, the terminator stays last.
void scheduleBlock(Block &block) {
  SmallVector<Operation *> prefix;
  SmallVector<linalg::LinalgOp> ops;
  for (Operation &op : block.without_terminator()) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      if (!linalgOp.hasPureBufferSemantics())
        return;
      ops.push_back(linalgOp);
      continue;
    }
    if (op.getNumRegions() != 0)
      return;
    if (!isMemoryEffectFree(&op) && !isa<memref::AllocOp>(op))
      return;
    for (Value operand : op.getOperands())
      if (auto def = operand.getDefiningOp();
          def && def->getBlock() == &block && isa<linalg::LinalgOp>(def))
        return;
    prefix.push_back(&op);
  }
  if (ops.size() < 2)
    return;
  SmallVector<Effects> effects;
  SmallVector<int64_t> level;
  for (linalg::LinalgOp op : ops) {
    effects.push_back(effectsOf(op));
    int64_t l = 0;
    for (size_t j = 0; j + 1 < effects.size(); ++j)
      if (dependent(effects[j], effects.back()))
        l = std::max(l, level[j] + 1);
    level.push_back(l);
  }
  SmallVector<size_t> order(ops.size());
  for (size_t i = 0; i < ops.size(); ++i)
    order[i] = i;
  llvm::stable_sort(order,
                    [&](size_t a, size_t b) { return level[a] < level[b]; });
  Operation *anchor = block.getTerminator();
  for (Operation *op : prefix)
    op->moveBefore(anchor);
  for (size_t i : order)
    ops[i]->moveBefore(anchor);
}

struct TTTGPUScheduleLevelsPass
    : ttt::impl::TTTGPUScheduleLevelsBase<TTTGPUScheduleLevelsPass> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUFuncOp kernel = getOperation();
    if (!kernel.isKernel())
      return;
    kernel.walk([](Block *block) { scheduleBlock(*block); });
  }
};

} // namespace
