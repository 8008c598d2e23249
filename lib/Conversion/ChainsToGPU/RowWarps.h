//===- RowWarps.h - Rows of a linalg op over the warps ----------*- C++ -*-===//
//
// ttt-gpu-distribute's row-warps mapping: row r of an op's first parallel
// dim on warp r mod warps, the rest of the row over the warp's 32 lanes.
// Two ops mapped so that touch a buffer only at the row they compute meet
// on one warp per row: a warp barrier (bar.warp.sync) between them
// suffices where the thread-per-point mapping needs a block barrier
// (LayerNorm's chain of row statistics and elementwise ops: 16 rows on 16
// warps).
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_ROWWARPS_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_ROWWARPS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::ttt {

/// Whether `op`, whose outputs index exactly its parallel dims `parallel`
/// (outer first; parallel[0] is the row), runs in the row-warps mapping at
/// `threads` threads: further parallel dims and no reduction (the rest of
/// the row over the lanes), one parallel dim and reductions combined by
/// `out + x` (a row reduction: the lanes sum every 32nd element, then a
/// butterfly), or one parallel dim of at most 4 rows per warp and no
/// reduction (a vector of row values on lane 0 of the row's warp). Not
/// where a static row count leaves more than half of the warps idle.
bool mapsRowsToWarps(linalg::GenericOp op, ArrayRef<unsigned> parallel,
                     ArrayRef<unsigned> sequential, unsigned threads);

/// The lanes that share a row of `op` in the row-warps mapping at
/// `threads` threads: 32 / k where its static row count is k times the
/// warps for k = 2, 4 and 32 / k is at least `minLanes` (rows w, w +
/// warps, ... side by side on warp w, 32 / k lanes each), else 32 (a
/// warp's rows one after another).
int64_t lanesPerRow(linalg::GenericOp op, ArrayRef<unsigned> parallel,
                    unsigned threads, int64_t minLanes = 16);

/// Which lanes of the row's warp touch an operand of an op in the
/// row-warps mapping: element j of the row (its other indices linearized)
/// on one lane chosen by j, the row's index and the op's shape alone (j mod
/// 32, or with paired lanes (j mod 64) / 2; on L = lanesPerRow < 32
/// lanes, L (row / warps) + j mod L or (j mod 2L) / 2; `Linear`: the operand
/// indexed by the row, then the op's other parallel dims, or its reduction
/// dims, in order, with their static sizes), every lane of the row
/// (`Every`: indexed by the row alone; outputs so are written by all of
/// them, the same value), or not known (`Some`).
enum class RowLanes { Some, Linear, Every };
RowLanes rowLanesOf(linalg::GenericOp op, ArrayRef<unsigned> parallel,
                    OpOperand &operand);

/// Emits `op` in the row-warps mapping before it (the caller erases it).
/// With `pairs`, rows whose static length is a multiple of 64 (an even
/// innermost size) go to the lanes in adjacent pairs, lane l taking
/// elements 64r + 2l and 64r + 2l + 1, read and written together where
/// an operand holds them side by side; the lane of an element still
/// depends on the row's shape alone, as `Linear` requires. The lanes wait
/// for each other before storing where an input may overlap an output
/// (`inputsMeetOutputs`, the caller's byte footprints: MemoryFootprint.h)
/// or the op reads its outputs' old values.
void emitRowWarps(OpBuilder &b, linalg::GenericOp op,
                  ArrayRef<unsigned> parallel, ArrayRef<unsigned> sequential,
                  Value tid, unsigned threads, bool inputsMeetOutputs,
                  bool pairs = false, int64_t minLanes = 16);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_ROWWARPS_H
