//===- RegisterWeights.h - Fast weights kept in registers -------*- C++ -*-===//
//
// ttt-gpu-distribute{register-weights}: a weight buffer W (rows x cols,
// f32) that one tensor-core contraction of a chunk loop updates in place
// (W += A B, the weight update) and other contractions of the same warp
// group read as their whole B side (Z = K W) lives in the registers of the
// group's first cols / 16 warps for the whole loop. Both run transposed:
// the update as W^T += B^T A^T, whose accumulators are those warps' rows
// of W^T, and each product as Z^T = W^T K^T, whose A fragments are the
// same registers (the summed index permuted within each k-step). The
// update still stores W, so every other reader (the output group's Q W,
// the partial chunk, the final state) sees it in memory.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_REGISTERWEIGHTS_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_REGISTERWEIGHTS_H

#include "MmaContraction.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::ttt {

/// The most registers of W a lane may hold (rows / 2 of them).
inline constexpr int64_t kMaxWeightRegisters = 32;

/// One weight buffer kept in registers, and the ops that use the copy.
struct RegisterWeights {
  linalg::GenericOp update;
  llvm::SmallPtrSet<Operation *, 4> products;
  Value cache; // memref<rows / 2 x f32>, one per thread (an alloca)
};

/// How an op uses a weight buffer's register copy.
struct RegisterUse {
  Value cache;   // memref<rows / 2 x f32>, one per thread (an alloca)
  bool isUpdate; // the update (else a product)
};

/// Whether `update` may keep its output W in registers on a warp group of
/// `threads` threads: a contraction (canUseMma) at `precision` tf32 or
/// 3xtf32 whose output is read and written through the (m, n) identity,
/// starting from its old value (no ttt.zero_init, ttt.init_from,
/// ttt.tf32_low), with m (W's rows) a multiple of 8 and at most
/// 2 * kMaxWeightRegisters, n (W's columns) a multiple of 16 and at most
/// 16 per warp.
bool canKeepInRegisters(linalg::GenericOp update, unsigned threads,
                        MmaPrecision precision);

/// Whether `op` (a contraction canUseMma accepted) reads `weights` as its
/// whole B side: one factor, `weights` itself read as is through the
/// (k, n) map, no mask, no ttt.tf32_low; and its sizes fit: k the rows
/// and n the columns of `update`'s output, m a multiple of 8.
bool readsWeightsAsB(linalg::GenericOp op, linalg::GenericOp update);

/// Allocates the cache (an alloca at the kernel's entry, promoted to
/// registers by LLVM: every index is a constant) and, right before `loop`,
/// after a block barrier, loads W into the owners' registers. `groupTid`
/// emits, at its builder's point, what confines the fill to the update's
/// warp group, moves the builder inside and returns the thread id counted
/// in the group.
Value emitWeightCache(OpBuilder &b, gpu::GPUFuncOp kernel, Operation *loop,
                      linalg::GenericOp update,
                      function_ref<Value(OpBuilder &)> groupTid);

/// The update W += A B as W^T += B^T A^T on the owners (`tid` of the
/// group): accumulators from and back to the cache, W stored too.
void emitRegisterUpdate(OpBuilder &b, linalg::GenericOp op, Value tid,
                        MmaPrecision precision, Value cache, bool pairAccesses);

/// A product Z (+)= A W as Z^T = W^T A^T on the owners, W^T's fragments
/// from the cache.
void emitRegisterProduct(OpBuilder &b, linalg::GenericOp op, Value tid,
                         MmaPrecision precision, Value cache,
                         bool pairAccesses);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_REGISTERWEIGHTS_H
