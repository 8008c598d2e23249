//===- LinearBodies.h - Contraction bodies linear in one operand -*- C++
//-*-===//
//
// Tensor-level rewrites of the chunk loop (ttt-gpu-lookahead-products,
// ttt-gpu-merge-shared-contractions) use that a contraction's body is
// linear in one of its operands: out + t(x, ...) with t(x) = t(1) x.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_LINEARBODIES_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_LINEARBODIES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::ttt::linear_bodies {

/// The map of loops (d0, d1, d2) to the given dims.
AffineMap dimsMap(MLIRContext *ctx, ArrayRef<unsigned> dims);

/// Whether `op` has loops (i, j, k): two parallel, then a reduction, with
/// one output written at (i, j).
bool isMatmulShaped(linalg::GenericOp op);

/// Whether the body value `v` depends on the block argument `arg`.
bool dependsOn(Value v, Value arg);

/// Whether the body of `op` reads `linalg.index dim`.
bool readsIndex(linalg::GenericOp op, unsigned dim);

/// Linearity of a body value in one block argument (`lin`), every other
/// factor independent of it and of the output argument (`out`).
struct Linearity {
  Value lin, out;

  bool independent(Value v) const;
  bool isLinear(Value v) const;
  /// The body yields out + t, t + out or out - t with t linear.
  bool isAccumulation(Value yielded) const;
};

/// The input of contraction `op` (isMatmulShaped, loops (i, j, k)) read
/// at (k, `dim`), `dim` 0 (i) or 1 (j), that the body accumulates linearly
/// (and that is `required`, where given); none where another input is read
/// along `dim` or the body reads linalg.index `dim`.
std::optional<unsigned> linearInputAlong(linalg::GenericOp op, unsigned dim,
                                         Value required = {});

/// The coefficient of input `lin` in the body of contraction `op` (loops
/// (i, j, k)): the body cloned into `b` (inside a generic over (i, k))
/// with 1 for `lin`, 0 for the output, `others` for the other inputs in
/// order, `row` for linalg.index 0 and 1 (null: linalg.index 0 of the new
/// op) and linalg.index 1 of the new op for linalg.index 2; `captured`
/// maps values the body reads from outside.
Value coefficientOf(OpBuilder &b, Location loc, linalg::GenericOp op,
                    unsigned lin, ValueRange others, Value row,
                    const IRMapping &captured = {});

/// init + sum_k lhs[i, k] rhs[k, j], one contraction.
Value addProduct(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init);

} // namespace mlir::ttt::linear_bodies

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_LINEARBODIES_H
