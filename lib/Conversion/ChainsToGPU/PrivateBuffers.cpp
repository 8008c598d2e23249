//===- PrivateBuffers.cpp - Kernel temporaries on the stack ---------------===//
//
// A chain's temporaries (one mini-batch's activations and gradients, the
// working weights) are small and bounded by the chunk size, so each gets a
// fixed stack slot at the kernel's entry: no device allocator, and no
// stack growth inside the mini-batch loop.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"
#include "RowMajor.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUPRIVATEBUFFERS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// A constant upper bound of a buffer size: the chunk loops clamp the last
/// chunk with `min(rest, chunk)`.
std::optional<int64_t> upperBound(Value size) {
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return c;
  Operation *def = size.getDefiningOp();
  if (isa_and_nonnull<arith::MinUIOp, arith::MinSIOp>(def)) {
    std::optional<int64_t> lhs = upperBound(def->getOperand(0));
    std::optional<int64_t> rhs = upperBound(def->getOperand(1));
    if (lhs && rhs)
      return std::min(*lhs, *rhs);
    return lhs ? lhs : rhs;
  }
  if (auto sel = dyn_cast_or_null<arith::SelectOp>(def)) {
    std::optional<int64_t> t = upperBound(sel.getTrueValue());
    std::optional<int64_t> f = upperBound(sel.getFalseValue());
    if (t && f)
      return std::max(*t, *f);
    return std::nullopt;
  }
  FailureOr<int64_t> ub = ValueBoundsConstraintSet::computeConstantBound(
      presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(size),
      /*stopCondition=*/nullptr, /*closedUB=*/true);
  if (succeeded(ub))
    return *ub;
  return std::nullopt;
}

/// The allocation a view chain starts from, if any.
memref::AllocOp rootAlloc(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto alloc = dyn_cast<memref::AllocOp>(def))
      return alloc;
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return {};
    v = view.getViewSource();
  }
  return {};
}

/// A hoisted buffer is the same memory in every iteration: a loop that
/// yields one of its own buffers would read and write one buffer at once
/// in the next iteration. Copy the yielded value into a carry buffer.
LogicalResult separateYieldedBuffers(gpu::GPUFuncOp kernel) {
  WalkResult result = kernel.walk([&](scf::ForOp loop) {
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    for (OpOperand &operand : yield->getOpOperands()) {
      auto type = dyn_cast<MemRefType>(operand.get().getType());
      memref::AllocOp alloc = type ? rootAlloc(operand.get()) : nullptr;
      if (!alloc || !loop->isProperAncestor(alloc))
        continue;
      if (!type.hasStaticShape()) {
        yield.emitError("ttt-gpu-private-buffers: a loop yields a buffer "
                        "of dynamic shape");
        return WalkResult::interrupt();
      }
      OpBuilder b(loop);
      auto carry = memref::AllocOp::create(
          b, loop.getLoc(),
          MemRefType::get(type.getShape(), type.getElementType()));
      b.setInsertionPoint(yield);
      linalg::CopyOp::create(b, yield.getLoc(), operand.get(),
                             carry.getResult());
      operand.set(memref::CastOp::create(b, yield.getLoc(), type, carry)
                      .getResult());
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

LogicalResult hoistToStack(gpu::GPUFuncOp kernel) {
  SmallVector<memref::AllocOp> allocs;
  kernel.walk([&](memref::AllocOp op) { allocs.push_back(op); });
  Block &entry = kernel.getBody().front();
  for (memref::AllocOp alloc : allocs) {
    MemRefType type = alloc.getType();
    int64_t elements = 1;
    for (int64_t d : type.getShape())
      if (!ShapedType::isDynamic(d))
        elements *= d;
    for (Value size : alloc.getDynamicSizes()) {
      std::optional<int64_t> ub = upperBound(size);
      if (!ub)
        return alloc.emitError("ttt-gpu-private-buffers: no constant upper "
                               "bound for a buffer size");
      elements *= std::max<int64_t>(*ub, 1);
    }
    OpBuilder b(&entry, entry.begin());
    auto slot = memref::AllocaOp::create(
        b, alloc.getLoc(),
        MemRefType::get(type.hasStaticShape() ? type.getShape()
                                              : ArrayRef<int64_t>{elements},
                        type.getElementType()),
        alloc.getAlignmentAttr());
    if (type.hasStaticShape()) {
      alloc.replaceAllUsesWith(slot.getResult());
      alloc.erase();
      continue;
    }
    // The dynamic shape as a row-major view of the slot's first elements.
    b.setInsertionPoint(alloc);
    SmallVector<OpFoldResult> sizes = alloc.getMixedSizes();
    SmallVector<OpFoldResult> strides =
        ttt::rowMajorStrides(b, alloc.getLoc(), sizes);
    auto view = memref::ReinterpretCastOp::create(
        b, alloc.getLoc(), type, slot, b.getIndexAttr(0), sizes, strides);
    alloc.replaceAllUsesWith(view.getResult());
    alloc.erase();
  }
  SmallVector<memref::DeallocOp> deallocs;
  kernel.walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
  for (memref::DeallocOp op : deallocs)
    op.erase();
  return success();
}

struct TTTGPUPrivateBuffersPass
    : ttt::impl::TTTGPUPrivateBuffersBase<TTTGPUPrivateBuffersPass> {
  void runOnOperation() override {
    gpu::GPUFuncOp kernel = getOperation();
    if (!kernel.isKernel())
      return;
    if (failed(separateYieldedBuffers(kernel)) || failed(hoistToStack(kernel)))
      signalPassFailure();
  }
};

} // namespace
