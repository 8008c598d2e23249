//===- GlobalScratch.cpp - Block buffers in global memory when too big ----===//
//
// A chain kernel keeps its temporaries in the block's shared memory
// (ttt-gpu-private-buffers). Where they exceed what a block may have, the
// same layout in a global buffer, one slice per block, keeps the kernel
// correct at the cost of memory bandwidth.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUGLOBALSCRATCH
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

struct TTTGPUGlobalScratchPass
    : ttt::impl::TTTGPUGlobalScratchBase<TTTGPUGlobalScratchPass> {
  using Base::Base;

  /// Rebases `kernel`'s shared-memory slots on a new trailing global
  /// argument. Fails (located error) unless the shared memory is used the
  /// way ttt-gpu-private-buffers leaves it: one dynamic shared memory op,
  /// only viewed, each view only cast to the generic address space.
  static LogicalResult moveToGlobal(gpu::GPUFuncOp kernel, int64_t bytes) {
    SmallVector<gpu::DynamicSharedMemoryOp> all;
    kernel.walk([&](gpu::DynamicSharedMemoryOp op) { all.push_back(op); });
    if (all.size() != 1)
      return kernel.emitError("ttt-gpu-global-scratch: expected one dynamic "
                              "shared memory op, found ")
             << all.size();
    gpu::DynamicSharedMemoryOp shared = all.front();
    for (Operation *user : shared->getUsers()) {
      if (!isa<memref::ViewOp>(user))
        return user->emitError("ttt-gpu-global-scratch: dynamic shared "
                               "memory used other than through memref.view");
      for (Operation *viewUser : user->getUsers())
        if (!isa<memref::MemorySpaceCastOp>(viewUser))
          return viewUser->emitError(
              "ttt-gpu-global-scratch: a shared-memory view used other than "
              "through memref.memory_space_cast");
    }
    MLIRContext *ctx = kernel.getContext();
    auto scratchType =
        MemRefType::get({ShapedType::kDynamic}, IntegerType::get(ctx, 8));
    unsigned index = kernel.getNumArguments();
    if (failed(kernel.insertArgument(index, scratchType, DictionaryAttr(),
                                     kernel.getLoc())))
      return kernel.emitError("ttt-gpu-global-scratch: cannot add the "
                              "scratch argument");
    Value scratch = kernel.getArgument(index);
    OpBuilder b(shared);
    Location loc = shared.getLoc();
    Value block = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
    Value base = arith::MulIOp::create(
        b, loc, block, arith::ConstantIndexOp::create(b, loc, bytes));
    for (Operation *user : llvm::make_early_inc_range(shared->getUsers())) {
      auto view = cast<memref::ViewOp>(user);
      b.setInsertionPoint(view);
      Value at = arith::AddIOp::create(b, loc, base, view.getByteShift());
      auto viewType = cast<MemRefType>(view.getType());
      auto global = memref::ViewOp::create(
          b, view.getLoc(),
          MemRefType::get(viewType.getShape(), viewType.getElementType()),
          scratch, at, view.getSizes());
      // The casts to the generic address space are no longer needed.
      for (Operation *cast : llvm::make_early_inc_range(view->getUsers())) {
        cast->getResult(0).replaceAllUsesWith(global.getResult());
        cast->erase();
      }
      view.erase();
    }
    shared.erase();
    kernel->removeAttr("ttt.shared_bytes");
    kernel->setAttr("ttt.scratch_bytes",
                    IntegerAttr::get(IntegerType::get(ctx, 64), bytes));
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::DenseMap<Operation *, int64_t> moved;
    WalkResult walk = module.walk([&](gpu::GPUFuncOp kernel) {
      auto bytes = kernel->getAttrOfType<IntegerAttr>("ttt.shared_bytes");
      if (!bytes || bytes.getInt() <= maxSharedBytes)
        return WalkResult::advance();
      if (failed(moveToGlobal(kernel, bytes.getInt())))
        return WalkResult::interrupt();
      moved[kernel] = bytes.getInt();
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
          launch, launch.getKernel());
      auto it = kernel ? moved.find(kernel) : moved.end();
      if (it == moved.end())
        return;
      OpBuilder b(launch);
      Location loc = launch.getLoc();
      Value size = arith::MulIOp::create(
          b, loc, launch.getGridSizeX(),
          arith::ConstantIndexOp::create(b, loc, it->second));
      auto type = MemRefType::get({ShapedType::kDynamic},
                                  IntegerType::get(b.getContext(), 8));
      auto scratch = gpu::AllocOp::create(b, loc, type, Type(), ValueRange(),
                                          ValueRange{size}, ValueRange(),
                                          /*hostShared=*/false);
      launch.getKernelOperandsMutable().append(scratch.getMemref());
      b.setInsertionPointAfter(launch);
      gpu::DeallocOp::create(b, loc, Type(), ValueRange(),
                             scratch.getMemref());
    });
  }
};

} // namespace
