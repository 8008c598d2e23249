//===- HostBuffers.cpp - A GPU host function's buffers in device memory ---===//
//
// The host function only sequences kernels; every buffer it allocates is
// read and written by them, so it lives on the device.
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
  static bool isDeviceData(MemRefType type) {
    Type elt = type.getElementType();
    return !elt.isIndex() && !elt.isInteger(1);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<Operation *> allocs, deallocs, globals;
    func.walk([&](Operation *op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      // Index and i1 buffers are the deallocation pipeline's host-side
      // bookkeeping (pointers, ownership flags), never kernel data.
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        if (isDeviceData(alloc.getType()))
          allocs.push_back(op);
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        if (isDeviceData(cast<MemRefType>(dealloc.getMemref().getType())))
          deallocs.push_back(op);
      }
      else if (isa<memref::GetGlobalOp>(op))
        globals.push_back(op);
    });
    for (Operation *op : allocs) {
      auto alloc = cast<memref::AllocOp>(op);
      OpBuilder b(alloc);
      auto device = gpu::AllocOp::create(
          b, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), /*hostShared=*/false);
      alloc.replaceAllUsesWith(device.getMemref());
      alloc.erase();
    }
    for (Operation *op : deallocs) {
      OpBuilder b(op);
      gpu::DeallocOp::create(b, op->getLoc(), /*asyncToken=*/Type(),
                             ValueRange(), op->getOperand(0));
      op->erase();
    }
    for (Operation *op : globals) {
      auto global = cast<memref::GetGlobalOp>(op);
      OpBuilder b(global);
      b.setInsertionPointAfter(global);
      auto device = gpu::AllocOp::create(
          b, global.getLoc(), global.getType(), Type(), ValueRange(),
          ValueRange(), ValueRange(), /*hostShared=*/false);
      global.getResult().replaceAllUsesWith(device.getMemref());
      gpu::MemcpyOp::create(b, global.getLoc(), Type(), ValueRange(),
                            device.getMemref(), global.getResult());
      // Freed before every return of the function (device buffers of
      // constants are small: RoPE tables).
      func.walk([&](func::ReturnOp ret) {
        if (!device->getBlock()->getParent()->isAncestor(ret->getParentRegion()))
          return;
        OpBuilder rb(ret);
        gpu::DeallocOp::create(rb, ret.getLoc(), Type(), ValueRange(),
                               device.getMemref());
      });
    }
  }
};

} // namespace
