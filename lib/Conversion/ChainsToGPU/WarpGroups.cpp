//===- WarpGroups.cpp - ttt-gpu-distribute over two warp groups -----------===//
//
// ttt-gpu-output-warps marks the chunk loop's output chain for warps of
// its own. Each op then runs under a guard of its group, on that group's
// threads; the barrier planning of Distribute.cpp works within a group
// with the group's own named barrier, and where the groups meet one
// arrives at a named barrier and the other waits there.
//
//===----------------------------------------------------------------------===//

#include "DistributeMapping.h"
#include "GroupSections.h"
#include "KernelLoops.h"
#include "MemoryFootprint.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <vector>

using namespace mlir;
using ttt::Access;
using ttt::Conflict;

namespace mlir::ttt::distribution {

int64_t groupOf(linalg::GenericOp op) {
  auto attr = op->getAttrOfType<IntegerAttr>(ttt::kWarpGroupAttr);
  if (!attr)
    return 0;
  int64_t g = attr.getInt();
  return g >= 0 && g < kMaxWarpGroups ? g : -1;
}

FailureOr<WarpGroups> warpGroupsOf(gpu::GPUFuncOp kernel, unsigned threads) {
  auto read = [&](StringRef name) -> int64_t {
    auto attr = kernel->getAttrOfType<IntegerAttr>(name);
    return attr ? attr.getInt() : 0;
  };
  int64_t output = read(ttt::kOutputThreadsAttr);
  int64_t weight = read(ttt::kWeightThreadsAttr);
  int64_t total = threads;
  if (kernel->hasAttr(ttt::kOutputThreadsAttr) &&
      (output <= 0 || output % 32 != 0 || output >= total))
    return kernel.emitError("ttt-gpu-distribute: ttt.output_threads must be "
                            "a positive multiple of 32 below the threads");
  if (kernel->hasAttr(ttt::kWeightThreadsAttr) &&
      (output <= 0 || weight <= 0 || weight % 32 != 0 ||
       output + weight >= total))
    return kernel.emitError(
        "ttt-gpu-distribute: ttt.weight_threads must be a positive multiple "
        "of 32, with ttt.output_threads, leaving threads for the first group");
  WarpGroups groups;
  if (output == 0)
    return groups;
  // [weight group | first group | output group].
  groups.first = {weight, total - output};
  groups.threads = {total - output - weight, output};
  bool halves = kernel->hasAttr(ttt::kSplitWeightsAttr);
  if (halves && (weight <= 0 || weight % 64 != 0))
    return kernel.emitError("ttt-gpu-distribute: ttt.split_weights needs "
                            "ttt.weight_threads, a multiple of 64");
  if (weight > 0) {
    // split-weights: [2 | 3 | first group | output group].
    groups.first.push_back(0);
    groups.threads.push_back(halves ? weight / 2 : weight);
  }
  if (halves) {
    groups.first.push_back(weight / 2);
    groups.threads.push_back(weight / 2);
  }
  return groups;
}

namespace {

/// With ttt-gpu-output-warps' warp groups: what an op's group does
/// before it (a warp barrier, a barrier of its group, or waiting at
/// named barriers for other groups' arrivals), what it announces after
/// it (arrivals at named barriers other groups wait at), and whether a
/// block barrier follows it (every group).
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

/// Named barrier ids: 0 is the block's; 1 .. n those of the n groups; the
/// rest one per meeting of two groups between two block barriers.
constexpr int64_t kLastBarrier = 15;

/// slotsOf for warp groups: within a group as there (its own barrier
/// instead of the block's); where an op meets what another group did
/// since this op's group last waited for it (any shared byte, one of them
/// writing), that group arrives at a fresh named barrier (of both groups'
/// threads) right after the last op it met, and this op's group waits
/// there first. Every wait is for an arrival earlier in program order, so
/// no group can wait forever. Out of named barriers, or where ops are not
/// adjacent, a block barrier.
llvm::DenseMap<Operation *, GroupSlot>
groupSlotsOf(ArrayRef<linalg::GenericOp> generics, Block *entry,
             ArrayRef<Mapping> mappings, bool distinctArgs) {
  llvm::DenseMap<Operation *, GroupSlot> slots;
  size_t n = mappings.size();
  using Pending = std::vector<std::pair<Operation *, Access>>;
  // own[g]: what g did since its last barrier; pending[g][h]: h's ops
  // (and what they touch) that g has not waited for since.
  std::vector<Access> own(n);
  SmallVector<SmallVector<Pending>> pending(n, SmallVector<Pending>(n));
  SmallVector<int64_t> nextWarp(n, 0);
  const int64_t firstCross = 1 + static_cast<int64_t>(n);
  int64_t nextId = firstCross;
  auto reset = [&]() {
    for (size_t g = 0; g < n; ++g) {
      own[g] = {};
      for (Pending &p : pending[g])
        p.clear();
      nextWarp[g] = 0;
    }
    nextId = firstCross;
  };
  linalg::GenericOp prev;
  for (linalg::GenericOp op : generics) {
    size_t g = groupOf(op);
    const Mapping &mapping = mappings[g];
    Plan plan = planFor(op);
    Access a = accessWith(op, plan, mapping, entry, distinctArgs);
    Access anywhere =
        ttt::accessOf(op, entry, plan.parallel, false, false, distinctArgs);
    GroupSlot &slot = slots[op.getOperation()];
    bool adjacent = prev && followsDirectly(prev, op);
    // For each other group, the last of its pending ops this one meets
    // (all of them for ttt.wait_other_group).
    bool waitAll = op->hasAttr(ttt::kWaitOtherGroupAttr);
    SmallVector<std::pair<size_t, size_t>> meets; // group, pending index
    if (adjacent)
      for (size_t h = 0; h < n; ++h) {
        if (h == g)
          continue;
        int64_t met = -1;
        for (auto [i, p] : llvm::enumerate(pending[g][h]))
          if (waitAll ||
              ttt::conflictAfter(p.second, anywhere) != Conflict::None)
            met = static_cast<int64_t>(i);
        if (met >= 0)
          meets.push_back({h, static_cast<size_t>(met)});
      }
    int64_t ids = static_cast<int64_t>(meets.size());
    if (!adjacent || nextId + ids - 1 > kLastBarrier) {
      reset();
    } else {
      slots[prev.getOperation()].blockAfter = false;
      if (!meets.empty()) {
        // The wait takes every thread of g: a barrier of its group too.
        for (auto [h, met] : meets) {
          int64_t count = mapping.threads + mappings[h].threads;
          slots[pending[g][h][met].first].arrivesAfter.push_back(
              {nextId, count});
          slot.before.push_back({GroupSync::Cross, nextId++, count});
          pending[g][h].erase(pending[g][h].begin(),
                              pending[g][h].begin() + met + 1);
        }
        own[g] = {};
        nextWarp[g] = 0;
      } else {
        Conflict c = ttt::conflictAfter(own[g], a);
        if (c != Conflict::None) {
          slot.before.push_back(c == Conflict::SameWarp
                                    ? GroupSync{GroupSync::Warp}
                                    : GroupSync{GroupSync::Group,
                                                static_cast<int64_t>(1 + g),
                                                mapping.threads});
          if (c == Conflict::Block) {
            own[g] = {};
            nextWarp[g] = 0;
          }
        }
      }
    }
    own[g].reads.append(a.reads);
    own[g].writes.append(a.writes);
    for (size_t h = 0; h < n; ++h)
      if (h != g)
        pending[h][g].push_back({op.getOperation(), anywhere});
    int64_t warps = mapping.threads / 32;
    bool spread = mapping.spreads(op);
    if (spread && mapping.onMma(op, plan) && warps > 0) {
      slot.firstWarp = nextWarp[g];
      nextWarp[g] = (nextWarp[g] + ttt::mmaWarpTiles(op, mapping.threads,
                                                     mapping.mmaColumnTiles)) %
                    warps;
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

} // namespace

/// Every op on its warp group's threads (`groups`), under a guard of its
/// group, with the syncs of groupSlotsOf.
LogicalResult distributeGroups(gpu::GPUFuncOp kernel, OpBuilder &b,
                               ArrayRef<linalg::GenericOp> generics, Value tid,
                               const Mapping &mapping, const WarpGroups &groups,
                               bool distinctArgs, bool elideBarriers) {
  size_t n = groups.size();
  for (linalg::GenericOp op : generics)
    if (groupOf(op) < 0 || static_cast<size_t>(groupOf(op)) >= n)
      return op.emitError("ttt-gpu-distribute: ttt.warp_group must be 0 or "
                          "1, 2 with ttt.weight_threads, 3 with "
                          "ttt.split_weights");
  SmallVector<Mapping> mappings;
  for (size_t g = 0; g < n; ++g) {
    Mapping m = mapping;
    m.threads = groups.threads[g];
    if (g == 1 && mapping.outputMmaColumnTiles > 0)
      m.mmaColumnTiles = mapping.outputMmaColumnTiles;
    mappings.push_back(m);
  }
  llvm::DenseMap<Operation *, GroupSlot> slots =
      elideBarriers ? groupSlotsOf(generics, &kernel.getBody().front(),
                                   mappings, distinctArgs)
                    : llvm::DenseMap<Operation *, GroupSlot>();
  for (linalg::GenericOp op : generics) {
    int64_t g = groupOf(op);
    const GroupSlot &slot = slots[op.getOperation()];
    Location loc = op.getLoc();
    b.setInsertionPoint(op);
    Value inGroup = groups.contains(b, loc, tid, g, mapping.threads);
    auto guard = scf::IfOp::create(b, loc, inGroup, /*withElseRegion=*/false);
    if (mapping.groupSections)
      guard->setAttr(ttt::kGroupGuardAttr, b.getDenseI64ArrayAttr({g}));
    Operation *end = guard.thenBlock()->getTerminator();
    b.setInsertionPoint(end);
    for (const GroupSync &sync : slot.before) {
      if (sync.kind == GroupSync::Warp)
        ttt::emitWarpSync(b, loc);
      else
        emitNamedBarrier(b, loc, sync.id, sync.count, /*arriveOnly=*/false);
    }
    Value groupTid = groups.localTid(b, loc, tid, g);
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
  if (mapping.groupSections)
    ttt::sectionByGroup(kernel, static_cast<int64_t>(n),
                        [&](OpBuilder &at, Location l, int64_t g) {
                          return groups.contains(at, l, tid, g,
                                                 mapping.threads);
                        });
  return success();
}

Value WarpGroups::contains(OpBuilder &b, Location loc, Value tid, int64_t g,
                           int64_t blockThreads) const {
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  int64_t lo = first[g], hi = first[g] + threads[g];
  Value below = hi < blockThreads
                    ? arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                            tid, cst(hi))
                          .getResult()
                    : Value();
  Value above = lo > 0 ? arith::CmpIOp::create(
                             b, loc, arith::CmpIPredicate::uge, tid, cst(lo))
                             .getResult()
                       : Value();
  if (below && above)
    return arith::AndIOp::create(b, loc, below, above);
  if (below || above)
    return below ? below : above;
  return arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
}

Value WarpGroups::localTid(OpBuilder &b, Location loc, Value tid,
                           int64_t g) const {
  if (first[g] == 0)
    return tid;
  return arith::SubIOp::create(
      b, loc, tid, arith::ConstantIndexOp::create(b, loc, first[g]));
}

} // namespace mlir::ttt::distribution
