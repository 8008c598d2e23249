//===- AsyncCopy.cpp - Marked copies as cp.async over a block -------------===//

#include "AsyncCopy.h"
#include "KernelLoops.h"
#include "LinalgViews.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

int64_t mlir::ttt::asyncCopyWidth(Operation *op) {
  auto attr = op->getAttrOfType<IntegerAttr>("ttt.async_copy");
  return attr ? attr.getInt() : 0;
}

namespace {

bool isWorkgroup(BaseMemRefType type) {
  auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(type.getMemorySpace());
  return space && space.getValue() == gpu::AddressSpace::Workgroup;
}

} // namespace

Value mlir::ttt::workgroupView(OpBuilder &b, Location loc, Value v) {
  if (isWorkgroup(cast<MemRefType>(v.getType())))
    return v;
  if (auto spaceCast = v.getDefiningOp<memref::MemorySpaceCastOp>())
    return isWorkgroup(spaceCast.getSource().getType()) ? spaceCast.getSource()
                                                        : Value();
  auto sub = v.getDefiningOp<memref::SubViewOp>();
  if (!sub)
    return Value();
  Value source = workgroupView(b, loc, sub.getSource());
  return source ? ttt::subviewOver(b, sub, source) : Value();
}

LogicalResult mlir::ttt::emitAsyncCopy(OpBuilder &b, linalg::CopyOp copy,
                                       Value tid, unsigned threads,
                                       unsigned firstThread, Value onlyIf) {
  Location loc = copy.getLoc();
  int64_t width = asyncCopyWidth(copy);
  Value src = copy.getDpsInputOperand(0)->get();
  Value dst = copy.getDpsInitOperand(0)->get();
  auto type = cast<MemRefType>(src.getType());
  int64_t bits = type.getElementTypeBitWidth();
  int64_t copyBytes = width * bits / 8;
  if (!type.hasStaticShape() || type.getRank() < 1 ||
      (bits != 32 && bits != 16) ||
      (copyBytes != 4 && copyBytes != 8 && copyBytes != 16) ||
      type.getShape().back() % width != 0)
    return copy.emitError("ttt-gpu-distribute: an async copy needs a static "
                          "shape of 16- or 32-bit elements and a width of "
                          "4, 8 or 16 bytes dividing its rows");
  b.setInsertionPoint(copy);
  Value dstWG = workgroupView(b, loc, dst);
  if (!dstWG)
    return copy.emitError("ttt-gpu-distribute: an async copy must write "
                          "workgroup memory");
  ArrayRef<int64_t> shape = type.getShape();
  int64_t chunks = type.getNumElements() / width;
  auto cst = [&](OpBuilder &nb, int64_t v) {
    return arith::ConstantIndexOp::create(nb, loc, v).getResult();
  };
  auto token = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  scf::IfOp guard;
  if (onlyIf) {
    guard = scf::IfOp::create(b, loc, onlyIf, /*withElseRegion=*/false);
    b.setInsertionPoint(guard.thenBlock()->getTerminator());
  }
  // Point 0 on thread firstThread.
  Value start = rotatedIndex(b, loc, tid, firstThread, threads);
  forEachPoint(
      b, loc, start, cst(b, chunks), threads,
      [&](OpBuilder &nb, Location nl, Value linear) {
        // The last dim varies fastest, in chunks of `width`.
        SmallVector<Value> idx(shape.size());
        int64_t last = shape.size() - 1;
        Value rest = linear;
        for (int64_t d = last; d >= 0; --d) {
          int64_t n = d == last ? shape[d] / width : shape[d];
          Value i =
              d == 0 ? rest : arith::RemUIOp::create(nb, nl, rest, cst(nb, n));
          if (d > 0)
            rest = arith::DivUIOp::create(nb, nl, rest, cst(nb, n));
          idx[d] =
              d == last
                  ? arith::MulIOp::create(nb, nl, i, cst(nb, width)).getResult()
                  : i;
        }
        nvgpu::DeviceAsyncCopyOp::create(
            nb, nl, token, dstWG, idx, src, idx, nb.getIndexAttr(width),
            /*srcElements=*/Value(),
            copyBytes == 16 ? nb.getUnitAttr() : UnitAttr());
      });
  if (guard)
    b.setInsertionPointAfter(guard);
  NVVM::CpAsyncCommitGroupOp::create(b, loc);
  copy.erase();
  return success();
}
