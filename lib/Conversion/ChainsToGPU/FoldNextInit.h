//===- FoldNextInit.h - The next bias folded into the lookahead -*- C++ -*-===//
//
// ttt-gpu-lookahead-products{fold-next-init}: where the product's init is
// the broadcast of a carried bias b whose next value is a row of an
// accumulation linear in the update's R (b' = Q[r, :], Q = bcast(b) +
// sum_k t(..., R[k, j])), the next step's Y = (X' W + bcast(b')) + the
// correction equals (X' W + bcast(b)) + sum_k C[i, k] R[k, j], with C the
// two bodies' coefficients of R. The recurrence then waits for one product
// of depth 16 after R, not for b' too.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_FOLDNEXTINIT_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_FOLDNEXTINIT_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::ttt::lookahead {

/// On the contraction that computes the next step's Y after R (the
/// recurrence's only op between R and the next step's own chain).
inline constexpr llvm::StringLiteral kCorrectionAttr =
    "ttt.lookahead_correction";

/// The update W' = W + sum_k t(L[k, i], R[k, j]) of a lookahead.
struct UpdateTerms {
  linalg::GenericOp update;
  unsigned linearInput; // L
  unsigned gradInput;   // R
};

/// The carried bias whose next value folds into the correction.
struct InitFold {
  UpdateTerms terms;
  linalg::GenericOp accumulation; // Q, with b' = Q[row, :]
  int64_t row;
  unsigned gradInput; // R among Q's operands
};

/// The update's R: the input read at (k, j) that the body accumulates
/// linearly, with nothing else read along j.
std::optional<unsigned> gradInputOf(linalg::GenericOp update,
                                    unsigned linearInput);

/// The fold for a product whose init is `init`, where the conditions of
/// the header hold.
std::optional<InitFold> initFoldOf(scf::ForOp loop, UpdateTerms terms,
                                   Value init);

/// C[i, k]: the update's body with A for L and the accumulation's body at
/// i = row, each with 1 for R and 0 for the output, added. `map` gives the
/// values of the old body where the new one computes them.
Value foldedCoefficients(OpBuilder &b, Location loc, InitFold fold, Value a,
                         const IRMapping &map);

/// init + sum_k coef[i, k] r[k, j], marked kCorrectionAttr.
Value correctWith(OpBuilder &b, Location loc, Value coef, Value r, Value init);

} // namespace mlir::ttt::lookahead

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_FOLDNEXTINIT_H
