//===- ClusterGroups.cpp - ttt-gpu-distribute over blocks of a cluster ----===//
//
// cluster-groups: warp group g (ttt-gpu-output-warps' marks) runs on block
// g of a thread-block cluster of one block per group, on all its threads,
// so the groups' chains do not share an SM (docs/GPU.md, "Splitting the
// step over a cluster"). Every block has the whole shared-memory layout.
//
// In a chunk loop, shared bytes written by group X and read by group Y
// form a channel: after X's last write of them in a step, X copies them
// into a staging area of Y's block with st.async, counted on Y's "full"
// mbarrier, once Y took the last copy (X's "empty" mbarrier). Y waits on it
// before its first read of the new value (that step, or, where every read
// precedes the write, the next step), moves the bytes from the staging
// area into place and frees it at once: X waits for Y only where Y has not
// yet taken the last step's value. Each wait is for an event earlier in
// the body's program order, so the blocks cannot deadlock; phases are
// counted by the iteration. Ops outside the chunk loops run on every block
// (writes to global memory on block 0 only); what a loop's groups wrote
// and later ops read is copied to every block at the loop's exit, between
// two cluster barriers.
//
//===----------------------------------------------------------------------===//

#include "ClusterSync.h"
#include "DistributeMapping.h"
#include "KernelLoops.h"
#include "MemoryFootprint.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using ttt::Access;
using ttt::Conflict;
using ttt::Footprint;

namespace mlir::ttt::distribution {
namespace {

/// Bytes [lo, hi) of the dynamic shared memory.
struct Bytes {
  int64_t lo = 0, hi = 0;
  bool overlaps(const Bytes &o) const { return lo < o.hi && o.lo < hi; }
};

/// Shared bytes a group writes in a loop body and another group reads.
struct Channel {
  Bytes bytes;
  int64_t stage = 0; // the staging area's first byte (in every block)
  int64_t writer = 0, reader = 0;
  Operation *lastWrite = nullptr;  // the copy follows it
  Operation *waitBefore = nullptr; // the reader takes the copy before it
  bool carried = false;            // the last step's copy (none at step 0)
  scf::ForOp loop;
  int64_t full = 0, empty = 0; // barrier slots
  int64_t size() const { return bytes.hi - bytes.lo; }
};

/// What a loop's groups wrote that later ops read: copied at its exit.
struct ExitCopy {
  scf::ForOp loop;
  int64_t writer;
  Bytes bytes;
};

/// The block each op runs on: its warp group in a loop of groups
/// (unmarked: 0), -1 (every block) elsewhere.
using GroupMap = llvm::DenseMap<Operation *, int64_t>;

/// Blocks an op runs on besides its group's: a state update (an op
/// writing only bytes it reads) whose other inputs reach those blocks
/// anyway keeps their copy of the state current, instead of a channel.
using ReplicaMap = llvm::DenseMap<Operation *, SmallVector<int64_t>>;

bool runsOn(const GroupMap &groupOf, const ReplicaMap &replicas, Operation *op,
            int64_t g) {
  return groupOf.lookup(op) == g || llvm::is_contained(replicas.lookup(op), g);
}

/// The shared bytes of `fs` (every footprint must be of the dynamic shared
/// memory or global), or failure.
LogicalResult sharedBytesOf(linalg::GenericOp op, ArrayRef<Footprint> fs,
                            SmallVectorImpl<Bytes> &out,
                            SmallVectorImpl<Value> &global) {
  for (const Footprint &f : fs) {
    if (f.kind == Footprint::Global) {
      global.push_back(f.base); // null: any kernel argument
      continue;
    }
    if (f.kind != Footprint::Shared || !f.base ||
        !f.base.getDefiningOp<gpu::DynamicSharedMemoryOp>())
      return op.emitError("ttt-gpu-distribute: cluster-groups cannot tell "
                          "which shared bytes this op touches");
    out.push_back({f.lo, f.hi});
  }
  return success();
}

struct OpBytes {
  SmallVector<Bytes> reads, writes;
  // The kernel arguments' arrays read and written (null: any).
  SmallVector<Value> globalReads, globalWrites;
};

bool sameArray(ArrayRef<Value> xs, ArrayRef<Value> ys) {
  for (Value x : xs)
    for (Value y : ys)
      if (!x || !y || x == y)
        return true;
  return false;
}

/// Maximal runs of overlapping intervals.
SmallVector<Bytes> merged(SmallVector<Bytes> all) {
  llvm::sort(all, [](const Bytes &a, const Bytes &b) { return a.lo < b.lo; });
  SmallVector<Bytes> runs;
  for (const Bytes &x : all)
    if (!runs.empty() && x.lo < runs.back().hi)
      runs.back().hi = std::max(runs.back().hi, x.hi);
    else
      runs.push_back(x);
  return runs;
}

bool touches(ArrayRef<Bytes> set, const Bytes &x) {
  return llvm::any_of(set, [&](const Bytes &y) { return y.overlaps(x); });
}

/// The channels of one chunk loop's body (`ops`, its generics in order).
LogicalResult planChannels(scf::ForOp loop, ArrayRef<linalg::GenericOp> ops,
                           const llvm::DenseMap<Operation *, OpBytes> &bytes,
                           const GroupMap &groupOf, const ReplicaMap &replicas,
                           size_t groups, SmallVectorImpl<Channel> &out) {
  auto markedGroup = [&](linalg::GenericOp op) {
    return groupOf.lookup(op.getOperation());
  };
  SmallVector<SmallVector<Bytes>> written(groups);
  for (linalg::GenericOp op : ops)
    llvm::append_range(written[markedGroup(op)],
                       bytes.lookup(op.getOperation()).writes);
  // Global memory goes through no channel: one group's arrays only.
  for (linalg::GenericOp w : ops)
    for (linalg::GenericOp r : ops) {
      const OpBytes &wb = bytes.lookup(w.getOperation());
      const OpBytes &rb = bytes.lookup(r.getOperation());
      if (markedGroup(w) != markedGroup(r) &&
          (sameArray(wb.globalWrites, rb.globalReads) ||
           sameArray(wb.globalWrites, rb.globalWrites)))
        return r.emitError("ttt-gpu-distribute: cluster-groups: this op "
                           "touches global memory another warp group "
                           "writes in the loop");
    }
  SmallVector<SmallVector<Bytes>> runs;
  for (size_t g = 0; g < groups; ++g)
    runs.push_back(merged(written[g]));
  for (size_t g = 0; g < groups; ++g)
    for (size_t h = g + 1; h < groups; ++h)
      for (const Bytes &x : runs[g])
        if (touches(runs[h], x))
          return loop.emitError("ttt-gpu-distribute: cluster-groups: warp "
                                "groups ")
                 << g << " and " << h << " both write shared bytes [" << x.lo
                 << ", " << x.hi << ") in this loop";
  for (size_t x = 0; x < groups; ++x)
    for (const Bytes &run : runs[x])
      for (size_t y = 0; y < groups; ++y) {
        if (y == x)
          continue;
        int64_t firstWrite = -1, lastWrite = -1;
        bool replicated = true; // every write of the run also on y
        // Bytes copied as 16-byte chunks.
        if (run.lo % 16 != 0 || run.hi % 16 != 0)
          return loop.emitError("ttt-gpu-distribute: cluster-groups: shared "
                                "bytes [")
                 << run.lo << ", " << run.hi
                 << ") another group reads are not in 16-byte chunks";
        SmallVector<int64_t> reads;
        for (auto [i, constOp] : llvm::enumerate(ops)) {
          linalg::GenericOp op = constOp;
          const OpBytes &ob = bytes.lookup(op.getOperation());
          int64_t g = markedGroup(op);
          if (g == static_cast<int64_t>(x) && touches(ob.writes, run)) {
            if (firstWrite < 0)
              firstWrite = i;
            lastWrite = i;
            replicated = replicated &&
                         llvm::is_contained(replicas.lookup(op), int64_t(y));
          }
          if (runsOn(groupOf, replicas, op, y) && touches(ob.reads, run))
            reads.push_back(i);
        }
        if (reads.empty() || replicated)
          continue;
        for (int64_t r : reads)
          if (r > firstWrite && r < lastWrite)
            return linalg::GenericOp(ops[r]).emitError(
                "ttt-gpu-distribute: cluster-groups: this op reads shared "
                "bytes another group writes both before and after it in "
                "the step");
        SmallVector<int64_t> before, after;
        for (int64_t r : reads)
          (r < lastWrite ? before : after).push_back(r);
        Channel c;
        c.bytes = run;
        c.writer = x;
        c.reader = y;
        c.loop = loop;
        c.lastWrite = ops[lastWrite];
        c.carried = after.empty();
        c.waitBefore = ops[c.carried ? before.front() : after.front()];
        out.push_back(c);
      }
  return success();
}

/// Own-group synchronization (slotsOf of Distribute.cpp within each
/// group): ops of other groups run on other blocks, so they do not part
/// two ops of a group. An op on several blocks gets the strongest sync
/// any of its groups needs after it.
llvm::DenseMap<Operation *, Slot>
ownSlotsOf(ArrayRef<linalg::GenericOp> generics, const GroupMap &groupOf,
           const ReplicaMap &replicas, Block *entry, const Mapping &mapping,
           bool distinctArgs) {
  llvm::DenseMap<Operation *, Slot> slots;
  // Per op, the sync each of its groups lets it have (Block unless the
  // group's next op may follow with less).
  llvm::DenseMap<Operation *, SmallVector<Sync>> allowed;
  llvm::DenseMap<int64_t, std::pair<linalg::GenericOp, Access>> last;
  llvm::DenseMap<int64_t, int64_t> nextWarp;
  int64_t warps = mapping.threads / 32;
  auto groupsOf = [&](Operation *op) {
    SmallVector<int64_t> gs{groupOf.lookup(op)};
    llvm::append_range(gs, replicas.lookup(op));
    return gs;
  };
  for (linalg::GenericOp op : generics) {
    Plan plan = planFor(op);
    Access a = accessWith(op, plan, mapping, entry, distinctArgs);
    for (int64_t g : groupsOf(op)) {
      auto it = last.find(g);
      bool adjacent = false;
      if (it != last.end()) {
        Operation *prev = it->second.first;
        adjacent =
            prev->getBlock() == op->getBlock() && prev->isBeforeInBlock(op);
        for (Operation *x = prev->getNextNode(); adjacent && x != op;
             x = x->getNextNode()) {
          auto other = dyn_cast<linalg::GenericOp>(x);
          bool elsewhere = other && g >= 0 && groupOf.count(other) &&
                           !runsOn(groupOf, replicas, other, g) &&
                           groupOf.lookup(other) >= 0;
          adjacent =
              elsewhere || (x->getNumRegions() == 0 && isMemoryEffectFree(x));
        }
      }
      Conflict c =
          adjacent ? ttt::conflictAfter(it->second.second, a) : Conflict::Block;
      if (c == Conflict::Block) {
        last[g] = {op, a};
        nextWarp[g] = 0;
      } else {
        allowed[it->second.first.getOperation()].push_back(
            c == Conflict::SameWarp ? Sync::Warp : Sync::None);
        it->second.first = op;
        it->second.second.reads.append(a.reads);
        it->second.second.writes.append(a.writes);
      }
      if (mapping.spreadMma && mapping.onMma(op, plan) && warps > 0) {
        if (g == groupOf.lookup(op.getOperation()))
          slots[op.getOperation()].firstWarp = nextWarp[g];
        nextWarp[g] =
            (nextWarp[g] +
             ttt::mmaWarpTiles(op, mapping.threads, mapping.mmaColumnTiles)) %
            warps;
      }
    }
  }
  for (linalg::GenericOp op : generics) {
    const SmallVector<Sync> &ok = allowed.lookup(op.getOperation());
    if (ok.size() < groupsOf(op.getOperation()).size())
      continue; // Block, the default
    Sync strongest = Sync::None;
    for (Sync x : ok)
      if (x == Sync::Warp)
        strongest = Sync::Warp;
    slots[op.getOperation()].after = strongest;
  }
  return slots;
}

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
  Value barrierAt(Location loc, int64_t slot) {
    return i32(loc, arith::AddIOp::create(b, loc, sharedBase,
                                          cst(loc, barrierOffset + 8 * slot)));
  }
  /// The parity of `loop`'s current iteration.
  Value parityIn(Location loc, scf::ForOp loop) {
    Value n = arith::SubIOp::create(b, loc, loop.getInductionVar(),
                                    loop.getLowerBound());
    n = arith::DivUIOp::create(b, loc, n, loop.getStep());
    return i32(loc, arith::RemUIOp::create(b, loc, n, cst(loc, 2)));
  }
  scf::IfOp guardOn(Location loc, Value cond) {
    return scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
  }
  Value isRank(Location loc, int64_t g) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rank,
                                 cst(loc, g));
  }
  Value isThread0(Location loc) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                                 cst(loc, 0));
  }
  void emitInit(Location loc);
  void emitCopy(Location loc, const Bytes &bytes, int64_t to, Value toRank,
                Value bar);
  void emitTake(Location loc, const Channel &c);
  void findReplicas(ArrayRef<linalg::GenericOp> ops,
                    const llvm::DenseMap<Operation *, OpBytes> &bytes);
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
    // The reader's full barrier expects the first copy's bytes; the
    // writer's empty barrier has its phase 0 complete (no copy to take
    // before the first).
    auto inReader = guardOn(loc, isRank(loc, c.reader));
    b.setInsertionPoint(inReader.thenBlock()->getTerminator());
    Value full = barrierAt(loc, c.full);
    cluster::emitInitBarrier(b, loc, full, 1);
    cluster::emitExpectBytes(b, loc, full, c.size());
    b.setInsertionPointAfter(inReader);
    auto inWriter = guardOn(loc, isRank(loc, c.writer));
    b.setInsertionPoint(inWriter.thenBlock()->getTerminator());
    Value empty = barrierAt(loc, c.empty);
    cluster::emitInitBarrier(b, loc, empty, 1);
    cluster::emitArriveLocal(b, loc, empty, 1);
    b.setInsertionPointAfter(inWriter);
  }
  cluster::emitFenceBarrierInit(b, loc);
  b.setInsertionPointAfter(then);
  cluster::emitClusterSync(b, loc);
}

/// `bytes` (16-byte chunks) of this block's shared memory into block
/// `toRank`'s at `to` (its same place where negative), spread over the
/// threads: st.async on `bar` where given, else plain remote stores; with
/// no `toRank`, a copy within this block.
void ClusterEmitter::emitCopy(Location loc, const Bytes &bytes, int64_t to,
                              Value toRank, Value bar) {
  if (to < 0)
    to = bytes.lo;
  Value start = arith::MulIOp::create(b, loc, tid, cst(loc, 16));
  auto loop =
      scf::ForOp::create(b, loc, start, cst(loc, bytes.hi - bytes.lo),
                         cst(loc, static_cast<int64_t>(mapping.threads) * 16));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value off = loop.getInductionVar();
  auto at = [&](int64_t base) {
    return i32(loc, arith::AddIOp::create(
                        b, loc, sharedBase,
                        arith::AddIOp::create(b, loc, off, cst(loc, base))));
  };
  if (!toRank)
    cluster::emitMoveChunk(b, loc, at(bytes.lo), at(to));
  else if (bar)
    cluster::emitSendChunk(b, loc, at(bytes.lo), at(to), toRank, bar, 16);
  else
    cluster::emitStoreChunk(b, loc, at(bytes.lo), toRank, 16);
}

/// Ops worth running on the other blocks that read what they write: one
/// computed from a step's inputs alone (cheaper than a copy), or a state
/// update, at least 4 KB of shared bytes updated in place (its outputs'
/// old values feed its body); no other op of the loop writes its bytes, whose
/// other shared inputs are either written by no op of the loop (staged inputs)
/// or written by its own group and read on that block anyway (a channel brings
/// them).
void ClusterEmitter::findReplicas(
    ArrayRef<linalg::GenericOp> ops,
    const llvm::DenseMap<Operation *, OpBytes> &bytes) {
  for (linalg::GenericOp w : ops) {
    const OpBytes &wb = bytes.lookup(w.getOperation());
    int64_t x = group.lookup(w.getOperation());
    SmallVector<Bytes> state = merged(wb.writes);
    int64_t size = 0;
    for (const Bytes &r : state)
      size += r.hi - r.lo;
    // It updates what it writes (its outputs' old values feed its body).
    bool update = llvm::all_of(w.getDpsInitsMutable(), [&](OpOperand &o) {
      return w.payloadUsesValueFromOperand(&o);
    });
    // Or it reads nothing the loop writes (a step's inputs alone).
    bool inputOnly =
        llvm::none_of(
            w.getDpsInitsMutable(),
            [&](OpOperand &o) { return w.payloadUsesValueFromOperand(&o); }) &&
        llvm::all_of(wb.reads, [&](const Bytes &q) {
          return llvm::none_of(ops, [&](linalg::GenericOp o) {
            return touches(bytes.lookup(o.getOperation()).writes, q);
          });
        });
    if (!wb.globalWrites.empty() || (!inputOnly && (size < 4096 || !update)))
      continue;
    bool alone = llvm::none_of(ops, [&](linalg::GenericOp o) {
      return o != w && llvm::any_of(state, [&](const Bytes &r) {
               return touches(bytes.lookup(o.getOperation()).writes, r);
             });
    });
    if (!alone)
      continue;
    for (int64_t y = 0; y < static_cast<int64_t>(groups); ++y) {
      auto readsOnY = [&](const Bytes &r) {
        return llvm::any_of(ops, [&](linalg::GenericOp o) {
          return group.lookup(o.getOperation()) == y &&
                 touches(bytes.lookup(o.getOperation()).reads, r);
        });
      };
      if (y == x || llvm::none_of(state, readsOnY))
        continue;
      bool inputsThere = llvm::all_of(wb.reads, [&](const Bytes &q) {
        if (touches(state, q))
          return true;
        bool written = false, byOthers = false;
        for (linalg::GenericOp o : ops)
          if (touches(bytes.lookup(o.getOperation()).writes, q)) {
            written = true;
            byOthers |= group.lookup(o.getOperation()) != x;
          }
        return !written || (!byOthers && readsOnY(q));
      });
      if (inputsThere)
        replicas[w.getOperation()].push_back(y);
    }
  }
}

/// The reader takes channel `c`'s copy: waits on its full barrier (from
/// the second step on where the copy is the last step's), expects the
/// next copy's bytes, moves them from the staging area into place, and
/// frees the staging area for the writer's next copy.
void ClusterEmitter::emitTake(Location loc, const Channel &c) {
  Value parity = parityIn(loc, c.loop);
  if (c.carried) {
    scf::ForOp loop = c.loop;
    Value later =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                              loop.getInductionVar(), loop.getLowerBound());
    auto notFirst = guardOn(loc, later);
    b.setInsertionPoint(notFirst.thenBlock()->getTerminator());
    parity = arith::XOrIOp::create(
        b, loc, parity,
        arith::ConstantIntOp::create(b, loc, b.getI32Type(), 1));
  }
  Value full = barrierAt(loc, c.full);
  cluster::emitWaitParity(b, loc, full, parity);
  auto first = guardOn(loc, isThread0(loc));
  b.setInsertionPoint(first.thenBlock()->getTerminator());
  cluster::emitExpectBytes(b, loc, full, c.size());
  b.setInsertionPointAfter(first);
  emitCopy(loc, Bytes{c.stage, c.stage + c.size()}, c.bytes.lo, Value(),
           Value());
  gpu::BarrierOp::create(b, loc);
  auto freeing = guardOn(loc, isThread0(loc));
  b.setInsertionPoint(freeing.thenBlock()->getTerminator());
  cluster::emitArriveRemote(
      b, loc, barrierAt(loc, c.empty),
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), c.writer));
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
        emitCopy(loc, e.bytes, -1,
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
    findReplicas(ops, bytes);
    if (failed(
            planChannels(loop, ops, bytes, group, replicas, groups, channels)))
      return failure();
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
  // Each channel's staging area after the buffers, then the barriers.
  auto shared = kernel->getAttrOfType<IntegerAttr>("ttt.shared_bytes");
  int64_t end = llvm::alignTo(shared ? shared.getInt() : 0, 16);
  for (Channel &c : channels) {
    c.stage = end;
    end += c.size();
  }
  barrierOffset = end;
  for (auto [i, c] : llvm::enumerate(channels)) {
    c.full = 2 * i;
    c.empty = 2 * i + 1;
  }
  kernel->setAttr("ttt.shared_bytes",
                  b.getI64IntegerAttr(
                      llvm::alignTo(barrierOffset + 16 * channels.size(), 16)));

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
  // Copies to a group another waits on (the recurrence's path) before
  // those to a group no channel leaves (an output chain).
  auto feeds = [&](const Channel *c) {
    return llvm::any_of(channels, [&](const Channel &d) {
      return d.loop == c->loop && d.writer == c->reader;
    });
  };
  for (linalg::GenericOp op : generics) {
    int64_t g = group.lookup(op.getOperation());
    Location loc = op.getLoc();
    Slot slot = slots.lookup(op.getOperation());
    SmallVector<const Channel *> copies;
    for (const Channel &c : channels)
      if (c.lastWrite == op)
        copies.push_back(&c);
    llvm::stable_sort(copies, [&](const Channel *x, const Channel *y) {
      return feeds(x) && !feeds(y);
    });
    if (!copies.empty()) // every thread's writes before the copies
      slot.after = Sync::Block;
    OpBytes ob = bytes.lookup(op.getOperation());
    b.setInsertionPoint(op);
    scf::IfOp guard;
    SmallVector<int64_t> also = replicas.lookup(op.getOperation());
    if (g >= 0) {
      Value on = isRank(loc, g);
      for (int64_t r : also)
        on = arith::OrIOp::create(b, loc, on, isRank(loc, r));
      guard = guardOn(loc, on);
    } else if (!ob.globalWrites.empty())
      guard = guardOn(loc, isRank(loc, 0));
    if (guard) {
      Operation *end = guard.thenBlock()->getTerminator();
      op->moveBefore(end);
      b.setInsertionPoint(op);
    }
    // On several blocks, each takes and copies only its own channels.
    auto onlyOn = [&](int64_t rank) {
      if (also.empty())
        return;
      auto here = guardOn(loc, isRank(loc, rank));
      b.setInsertionPoint(here.thenBlock()->getTerminator());
    };
    for (const Channel &c : channels)
      if (c.waitBefore == op) {
        onlyOn(c.reader);
        emitTake(loc, c);
        b.setInsertionPoint(op);
      }
    Operation *anchor = op->getNextNode();
    if (failed(distribute(b, op, tid, mapping, slot)))
      return failure();
    b.setInsertionPoint(anchor);
    for (const Channel *c : copies) {
      onlyOn(c->writer);
      cluster::emitWaitParity(b, loc, barrierAt(loc, c->empty),
                              parityIn(loc, c->loop));
      emitCopy(loc, c->bytes, c->stage,
               arith::ConstantIntOp::create(b, loc, b.getI32Type(), c->reader),
               barrierAt(loc, c->full));
      b.setInsertionPoint(anchor);
    }
    if (!copies.empty()) // the next writes after every thread's copy
      gpu::BarrierOp::create(b, loc);
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
