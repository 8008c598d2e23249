//===- Distribute.cpp - Linalg ops over the threads of a block ------------===//
//
// One block computes one chain. Every linalg op of the kernel becomes a
// loop over its parallel iteration points that the block's threads share
// (point p on thread p mod threads), reduction dims sequential per point,
// and a barrier after it. Since every thread owns the output elements of
// its points, the points of one op are independent; the barriers order the
// ops.
//
// A reduction with few points and addf combiners (LayerNorm row sums: 16
// rows of 64) is split: up to 32 threads of a warp per point, each summing
// every s-th element, combined by gpu.shuffle xor (distributeSplit).
//
// With `mma` set, a contraction that fits the tensor cores (canUseMma:
// static m % 16, n % 8, k % 8, a product of one A-side and one B-side
// factor) runs as m16n8k8 tf32 mma tiles over the warps instead
// (MmaContraction.cpp); 3xtf32 keeps fp32 accuracy.
//
// With `row-warps`, elementwise ops and row reductions run with row r on
// warp r mod warps (RowWarps.cpp).
//
// A barrier goes only where the next op (in the same block, nothing with
// memory effects between) touches memory that an op since the last block
// barrier wrote, or writes what one read (MemoryFootprint.cpp: views of
// the dynamic shared memory at constant byte offsets compared by bytes,
// global arrays never aliasing workgroup memory nor, with distinct-args,
// one another); a warp barrier where all such meetings are on the same
// warps, none where on the same threads (slotsOf).
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "AsyncCopy.h"
#include "DistributeMapping.h"
#include "FastMath.h"
#include "KernelLoops.h"
#include "MemoryFootprint.h"
#include "MmaContraction.h"
#include "RegisterWeights.h"
#include "RowWarps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <limits>

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUDISTRIBUTE
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using ttt::Access;
using ttt::addCombined;
using ttt::Conflict;
using ttt::emitBody;
using ttt::forEachPoint;
using ttt::indicesAt;
using ttt::leadingBarrier;
using ttt::readAt;
using ttt::storeAt;

namespace mlir::ttt::distribution {

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
  llvm::SmallDenseSet<unsigned> par(plan.parallel.begin(), plan.parallel.end());
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
        SmallVector<Value> res = emitSequential(nb, nl, op, sizes, dims, k + 1,
                                                ivs, carried, iterArgs);
        scf::YieldOp::create(nb, nl, res);
      });
  return SmallVector<Value>(loop.getResults());
}

/// A reduction with few parallel points and a long reduction: `s` threads
/// (a power of two, within a warp) per point, each summing every s-th
/// element of the flattened reduction dims, then a butterfly of
/// gpu.shuffle xor; the first thread of the group adds the output's value
/// and stores. Only for addf combiners (addCombined) and static sizes.
/// Returns false (nothing emitted) where it does not apply.
/// The threads per point of a split reduction (distributeSplit), or 1.
int64_t splitWidth(linalg::GenericOp op, const Plan &plan, unsigned threads) {
  if (!plan.accumulate || plan.sequential.empty() || plan.parallel.empty() ||
      threads % 32 != 0)
    return 1;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t points = 1, red = 1;
  for (unsigned d : plan.parallel) {
    if (ShapedType::isDynamic(ranges[d]))
      return 1;
    points *= ranges[d];
  }
  for (unsigned d : plan.sequential) {
    if (ShapedType::isDynamic(ranges[d]))
      return 1;
    red *= ranges[d];
  }
  int64_t s = 1;
  while (s * 2 <= 32 && s * 2 * points <= threads && s * 2 <= red)
    s *= 2;
  if (s < 2 || !addCombined(op))
    return 1;
  return s;
}

bool distributeSplit(OpBuilder &b, linalg::GenericOp op, const Plan &plan,
                     Value tid, unsigned threads) {
  int64_t s = splitWidth(op, plan, threads);
  if (s < 2)
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t points = 1, red = 1;
  for (unsigned d : plan.parallel)
    points *= ranges[d];
  for (unsigned d : plan.sequential)
    red *= ranges[d];

  Location loc = op.getLoc();
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value sV = cst(s);
  Value lane = arith::RemUIOp::create(b, loc, tid, sV);
  Value group = arith::DivUIOp::create(b, loc, tid, sV);
  // Groups past the last point compute the last point again (every lane
  // of a warp takes part in the shuffles) and store nothing.
  Value point = arith::MinUIOp::create(b, loc, group, cst(points - 1));
  Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, group,
                                      cst(points));
  SmallVector<Value> sizes = ttt::loopSizes(b, loc, op);
  SmallVector<Value> ivs(op.getNumLoops());
  ttt::delinearize(b, loc, point, plan.parallel, sizes, ivs);
  SmallVector<Value> zeros;
  for (OpOperand &out : op.getDpsInitsMutable()) {
    Type t = op.getMatchingBlockArgument(&out).getType();
    zeros.push_back(arith::ConstantOp::create(b, loc, b.getZeroAttr(t)));
  }
  auto loop = scf::ForOp::create(
      b, loc, lane, cst(red), sV, zeros,
      [&](OpBuilder &nb, Location nl, Value r, ValueRange acc) {
        ttt::delinearize(nb, nl, r, plan.sequential, sizes, ivs);
        scf::YieldOp::create(nb, nl, emitBody(nb, nl, op, ivs, acc));
      });
  SmallVector<Value> sums(loop.getResults());
  ttt::butterflySum(b, loc, sums, s);
  Value first =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, cst(0));
  Value store = arith::AndIOp::create(b, loc, valid, first);
  auto ifOp = scf::IfOp::create(b, loc, store, /*withElseRegion=*/false);
  OpBuilder tb = ifOp.getThenBodyBuilder();
  SmallVector<Value> fin;
  for (auto [out, v] : llvm::zip(op.getDpsInitsMutable(), sums))
    fin.push_back(ttt::addToInitial(tb, loc, op, out, ivs, v));
  storeAt(tb, loc, op, ivs, fin);
  return true;
}

Access accessWith(linalg::GenericOp op, const Plan &plan,
                  const Mapping &mapping, Block *entry, bool distinctArgs) {
  bool rows = mapping.onRows(op, plan);
  bool threaded = plan.accumulate && !rows &&
                  splitWidth(op, plan, mapping.threads) < 2 &&
                  !mapping.onMma(op, plan);
  return ttt::accessOf(op, entry, plan.parallel, threaded, rows, distinctArgs);
}

bool followsDirectly(Operation *prev, Operation *op) {
  if (prev->getBlock() != op->getBlock() || !prev->isBeforeInBlock(op))
    return false;
  for (Operation *it = prev->getNextNode(); it != op; it = it->getNextNode())
    if (it->getNumRegions() != 0 || !isMemoryEffectFree(it))
      return false;
  return true;
}

/// The synchronization after each op (a block barrier where absent): op A
/// is followed in its block by op B with only ops free of memory effects
/// and regions between; B needs nothing where it is independent of every
/// op since the last block barrier, a warp barrier where it meets them
/// only on the same warps (row-warps), else a block barrier.
/// With `spreadMma` (or on ops marked ttt.spread_mma), tensor-core ops
/// between two block barriers take the warps in turn.
llvm::DenseMap<Operation *, Slot> slotsOf(ArrayRef<linalg::GenericOp> generics,
                                          Block *entry, const Mapping &mapping,
                                          bool distinctArgs) {
  llvm::DenseMap<Operation *, Slot> slots;
  Access group;
  linalg::GenericOp prev;
  int64_t warps = mapping.threads / 32, nextWarp = 0;
  for (linalg::GenericOp op : generics) {
    Plan plan = planFor(op);
    Access a = accessWith(op, plan, mapping, entry, distinctArgs);
    bool adjacent = prev && followsDirectly(prev, op);
    Conflict c = adjacent ? ttt::conflictAfter(group, a) : Conflict::Block;
    if (c == Conflict::Block) {
      group = std::move(a);
      nextWarp = 0;
    } else {
      slots[prev.getOperation()].after =
          c == Conflict::SameWarp ? Sync::Warp : Sync::None;
      group.reads.append(a.reads);
      group.writes.append(a.writes);
    }
    bool spread = mapping.spreads(op);
    if (spread && mapping.onMma(op, plan) && warps > 0) {
      slots[op.getOperation()].firstWarp = nextWarp;
      nextWarp = (nextWarp + ttt::mmaWarpTiles(op, mapping.threads,
                                               mapping.mmaColumnTiles)) %
                 warps;
    }
    prev = op;
  }
  return slots;
}

void emitSync(OpBuilder &b, Location loc, Sync sync) {
  if (sync == Sync::Block)
    gpu::BarrierOp::create(b, loc);
  if (sync == Sync::Warp)
    ttt::emitWarpSync(b, loc);
}

bool Mapping::movable(linalg::GenericOp op, const Plan &plan,
                      unsigned count) const {
  if ((registerOps && registerOps->contains(op)) || onMma(op, plan))
    return false;
  if (onRows(op, plan))
    return ttt::mapsRowsToWarps(op, plan.parallel, plan.sequential, count);
  return splitWidth(op, plan, threads) < 2 && splitWidth(op, plan, count) < 2;
}

/// Whether `p` holds pairs (output index, memref input operand number) of
/// `op` (ttt.init_from, ttt.init_plus).
static bool pairsOutputsWithInputs(linalg::GenericOp op, ArrayRef<int64_t> p) {
  bool valid = p.size() % 2 == 0;
  for (size_t i = 0; valid && i < p.size(); i += 2)
    valid = p[i] >= 0 && p[i] < op.getNumDpsInits() && p[i + 1] >= 0 &&
            p[i + 1] < op.getNumDpsInputs() &&
            isa<MemRefType>(op->getOperand(p[i + 1]).getType());
  return valid;
}

LogicalResult distribute(OpBuilder &b, linalg::GenericOp op, Value tid,
                         const Mapping &mapping, Slot slot) {
  Sync sync = slot.after;
  Location loc = op.getLoc();
  b.setInsertionPoint(op);
  Plan plan = planFor(op);
  unsigned threads = mapping.threads;
  // ttt-gpu-fold-zero-fills marks only ops that run point by point.
  if (!plan.accumulate && !ttt::zeroInitOutputs(op).empty())
    return op.emitError("ttt-gpu-distribute: ttt.zero_init on an op that "
                        "does not run point by point");
  if (auto pairs = op->getAttrOfType<DenseI64ArrayAttr>(ttt::kInitFromAttr)) {
    if (!plan.accumulate)
      return op.emitError("ttt-gpu-distribute: ttt.init_from on an op that "
                          "does not run point by point");
    if (!pairsOutputsWithInputs(op, pairs.asArrayRef()))
      return op.emitError("ttt-gpu-distribute: ttt.init_from must pair "
                          "output indices with memref input operands");
  }
  if (auto pairs = op->getAttrOfType<DenseI64ArrayAttr>(ttt::kInitPlusAttr)) {
    ArrayRef<int64_t> p = pairs.asArrayRef();
    bool valid = pairsOutputsWithInputs(op, p);
    for (size_t i = 0; valid && i < p.size(); i += 2) {
      valid = ttt::initInputOf(op, p[i]) != nullptr;
      for (size_t j = 0; valid && j < i; j += 2)
        valid = p[j] != p[i]; // one partial product an output
    }
    if (!valid)
      return op.emitError("ttt-gpu-distribute: ttt.init_plus must pair "
                          "outputs that start from a ttt.init_from input, "
                          "each once, with memref input operands");
  }
  if (auto pairs = op->getAttrOfType<DenseI64ArrayAttr>(ttt::kTF32LowAttr)) {
    ArrayRef<int64_t> p = pairs.asArrayRef();
    bool valid = p.size() % 2 == 0;
    for (size_t i = 0; valid && i < p.size(); i += 2)
      valid = p[i] >= 0 && p[i] < op.getNumDpsInputs() && p[i + 1] >= 0 &&
              p[i + 1] < op.getNumDpsInputs() &&
              isa<MemRefType>(op->getOperand(p[i]).getType()) &&
              isa<MemRefType>(op->getOperand(p[i + 1]).getType()) &&
              op.getMatchingIndexingMap(&op->getOpOperand(p[i])) ==
                  op.getMatchingIndexingMap(&op->getOpOperand(p[i + 1]));
    if (!valid)
      return op.emitError("ttt-gpu-distribute: ttt.tf32_low must pair memref "
                          "inputs read through the same indexing map");
  }
  if (mapping.registerOps)
    if (auto it = mapping.registerOps->find(op);
        it != mapping.registerOps->end()) {
      const ttt::RegisterUse &use = it->second;
      if (use.isUpdate)
        ttt::emitRegisterUpdate(b, op, tid, mapping.precision, use.cache,
                                mapping.pairAccesses);
      else
        ttt::emitRegisterProduct(b, op, tid, mapping.precision, use.cache,
                                 mapping.pairAccesses);
      emitSync(b, loc, sync);
      op.erase();
      return success();
    }
  if (mapping.onMma(op, plan)) {
    ttt::emitMmaContraction(b, op, tid, threads, mapping.precision,
                            slot.firstWarp, mapping.mmaKUnroll,
                            mapping.mmaKChains, mapping.pairAccesses,
                            mapping.mmaColumnTiles, mapping.ldmatrix);
    emitSync(b, loc, sync);
    op.erase();
    return success();
  }
  // slot.threadCount > 0: only threads from slot.firstThread on, as if
  // they were the block's (point i, or row i, on the i-th of them).
  Value first = tid;
  unsigned count = threads;
  scf::IfOp onThreads;
  if (slot.threadCount > 0) {
    Value from = arith::ConstantIndexOp::create(b, loc, slot.firstThread);
    onThreads = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, tid, from),
        /*withElseRegion=*/false);
    b.setInsertionPointToStart(onThreads.thenBlock());
    first = arith::SubIOp::create(b, loc, tid, from);
    count = slot.threadCount;
  }
  auto finish = [&] {
    if (onThreads)
      b.setInsertionPointAfter(onThreads);
    emitSync(b, loc, sync);
    op.erase();
    return success();
  };
  if (mapping.onRows(op, plan)) {
    // Its lanes wait for each other before storing only where it may read
    // what it writes (all shared buffers are views of one array: compared
    // by bytes).
    bool readsWrites = ttt::readsWhereItWrites(
        accessWith(op, plan, mapping, mapping.entry, mapping.distinctArgs));
    ttt::emitRowWarps(b, op, plan.parallel, plan.sequential, first, count,
                      readsWrites, mapping.pairAccesses, mapping.rowLanes);
    return finish();
  }
  // Split reductions use every thread (Mapping::movable keeps them).
  assert(slot.threadCount == 0 || splitWidth(op, plan, threads) < 2);
  if (distributeSplit(b, op, plan, tid, threads))
    return finish();
  SmallVector<Value> sizes = ttt::loopSizes(b, loc, op);
  // Folded as built: a constant where every parallel dim is static.
  Value total = ttt::productOf(b, loc, plan.parallel, sizes);
  forEachPoint(b, loc, first, total, count,
               [&](OpBuilder &nb, Location nl, Value linear) {
                 SmallVector<Value> ivs(op.getNumLoops());
                 // The last parallel dim varies fastest.
                 ttt::delinearize(nb, nl, linear, plan.parallel, sizes, ivs);
                 if (plan.accumulate) {
                   SmallVector<Value> init;
                   for (OpOperand &out : op.getDpsInitsMutable())
                     init.push_back(ttt::initialValue(nb, nl, op, out, ivs));
                   SmallVector<Value> fin = emitSequential(
                       nb, nl, op, sizes, plan.sequential, 0, ivs, true, init);
                   storeAt(nb, nl, op, ivs, fin);
                 } else {
                   emitSequential(nb, nl, op, sizes, plan.sequential, 0, ivs,
                                  false, {});
                 }
               });
  return finish();
}

/// A loop whose body starts with a block barrier needs none at its end
/// (the next iteration's orders the same accesses): that one moves after
/// the loop, for what follows it.
void moveLoopEndBarriers(gpu::GPUFuncOp kernel) {
  kernel.walk([](scf::ForOp loop) {
    Block *body = loop.getBody();
    Operation *first = leadingBarrier(*body);
    if (!first)
      return;
    Operation *last = body->getTerminator()->getPrevNode();
    while (last && isMemoryEffectFree(last) && !isa<gpu::BarrierOp>(last))
      last = last->getPrevNode();
    if (!last || !isa<gpu::BarrierOp>(last) || last == first)
      return;
    Operation *after = loop->getNextNode();
    if (!after || !isa<gpu::BarrierOp>(after))
      last->moveAfter(loop);
    else
      last->erase();
  });
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
    if (mmaKUnroll < 0 || mmaKUnroll > 64) {
      kernel.emitError("ttt-gpu-distribute: mma-k-unroll must be in [0, 64]");
      return signalPassFailure();
    }
    if (channelSlots != 1 && channelSlots != 2) {
      kernel.emitError("ttt-gpu-distribute: channel-slots must be 1 or 2");
      return signalPassFailure();
    }
    if (directChannels && channelSlots != 1) {
      kernel.emitError("ttt-gpu-distribute: direct-channels needs "
                       "channel-slots=1");
      return signalPassFailure();
    }
    if (rowLanes != 8 && rowLanes != 16 && rowLanes != 32) {
      kernel.emitError("ttt-gpu-distribute: row-lanes must be 8, 16 or 32");
      return signalPassFailure();
    }
    if (mmaKChains < 1 || mmaKChains > 8) {
      kernel.emitError("ttt-gpu-distribute: mma-k-chains must be in [1, 8]");
      return signalPassFailure();
    }
    if (outputMmaColumnTiles < 0 || outputMmaColumnTiles > 8) {
      kernel.emitError(
          "ttt-gpu-distribute: output-mma-column-tiles must be in [0, 8]");
      return signalPassFailure();
    }
    if (mmaColumnTiles < 1 || mmaColumnTiles > 8) {
      kernel.emitError(
          "ttt-gpu-distribute: mma-column-tiles must be in [1, 8]");
      return signalPassFailure();
    }
    std::optional<ttt::MmaPrecision> precision = ttt::parseMmaPrecision(mma);
    if (!precision) {
      kernel.emitError("ttt-gpu-distribute: mma must be none, tf32, "
                       "3xtf32 or bf16, not '")
          << mma << "'";
      return signalPassFailure();
    }
    IRRewriter rewriter(kernel.getContext());
    SmallVector<linalg::LinalgOp> ops;
    kernel.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    SmallVector<linalg::GenericOp> generics;
    SmallVector<linalg::CopyOp> asyncCopies;
    for (linalg::LinalgOp op : ops) {
      if (ttt::asyncCopyWidth(op) > 0) {
        auto copy = dyn_cast<linalg::CopyOp>(op.getOperation());
        if (!copy || !op.hasPureBufferSemantics()) {
          op.emitError("ttt-gpu-distribute: ttt.async_copy marks a "
                       "linalg.copy on buffers only");
          return signalPassFailure();
        }
        asyncCopies.push_back(copy);
        continue;
      }
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
      // generalizeNamedOp keeps no discardable attributes (the warp group
      // of a refill copy, ttt-gpu-output-warps) and erases the op: copied
      // first.
      SmallVector<NamedAttribute> attrs(op->getDiscardableAttrs());
      FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, op);
      if (failed(g)) {
        op.emitError("ttt-gpu-distribute: cannot generalize this op");
        return signalPassFailure();
      }
      for (NamedAttribute attr : attrs)
        if (!(*g)->hasAttr(attr.getName()))
          (*g)->setAttr(attr.getName(), attr.getValue());
      generics.push_back(*g);
    }
    // Only linalg ops may write memory: anything else would run on every
    // thread with no barrier.
    WalkResult writers = kernel.walk([&](Operation *op) {
      if (isa<linalg::GenericOp>(op) || ttt::asyncCopyWidth(op) > 0)
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
    Value tid = gpu::ThreadIdOp::create(b, kernel.getLoc(), gpu::Dimension::x)
                    .getResult();
    Mapping mapping{threads,    *precision, rowWarps,     spreadMmaWarps,
                    mmaKUnroll, mmaKChains, pairAccesses, mmaColumnTiles};
    mapping.outputMmaColumnTiles = outputMmaColumnTiles;
    mapping.ldmatrix = ldmatrix;
    mapping.rowLanes = rowLanes;
    mapping.channelSlots = channelSlots;
    mapping.directChannels = directChannels;
    mapping.fewerBlockBarriers = fewerBlockBarriers;
    mapping.groupSections = groupSections;
    mapping.offMmaWarps = offMmaWarps;
    mapping.entry = &entry;
    mapping.distinctArgs = distinctArgs;
    FailureOr<WarpGroups> groups = warpGroupsOf(kernel, threads);
    if (failed(groups))
      return signalPassFailure();
    llvm::DenseMap<Operation *, ttt::RegisterUse> registerOps;
    if (registerWeights) {
      // With cluster-groups each group has a whole block: as one group.
      registerOps =
          planRegisterWeights(kernel, b, generics, asyncCopies, tid, mapping,
                              clusterGroups ? WarpGroups() : *groups,
                              distinctArgs, registerWeightProducts);
      mapping.registerOps = &registerOps;
    }
    if (clusterGroups) {
      if (failed(distributeClusterGroups(kernel, b, generics, tid, mapping,
                                         groups->size(), distinctArgs)))
        return signalPassFailure();
    } else if (groups->size() > 0) {
      if (failed(distributeGroups(kernel, b, generics, tid, mapping, *groups,
                                  distinctArgs, elideBarriers)))
        return signalPassFailure();
    } else {
      for (linalg::GenericOp op : generics)
        if (op->hasAttr(ttt::kWarpGroupAttr)) {
          op.emitError("ttt-gpu-distribute: ttt.warp_group in a kernel "
                       "without ttt.output_threads");
          return signalPassFailure();
        }
      llvm::DenseMap<Operation *, Slot> slots;
      if (elideBarriers)
        slots =
            slotsOf(generics, &kernel.getBody().front(), mapping, distinctArgs);
      for (linalg::GenericOp op : generics)
        if (failed(distribute(b, op, tid, mapping,
                              slots.lookup(op.getOperation()))))
          return signalPassFailure();
    }
    // Ordered by the wait and barrier of their consumer, not by barriers
    // of their own (ttt-gpu-stage-inputs).
    // With copies-on-output-warps, the output group (the last threads)
    // issues them: it waits for the recurrence's first ops anyway.
    unsigned firstCopyThread = 0;
    if (auto attr = kernel->getAttrOfType<IntegerAttr>(ttt::kOutputThreadsAttr);
        attr && copiesOnOutputWarps && !clusterGroups)
      firstCopyThread = threads - attr.getInt();
    for (linalg::CopyOp copy : asyncCopies) {
      // cluster-groups: only on the blocks that read it.
      Value onlyIf;
      if (auto blocks = copy->getAttrOfType<DenseI64ArrayAttr>(
              ttt::kAsyncCopyBlocksAttr)) {
        b.setInsertionPoint(copy);
        Location loc = copy.getLoc();
        Value rank = gpu::ClusterBlockIdOp::create(b, loc, gpu::Dimension::y);
        onlyIf = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
        for (int64_t r : blocks.asArrayRef())
          onlyIf = arith::OrIOp::create(
              b, loc, onlyIf,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rank,
                                    arith::ConstantIndexOp::create(b, loc, r)));
      }
      if (failed(ttt::emitAsyncCopy(b, copy, tid, threads, firstCopyThread,
                                    onlyIf)))
        return signalPassFailure();
    }
    if (elideBarriers)
      moveLoopEndBarriers(kernel);
    kernel.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
        {static_cast<int32_t>(threads.getValue()), 1, 1}));
  }
};

} // namespace mlir::ttt::distribution
