//===- HostBuffers.cpp - A GPU host function's buffers in device memory ---===//
//
// The host function only sequences kernels; every buffer it allocates is
// read and written by them, so it lives on the device, for the whole call
// (a model entry's temporaries are a few activations).
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUHOSTBUFFERS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

struct TTTGPUHostBuffersPass
    : ttt::impl::TTTGPUHostBuffersBase<TTTGPUHostBuffersPass> {
  /// Frees `buffer` before every return of `func` that does not return it
  /// (a returned buffer belongs to the caller).
  static void freeAtReturns(func::FuncOp func, Value buffer) {
    func.walk([&](func::ReturnOp ret) {
      if (llvm::is_contained(ret.getOperands(), buffer))
        return;
      OpBuilder b(ret);
      gpu::DeallocOp::create(b, ret.getLoc(), /*asyncToken=*/Type(),
                             ValueRange(), buffer);
    });
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<Operation *> ops;
    func.walk([&](Operation *op) {
      if (isa<memref::AllocOp, memref::DeallocOp, memref::GetGlobalOp>(op) &&
          !op->getParentOfType<gpu::LaunchOp>())
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (isa<memref::DeallocOp>(op)) {
        op->erase(); // freed at the returns instead
        continue;
      }
      if (op->getParentOp() != func) {
        op->emitError("a device buffer of a GPU host function must be "
                      "allocated outside loops and branches");
        return signalPassFailure();
      }
      OpBuilder b(op);
      auto type = cast<MemRefType>(op->getResult(0).getType());
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto device = gpu::AllocOp::create(
            b, alloc.getLoc(), type, /*asyncToken=*/Type(), ValueRange(),
            alloc.getDynamicSizes(), alloc.getSymbolOperands(),
            /*hostShared=*/false);
        alloc.replaceAllUsesWith(device.getMemref());
        alloc.erase();
        freeAtReturns(func, device.getMemref());
        continue;
      }
      // A constant global (a RoPE table) read by kernels: a device copy.
      auto global = cast<memref::GetGlobalOp>(op);
      b.setInsertionPointAfter(global);
      auto device = gpu::AllocOp::create(b, global.getLoc(), type, Type(),
                                         ValueRange(), ValueRange(),
                                         ValueRange(), false);
      global.getResult().replaceAllUsesWith(device.getMemref());
      gpu::MemcpyOp::create(b, global.getLoc(), Type(), ValueRange(),
                            device.getMemref(), global.getResult());
      freeAtReturns(func, device.getMemref());
    }
  }
};

} // namespace
