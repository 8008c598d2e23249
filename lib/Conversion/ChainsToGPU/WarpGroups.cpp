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
  return g == 0 || g == 1 ? g : -1;
}

namespace {

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
    Access a = accessWith(op, plan, mapping, entry, distinctArgs);
    Access anywhere =
        ttt::accessOf(op, entry, plan.parallel, false, false, distinctArgs);
    GroupSlot &slot = slots[op.getOperation()];
    bool adjacent = prev && followsDirectly(prev, op);
    // The last op of the other group this one meets (all of them for
    // ttt.wait_other_group).
    bool waitAll = op->hasAttr(ttt::kWaitOtherGroupAttr);
    int64_t met = -1;
    if (adjacent)
      for (auto [i, p] : llvm::enumerate(pending[h]))
        if (waitAll || ttt::conflictAfter(p.second, anywhere) != Conflict::None)
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

/// Every op on its warp group's threads (ttt-gpu-output-warps: the first
/// threads - outputThreads threads, or the last outputThreads), under a
/// guard of its group, with the syncs of groupSlotsOf.
LogicalResult distributeGroups(gpu::GPUFuncOp kernel, OpBuilder &b,
                               ArrayRef<linalg::GenericOp> generics, Value tid,
                               const Mapping &mapping, int64_t outputThreads,
                               bool distinctArgs, bool elideBarriers) {
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
  if (mapping.outputMmaColumnTiles > 0)
    mappings[1].mmaColumnTiles = mapping.outputMmaColumnTiles;
  llvm::DenseMap<Operation *, GroupSlot> slots =
      elideBarriers ? groupSlotsOf(generics, &kernel.getBody().front(),
                                   mappings, distinctArgs)
                    : llvm::DenseMap<Operation *, GroupSlot>();
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

} // namespace mlir::ttt::distribution
