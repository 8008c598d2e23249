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
#include "FastMath.h"
#include "KernelLoops.h"
#include "MemoryFootprint.h"
#include "MmaContraction.h"
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

/// How the pass maps ops: threads per block, tensor cores, row-warps.
struct Mapping {
  unsigned threads;
  ttt::MmaPrecision precision;
  bool rowWarps;
  bool spreadMma;
  int64_t mmaKUnroll;
  int64_t mmaKChains;
  bool pairAccesses;

  /// Whether `op` runs as tensor-core tiles (its points are then spread
  /// over the warps' lanes, not one per thread).
  bool onMma(linalg::GenericOp op, const Plan &plan) const {
    return precision != ttt::MmaPrecision::None && plan.accumulate &&
           plan.sequential.size() == 1 &&
           ttt::canUseMma(op, threads, precision);
  }
  /// Whether `op` runs in the row-warps mapping (RowWarps.h).
  bool onRows(linalg::GenericOp op, const Plan &plan) const {
    return rowWarps && plan.accumulate && !onMma(op, plan) &&
           ttt::mapsRowsToWarps(op, plan.parallel, plan.sequential, threads);
  }
};

/// What follows an op: nothing, a warp barrier, or a block barrier.
enum class Sync { None, Warp, Block };

/// How an op runs among its neighbours: the synchronization after it, and
/// for tensor-core ops the warp of its first tile.
struct Slot {
  Sync after = Sync::Block;
  int64_t firstWarp = 0;
};

/// The synchronization after each op (a block barrier where absent): op A
/// is followed in its block by op B with only ops free of memory effects
/// and regions between; B needs nothing where it is independent of every
/// op since the last block barrier, a warp barrier where it meets them
/// only on the same warps (row-warps), else a block barrier.
/// With `spreadMma`, tensor-core ops between two block barriers take the
/// warps in turn.
llvm::DenseMap<Operation *, Slot> slotsOf(ArrayRef<linalg::GenericOp> generics,
                                          Block *entry, const Mapping &mapping,
                                          bool distinctArgs) {
  llvm::DenseMap<Operation *, Slot> slots;
  Access group;
  linalg::GenericOp prev;
  int64_t warps = mapping.threads / 32, nextWarp = 0;
  for (linalg::GenericOp op : generics) {
    Plan plan = planFor(op);
    bool rows = mapping.onRows(op, plan);
    bool threaded = plan.accumulate && !rows &&
                    splitWidth(op, plan, mapping.threads) < 2 &&
                    !mapping.onMma(op, plan);
    Access a =
        ttt::accessOf(op, entry, plan.parallel, threaded, rows, distinctArgs);
    bool adjacent = false;
    if (prev && prev->getBlock() == op->getBlock() &&
        prev->isBeforeInBlock(op)) {
      adjacent = true;
      for (Operation *it = prev->getNextNode(); it != op.getOperation();
           it = it->getNextNode())
        if (it->getNumRegions() != 0 || !isMemoryEffectFree(it)) {
          adjacent = false;
          break;
        }
    }
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
    if (mapping.spreadMma && mapping.onMma(op, plan) && warps > 0) {
      slots[op.getOperation()].firstWarp = nextWarp;
      nextWarp = (nextWarp + ttt::mmaWarpTiles(op, mapping.threads)) % warps;
    }
    prev = op;
  }
  return slots;
}

/// With ttt-gpu-output-warps' two warp groups: what an op's group does
/// before it (a warp barrier, a barrier of its group, or waiting at a
/// named barrier for the other group's arrival), what it announces after
/// it (arrivals at named barriers the other group waits at), and whether
/// a block barrier follows it (both groups).
struct GroupSync {
  enum Kind { Warp, Group, Cross } kind;
  int64_t id = 0, count = 0;
};
struct GroupSlot {
  SmallVector<GroupSync> before;
  SmallVector<std::pair<int64_t, int64_t>> arrivesAfter; // id, count
  bool blockAfter = true;
  int64_t firstWarp = 0;
};

/// Named barrier ids: 0 is the block's; 1 and 2 the two groups'; the rest
/// one per meeting of the groups between two block barriers.
constexpr int64_t kFirstCrossBarrier = 3, kLastBarrier = 15;

/// The warp group of `op` (ttt.warp_group), or -1 where the mark is bad.
int64_t groupOf(linalg::GenericOp op) {
  auto attr = op->getAttrOfType<IntegerAttr>(ttt::kWarpGroupAttr);
  if (!attr)
    return 0;
  int64_t g = attr.getInt();
  return g == 0 || g == 1 ? g : -1;
}

/// slotsOf for two warp groups: within a group as there (its own barrier
/// instead of the block's); where an op meets what the other group did
/// since they last met (any shared byte, one of them writing), that group
/// arrives at a fresh named barrier after the last op it met and this
/// op's group waits there first. Every wait is for an arrival earlier in
/// program order, so neither group can wait for the other forever. Out of
/// named barriers, or where ops are not adjacent, a block barrier.
llvm::DenseMap<Operation *, GroupSlot>
groupSlotsOf(ArrayRef<linalg::GenericOp> generics, Block *entry,
             const Mapping (&mappings)[2], bool distinctArgs) {
  llvm::DenseMap<Operation *, GroupSlot> slots;
  int64_t total = mappings[0].threads + mappings[1].threads;
  // pending[g]: g's ops (and what they touch) that the other group has
  // not waited for since.
  Access own[2];
  std::vector<std::pair<Operation *, Access>> pending[2];
  int64_t nextWarp[2] = {0, 0};
  int64_t nextId = kFirstCrossBarrier;
  auto reset = [&]() {
    for (int g = 0; g < 2; ++g) {
      own[g] = {};
      pending[g].clear();
      nextWarp[g] = 0;
    }
    nextId = kFirstCrossBarrier;
  };
  linalg::GenericOp prev;
  for (linalg::GenericOp op : generics) {
    int64_t g = groupOf(op), h = 1 - g;
    const Mapping &mapping = mappings[g];
    Plan plan = planFor(op);
    bool rows = mapping.onRows(op, plan);
    bool threaded = plan.accumulate && !rows &&
                    splitWidth(op, plan, mapping.threads) < 2 &&
                    !mapping.onMma(op, plan);
    Access a =
        ttt::accessOf(op, entry, plan.parallel, threaded, rows, distinctArgs);
    Access anywhere =
        ttt::accessOf(op, entry, plan.parallel, false, false, distinctArgs);
    GroupSlot &slot = slots[op.getOperation()];
    bool adjacent = false;
    if (prev && prev->getBlock() == op->getBlock() &&
        prev->isBeforeInBlock(op)) {
      adjacent = true;
      for (Operation *it = prev->getNextNode(); it != op.getOperation();
           it = it->getNextNode())
        if (it->getNumRegions() != 0 || !isMemoryEffectFree(it)) {
          adjacent = false;
          break;
        }
    }
    // The last op of the other group this one meets.
    int64_t met = -1;
    if (adjacent)
      for (auto [i, p] : llvm::enumerate(pending[h]))
        if (ttt::conflictAfter(p.second, anywhere) != Conflict::None)
          met = static_cast<int64_t>(i);
    bool cross = met >= 0;
    if (!adjacent || (cross && nextId > kLastBarrier)) {
      reset();
    } else {
      slots[prev.getOperation()].blockAfter = false;
      if (cross) {
        slots[pending[h][met].first].arrivesAfter.push_back({nextId, total});
        slot.before.push_back({GroupSync::Cross, nextId++, total});
        own[g] = {};
        pending[h].erase(pending[h].begin(), pending[h].begin() + met + 1);
        nextWarp[g] = 0;
      } else {
        Conflict c = ttt::conflictAfter(own[g], a);
        if (c != Conflict::None) {
          slot.before.push_back(
              c == Conflict::SameWarp
                  ? GroupSync{GroupSync::Warp}
                  : GroupSync{GroupSync::Group, 1 + g, mapping.threads});
          if (c == Conflict::Block) {
            own[g] = {};
            nextWarp[g] = 0;
          }
        }
      }
    }
    own[g].reads.append(a.reads);
    own[g].writes.append(a.writes);
    pending[g].push_back({op.getOperation(), std::move(anywhere)});
    int64_t warps = mapping.threads / 32;
    if (mapping.spreadMma && mapping.onMma(op, plan) && warps > 0) {
      slot.firstWarp = nextWarp[g];
      nextWarp[g] =
          (nextWarp[g] + ttt::mmaWarpTiles(op, mapping.threads)) % warps;
    }
    prev = op;
  }
  return slots;
}

void emitNamedBarrier(OpBuilder &b, Location loc, int64_t id, int64_t count,
                      bool arriveOnly) {
  auto i32 = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v).getResult();
  };
  if (arriveOnly)
    NVVM::BarrierArriveOp::create(b, loc, i32(id), i32(count));
  else
    NVVM::BarrierOp::create(b, loc, TypeRange{}, i32(id), i32(count),
                            NVVM::BarrierReductionAttr{}, Value{});
}

void emitSync(OpBuilder &b, Location loc, Sync sync) {
  if (sync == Sync::Block)
    gpu::BarrierOp::create(b, loc);
  if (sync == Sync::Warp)
    ttt::emitWarpSync(b, loc);
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
    ArrayRef<int64_t> p = pairs.asArrayRef();
    bool valid = p.size() % 2 == 0;
    for (size_t i = 0; valid && i < p.size(); i += 2)
      valid = p[i] >= 0 && p[i] < op.getNumDpsInits() && p[i + 1] >= 0 &&
              p[i + 1] < op.getNumDpsInputs() &&
              isa<MemRefType>(op->getOperand(p[i + 1]).getType());
    if (!valid)
      return op.emitError("ttt-gpu-distribute: ttt.init_from must pair "
                          "output indices with memref input operands");
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
  if (mapping.onMma(op, plan)) {
    ttt::emitMmaContraction(b, op, tid, threads, mapping.precision,
                            slot.firstWarp, mapping.mmaKUnroll,
                            mapping.mmaKChains, mapping.pairAccesses);
    emitSync(b, loc, sync);
    op.erase();
    return success();
  }
  if (mapping.onRows(op, plan)) {
    ttt::emitRowWarps(b, op, plan.parallel, plan.sequential, tid, threads,
                      mapping.pairAccesses);
    emitSync(b, loc, sync);
    op.erase();
    return success();
  }
  if (distributeSplit(b, op, plan, tid, threads)) {
    emitSync(b, loc, sync);
    op.erase();
    return success();
  }
  SmallVector<Value> sizes = ttt::loopSizes(b, loc, op);
  // Folded as built: a constant where every parallel dim is static.
  Value total = ttt::productOf(b, loc, plan.parallel, sizes);
  forEachPoint(b, loc, tid, total, threads,
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
  emitSync(b, loc, sync);
  op.erase();
  return success();
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

/// Every op on its warp group's threads (ttt-gpu-output-warps: the first
/// threads - outputThreads threads, or the last outputThreads), under a
/// guard of its group, with the syncs of groupSlotsOf.
LogicalResult distributeGroups(gpu::GPUFuncOp kernel, OpBuilder &b,
                               ArrayRef<linalg::GenericOp> generics, Value tid,
                               const Mapping &mapping, int64_t outputThreads,
                               bool distinctArgs) {
  if (outputThreads <= 0 || outputThreads % 32 != 0 ||
      outputThreads >= static_cast<int64_t>(mapping.threads))
    return kernel.emitError("ttt-gpu-distribute: ttt.output_threads must be "
                            "a positive multiple of 32 below the threads");
  for (linalg::GenericOp op : generics)
    if (groupOf(op) < 0)
      return op.emitError("ttt-gpu-distribute: ttt.warp_group must be 0 or 1");
  Mapping mappings[2] = {mapping, mapping};
  int64_t firstThreads = mapping.threads - outputThreads;
  mappings[0].threads = firstThreads;
  mappings[1].threads = outputThreads;
  llvm::DenseMap<Operation *, GroupSlot> slots =
      groupSlotsOf(generics, &kernel.getBody().front(), mappings, distinctArgs);
  for (linalg::GenericOp op : generics) {
    int64_t g = groupOf(op);
    const GroupSlot &slot = slots[op.getOperation()];
    Location loc = op.getLoc();
    b.setInsertionPoint(op);
    Value first = arith::ConstantIndexOp::create(b, loc, firstThreads);
    Value inGroup = arith::CmpIOp::create(
        b, loc, g == 0 ? arith::CmpIPredicate::ult : arith::CmpIPredicate::uge,
        tid, first);
    auto guard = scf::IfOp::create(b, loc, inGroup, /*withElseRegion=*/false);
    Operation *end = guard.thenBlock()->getTerminator();
    b.setInsertionPoint(end);
    for (const GroupSync &sync : slot.before) {
      if (sync.kind == GroupSync::Warp)
        ttt::emitWarpSync(b, loc);
      else
        emitNamedBarrier(b, loc, sync.id, sync.count, /*arriveOnly=*/false);
    }
    Value groupTid =
        g == 0 ? tid : arith::SubIOp::create(b, loc, tid, first).getResult();
    op->moveBefore(end);
    if (failed(distribute(b, op, groupTid, mappings[g],
                          Slot{Sync::None, slot.firstWarp})))
      return failure();
    b.setInsertionPoint(end);
    for (auto [id, count] : slot.arrivesAfter)
      emitNamedBarrier(b, loc, id, count, /*arriveOnly=*/true);
    b.setInsertionPointAfter(guard);
    if (slot.blockAfter)
      gpu::BarrierOp::create(b, loc);
  }
  return success();
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
    if (mmaKChains < 1 || mmaKChains > 8) {
      kernel.emitError("ttt-gpu-distribute: mma-k-chains must be in [1, 8]");
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
    Mapping mapping{threads,    *precision, rowWarps,    spreadMmaWarps,
                    mmaKUnroll, mmaKChains, pairAccesses};
    if (auto attr =
            kernel->getAttrOfType<IntegerAttr>(ttt::kOutputThreadsAttr)) {
      if (failed(distributeGroups(kernel, b, generics, tid, mapping,
                                  attr.getInt(), distinctArgs)))
        return signalPassFailure();
      for (linalg::CopyOp copy : asyncCopies)
        if (failed(ttt::emitAsyncCopy(b, copy, tid, threads)))
          return signalPassFailure();
      moveLoopEndBarriers(kernel);
      kernel.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
          {static_cast<int32_t>(threads.getValue()), 1, 1}));
      return;
    }
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
      if (failed(
              distribute(b, op, tid, mapping, slots.lookup(op.getOperation()))))
        return signalPassFailure();
    // Ordered by the wait and barrier of their consumer, not by barriers
    // of their own (ttt-gpu-stage-inputs).
    for (linalg::CopyOp copy : asyncCopies)
      if (failed(ttt::emitAsyncCopy(b, copy, tid, threads)))
        return signalPassFailure();
    if (elideBarriers)
      moveLoopEndBarriers(kernel);
    kernel.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
        {static_cast<int32_t>(threads.getValue()), 1, 1}));
  }
};

} // namespace
