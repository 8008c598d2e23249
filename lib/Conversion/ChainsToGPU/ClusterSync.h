//===- ClusterSync.h - Blocks of a cluster meeting (sm_90 PTX) --*- C++ -*-===//
//
// What ttt-gpu-distribute's cluster-groups mode emits where two blocks of
// a thread-block cluster meet: mbarriers in shared memory (32-bit shared
// addresses, i32 values), waits on a phase's parity, arrivals on another
// block's barrier, the cluster barrier, and copies of shared bytes into
// another block (st.async, counted on its mbarrier; or plain remote
// stores ordered by a cluster barrier). Inline PTX: MLIR's NVVM ops do
// not give the cluster-scope forms (bench/gpu/cluster_ops.cuh has the
// same instructions in CUDA, timed by bench/gpu/cluster_latency.cu).
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_CLUSTERSYNC_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_CLUSTERSYNC_H

#include "mlir/IR/Builders.h"

namespace mlir::ttt::cluster {

/// mbarrier.init of the barrier at shared address `bar` for `count`
/// arrivals.
void emitInitBarrier(OpBuilder &b, Location loc, Value bar, int64_t count);

/// Makes this thread's barrier initializations visible to the cluster.
void emitFenceBarrierInit(OpBuilder &b, Location loc);

/// Every thread of every block of the cluster meets (release / acquire).
void emitClusterSync(OpBuilder &b, Location loc);

/// Waits until the phase of `bar` whose parity is `parity` (i32 0 or 1)
/// completed; acquire at cluster scope.
void emitWaitParity(OpBuilder &b, Location loc, Value bar, Value parity);

/// `count` arrivals on this block's `bar`.
void emitArriveLocal(OpBuilder &b, Location loc, Value bar, int64_t count);

/// One arrival on `bar` and `bytes` more expected from transactions.
void emitExpectBytes(OpBuilder &b, Location loc, Value bar, int64_t bytes);

/// One arrival on block `rank`'s (i32) `bar`, ordered after this thread's
/// earlier accesses at CTA scope only: for a reader freeing a staging area
/// it read before a block barrier (see the definition).
void emitArriveRemote(OpBuilder &b, Location loc, Value bar, Value rank);

/// Copies the 16 bytes at shared address `at` into block `rank`'s shared
/// address `to`, counted on its `bar` (st.async, complete_tx).
void emitSendChunk(OpBuilder &b, Location loc, Value at, Value to, Value rank,
                   Value bar);

/// Moves the 16 bytes at shared address `at` to `to` in this block.
void emitMoveChunk(OpBuilder &b, Location loc, Value at, Value to);

/// Copies the 16 bytes at shared address `at` into block `rank`'s same
/// address with plain remote stores (ordered by a later cluster barrier).
void emitStoreChunk(OpBuilder &b, Location loc, Value at, Value rank);

} // namespace mlir::ttt::cluster

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_CLUSTERSYNC_H
