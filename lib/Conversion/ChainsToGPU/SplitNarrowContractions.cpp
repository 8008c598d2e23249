//===- SplitNarrowContractions.cpp - Few tiles, long k: split by k --------===//
//
// A contraction with few output tiles and a long reduction (the lookahead
// correction's coefficients K_t (e K_{t-1})^T, 16 x 16 x 64: two tiles)
// runs on as many warps as it has tiles, each a chain of k-steps, while
// the block's other warps wait at the next barrier. Split by k into
// partial products on the idle warps, it takes a few k-steps; its one
// elementwise reader adds the partial sums, after the barrier it needs
// anyway.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "BufferRoot.h"
#include "ContractionSides.h"
#include "KernelLoops.h"
#include "LinalgViews.h"
#include "LinearBodies.h"
#include "MmaContraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUSPLITNARROWCONTRACTIONS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// The ops of `kernel` other than views that take a view of `root`.
SmallVector<Operation *> usersOfRoot(gpu::GPUFuncOp kernel, Value root) {
  SmallVector<Operation *> users;
  kernel.walk([&](Operation *op) {
    if (isa<ViewLikeOpInterface>(op))
      return;
    if (llvm::any_of(op->getOperands(), [&](Value v) {
          return isa<MemRefType>(v.getType()) && ttt::rootOf(v) == root;
        }))
      users.push_back(op);
  });
  return users;
}

/// The one reader of `op`'s output `out` that the partial sums can go to:
/// an elementwise op after `op` in its block, in its warp group, reading
/// `out` itself as one input and no other view of it, where no other op
/// of the kernel touches `out`'s buffer.
linalg::GenericOp elementwiseReader(gpu::GPUFuncOp kernel, linalg::GenericOp op,
                                    Value out) {
  Value root = ttt::rootOf(out);
  if (!root.getDefiningOp<memref::AllocOp>())
    return {};
  SmallVector<Operation *> users = usersOfRoot(kernel, root);
  if (users.size() != 2 || users[0] != op.getOperation())
    return {};
  auto reader = dyn_cast<linalg::GenericOp>(users[1]);
  if (!reader || reader->getBlock() != op->getBlock() ||
      reader.getNumParallelLoops() != reader.getNumLoops() ||
      reader->getAttr(ttt::kWarpGroupAttr) != op->getAttr(ttt::kWarpGroupAttr))
    return {};
  int64_t reads = 0;
  for (OpOperand *in : reader.getDpsInputOperands())
    reads += ttt::rootOf(in->get()) == root ? (in->get() == out ? 1 : 2) : 0;
  bool written = llvm::any_of(reader.getDpsInits(),
                              [&](Value v) { return ttt::rootOf(v) == root; });
  return reads == 1 && !written ? reader : linalg::GenericOp();
}

/// Adds `partials` (read like `out`) to `reader`'s input `out`: one more
/// input each, summed into the value its body used.
void addPartials(linalg::GenericOp reader, Value out, ValueRange partials) {
  OpOperand *read = nullptr;
  for (OpOperand *in : reader.getDpsInputOperands())
    if (in->get() == out)
      read = in;
  AffineMap map = reader.getMatchingIndexingMap(read);
  BlockArgument whole = reader.getMatchingBlockArgument(read);
  SmallVector<AffineMap> maps = reader.getIndexingMapsArray();
  Block *body = reader.getBody();
  OpBuilder b(reader.getContext());
  b.setInsertionPointToStart(body);
  Value sum = whole;
  SmallPtrSet<Operation *, 4> adds;
  for (Value partial : partials) {
    unsigned at = reader.getNumDpsInputs();
    maps.insert(maps.begin() + at, map);
    reader.getInputsMutable().append(partial);
    BlockArgument arg = body->insertArgument(
        at, cast<MemRefType>(partial.getType()).getElementType(),
        reader.getLoc());
    auto add = arith::AddFOp::create(b, reader.getLoc(), sum, arg);
    adds.insert(add);
    sum = add;
  }
  reader.setIndexingMapsAttr(b.getAffineMapArrayAttr(maps));
  whole.replaceAllUsesExcept(sum, adds);
}

struct TTTGPUSplitNarrowContractionsPass
    : ttt::impl::TTTGPUSplitNarrowContractionsBase<
          TTTGPUSplitNarrowContractionsPass> {
  using Base::Base;

  /// The parts to split `op` into (at least 2), or 0.
  int64_t partsOf(linalg::GenericOp op, ttt::MmaPrecision precision) {
    using namespace ttt::contraction;
    if (!ttt::canUseMma(op, threads, precision))
      return 0;
    Dims dims = *dimsOf(op);
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t tiles = ranges[dims.m] / 16 * (ranges[dims.n] / 8);
    int64_t k = ranges[dims.k];
    int64_t kStep = precision == ttt::MmaPrecision::BF16 ? 16 : 8;
    int64_t minK = std::max<int64_t>(minPartK, kStep);
    int64_t parts = 1;
    while (tiles * parts * 2 <= static_cast<int64_t>(threads / 32) &&
           k % (parts * 2 * minK) == 0)
      parts *= 2;
    return parts >= 2 ? parts : 0;
  }

  void runOnOperation() override {
    gpu::GPUFuncOp kernel = getOperation();
    std::optional<ttt::MmaPrecision> precision = ttt::parseMmaPrecision(mma);
    if (!precision) {
      kernel.emitError("ttt-gpu-split-narrow-contractions: unknown mma '")
          << mma << "'";
      return signalPassFailure();
    }
    if (*precision == ttt::MmaPrecision::None)
      return;
    SmallVector<linalg::GenericOp> ops;
    kernel.walk([&](linalg::GenericOp op) {
      if (isa_and_nonnull<scf::ForOp>(op->getParentOp()) &&
          op.hasPureBufferSemantics() && op.getNumDpsInits() == 1)
        ops.push_back(op);
    });
    for (linalg::GenericOp op : ops) {
      // (partsOf accepts contractions only: dimsOf is then set.)
      int64_t parts = partsOf(op, *precision);
      if (parts == 0)
        continue;
      Value out = op.getDpsInits()[0];
      auto type = cast<MemRefType>(out.getType());
      unsigned k = ttt::contraction::dimsOf(op)->k;
      // Partial sums from zero, each its own output (static, plain).
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
          !ttt::addCombinedOutput(op, 0) ||
          !llvm::is_contained(ttt::zeroInitOutputs(op), 0) ||
          ttt::initInputOf(op, 0) || ttt::initPlusOf(op, 0) ||
          ttt::linear_bodies::readsIndex(op, k))
        continue;
      linalg::GenericOp reader = elementwiseReader(kernel, op, out);
      if (!reader)
        continue;
      int64_t size = op.getStaticLoopRanges()[k] / parts;
      OpBuilder b(op);
      OpBuilder beforeLoop(op->getParentOp());
      SmallVector<Value> partials;
      for (int64_t p = 0; p < parts; ++p) {
        linalg::GenericOp part = ttt::cloneSlicedAlong(b, op, k, p * size, size,
                                                       /*cutOutputs=*/false);
        part->setAttr(ttt::kSpreadMmaAttr, b.getUnitAttr());
        if (p == 0)
          continue;
        Value partial = memref::AllocOp::create(
            beforeLoop, op.getLoc(), type, beforeLoop.getI64IntegerAttr(64));
        part.getDpsInitOperand(0)->set(partial);
        partials.push_back(partial);
      }
      op.erase();
      addPartials(reader, out, partials);
    }
  }
};

} // namespace
