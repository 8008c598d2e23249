//===- ClusterPlan.cpp - What the blocks of a cluster exchange ------------===//

#include "ClusterPlan.h"

#include "KernelLoops.h"
#include "MemoryFootprint.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <map>
#include <utility>

using namespace mlir;
using ttt::Access;
using ttt::Conflict;
using ttt::Footprint;

namespace mlir::ttt::distribution {

bool runsOn(const GroupMap &groupOf, const ReplicaMap &replicas, Operation *op,
            int64_t g) {
  return groupOf.lookup(op) == g || llvm::is_contained(replicas.lookup(op), g);
}

/// `f`'s bytes, as padded rows where its operand is whole rows of them
/// (shape R x C, row stride P > C, from a row's first element): the
/// columns past C (private-buffers' pads) are not touched.
static Bytes withRows(const Footprint &f) {
  Bytes bytes{f.usedLo, f.usedHi};
  auto type = dyn_cast_or_null<MemRefType>(f.view ? f.view.getType() : Type());
  if (!type || type.getRank() != 2 || !type.hasStaticShape() ||
      !type.getElementType().isIntOrFloat())
    return bytes;
  auto [strides, offset] = type.getStridesAndOffset();
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  int64_t elem = (type.getElementTypeBitWidth() + 7) / 8;
  if (strides[1] != 1 || ShapedType::isDynamic(strides[0]) ||
      strides[0] <= cols || ShapedType::isDynamic(offset) ||
      offset % strides[0] != 0)
    return bytes;
  int64_t pitch = strides[0] * elem, rowBytes = cols * elem;
  if (bytes.lo + rows * pitch > f.hi || pitch % 16 != 0 || rowBytes % 16 != 0)
    return bytes;
  bytes.hi = bytes.lo + rows * pitch;
  bytes.rowBytes = rowBytes;
  bytes.pitch = pitch;
  return bytes;
}

LogicalResult sharedBytesOf(linalg::GenericOp op, ArrayRef<ttt::Footprint> fs,
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
    out.push_back(withRows(f));
  }
  return success();
}

static bool sameArray(ArrayRef<Value> xs, ArrayRef<Value> ys) {
  for (Value x : xs)
    for (Value y : ys)
      if (!x || !y || x == y)
        return true;
  return false;
}

SmallVector<Bytes> merged(SmallVector<Bytes> all) {
  llvm::sort(all, [](const Bytes &a, const Bytes &b) { return a.lo < b.lo; });
  SmallVector<Bytes> runs;
  for (const Bytes &x : all) {
    if (runs.empty() || x.lo >= runs.back().hi) {
      runs.push_back(x);
      continue;
    }
    Bytes &run = runs.back();
    if (x.lo != run.lo || x.hi != run.hi || x.rowBytes != run.rowBytes ||
        x.pitch != run.pitch)
      run = Bytes{run.lo, std::max(run.hi, x.hi)};
  }
  return runs;
}

bool touches(ArrayRef<Bytes> set, const Bytes &x) {
  return llvm::any_of(set, [&](const Bytes &y) { return y.overlaps(x); });
}

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
/// any of its groups needs after it; with fewer-block-barriers, where its
/// groups' needs differ, each one's too (Slot::groupAfter).
llvm::DenseMap<Operation *, Slot>
ownSlotsOf(ArrayRef<linalg::GenericOp> generics, const GroupMap &groupOf,
           const ReplicaMap &replicas, Block *entry, const Mapping &mapping,
           bool distinctArgs) {
  llvm::DenseMap<Operation *, Slot> slots;
  // Per op, the sync each of its groups lets it have (Block unless the
  // group's next op may follow with less).
  llvm::DenseMap<Operation *, SmallVector<std::pair<int64_t, Sync>>> allowed;
  llvm::DenseMap<int64_t, std::pair<linalg::GenericOp, Access>> last;
  llvm::DenseMap<int64_t, int64_t> nextWarp;
  int64_t warps = mapping.threads / 32;
  auto groupsOf = [&](Operation *op) {
    SmallVector<int64_t> gs{groupOf.lookup(op)};
    llvm::append_range(gs, replicas.lookup(op));
    return gs;
  };
  // A group's ops since its last block barrier, and the warps their
  // tensor-core tiles take.
  struct Phase {
    SmallVector<std::pair<linalg::GenericOp, Access>, 0> ops;
    int64_t mmaWarps = 0; // spread-mma-warps: their sum, else the most
    bool warpSync = false;
  };
  std::map<int64_t, Phase> phases;
  // offMmaWarps: an op of one group run point by point or by rows that
  // touches nothing the phase's other ops write (and writes nothing they
  // touch, whichever threads run them) may run on any threads: on the
  // warps the tensor-core tiles leave, not on the tiles' warps, which
  // the phase's barrier waits for anyway. (An op on several blocks moved
  // too measured slower.)
  auto closePhase = [&](int64_t g) {
    Phase p = std::exchange(phases[g], Phase());
    if (!mapping.offMmaWarps || p.warpSync || p.mmaWarps == 0 ||
        p.mmaWarps >= warps)
      return;
    for (const auto &member : p.ops) {
      linalg::GenericOp op = member.first;
      int64_t from = 32 * p.mmaWarps;
      if (groupsOf(op).size() != 1 ||
          !mapping.movable(op, planFor(op), mapping.threads - from))
        continue;
      bool alone = llvm::all_of(p.ops, [&](const auto &other) {
        return other.first == op || ttt::disjoint(member.second, other.second);
      });
      if (!alone)
        continue;
      Slot &slot = slots[op.getOperation()];
      slot.firstThread = from;
      slot.threadCount = mapping.threads - from;
    }
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
        closePhase(g);
        last[g] = {op, a};
        nextWarp[g] = 0;
      } else {
        phases[g].warpSync |= c == Conflict::SameWarp;
        allowed[it->second.first.getOperation()].push_back(
            {g, c == Conflict::SameWarp ? Sync::Warp : Sync::None});
        it->second.first = op;
        it->second.second.reads.append(a.reads);
        it->second.second.writes.append(a.writes);
      }
      if (mapping.offMmaWarps)
        phases[g].ops.push_back({op, a});
      if (!mapping.onMma(op, plan))
        continue;
      int64_t tiles =
          ttt::mmaWarpTiles(op, mapping.threads, mapping.mmaColumnTiles);
      int64_t &mmaWarps = phases[g].mmaWarps;
      bool spread = mapping.spreads(op);
      mmaWarps = spread ? mmaWarps + tiles : std::max(mmaWarps, tiles);
      if (spread && warps > 0) {
        if (g == groupOf.lookup(op.getOperation()))
          slots[op.getOperation()].firstWarp = nextWarp[g];
        nextWarp[g] = (nextWarp[g] + tiles) % warps;
      }
    }
  }
  for (auto &groupPhase : phases)
    closePhase(groupPhase.first);
  // Each group's own need; on several blocks, each block's where they
  // differ (the others need not wait where one group does).
  for (linalg::GenericOp op : generics) {
    const auto &ok = allowed.lookup(op.getOperation());
    auto needOn = [&](int64_t g) {
      for (auto [x, sync] : ok)
        if (x == g)
          return sync;
      return Sync::Block;
    };
    SmallVector<int64_t> gs = groupsOf(op.getOperation());
    Sync strongest = Sync::None;
    for (int64_t g : gs)
      strongest = std::max(strongest, needOn(g));
    Slot &slot = slots[op.getOperation()];
    slot.after = strongest;
    if (mapping.fewerBlockBarriers &&
        llvm::any_of(gs, [&](int64_t g) { return needOn(g) != strongest; }))
      for (int64_t g : gs)
        slot.groupAfter.push_back({g, needOn(g)});
  }
  return slots;
}

/// Ops worth running on the other blocks that read what they write: one
/// computed from a step's inputs alone (cheaper than a copy), or a state
/// update, at least 4 KB of shared bytes updated in place (its outputs'
/// old values feed its body); no other op of the loop writes its bytes, whose
/// other shared inputs are either written by no op of the loop (staged inputs)
/// or written by its own group and read on that block anyway (a channel brings
/// them).
void findReplicas(ArrayRef<linalg::GenericOp> ops,
                  const llvm::DenseMap<Operation *, OpBytes> &bytes,
                  const GroupMap &group, size_t groups, ReplicaMap &replicas) {
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

void placeCopies(MutableArrayRef<Channel> channels,
                 ArrayRef<linalg::GenericOp> ops,
                 const llvm::DenseMap<Operation *, OpBytes> &bytes,
                 const GroupMap &groupOf, const ReplicaMap &replicas,
                 const llvm::DenseMap<Operation *, Slot> &slots,
                 bool stepBarrier) {
  // On the writer's block.
  auto blockBarrierAfter = [&](Operation *op, int64_t writer) {
    return slots.lookup(op).afterOn(writer) == Sync::Block;
  };
  for (Channel &c : channels) {
    auto *last = llvm::find(ops, c.lastWrite);
    if (last == ops.end())
      continue;
    // The writer block's ops after the last write, in order.
    SmallVector<Operation *> later;
    for (linalg::GenericOp op : llvm::make_range(std::next(last), ops.end()))
      if (runsOn(groupOf, replicas, op, c.writer))
        later.push_back(op);
    auto writesChannel = [&](Operation *op) {
      return touches(bytes.lookup(op).writes, c.bytes);
    };
    c.sendAfter = c.lastWrite;
    size_t next = 0;
    for (; next < later.size() && !blockBarrierAfter(c.sendAfter, c.writer);
         ++next) {
      Operation *op = later[next];
      bool atTake = !c.carried &&
                    (op == c.waitBefore || c.waitBefore->isBeforeInBlock(op));
      // The recurrence (block 0) waits for its takes: a copy to it does
      // not wait for a product after the last write (four-block fp32:
      // 3.504 against 3.666 ms at 1 x 32768; to the output block the
      // shared phase is worth more, fast 3.129 against 3.309).
      if (atTake || writesChannel(op) ||
          (c.reader == 0 && isa<linalg::LinalgOp>(op) &&
           ttt::isContraction(cast<linalg::LinalgOp>(op))))
        break;
      c.sendAfter = op;
    }
    // The barrier after the copy (later[next] is the op after it): kept
    // unless a block barrier comes first, a later op's or, where no op
    // follows, the next step's first (else the next step's writes could
    // race the copy).
    c.barrierAfterCopy = true;
    for (; next < later.size() && !writesChannel(later[next]); ++next)
      if (blockBarrierAfter(later[next], c.writer)) {
        c.barrierAfterCopy = false;
        break;
      }
    if (next == later.size() && stepBarrier)
      c.barrierAfterCopy = false;
  }
}

llvm::DenseSet<std::pair<Operation *, int64_t>>
lastOnTheirBlocks(ArrayRef<linalg::GenericOp> ops, const GroupMap &groupOf,
                  const ReplicaMap &replicas, size_t groups) {
  llvm::DenseMap<int64_t, Operation *> last;
  for (linalg::GenericOp op : ops)
    for (size_t g = 0; g < groups; ++g)
      if (runsOn(groupOf, replicas, op, g))
        last[g] = op;
  llvm::DenseSet<std::pair<Operation *, int64_t>> out;
  for (auto [g, op] : last)
    out.insert({op, g});
  return out;
}

void shareTakes(MutableArrayRef<Channel> channels) {
  for (size_t i = 0; i < channels.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      Channel &c = channels[i], &first = channels[j];
      if (first.takenWith >= 0 || first.loop != c.loop ||
          first.reader != c.reader || first.waitBefore != c.waitBefore ||
          first.carried != c.carried)
        continue;
      c.takenWith = static_cast<int64_t>(j);
      c.full = first.full;
      first.fullBytes += c.fullBytes;
      break;
    }
}

void placeFree(
    const Channel &c, ArrayRef<linalg::GenericOp> ops, const GroupMap &groupOf,
    const ReplicaMap &replicas,
    function_ref<Sync(Operation *, int64_t)> syncAfter, bool later,
    llvm::DenseMap<Operation *, SmallVector<const Channel *>> &freesAfter,
    SmallVectorImpl<const Channel *> &freeAtNextStep) {
  if (later && !c.carried) {
    const auto *it = llvm::find_if(ops, [&](linalg::GenericOp op) {
      return op.getOperation() == c.lastRead;
    });
    for (; it != ops.end(); ++it)
      if (runsOn(groupOf, replicas, *it, c.reader) &&
          syncAfter(*it, c.reader) == Sync::Block) {
        freesAfter[*it].push_back(&c);
        return;
      }
    scf::ForOp loop = c.loop;
    if (ttt::leadingBarrier(*loop.getBody())) {
      freeAtNextStep.push_back(&c);
      return;
    }
  }
  freesAfter[c.lastRead].push_back(&c);
}

} // namespace mlir::ttt::distribution
