//===- StageInvariants.cpp - Read-only arrays in shared memory -----------===//
//
// The LayerNorm's scale and shift are read by ops of every chunk step from
// global memory; on an H200 each such read sat inside the step's dependent
// chain for an L2 round trip (~250 cycles, bench/gpu/step_trace.py). They
// never change in a kernel, so one copy into shared memory before the
// chunk loop serves every step:
//
//   %s = memref.alloc() : memref<64xf32>      (shared: private-buffers)
//   linalg.copy ins(%gamma) outs(%s)
//   scf.for ... { linalg.generic ins(%s, ...) ... }
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "BufferRoot.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUSTAGEINVARIANTS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// Whether `use` only reads the memory of its memref operand (or only
/// views it: the view's own uses are checked where it is used).
bool onlyReads(OpOperand &use) {
  Operation *op = use.getOwner();
  if (isa<ViewLikeOpInterface, memref::LoadOp, vector::LoadOp, memref::DimOp,
          memref::ExtractStridedMetadataOp>(op))
    return true;
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
    return dps.isDpsInput(&use);
  return false;
}

/// The kernel arguments whose arrays something in `func` may write (any
/// use of a view of them that is not a known read counts).
llvm::SmallDenseSet<Value> writtenArguments(gpu::GPUFuncOp func) {
  llvm::SmallDenseSet<Value> written;
  func.walk([&](Operation *op) {
    for (OpOperand &use : op->getOpOperands())
      if (isa<MemRefType>(use.get().getType()) && !onlyReads(use))
        if (auto arg = dyn_cast<BlockArgument>(ttt::rootOf(use.get())))
          written.insert(arg);
  });
  return written;
}

/// Whether `v` may be staged: a static array of at most `maxBytes` bytes
/// in global memory, a view of a kernel argument nothing writes, defined
/// before `loop`.
bool stageable(Value v, scf::ForOp loop, Block &entry,
               const llvm::SmallDenseSet<Value> &written, int64_t maxBytes) {
  auto type = dyn_cast<MemRefType>(v.getType());
  if (!type || !type.hasStaticShape() || type.getMemorySpace() ||
      !type.getElementType().isIntOrFloat() ||
      type.getNumElements() * type.getElementTypeBitWidth() / 8 > maxBytes)
    return false;
  if (loop->isAncestor(v.getParentRegion()->getParentOp()))
    return false;
  auto arg = dyn_cast<BlockArgument>(ttt::rootOf(v));
  return arg && arg.getOwner() == &entry && !written.contains(arg);
}

struct TTTGPUStageInvariantsPass
    : ttt::impl::TTTGPUStageInvariantsBase<TTTGPUStageInvariantsPass> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUFuncOp func = getOperation();
    if (func.getBody().empty())
      return;
    Block &entry = func.getBody().front();
    llvm::SmallDenseSet<Value> written = writtenArguments(func);
    SmallVector<scf::ForOp> loops;
    func.walk([&](scf::ForOp loop) {
      if (!loop->getParentOfType<scf::ForOp>())
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops) {
      // The loop's linalg reads of each stageable array, in program order.
      llvm::MapVector<Value, SmallVector<OpOperand *>> reads;
      loop.walk([&](linalg::LinalgOp op) {
        for (OpOperand *in : op.getDpsInputOperands())
          if (stageable(in->get(), loop, entry, written, maxBytes))
            reads[in->get()].push_back(in);
      });
      OpBuilder b(loop);
      for (auto &[array, uses] : reads) {
        auto type = cast<MemRefType>(array.getType());
        Value copy = memref::AllocOp::create(
            b, loop.getLoc(),
            MemRefType::get(type.getShape(), type.getElementType()),
            b.getI64IntegerAttr(16));
        linalg::CopyOp::create(b, loop.getLoc(), array, copy);
        for (OpOperand *use : uses)
          use->set(copy);
      }
    }
  }
};

} // namespace
