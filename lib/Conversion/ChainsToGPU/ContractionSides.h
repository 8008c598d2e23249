//===- ContractionSides.h - A contraction's body as two sides ---*- C++ -*-===//
//
// A contraction `out + x` whose addend x is a product of factors that read
// only (m, k) or only (k, n) (negations, and selects against zero on one
// side, included): its A side and B side evaluated at any coordinates
// (loads through the operands' maps, index ops replaced), so that a
// tensor-core fragment needs no materialized operand (tril(QK^T) * eta,
// -eta_k x_k). Used by MmaContraction.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_CONTRACTIONSIDES_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_CONTRACTIONSIDES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>
#include <utility>

namespace mlir::ttt::contraction {

/// The roles of a contraction's three loop dims.
struct Dims {
  unsigned m, n, k;
  unsigned mask(unsigned d) const { return 1u << d; }
  unsigned aDims() const { return mask(m) | mask(k); }
  unsigned bDims() const { return mask(k) | mask(n); }
};

/// The dims of a contraction with one output indexed (m, n) by two
/// parallel dims and one reduction dim k; none otherwise.
std::optional<Dims> dimsOf(linalg::GenericOp op);

/// x = (-1)^negate * prod(A factors) * prod(B factors), with the selects
/// against zero applied on the side whose dims their condition reads.
struct Factors {
  SmallVector<Value> a, b, aMasks, bMasks;
  bool negate = false;
};

/// The factors of a body that yields `out + x` (f32), or none.
std::optional<Factors> factorsOf(linalg::GenericOp op, const Dims &dims);

/// The A side at (row, k) and the B side at (k, col): the factors of the
/// body evaluated there, the other loop dim at 0 (not read).
Value aSide(OpBuilder &b, Location loc, linalg::GenericOp op, const Dims &dims,
            const Factors &f, Value row, Value k);
Value bSide(OpBuilder &b, Location loc, linalg::GenericOp op, const Dims &dims,
            const Factors &f, Value k, Value col);

/// The input a side is, when it is one factor read as is or negated (no
/// masks; `negated` says whether the factor negates it, the sign of the
/// whole product aside); else null.
OpOperand *plainSideOperand(linalg::GenericOp op, ArrayRef<Value> factors,
                            ArrayRef<Value> masks, bool &negated);

/// How much pairing the side's reads along loop dim `dim` saves: the
/// ranks of its memref operands read in adjacent, aligned pairs along it
/// (PairedAccess.h; a matrix operand's loads outnumber a vector's).
int64_t sidePairWeight(linalg::GenericOp op, ArrayRef<Value> factors,
                       ArrayRef<Value> masks, unsigned dim);

/// One side's elements at `ivs` and at `ivs` with `dim` one more (even at
/// `ivs`): its operands read in pairs where they lie side by side.
std::pair<Value, Value> sidePair(OpBuilder &b, Location loc,
                                 linalg::GenericOp op, ArrayRef<Value> ivs,
                                 unsigned dim, ArrayRef<Value> factors,
                                 ArrayRef<Value> masks, bool negate);

} // namespace mlir::ttt::contraction

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_CONTRACTIONSIDES_H
