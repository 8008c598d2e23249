//===- ClusterPlan.h - What the blocks of a cluster exchange ----*- C++ -*-===//
//
// The plan of ttt-gpu-distribute's cluster-groups mode (ClusterGroups.cpp):
// which shared bytes each op touches, which ops run on more than their
// group's block (replicas), the channels between the blocks of a chunk
// loop, and each group's own barriers.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_CLUSTERPLAN_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_CLUSTERPLAN_H

#include "DistributeMapping.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::ttt::distribution {

/// Bytes [lo, hi) of the dynamic shared memory.
struct Bytes {
  int64_t lo = 0, hi = 0;
  // Where only rows of `rowBytes` every `pitch` bytes from `lo` are
  // touched (padded rows; 0: every byte).
  int64_t rowBytes = 0, pitch = 0;
  bool overlaps(const Bytes &o) const { return lo < o.hi && o.lo < hi; }
  /// The bytes touched: the rows' where padded.
  int64_t touched() const {
    return rowBytes ? (hi - lo) / pitch * rowBytes : hi - lo;
  }
  /// The same bytes, every one of them.
  Bytes dense() const { return Bytes{lo, hi}; }
};

/// Maximal runs of overlapping intervals (padded rows kept where every
/// interval of a run is the same).
SmallVector<Bytes> merged(SmallVector<Bytes> all);

/// Whether any of `set` overlaps `x`.
bool touches(ArrayRef<Bytes> set, const Bytes &x);

/// What an op touches: shared bytes, and the kernel arguments' arrays
/// (null: any).
struct OpBytes {
  SmallVector<Bytes> reads, writes;
  SmallVector<Value> globalReads, globalWrites;
};

/// The shared bytes of `fs` (every footprint must be of the dynamic shared
/// memory or global), or failure.
LogicalResult sharedBytesOf(linalg::GenericOp op, ArrayRef<ttt::Footprint> fs,
                            SmallVectorImpl<Bytes> &out,
                            SmallVectorImpl<Value> &global);

/// Shared bytes a group writes in a loop body and another group reads.
struct Channel {
  Bytes bytes;
  int64_t stage = 0; // the staging area's first byte (in every block)
  int64_t writer = 0, reader = 0;
  Operation *lastWrite = nullptr;  // the copy follows it (or sendAfter)
  Operation *waitBefore = nullptr; // the reader takes the copy before it
  Operation *sendAfter = nullptr;  // placeCopies: where the copy goes
  Operation *lastRead = nullptr;   // direct-channels: the reader frees the
                                   // bytes after it
  bool barrierAfterCopy = true;    // a later op writes its bytes before
                                   // the block's next barrier
  bool carried = false;            // the last step's copy (none at step 0)
  scf::ForOp loop;
  int64_t full = 0, empty = 0; // barrier slots
  // direct-channels: the index of the channel whose take (and full
  // barrier) this one shares, -1 for none; the bytes a phase of the full
  // barrier counts (its sharers' too).
  int64_t takenWith = -1, fullBytes = 0;
  int64_t size() const { return bytes.hi - bytes.lo; }
};

/// The block each op runs on: its warp group in a loop of groups
/// (unmarked: 0), -1 (every block) elsewhere.
using GroupMap = llvm::DenseMap<Operation *, int64_t>;

/// Blocks an op runs on besides its group's (findReplicas).
using ReplicaMap = llvm::DenseMap<Operation *, SmallVector<int64_t>>;

/// Whether `op` runs on block `g`.
bool runsOn(const GroupMap &groupOf, const ReplicaMap &replicas, Operation *op,
            int64_t g);

/// Ops of one chunk loop's body (`ops`, in order) worth running on the
/// other blocks that read what they write, instead of a channel: one
/// computed from a step's inputs alone, or a state update of 4 KB or more
/// in place, whose other inputs reach those blocks anyway.
void findReplicas(ArrayRef<linalg::GenericOp> ops,
                  const llvm::DenseMap<Operation *, OpBytes> &bytes,
                  const GroupMap &group, size_t groups, ReplicaMap &replicas);

/// The channels of one chunk loop's body (`ops`, its generics in order);
/// errors where the groups' accesses allow none.
LogicalResult planChannels(scf::ForOp loop, ArrayRef<linalg::GenericOp> ops,
                           const llvm::DenseMap<Operation *, OpBytes> &bytes,
                           const GroupMap &groupOf, const ReplicaMap &replicas,
                           size_t groups, SmallVectorImpl<Channel> &out);

/// Each group's own synchronization after each op (Distribute.cpp's
/// slotsOf within a group).
llvm::DenseMap<Operation *, Slot>
ownSlotsOf(ArrayRef<linalg::GenericOp> generics, const GroupMap &groupOf,
           const ReplicaMap &replicas, Block *entry, const Mapping &mapping,
           bool distinctArgs);

/// Places each channel's copy (`sendAfter`, `barrierAfterCopy`) in its
/// loop body `ops`, given each op's own sync after it (`slots`, ownSlotsOf).
/// The copy needs a block barrier before it (every thread's writes): it
/// moves from its last write past the writer block's next ops while the
/// op before needs no block barrier and none writes the channel's bytes,
/// so its barrier is one the block has anyway; never at or past the
/// reader's take in program order (every wait stays for an earlier
/// event). The barrier after the copy (its reads before the next writes)
/// goes where no op of the writer's block writes the bytes before the
/// block's next barrier.
/// `stepBarrier`: the loop body starts with a block barrier (the next
/// step's then orders a copy after the body's last op).
void placeCopies(MutableArrayRef<Channel> channels,
                 ArrayRef<linalg::GenericOp> ops,
                 const llvm::DenseMap<Operation *, OpBytes> &bytes,
                 const GroupMap &groupOf, const ReplicaMap &replicas,
                 const llvm::DenseMap<Operation *, Slot> &slots,
                 bool stepBarrier);

/// direct-channels with fewer-block-barriers: channels into one block
/// taken before the same op (in one loop, all carried or none) share the
/// first one's full barrier (`takenWith`, `full`), which then counts all
/// their bytes (`fullBytes`): one wait where there was one each (the
/// recurrence's P0 and P1).
void shareTakes(MutableArrayRef<Channel> channels);

/// direct-channels: where the reader frees channel `c`, read last in the
/// step by `c.lastRead` (of the loop body `ops`). Without `later`: after
/// that read (behind a block barrier where it has none). With it
/// (fewer-block-barriers): after the first op of its block from there on
/// with a block barrier after it (`syncAfter`, into `freesAfter`), or,
/// where none follows in the step and the step starts with a block
/// barrier, after the next step's (`freeAtNextStep`): no barrier of its
/// own. The writer waits for the free only before its next step's copy,
/// after all of this step's, so the reader's takes in between never wait
/// for it. Not for a carried channel, whose writer waits for the free in
/// the same step: after the last read, as without `later`.
void placeFree(
    const Channel &c, ArrayRef<linalg::GenericOp> ops, const GroupMap &groupOf,
    const ReplicaMap &replicas,
    function_ref<Sync(Operation *, int64_t)> syncAfter, bool later,
    llvm::DenseMap<Operation *, SmallVector<const Channel *>> &freesAfter,
    SmallVectorImpl<const Channel *> &freeAtNextStep);

/// Each block's last op of a loop body `ops` (none of the body's later ops
/// runs there), as (op, group) pairs.
llvm::DenseSet<std::pair<Operation *, int64_t>>
lastOnTheirBlocks(ArrayRef<linalg::GenericOp> ops, const GroupMap &groupOf,
                  const ReplicaMap &replicas, size_t groups);

} // namespace mlir::ttt::distribution

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_CLUSTERPLAN_H
