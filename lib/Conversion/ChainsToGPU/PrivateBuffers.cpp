//===- PrivateBuffers.cpp - Kernel temporaries at fixed places ------------===//
//
// A chain's temporaries (one mini-batch's activations and gradients, the
// working weights) are small and bounded by the chunk size, so each gets a
// fixed slot made at the kernel's entry: no device allocator, and no
// growth inside the mini-batch loop. Slots are stack buffers of one
// thread, or (workgroup=true) disjoint slices of the block's dynamic
// shared memory that all its threads see.
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

/// The memory of one buffer: a stack slot, or (workgroup) a slice of the
/// block's dynamic shared memory at `offset`, cast to the generic address
/// space so that every view and loop of the kernel keeps its type.
Value makeSlot(OpBuilder &b, Location loc, MemRefType slotType,
               IntegerAttr alignment, Value shared, int64_t &offset) {
  if (!shared)
    return memref::AllocaOp::create(b, loc, slotType, alignment).getResult();
  int64_t align = std::max<int64_t>(alignment ? alignment.getInt() : 0, 16);
  offset = llvm::alignTo(offset, align);
  Attribute wg = cast<MemRefType>(shared.getType()).getMemorySpace();
  auto viewType = MemRefType::get(slotType.getShape(),
                                  slotType.getElementType(), nullptr, wg);
  Value at = arith::ConstantIndexOp::create(b, loc, offset);
  auto view = memref::ViewOp::create(b, loc, viewType, shared, at,
                                     ValueRange{});
  offset += slotType.getNumElements() *
            (slotType.getElementType().getIntOrFloatBitWidth() + 7) / 8;
  return memref::MemorySpaceCastOp::create(b, loc, slotType, view)
      .getResult();
}

LogicalResult hoist(gpu::GPUFuncOp kernel, bool workgroup) {
  SmallVector<memref::AllocOp> allocs;
  kernel.walk([&](memref::AllocOp op) { allocs.push_back(op); });
  Block &entry = kernel.getBody().front();
  Value shared;
  int64_t offset = 0;
  if (workgroup && !allocs.empty()) {
    OpBuilder b(&entry, entry.begin());
    auto wg = gpu::AddressSpaceAttr::get(kernel.getContext(),
                                         gpu::AddressSpace::Workgroup);
    shared = gpu::DynamicSharedMemoryOp::create(
        b, kernel.getLoc(),
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
  }
  for (memref::AllocOp alloc : allocs) {
    if (workgroup && !alloc.getType().getElementType().isIntOrFloat())
      return alloc.emitError("ttt-gpu-private-buffers: workgroup buffers "
                             "need integer or float elements");
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
    if (shared)
      b.setInsertionPointAfterValue(shared);
    Value slot = makeSlot(
        b, alloc.getLoc(),
        MemRefType::get(type.hasStaticShape() ? type.getShape()
                                              : ArrayRef<int64_t>{elements},
                        type.getElementType()),
        alloc.getAlignmentAttr(), shared, offset);
    if (type.hasStaticShape()) {
      alloc.replaceAllUsesWith(slot);
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
  if (workgroup)
    kernel->setAttr("ttt.shared_bytes",
                    IntegerAttr::get(IntegerType::get(kernel.getContext(), 64),
                                     llvm::alignTo(offset, 16)));
  return success();
}

struct TTTGPUPrivateBuffersPass
    : ttt::impl::TTTGPUPrivateBuffersBase<TTTGPUPrivateBuffersPass> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUFuncOp kernel = getOperation();
    if (!kernel.isKernel())
      return;
    if (failed(separateYieldedBuffers(kernel)) ||
        failed(hoist(kernel, workgroup)))
      signalPassFailure();
  }
};

} // namespace
