//===- Distribute.cpp - Linalg ops over the threads of a block ------------===//
//
// One block computes one chain. Every linalg op of the kernel becomes a
// loop over its parallel iteration points that the block's threads share
// (point p on thread p mod threads), reduction dims sequential per point,
// and a barrier after it. Since every thread owns the output elements of
// its points, the points of one op are independent; the barriers order the
// ops.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUDISTRIBUTE
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// The buffer a view is made from: an allocation (or its slot, whose
/// memory_space_cast stands for it), a kernel argument's array.
Value allocationOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<memref::MemorySpaceCastOp, memref::ViewOp, memref::AllocOp,
            memref::AllocaOp>(def))
      return v;
    if (auto rc = dyn_cast<memref::ReinterpretCastOp>(def)) {
      // A kernel argument's array is rebuilt from its bare pointer.
      if (isa<BlockArgument>(rc.getSource()))
        return v;
    }
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return v;
    v = view.getViewSource();
  }
  return v;
}

struct Plan {
  SmallVector<unsigned> parallel;   // distributed dims, loop order
  SmallVector<unsigned> sequential; // per point, loop order
  bool accumulate = false;          // outputs carried through `sequential`
};

Plan planFor(linalg::GenericOp op) {
  Plan plan;
  unsigned n = op.getNumLoops();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (unsigned d = 0; d < n; ++d)
    (linalg::isParallelIterator(iters[d]) ? plan.parallel : plan.sequential)
        .push_back(d);
  auto serial = [&]() {
    Plan p;
    for (unsigned d = 0; d < n; ++d)
      p.sequential.push_back(d);
    return p;
  };
  if (plan.parallel.empty())
    return serial();
  llvm::SmallDenseSet<unsigned> par(plan.parallel.begin(),
                                    plan.parallel.end());
  for (OpOperand &out : op.getDpsInitsMutable()) {
    AffineMap map = op.getMatchingIndexingMap(&out);
    llvm::SmallDenseSet<unsigned> seen;
    for (AffineExpr e : map.getResults()) {
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim || !par.contains(dim.getPosition()))
        return serial();
      seen.insert(dim.getPosition());
    }
    if (seen.size() != par.size())
      return serial();
  }
  for (OpOperand *in : op.getDpsInputOperands()) {
    if (!isa<MemRefType>(in->get().getType()))
      continue;
    Value inAlloc = allocationOf(in->get());
    for (OpOperand &out : op.getDpsInitsMutable()) {
      if (allocationOf(out.get()) != inAlloc)
        continue;
      // The same elements, read and written at the same point only.
      if (!plan.sequential.empty() || in->get() != out.get() ||
          op.getMatchingIndexingMap(in) != op.getMatchingIndexingMap(&out))
        return serial();
    }
  }
  plan.accumulate = true;
  return plan;
}

/// The indices of `map` at the point `ivs`.
SmallVector<Value> indicesAt(OpBuilder &b, Location loc, AffineMap map,
                             ArrayRef<Value> ivs) {
  SmallVector<Value> idx;
  for (AffineExpr e : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(e)) {
      idx.push_back(ivs[dim.getPosition()]);
      continue;
    }
    if (auto c = dyn_cast<AffineConstantExpr>(e)) {
      idx.push_back(arith::ConstantIndexOp::create(b, loc, c.getValue()));
      continue;
    }
    idx.push_back(affine::AffineApplyOp::create(
        b, loc, AffineMap::get(map.getNumDims(), 0, e), ivs));
  }
  return idx;
}

Value readAt(OpBuilder &b, Location loc, linalg::GenericOp op, OpOperand &o,
             ArrayRef<Value> ivs) {
  if (!isa<MemRefType>(o.get().getType()))
    return o.get();
  return memref::LoadOp::create(
      b, loc, o.get(),
      indicesAt(b, loc, op.getMatchingIndexingMap(&o), ivs));
}

/// The body of `op` at point `ivs` with the given output values; returns the
/// values it yields.
SmallVector<Value> emitBody(OpBuilder &b, Location loc, linalg::GenericOp op,
                            ArrayRef<Value> ivs, ValueRange outs) {
  Block *body = op.getBody();
  IRMapping map;
  unsigned numIns = op.getNumDpsInputs();
  for (unsigned i = 0; i < numIns; ++i)
    map.map(body->getArgument(i),
            readAt(b, loc, op, *op.getDpsInputOperand(i), ivs));
  for (auto [i, v] : llvm::enumerate(outs))
    map.map(body->getArgument(numIns + i), v);
  for (Operation &inner : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      map.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(inner, map);
  }
  SmallVector<Value> results;
  for (Value v : body->getTerminator()->getOperands())
    results.push_back(map.lookupOrDefault(v));
  return results;
}

void storeAt(OpBuilder &b, Location loc, linalg::GenericOp op,
             ArrayRef<Value> ivs, ValueRange values) {
  for (auto [out, v] : llvm::zip(op.getDpsInitsMutable(), values))
    memref::StoreOp::create(
        b, loc, v, out.get(),
        indicesAt(b, loc, op.getMatchingIndexingMap(&out), ivs));
}

/// Sequential loops over `dims[k..]` at the point `ivs`; with `carried`
/// the output values are their iter_args, else each point loads and stores
/// them. Returns the final output values (carried) or nothing.
SmallVector<Value> emitSequential(OpBuilder &b, Location loc,
                                  linalg::GenericOp op, ArrayRef<Value> sizes,
                                  ArrayRef<unsigned> dims, unsigned k,
                                  SmallVector<Value> &ivs, bool carried,
                                  ValueRange outs) {
  if (k == dims.size()) {
    if (carried)
      return emitBody(b, loc, op, ivs, outs);
    SmallVector<Value> current;
    for (OpOperand &out : op.getDpsInitsMutable())
      current.push_back(readAt(b, loc, op, out, ivs));
    SmallVector<Value> next = emitBody(b, loc, op, ivs, current);
    storeAt(b, loc, op, ivs, next);
    return {};
  }
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, zero, sizes[dims[k]], one,
      carried ? ValueRange(outs) : ValueRange{},
      [&](OpBuilder &nb, Location nl, Value iv, ValueRange iterArgs) {
        ivs[dims[k]] = iv;
        SmallVector<Value> res = emitSequential(nb, nl, op, sizes, dims,
                                                k + 1, ivs, carried, iterArgs);
        scf::YieldOp::create(nb, nl, res);
      });
  return SmallVector<Value>(loop.getResults());
}

void distribute(OpBuilder &b, linalg::GenericOp op, Value tid,
                unsigned threads) {
  Location loc = op.getLoc();
  b.setInsertionPoint(op);
  Plan plan = planFor(op);
  SmallVector<Value> sizes;
  for (Range r : cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (unsigned d : plan.parallel)
    total = arith::MulIOp::create(b, loc, total, sizes[d]);
  Value step = arith::ConstantIndexOp::create(b, loc, threads);
  scf::ForOp::create(
      b, loc, tid, total, step, ValueRange{},
      [&](OpBuilder &nb, Location nl, Value linear, ValueRange) {
        SmallVector<Value> ivs(op.getNumLoops());
        // The last parallel dim varies fastest.
        Value rest = linear;
        for (unsigned k = plan.parallel.size(); k-- > 0;) {
          unsigned d = plan.parallel[k];
          if (k == 0) {
            ivs[d] = rest;
            break;
          }
          ivs[d] = arith::RemUIOp::create(nb, nl, rest, sizes[d]);
          rest = arith::DivUIOp::create(nb, nl, rest, sizes[d]);
        }
        if (plan.accumulate) {
          SmallVector<Value> init;
          for (OpOperand &out : op.getDpsInitsMutable())
            init.push_back(readAt(nb, nl, op, out, ivs));
          SmallVector<Value> fin = emitSequential(
              nb, nl, op, sizes, plan.sequential, 0, ivs, true, init);
          storeAt(nb, nl, op, ivs, fin);
        } else {
          emitSequential(nb, nl, op, sizes, plan.sequential, 0, ivs, false,
                         {});
        }
        scf::YieldOp::create(nb, nl);
      });
  gpu::BarrierOp::create(b, loc);
  op.erase();
}

struct TTTGPUDistributePass
    : ttt::impl::TTTGPUDistributeBase<TTTGPUDistributePass> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUFuncOp kernel = getOperation();
    if (!kernel.isKernel())
      return;
    if (threads < 1 || threads > 1024) {
      kernel.emitError("ttt-gpu-distribute: threads must be in [1, 1024]");
      return signalPassFailure();
    }
    IRRewriter rewriter(kernel.getContext());
    SmallVector<linalg::LinalgOp> ops;
    kernel.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    SmallVector<linalg::GenericOp> generics;
    for (linalg::LinalgOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op.emitError("ttt-gpu-distribute: linalg op on tensors (bufferize "
                     "first)");
        return signalPassFailure();
      }
      if (auto g = dyn_cast<linalg::GenericOp>(op.getOperation())) {
        generics.push_back(g);
        continue;
      }
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, op);
      if (failed(g)) {
        op.emitError("ttt-gpu-distribute: cannot generalize this op");
        return signalPassFailure();
      }
      generics.push_back(*g);
    }
    // Only linalg ops may write memory: anything else would run on every
    // thread with no barrier.
    WalkResult writers = kernel.walk([&](Operation *op) {
      if (isa<linalg::GenericOp>(op))
        return WalkResult::skip();
      auto effects = dyn_cast<MemoryEffectOpInterface>(op);
      if (effects && effects.hasEffect<MemoryEffects::Write>() &&
          !isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp>(op)) {
        op->emitError("ttt-gpu-distribute: a write to memory outside a "
                      "linalg op");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (writers.wasInterrupted())
      return signalPassFailure();

    Block &entry = kernel.getBody().front();
    OpBuilder b(&entry, entry.begin());
    Value tid =
        gpu::ThreadIdOp::create(b, kernel.getLoc(), gpu::Dimension::x)
            .getResult();
    for (linalg::GenericOp op : generics)
      distribute(b, op, tid, threads);
    kernel.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
        {static_cast<int32_t>(threads.getValue()), 1, 1}));
  }
};

} // namespace
