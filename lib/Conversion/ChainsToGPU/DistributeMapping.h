//===- DistributeMapping.h - How ttt-gpu-distribute maps ops ----*- C++ -*-===//
//
// Shared by ttt-gpu-distribute (Distribute.cpp) and its two-warp-group
// mode (WarpGroups.cpp): an op's loop plan, the mapping options, the
// synchronization planned after each op, and the emission of one op.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_DISTRIBUTEMAPPING_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_DISTRIBUTEMAPPING_H

#include "KernelLoops.h"
#include "MemoryFootprint.h"
#include "MmaContraction.h"
#include "RegisterWeights.h"
#include "RowWarps.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::ttt::distribution {

/// How an op's loops run: the dims spread over the threads and those
/// each point runs in order.
struct Plan {
  SmallVector<unsigned> parallel;   // distributed dims, loop order
  SmallVector<unsigned> sequential; // per point, loop order
  bool accumulate = false;          // outputs carried through `sequential`
};

/// How the pass maps ops: threads per block, tensor cores, row-warps.
struct Mapping {
  unsigned threads;
  ttt::MmaPrecision precision;
  bool rowWarps;
  bool spreadMma;
  int64_t mmaKUnroll;
  int64_t mmaKChains;
  bool pairAccesses;
  int64_t mmaColumnTiles = 1;       // warp tiles for warps / this many warps
  int64_t outputMmaColumnTiles = 0; // the output group's (0: the same)
  bool ldmatrix = false;            // A fragments by ldmatrix.x4
  int64_t rowLanes = 16;            // the fewest lanes a row-warps row takes
  int64_t channelSlots = 1;         // cluster-groups: staging areas a channel
  // cluster-groups: copies straight into the reader's buffer, freed after
  // its last read in the step (no staging area).
  bool directChannels = false;
  // cluster-groups: each block's own sync after an op on several blocks;
  // with direct-channels also frees after a later block barrier and one
  // wait for the takes before an op (ClusterPlan.h).
  bool fewerBlockBarriers = false;
  // Each warp group's (cluster-groups: each block's) ops of a loop as one
  // run of code (GroupSections.h).
  bool groupSections = false;
  // cluster-groups: a phase's ops run point by point or by rows go on the
  // warps its tensor-core ops leave idle, where they touch nothing the
  // phase's other ops write and write nothing they touch.
  bool offMmaWarps = false;
  // register-weights (RegisterWeights.h): the ops that use a weight
  // buffer's register copy.
  const llvm::DenseMap<Operation *, ttt::RegisterUse> *registerOps = nullptr;
  // The kernel's entry block and whether its array arguments are distinct
  // (the footprints of an op's operands, MemoryFootprint.h).
  Block *entry = nullptr;
  bool distinctArgs = false;

  /// Whether `op` runs as tensor-core tiles (its points are then spread
  /// over the warps' lanes, not one per thread).
  bool onMma(linalg::GenericOp op, const Plan &plan) const {
    return precision != ttt::MmaPrecision::None && plan.accumulate &&
           plan.sequential.size() == 1 &&
           ttt::canUseMma(op, threads, precision);
  }
  /// Whether `op`'s tensor-core tiles take the warps after those of the
  /// ops before it since the last block barrier (spread-mma-warps, or the
  /// op marked ttt.spread_mma).
  bool spreads(linalg::GenericOp op) const {
    return spreadMma || op->hasAttr(ttt::kSpreadMmaAttr);
  }
  /// Whether `op` runs point by point (one point a thread) or in the
  /// row-warps mapping, and would on `count` threads too: then it may run
  /// on any `count` of the block's threads (Slot::threadCount).
  bool movable(linalg::GenericOp op, const Plan &plan, unsigned count) const;
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
  // An op run point by point or by rows on threads [firstThread,
  // firstThread + threadCount) only where threadCount > 0 (the warps its
  // phase's tensor-core ops leave idle).
  int64_t firstThread = 0, threadCount = 0;
  // cluster-groups, an op on several blocks whose blocks need different
  // syncs after it: each block's (`after` is the strongest).
  SmallVector<std::pair<int64_t, Sync>, 0> groupAfter = {};

  /// The sync block (group) `g` needs after the op.
  Sync afterOn(int64_t g) const {
    for (auto [x, sync] : groupAfter)
      if (x == g)
        return sync;
    return after;
  }
};

/// Emits `sync` (nothing, bar.warp.sync or a block barrier).
void emitSync(OpBuilder &b, Location loc, Sync sync);

/// The buffer a view is made from: an allocation (or its slot), a kernel
/// argument's array.
Value allocationOf(Value v);

/// The loop plan of `op`: its parallel dims over the threads where its
/// outputs are indexed by exactly those, else every dim in order.
Plan planFor(linalg::GenericOp op);

/// The threads per point of a split reduction, or 1.
int64_t splitWidth(linalg::GenericOp op, const Plan &plan, unsigned threads);

/// What `op` reads and writes, owned by the threads (or rows by the
/// warps) `mapping` puts its points on (MemoryFootprint.h).
ttt::Access accessWith(linalg::GenericOp op, const Plan &plan,
                       const Mapping &mapping, Block *entry, bool distinctArgs);

/// Whether `op` follows `prev` in its block with only ops free of memory
/// effects and regions between (a barrier between them may go).
bool followsDirectly(Operation *prev, Operation *op);

/// Emits `op` over `tid` (of `mapping.threads` threads) before it, then
/// `slot`'s synchronization, and erases it.
LogicalResult distribute(OpBuilder &b, linalg::GenericOp op, Value tid,
                         const Mapping &mapping, Slot slot);

/// Warp groups a kernel may have: the recurrence's (0), the output's (1),
/// the weights' (2; split-weights: 2 and 3).
inline constexpr int64_t kMaxWarpGroups = 4;

/// The warp group of `op` (ttt.warp_group; 0 where unmarked), or -1 where
/// the mark is bad.
int64_t groupOf(linalg::GenericOp op);

/// The threads of a kernel's warp groups (ttt-gpu-output-warps): group g
/// runs on threads [first[g], first[g] + threads[g]); none without
/// ttt.output_threads.
struct WarpGroups {
  SmallVector<int64_t, kMaxWarpGroups> first, threads;
  size_t size() const { return threads.size(); }
  /// Whether `tid` (of `blockThreads`) is in group `g`.
  Value contains(OpBuilder &b, Location loc, Value tid, int64_t g,
                 int64_t blockThreads) const;
  /// `tid` counted from group `g`'s first thread.
  Value localTid(OpBuilder &b, Location loc, Value tid, int64_t g) const;
};

/// The warp groups of `kernel` at `threads` threads per block, from
/// ttt.output_threads and ttt.weight_threads ([weights | first | output]);
/// an error where they do not fit.
FailureOr<WarpGroups> warpGroupsOf(gpu::GPUFuncOp kernel, unsigned threads);

/// register-weights: for each buffer RegisterWeights.h can keep in
/// registers, the cache (emitted) and its update and products. Groups as
/// in distributeGroups (none: one group of all threads). Without
/// `withProducts` only the updates use the registers.
llvm::DenseMap<Operation *, ttt::RegisterUse> planRegisterWeights(
    gpu::GPUFuncOp kernel, OpBuilder &b, ArrayRef<linalg::GenericOp> generics,
    ArrayRef<linalg::CopyOp> copies, Value tid, const Mapping &mapping,
    const WarpGroups &groups, bool distinctArgs, bool withProducts);

/// The warp-group mode (ttt-gpu-output-warps, WarpGroups.cpp): every op on
/// its group's threads under a guard, with barriers of its group and named
/// barriers where two groups meet (without `elideBarriers`, a block
/// barrier after every op instead).
LogicalResult distributeGroups(gpu::GPUFuncOp kernel, OpBuilder &b,
                               ArrayRef<linalg::GenericOp> generics, Value tid,
                               const Mapping &mapping, const WarpGroups &groups,
                               bool distinctArgs, bool elideBarriers);

/// The cluster-groups mode (ClusterGroups.cpp): warp group g on block g
/// of a cluster of `groups` blocks, all `mapping.threads` threads each.
LogicalResult distributeClusterGroups(gpu::GPUFuncOp kernel, OpBuilder &b,
                                      ArrayRef<linalg::GenericOp> generics,
                                      Value tid, const Mapping &mapping,
                                      size_t groups, bool distinctArgs);

} // namespace mlir::ttt::distribution

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_DISTRIBUTEMAPPING_H
