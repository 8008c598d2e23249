//===- WeightHalves.h - The weight group's work over two groups -*- C++ -*-===//
//
// ttt-gpu-output-warps{split-weights}: the lean weight group's ops that
// touch the fast weights W split by W's rows over two groups (2 and 3):
// the update of rows [0, R/2) and [R/2, R) (W += A^T G: independent row
// halves), and each product that reads W (X W, a reduction over W's rows)
// as two partial products over the halves of that reduction. The first
// half keeps the product's output; the second writes a buffer of its own,
// which the product's one reader adds to its initial value
// (`ttt.init_plus`). With ttt-gpu-distribute{cluster-groups} each half
// runs on a block of its own.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_WEIGHTHALVES_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_WEIGHTHALVES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::ttt {

/// Splits `ops` (the weight group's contractions in `loop`'s body, in body
/// order) that touch the buffer `weights` (rank 2, static) as above; the
/// second halves get warp group `secondGroup`. Returns how many ops it
/// split; an op it cannot split (an odd row count, a product read by more
/// than one op, or not only through its reader's initial value) is left
/// whole.
int64_t splitWeightHalves(scf::ForOp loop, ArrayRef<linalg::GenericOp> ops,
                          Value weights, int64_t secondGroup);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_WEIGHTHALVES_H
