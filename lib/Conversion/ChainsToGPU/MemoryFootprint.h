//===- MemoryFootprint.h - What a kernel op touches, and where --*- C++ -*-===//
//
// ttt-gpu-distribute's barrier planning: the memory each operand of a
// linalg op may touch (bytes of the dynamic shared memory, a kernel
// argument's array, or anything), and on which warps and lanes, so that
// two ops meet only where a barrier must order them: the whole block, the
// same warp (bar.warp.sync), or the same thread (nothing).
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_MEMORYFOOTPRINT_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_MEMORYFOOTPRINT_H

#include "RowWarps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <limits>

namespace mlir::ttt {

/// The memory an operand may touch: bytes [lo, hi) of a workgroup buffer
/// (a view of the dynamic shared memory at a constant offset, or an
/// allocation, whole), global memory (a kernel argument's array: distinct
/// from every workgroup buffer), or anything (unknown).
struct Footprint {
  enum Kind { Shared, Global, Unknown } kind = Unknown;
  Value base;
  int64_t lo = 0, hi = std::numeric_limits<int64_t>::max();
  // The bytes of [lo, hi) a static subview of the view touches (the
  // cluster plan's; barriers within a block compare whole views).
  int64_t usedLo = 0, usedHi = std::numeric_limits<int64_t>::max();
  // The whole view (no subview between), a static layout, and the op
  // touches element i of it only on the thread of its point i (see
  // `owned`): two such accesses of one view need no barrier between.
  bool owned = false;
  // A whole view with a static layout (what `owned` needs besides the
  // thread mapping).
  bool wholeStatic = false;
  // The op runs in the row-warps mapping and touches the view only at the
  // row it computes (first index = its row dim): row r only on warp
  // r mod warps.
  bool rowOwned = false;
  // Which lanes of the row's warp touch it (row-owned accesses).
  RowLanes lanes = RowLanes::Some;
  Value view; // the operand itself
  SmallVector<int64_t> shape;
  // Row i of the operand is row i of the shared view [lo, hi) of shape
  // `viewShape` (casts and subviews at row offset 0, stride 1 between).
  bool rowsOfView = false;
  SmallVector<int64_t> viewShape;
};

/// How two accesses may meet: not at all, only on the same warp (both
/// row-owned, the same rows), or anywhere in the block.
enum class Conflict { None, SameWarp, Block };

/// What a generic op reads (inputs) and writes (outputs); a loop-carried
/// operand counts as each buffer it may be (carriedSources).
struct Access {
  SmallVector<Footprint> reads, writes;
};

/// `threaded`: the op's points go over the threads, point p on thread
/// p mod threads (no split reduction, not serial); an operand indexed by
/// the parallel dims in their order is then owned (element i on point i).
/// `rows`: the op runs in the row-warps mapping; an operand whose first
/// index is the row dim is then row-owned.
Access accessOf(linalg::GenericOp op, Block *entry, ArrayRef<unsigned> parallel,
                bool threaded, bool rows, bool distinctArgs);

/// The bytes view `v` may touch (any of them; no thread mapping).
Footprint viewFootprint(Value v, Block *entry, bool distinctArgs);

/// What `b` needs after the ops of `group`: nothing where it writes
/// nothing they read or write and reads nothing they write, a warp barrier
/// where every such meeting is on one warp, else a block barrier.
Conflict conflictAfter(const Access &group, const Access &b);

/// Whether neither access writes bytes the other touches, whichever
/// threads run them (ownership aside).
bool disjoint(const Access &a, const Access &b);

/// Whether an op may read memory it writes: one of its reads may overlap
/// one of its writes (its own outputs' old values aside).
bool readsWhereItWrites(const Access &a);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_MEMORYFOOTPRINT_H
