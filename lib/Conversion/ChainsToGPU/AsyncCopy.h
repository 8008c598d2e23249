//===- AsyncCopy.h - Marked copies as cp.async over a block ----*- C++ -*-===//
//
// ttt-gpu-stage-inputs marks the copies that prefetch a chunk's inputs
// (`linalg.copy` with `ttt.async_copy = W`); ttt-gpu-distribute lowers
// them here.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_ASYNCCOPY_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_ASYNCCOPY_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::ttt {

/// The elements per asynchronous copy of a marked copy, or 0 (unmarked).
int64_t asyncCopyWidth(Operation *op);

/// `v` in the workgroup address space (what cp.async and ldmatrix take):
/// private-buffers casts its shared slots to the generic space; the
/// subviews over such a cast are rebuilt over the slot itself (at the
/// builder's point). Null where `v` is not such a view.
Value workgroupView(OpBuilder &b, Location loc, Value v);

/// cluster-groups: the blocks of its cluster that issue an async copy (the
/// others' ops do not read what it writes); every block where absent.
inline constexpr llvm::StringLiteral kAsyncCopyBlocksAttr =
    "ttt.async_copy_blocks";

/// `copy` (global -> a view of workgroup memory, static shape) as
/// `nvgpu.device_async_copy` of W elements per point, the block's threads
/// taking points tid, tid + threads, ..., then a commit of the group.
/// Nothing waits here: the consumer waits (cp.async.wait.group) and takes
/// a barrier. With `firstThread` > 0 the points start at that thread
/// instead (thread (firstThread + i) mod threads takes point i): a block
/// whose last threads wait anyway issues the copies there. With `onlyIf`,
/// only where it holds are the copies issued (the commit always is, so
/// that every thread counts the same groups). Erases `copy`.
LogicalResult emitAsyncCopy(OpBuilder &b, linalg::CopyOp copy, Value tid,
                            unsigned threads, unsigned firstThread = 0,
                            Value onlyIf = Value());

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_ASYNCCOPY_H
