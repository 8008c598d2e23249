//===- FusePatterns.h - Patterns of the ttt-fuse pass -----------*- C++ -*-===//

#ifndef TTT_LIB_TRANSFORMS_FUSE_FUSEPATTERNS_H
#define TTT_LIB_TRANSFORMS_FUSE_FUSEPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::ttt {

/// `X + R`, `R + X` and `X - R`, where `R` is a reduction into zeros used
/// only there, become `R` accumulating into `X` (the weight update fused
/// into its gradient contraction: `W - X^T (eta o G)` as one contraction).
void populateAccumulateIntoInitPatterns(RewritePatternSet &patterns);

/// Two independent reductions with the same loops over a common input
/// become one generic with two results: one pass over the input.
void populateSiblingReductionFusionPatterns(RewritePatternSet &patterns);

} // namespace mlir::ttt

#endif // TTT_LIB_TRANSFORMS_FUSE_FUSEPATTERNS_H
