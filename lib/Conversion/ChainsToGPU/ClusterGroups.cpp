//===- ClusterGroups.cpp - ttt-gpu-distribute over blocks of a cluster ----===//
//
// cluster-groups: warp group g (ttt-gpu-output-warps' marks) runs on block
// g of a thread-block cluster of one block per group, on all its threads,
// so the groups' chains do not share an SM (docs/GPU.md, "Splitting the
// step over a cluster"). Every block has the whole shared-memory layout.
//
// In a chunk loop, shared bytes written by group X and read by group Y
// form a channel: after X's last write of them in a step (or later, at a
// barrier X's block has anyway: placeCopies), X copies them into a
// staging area of Y's block with st.async, counted on Y's "full"
// mbarrier, once Y took the last copy (X's "empty" mbarrier); of padded
// rows only the rows' bytes. Y waits on it
// before its first read of the new value (that step, or, where every read
// precedes the write, the next step), moves the bytes from the staging
// area into place and frees it at once: X waits for Y only where Y has not
// yet taken the last step's value. Each wait is for an event earlier in
// the body's program order, so the blocks cannot deadlock; phases are
// counted by the iteration. With channel-slots=2 a channel has two staging
// areas (and barrier pairs): step i's copy goes to slot i mod 2, so X
// waits only for Y's take of step i - 2's copy and may run a step ahead.
// With direct-channels X copies straight into Y's own bytes (no staging
// area, no move) and Y frees them after its last read of them in the step.
// A prefetch copy in a loop of groups runs only on the blocks that read
// its bytes there.
// Ops outside the chunk loops run on every block (writes to global memory
// on block 0 only); what a loop's groups wrote and later ops read is
// copied to every block at the loop's exit, between two cluster barriers.
//
//===----------------------------------------------------------------------===//

#include "AsyncCopy.h"
#include "ClusterPlan.h"
#include "ClusterSync.h"
#include "GroupSections.h"
#include "KernelLoops.h"
#include "MemoryFootprint.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using ttt::Access;

namespace mlir::ttt::distribution {
namespace {

/// What a loop's groups wrote that later ops read: copied at its exit.
struct ExitCopy {
  scf::ForOp loop;
  int64_t writer;
  Bytes bytes;
};

/// Emits the cluster-groups kernel: the plan above, then each op.
class ClusterEmitter {
public:
  ClusterEmitter(gpu::GPUFuncOp kernel, OpBuilder &b, Value tid,
                 const Mapping &mapping, size_t groups)
      : kernel(kernel), b(b), tid(tid), mapping(mapping), groups(groups) {}

  LogicalResult run(ArrayRef<linalg::GenericOp> generics, bool distinctArgs);

private:
  Value cst(Location loc, int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value i32(Location loc, Value index) {
    return arith::IndexCastOp::create(b, loc, b.getI32Type(), index);
  }
  /// The mbarrier at index `index` (8 bytes each) after the staging areas.
  Value barrierAt(Location loc, Value index) {
    Value offset = arith::AddIOp::create(
        b, loc, cst(loc, barrierOffset),
        arith::MulIOp::create(b, loc, index, cst(loc, 8)));
    return i32(loc, arith::AddIOp::create(b, loc, sharedBase, offset));
  }
  Value barrierAt(Location loc, int64_t index) {
    return barrierAt(loc, cst(loc, index));
  }
  /// The number of `loop`'s current iteration, less `back`.
  Value stepIn(Location loc, scf::ForOp loop, int64_t back = 0) {
    Value n = arith::SubIOp::create(b, loc, loop.getInductionVar(),
                                    loop.getLowerBound());
    n = arith::DivUIOp::create(b, loc, n, loop.getStep());
    return back ? arith::SubIOp::create(b, loc, n, cst(loc, back)) : n;
  }
  /// The staging slot of step `n`'s copy (n mod slots).
  Value slotOf(Location loc, Value n) {
    return arith::RemUIOp::create(b, loc, n, cst(loc, mapping.channelSlots));
  }
  /// The phase parity of step `n`'s copy on its slot's barriers.
  Value parityOf(Location loc, Value n) {
    n = arith::DivUIOp::create(b, loc, n, cst(loc, mapping.channelSlots));
    return i32(loc, arith::RemUIOp::create(b, loc, n, cst(loc, 2)));
  }
  /// Channel `c`'s full (or empty) barrier of staging slot `slot`.
  Value channelBarrier(Location loc, const Channel &c, Value slot, bool empty) {
    return barrierAt(loc,
                     arith::AddIOp::create(
                         b, loc, cst(loc, empty ? c.empty : c.full),
                         arith::MulIOp::create(b, loc, slot, cst(loc, 2))));
  }
  /// The byte offset of staging slot `slot` from channel `c`'s first.
  Value slotShift(Location loc, const Channel &c, Value slot) {
    return arith::MulIOp::create(b, loc, slot, cst(loc, c.size()));
  }
  scf::IfOp guardOn(Location loc, Value cond) {
    return scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
  }
  /// A guard of `loop`'s steps after its first, the insertion point in it.
  void enterLaterSteps(Location loc, scf::ForOp loop) {
    auto later =
        guardOn(loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                           loop.getInductionVar(),
                                           loop.getLowerBound()));
    b.setInsertionPoint(later.thenBlock()->getTerminator());
  }
  Value isRank(Location loc, int64_t g) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rank,
                                 cst(loc, g));
  }
  /// Whether this block is one of `ranks` (not empty).
  Value isAnyRank(Location loc, ArrayRef<int64_t> ranks) {
    Value on = isRank(loc, ranks.front());
    for (int64_t r : ranks.drop_front())
      on = arith::OrIOp::create(b, loc, on, isRank(loc, r));
    return on;
  }
  Value isThread0(Location loc) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                                 cst(loc, 0));
  }
  void emitInit(Location loc);
  void emitCopy(Location loc, const Bytes &bytes, int64_t to, Value toRank,
                Value bar, Value fromShift = Value(), Value toShift = Value());
  void emitTake(Location loc, const Channel &c);
  void emitRelease(Location loc, const Channel &c, bool barrier);
  void emitFreesAtNextStep(ArrayRef<const Channel *> frees);
  void emitExitCopies(scf::ForOp loop);

  gpu::GPUFuncOp kernel;
  OpBuilder &b;
  Value tid, rank, sharedBase;
  const Mapping &mapping;
  size_t groups;
  int64_t barrierOffset = 0;
  SmallVector<Channel> channels;
  SmallVector<ExitCopy> exitCopies;
  GroupMap group;
  ReplicaMap replicas;
};

void ClusterEmitter::emitInit(Location loc) {
  auto then = guardOn(loc, isThread0(loc));
  b.setInsertionPoint(then.thenBlock()->getTerminator());
  for (const Channel &c : channels) {
    // Each slot's full barrier on the reader expects its first copy's
    // bytes (and those of the channels sharing it); its empty barrier on
    // the writer has phase 0 complete (no copy to take before the first).
    for (int64_t slot = 0; slot < mapping.channelSlots; ++slot) {
      if (c.takenWith < 0) {
        auto inReader = guardOn(loc, isRank(loc, c.reader));
        b.setInsertionPoint(inReader.thenBlock()->getTerminator());
        Value full = barrierAt(loc, c.full + 2 * slot);
        cluster::emitInitBarrier(b, loc, full, 1);
        cluster::emitExpectBytes(b, loc, full, c.fullBytes);
        b.setInsertionPointAfter(inReader);
      }
      auto inWriter = guardOn(loc, isRank(loc, c.writer));
      b.setInsertionPoint(inWriter.thenBlock()->getTerminator());
      Value empty = barrierAt(loc, c.empty + 2 * slot);
      cluster::emitInitBarrier(b, loc, empty, 1);
      // direct-channels: a carried channel's first copy overwrites the
      // initial value, which the reader frees after its first step's reads.
      if (!(mapping.directChannels && c.carried))
        cluster::emitArriveLocal(b, loc, empty, 1);
      b.setInsertionPointAfter(inWriter);
    }
  }
  cluster::emitFenceBarrierInit(b, loc);
  b.setInsertionPointAfter(then);
  cluster::emitClusterSync(b, loc);
}

/// `bytes` (16-byte chunks; only the rows of padded rows) of this block's
/// shared memory into block `toRank`'s at `to` (its same place where
/// negative), spread over the threads: st.async on `bar` where given, else
/// plain remote stores; with no `toRank`, a copy within this block.
void ClusterEmitter::emitCopy(Location loc, const Bytes &bytes, int64_t to,
                              Value toRank, Value bar, Value fromShift,
                              Value toShift) {
  if (to < 0)
    to = bytes.lo;
  // Chunk k of the copy, k = tid, tid + threads, ...
  auto loop =
      scf::ForOp::create(b, loc, tid, cst(loc, bytes.touched() / 16),
                         cst(loc, static_cast<int64_t>(mapping.threads)));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value k = loop.getInductionVar();
  Value off = arith::MulIOp::create(b, loc, k, cst(loc, 16));
  if (bytes.rowBytes) { // row k / chunks a row, its chunk k mod that
    Value perRow = cst(loc, bytes.rowBytes / 16);
    Value row = arith::DivUIOp::create(b, loc, k, perRow);
    Value col = arith::RemUIOp::create(b, loc, k, perRow);
    off = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, row, cst(loc, bytes.pitch)),
        arith::MulIOp::create(b, loc, col, cst(loc, 16)));
  }
  auto at = [&](int64_t base, Value shift) {
    Value local = arith::AddIOp::create(b, loc, off, cst(loc, base));
    if (shift)
      local = arith::AddIOp::create(b, loc, local, shift);
    return i32(loc, arith::AddIOp::create(b, loc, sharedBase, local));
  };
  Value from = at(bytes.lo, fromShift);
  if (!toRank)
    cluster::emitMoveChunk(b, loc, from, at(to, toShift));
  else if (bar)
    cluster::emitSendChunk(b, loc, from, at(to, toShift), toRank, bar);
  else
    cluster::emitStoreChunk(b, loc, from, toRank);
}

/// The reader takes channel `c`'s copy: waits on its full barrier (from
/// the second step on where the copy is the last step's), expects the
/// next copy's bytes, moves them from the staging area into place, and
/// frees the staging area for the writer's next copy.
void ClusterEmitter::emitTake(Location loc, const Channel &c) {
  if (c.carried)
    enterLaterSteps(loc, c.loop);
  // The copy of this step (or, carried, of the last one).
  Value n = stepIn(loc, c.loop, c.carried ? 1 : 0);
  Value slot = slotOf(loc, n);
  Value full = channelBarrier(loc, c, slot, /*empty=*/false);
  cluster::emitWaitParity(b, loc, full, parityOf(loc, n));
  auto first = guardOn(loc, isThread0(loc));
  b.setInsertionPoint(first.thenBlock()->getTerminator());
  cluster::emitExpectBytes(b, loc, full, c.fullBytes);
  b.setInsertionPointAfter(first);
  if (mapping.directChannels) // in place already; freed after the last read
    return;
  emitCopy(loc,
           Bytes{c.stage, c.stage + c.size(), c.bytes.rowBytes, c.bytes.pitch},
           c.bytes.lo, Value(), Value(), slotShift(loc, c, slot));
  gpu::BarrierOp::create(b, loc);
  auto freeing = guardOn(loc, isThread0(loc));
  b.setInsertionPoint(freeing.thenBlock()->getTerminator());
  cluster::emitArriveRemote(
      b, loc, channelBarrier(loc, c, slot, /*empty=*/true),
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), c.writer));
}

/// direct-channels: after the reader's last read of channel `c`'s bytes in
/// the step (behind a block barrier: every thread's reads), its thread 0
/// frees them for the writer's next copy (a carried channel's also in the
/// first step: the initial value's).
void ClusterEmitter::emitRelease(Location loc, const Channel &c, bool barrier) {
  if (barrier)
    gpu::BarrierOp::create(b, loc);
  auto freeing = guardOn(loc, isThread0(loc));
  b.setInsertionPoint(freeing.thenBlock()->getTerminator());
  cluster::emitArriveRemote(
      b, loc, channelBarrier(loc, c, cst(loc, 0), /*empty=*/true),
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), c.writer));
}

/// direct-channels: frees made after the next step's leading block barrier
/// (placeFree), from the second step on. The last step's copies are not
/// freed: none follows.
void ClusterEmitter::emitFreesAtNextStep(ArrayRef<const Channel *> frees) {
  llvm::MapVector<std::pair<Operation *, int64_t>, SmallVector<const Channel *>>
      byStep;
  for (const Channel *c : frees) {
    scf::ForOp loop = c->loop;
    byStep[{loop.getOperation(), c->reader}].push_back(c);
  }
  for (auto &[at, channels] : byStep) {
    auto loop = cast<scf::ForOp>(at.first);
    int64_t reader = at.second;
    Location loc = loop.getLoc();
    b.setInsertionPointAfter(ttt::leadingBarrier(*loop.getBody()));
    auto inReader = guardOn(loc, isRank(loc, reader));
    if (mapping.groupSections)
      inReader->setAttr(ttt::kGroupGuardAttr, b.getDenseI64ArrayAttr(reader));
    b.setInsertionPoint(inReader.thenBlock()->getTerminator());
    enterLaterSteps(loc, loop);
    for (const Channel *c : channels) {
      OpBuilder::InsertionGuard keep(b);
      emitRelease(loc, *c, /*barrier=*/false);
    }
  }
}

void ClusterEmitter::emitExitCopies(scf::ForOp loop) {
  Location loc = loop.getLoc();
  b.setInsertionPointAfter(loop);
  bool any = llvm::any_of(exitCopies,
                          [&](const ExitCopy &e) { return e.loop == loop; });
  if (!any)
    return;
  cluster::emitClusterSync(b, loc);
  for (const ExitCopy &e : exitCopies) {
    if (e.loop != loop)
      continue;
    auto inWriter = guardOn(loc, isRank(loc, e.writer));
    b.setInsertionPoint(inWriter.thenBlock()->getTerminator());
    for (size_t g = 0; g < groups; ++g)
      if (static_cast<int64_t>(g) != e.writer)
        emitCopy(loc, e.bytes.dense(), -1,
                 arith::ConstantIntOp::create(b, loc, b.getI32Type(), g),
                 Value());
    b.setInsertionPointAfter(inWriter);
  }
  cluster::emitClusterSync(b, loc);
}

LogicalResult ClusterEmitter::run(ArrayRef<linalg::GenericOp> generics,
                                  bool distinctArgs) {
  Block *entry = &kernel.getBody().front();
  // Where each op runs and what it touches.
  llvm::DenseMap<Operation *, OpBytes> bytes;
  llvm::MapVector<scf::ForOp, SmallVector<linalg::GenericOp>> loops;
  for (linalg::GenericOp op : generics)
    if (op->hasAttr(ttt::kWarpGroupAttr)) {
      auto loop = dyn_cast<scf::ForOp>(op->getParentOp());
      if (!loop || loop->getBlock() != entry)
        return op.emitError("ttt-gpu-distribute: cluster-groups needs each "
                            "op of a warp group directly in a loop of the "
                            "kernel's body");
      loops[loop];
    }
  for (linalg::GenericOp op : generics) {
    auto loop = dyn_cast<scf::ForOp>(op->getParentOp());
    bool inGroups = loop && loops.count(loop);
    int64_t g = inGroups ? groupOf(op) : -1;
    if (inGroups && (g < 0 || g >= static_cast<int64_t>(groups)))
      return op.emitError("ttt-gpu-distribute: ttt.warp_group must name one "
                          "of the kernel's ")
             << groups << " warp groups";
    Operation *top = entry->findAncestorOpInBlock(*op.getOperation());
    auto topLoop = dyn_cast_or_null<scf::ForOp>(top);
    if (!inGroups && topLoop && loops.count(topLoop))
      return op.emitError("ttt-gpu-distribute: cluster-groups: an op nested "
                          "deeper in a loop of warp groups");
    group[op.getOperation()] = g;
    if (inGroups)
      loops[loop].push_back(op);
    Plan plan = planFor(op);
    Access a =
        ttt::accessOf(op, entry, plan.parallel, false, false, distinctArgs);
    OpBytes &ob = bytes[op.getOperation()];
    if (failed(sharedBytesOf(op, a.reads, ob.reads, ob.globalReads)) ||
        failed(sharedBytesOf(op, a.writes, ob.writes, ob.globalWrites)))
      return failure();
  }
  for (auto &loopOps : loops) {
    scf::ForOp loop = loopOps.first;
    ArrayRef<linalg::GenericOp> ops = loopOps.second;
    findReplicas(ops, bytes, group, groups, replicas);
    size_t planned = channels.size();
    if (failed(
            planChannels(loop, ops, bytes, group, replicas, groups, channels)))
      return failure();
    // direct-channels: each reader frees a channel's bytes after its last
    // op in the step that reads them.
    for (Channel &c : llvm::drop_begin(channels, planned)) {
      if (!mapping.directChannels)
        continue;
      for (linalg::GenericOp op : ops)
        if (runsOn(group, replicas, op, c.reader) &&
            touches(bytes.lookup(op.getOperation()).reads, c.bytes))
          c.lastRead = op;
      if (!c.lastRead)
        return loop.emitError("ttt-gpu-distribute: direct-channels: no read "
                              "of a channel's bytes on its reader");
    }
    // What later ops read of what the loop's groups wrote.
    for (size_t g = 0; g < groups; ++g) {
      SmallVector<Bytes> written;
      for (linalg::GenericOp op : ops)
        if (group.lookup(op.getOperation()) == static_cast<int64_t>(g))
          llvm::append_range(written, bytes.lookup(op.getOperation()).writes);
      for (const Bytes &run : merged(written)) {
        bool readLater = llvm::any_of(generics, [&](linalg::GenericOp op) {
          Operation *top = entry->findAncestorOpInBlock(*op.getOperation());
          return top && top != loop.getOperation() &&
                 loop->isBeforeInBlock(top) &&
                 touches(bytes.lookup(op.getOperation()).reads, run);
        });
        if (readLater)
          exitCopies.push_back({loop, static_cast<int64_t>(g), run});
      }
    }
  }
  // A prefetch copy in a loop of groups only on the blocks whose ops in
  // that loop read what it writes (kAsyncCopyBlocksAttr; emitAsyncCopy
  // guards it): the next chunk's inputs are for that loop's next step (the
  // last step copies none). The output chain's inputs are no work of the
  // recurrence's block. Copies elsewhere (the first chunk's) on every block.
  kernel.walk([&](linalg::CopyOp copy) {
    auto loop =
        dyn_cast_or_null<scf::ForOp>(entry->findAncestorOpInBlock(*copy));
    if (ttt::asyncCopyWidth(copy) == 0 || !loop || !loops.count(loop))
      return;
    ttt::Footprint f = ttt::viewFootprint(copy.getDpsInitOperand(0)->get(),
                                          entry, distinctArgs);
    if (f.kind != ttt::Footprint::Shared || !f.base)
      return;
    SmallVector<int64_t> readers;
    for (size_t r = 0; r < groups; ++r)
      if (llvm::any_of(loops[loop], [&](linalg::GenericOp op) {
            return runsOn(group, replicas, op, r) &&
                   touches(bytes.lookup(op.getOperation()).reads,
                           Bytes{f.lo, f.hi});
          }))
        readers.push_back(r);
    if (readers.size() < groups)
      copy->setAttr(ttt::kAsyncCopyBlocksAttr, b.getDenseI64ArrayAttr(readers));
  });
  // Each channel's staging area after the buffers, then the barriers.
  auto shared = kernel->getAttrOfType<IntegerAttr>("ttt.shared_bytes");
  int64_t end = llvm::alignTo(shared ? shared.getInt() : 0, 16);
  int64_t stagingSlots = mapping.channelSlots;
  for (Channel &c : channels) {
    c.stage = mapping.directChannels ? c.bytes.lo : end;
    if (!mapping.directChannels)
      end += c.size() * stagingSlots;
  }
  barrierOffset = end;
  // Per channel and slot a full and an empty barrier (8 bytes each).
  for (auto [i, c] : llvm::enumerate(channels)) {
    c.full = 2 * stagingSlots * static_cast<int64_t>(i);
    c.empty = c.full + 1;
    c.fullBytes = c.bytes.touched();
  }
  if (mapping.directChannels && mapping.fewerBlockBarriers && stagingSlots == 1)
    shareTakes(channels);
  kernel->setAttr("ttt.shared_bytes",
                  b.getI64IntegerAttr(llvm::alignTo(
                      barrierOffset + 16 * stagingSlots *
                                          static_cast<int64_t>(channels.size()),
                      16)));

  Location loc = kernel.getLoc();
  b.setInsertionPointAfterValue(tid);
  rank = gpu::ClusterBlockIdOp::create(b, loc, gpu::Dimension::y);
  gpu::DynamicSharedMemoryOp dyn;
  kernel.walk([&](gpu::DynamicSharedMemoryOp op) { dyn = op; });
  if (!dyn) {
    auto wg = gpu::AddressSpaceAttr::get(kernel.getContext(),
                                         gpu::AddressSpace::Workgroup);
    dyn = gpu::DynamicSharedMemoryOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
  } else {
    b.setInsertionPointAfter(dyn);
  }
  sharedBase = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, dyn);
  if (!channels.empty() || !exitCopies.empty())
    emitInit(loc);

  llvm::DenseMap<Operation *, Slot> slots =
      ownSlotsOf(generics, group, replicas, entry, mapping, distinctArgs);
  // A body starting with a block barrier (the prefetch's wait) needs none
  // after each block's last op or a copy no op follows: the next step's
  // orders the same accesses, one after the loop those of the last step.
  llvm::DenseSet<std::pair<Operation *, int64_t>> endsStep;
  SmallVector<scf::ForOp> stepBarrierLoops;
  for (auto &loopOps : loops) {
    bool stepBarrier = ttt::leadingBarrier(*loopOps.first.getBody());
    placeCopies(channels, loopOps.second, bytes, group, replicas, slots,
                stepBarrier);
    if (!stepBarrier)
      continue;
    stepBarrierLoops.push_back(loopOps.first);
    endsStep.insert_range(
        lastOnTheirBlocks(loopOps.second, group, replicas, groups));
  }
  // Copies to a group another waits on (the recurrence's path) before
  // those to a group no channel leaves (an output chain).
  auto feeds = [&](const Channel *c) {
    return llvm::any_of(channels, [&](const Channel &d) {
      return d.loop == c->loop && d.writer == c->reader;
    });
  };
  llvm::DenseMap<Operation *, SmallVector<const Channel *>> copiesAfter;
  for (const Channel &c : channels)
    if (c.sendAfter)
      copiesAfter[c.sendAfter].push_back(&c);
  for (auto &opCopies : copiesAfter)
    llvm::stable_sort(opCopies.second, [&](const Channel *x, const Channel *y) {
      return feeds(x) && !feeds(y);
    });
  // The sync block `r` needs after `op`: a block barrier before its copies
  // (every thread's writes), none after its last op of a step that starts
  // with one.
  auto syncAfter = [&](Operation *op, int64_t r) {
    if (llvm::any_of(copiesAfter.lookup(op),
                     [&](const Channel *c) { return c->writer == r; }))
      return Sync::Block;
    if (endsStep.contains({op, r}))
      return Sync::None;
    return slots.lookup(op).afterOn(r);
  };
  // direct-channels: where each reader frees a channel (freesAt).
  llvm::DenseMap<Operation *, SmallVector<const Channel *>> freesAfter;
  SmallVector<const Channel *> freeAtNextStep;
  for (const Channel &c : channels)
    if (c.lastRead)
      placeFree(c, loops.lookup(c.loop), group, replicas, syncAfter,
                mapping.fewerBlockBarriers, freesAfter, freeAtNextStep);
  for (linalg::GenericOp op : generics) {
    int64_t g = group.lookup(op.getOperation());
    Location loc = op.getLoc();
    Slot slot = slots.lookup(op.getOperation());
    SmallVector<const Channel *> copies = copiesAfter.lookup(op);
    SmallVector<int64_t> also = replicas.lookup(op.getOperation());
    auto needOn = [&](int64_t r) { return syncAfter(op, r); };
    SmallVector<std::pair<int64_t, Sync>> needs;
    if (g >= 0) {
      needs.push_back({g, needOn(g)});
      for (int64_t r : also)
        needs.push_back({r, needOn(r)});
      // fewer-block-barriers: the weakest, the others' stronger syncs
      // under guards below; else the strongest for all.
      slot.after = mapping.fewerBlockBarriers ? Sync::Block : Sync::None;
      for (auto [r, need] : needs)
        slot.after = mapping.fewerBlockBarriers ? std::min(slot.after, need)
                                                : std::max(slot.after, need);
    }
    OpBytes ob = bytes.lookup(op.getOperation());
    b.setInsertionPoint(op);
    scf::IfOp guard;
    if (g >= 0) {
      SmallVector<int64_t> ranks{g};
      llvm::append_range(ranks, also);
      guard = guardOn(loc, isAnyRank(loc, ranks));
      if (mapping.groupSections)
        guard->setAttr(ttt::kGroupGuardAttr, b.getDenseI64ArrayAttr(ranks));
    } else if (!ob.globalWrites.empty())
      guard = guardOn(loc, isRank(loc, 0));
    if (guard) {
      Operation *end = guard.thenBlock()->getTerminator();
      op->moveBefore(end);
      b.setInsertionPoint(op);
    }
    // On several blocks, each takes and copies only its own channels.
    auto onlyOn = [&](ArrayRef<int64_t> ranks) {
      if (also.empty())
        return;
      auto here = guardOn(loc, isAnyRank(loc, ranks));
      here->setAttr(ttt::kRankGuardAttr, b.getDenseI64ArrayAttr(ranks));
      b.setInsertionPoint(here.thenBlock()->getTerminator());
    };
    for (const Channel &c : channels)
      if (c.waitBefore == op && c.takenWith < 0) {
        onlyOn(c.reader);
        emitTake(loc, c);
        b.setInsertionPoint(op);
      }
    Operation *anchor = op->getNextNode();
    if (failed(distribute(b, op, tid, mapping, slot)))
      return failure();
    b.setInsertionPoint(anchor);
    // Blocks that need more than the others after the op: theirs alone.
    for (Sync stronger : {Sync::Warp, Sync::Block}) {
      SmallVector<int64_t> ranks;
      for (auto [r, need] : needs)
        if (need == stronger && stronger > slot.after)
          ranks.push_back(r);
      if (ranks.empty())
        continue;
      onlyOn(ranks);
      emitSync(b, loc, stronger);
      b.setInsertionPoint(anchor);
    }
    // The frees placed after this op: on each reader's block behind one
    // block barrier (every thread's reads), none where the op has one
    // there (its own sync or the stronger one of that block).
    llvm::SmallDenseSet<int64_t> behindBarrier;
    for (const Channel *c : freesAfter.lookup(op)) {
      onlyOn(c->reader);
      Sync there = std::max(slot.after, needOn(c->reader));
      bool barrier =
          there != Sync::Block && behindBarrier.insert(c->reader).second;
      emitRelease(loc, *c, barrier);
      b.setInsertionPoint(anchor);
    }
    for (const Channel *c : copies) {
      onlyOn(c->writer);
      // A copy for the next step only where there is one: no copy is left
      // in flight, untaken, when the blocks leave (the exit copies bring
      // the last value).
      if (c->carried) {
        scf::ForOp loop = c->loop;
        Value next = arith::AddIOp::create(b, loc, loop.getInductionVar(),
                                           loop.getStep());
        auto more = guardOn(
            loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, next,
                                       loop.getUpperBound()));
        b.setInsertionPoint(more.thenBlock()->getTerminator());
      }
      // Into this step's slot, once the reader took its last copy.
      Value n = stepIn(loc, c->loop);
      Value slot = slotOf(loc, n);
      cluster::emitWaitParity(b, loc,
                              channelBarrier(loc, *c, slot, /*empty=*/true),
                              parityOf(loc, n));
      emitCopy(loc, c->bytes, c->stage,
               arith::ConstantIntOp::create(b, loc, b.getI32Type(), c->reader),
               channelBarrier(loc, *c, slot, /*empty=*/false), Value(),
               mapping.directChannels ? Value() : slotShift(loc, *c, slot));
      b.setInsertionPoint(anchor);
    }
    // The next writes of the bytes after every thread's copy.
    if (llvm::any_of(copies,
                     [](const Channel *c) { return c->barrierAfterCopy; }))
      gpu::BarrierOp::create(b, loc);
  }
  emitFreesAtNextStep(freeAtNextStep);
  // group-sections: each block's ops of a loop one run of code.
  if (mapping.groupSections)
    ttt::sectionByGroup(kernel, groups,
                        [&](OpBuilder &at, Location l, int64_t g) -> Value {
                          return arith::CmpIOp::create(
                              at, l, arith::CmpIPredicate::eq, rank,
                              arith::ConstantIndexOp::create(at, l, g));
                        });
  else
    kernel.walk(
        [](scf::IfOp guard) { guard->removeAttr(ttt::kRankGuardAttr); });
  for (scf::ForOp loop : stepBarrierLoops)
    if (!isa_and_nonnull<gpu::BarrierOp>(loop->getNextNode())) {
      b.setInsertionPointAfter(loop);
      gpu::BarrierOp::create(b, loop.getLoc());
    }
  for (auto &entryLoop : loops)
    emitExitCopies(entryLoop.first);
  // No block leaves while another may still reach its shared memory.
  kernel.walk([&](gpu::ReturnOp ret) {
    b.setInsertionPoint(ret);
    cluster::emitClusterSync(b, ret.getLoc());
  });
  return success();
}

} // namespace

LogicalResult distributeClusterGroups(gpu::GPUFuncOp kernel, OpBuilder &b,
                                      ArrayRef<linalg::GenericOp> generics,
                                      Value tid, const Mapping &mapping,
                                      size_t groups, bool distinctArgs) {
  if (groups < 2)
    return kernel.emitError("ttt-gpu-distribute: cluster-groups needs warp "
                            "groups (ttt.output_threads)");
  ClusterEmitter emitter(kernel, b, tid, mapping, groups);
  if (failed(emitter.run(generics, distinctArgs)))
    return failure();
  kernel.setKnownClusterSizeAttr(
      b.getDenseI32ArrayAttr({1, static_cast<int32_t>(groups), 1}));
  return success();
}

} // namespace mlir::ttt::distribution
