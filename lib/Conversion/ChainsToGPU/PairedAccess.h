//===- PairedAccess.h - Two adjacent elements in one access -----*- C++ -*-===//
//
// The tensor-core tiles read and write many f32 (or bf16) elements that
// are neighbours in memory (a fragment's two k, a C row's two columns):
// one vector access instead of two saves shared-memory instructions, the
// kernel's scarcest issue slots. Only where the pair provably is adjacent
// and aligned to its size.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_PAIREDACCESS_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_PAIREDACCESS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <utility>

namespace mlir::ttt {

/// Whether operand `o` of `op` (an f32 or bf16 memref) holds the points
/// `ivs` and `ivs` + 1 in loop dim `dim` side by side, aligned to the
/// pair's size (8 or 4 bytes), wherever the
/// index along `dim` is even: its map's last result is `dim`, which no
/// other result reads; its innermost stride is 1, every other stride and
/// its offset are even (the offset followed through views and casts).
bool pairsAlong(linalg::GenericOp op, OpOperand &o, unsigned dim);

/// pairsAlong for runs of `n` elements (at most 16 bytes): the points
/// `ivs` ... `ivs` + n - 1 in `dim` side by side, aligned to the run's
/// size, wherever the index along `dim` is a multiple of `n`.
bool runsAlong(linalg::GenericOp op, OpOperand &o, unsigned dim, int64_t n);

/// `ivs` with `dim` one more: the second point of a pair.
SmallVector<Value> nextAlong(OpBuilder &b, Location loc, ArrayRef<Value> ivs,
                             unsigned dim);

/// Operand `o` at `ivs` and at `ivs` with `dim` one more: one vector load
/// where `vector` and pairsAlong (the caller makes the index along `dim`
/// even), else two loads.
std::pair<Value, Value> readPair(OpBuilder &b, Location loc,
                                 linalg::GenericOp op, OpOperand &o,
                                 ArrayRef<Value> ivs, unsigned dim,
                                 bool vector = true);

/// Stores `first` and `second` to operand `o` at `ivs` and at `ivs` with
/// `dim` one more, as readPair reads them.
void storePair(OpBuilder &b, Location loc, linalg::GenericOp op, OpOperand &o,
               ArrayRef<Value> ivs, unsigned dim, Value first, Value second,
               bool vector = true);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_PAIREDACCESS_H
