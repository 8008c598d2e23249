//===- Passes.h - TTT conversion passes -------------------------*- C++ -*-===//

#ifndef TTT_CONVERSION_PASSES_H
#define TTT_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace ttt {

#define GEN_PASS_DECL
#include "ttt/Conversion/Passes.h.inc"

/// Patterns lowering the TTT inner-model and update ops to linalg.
void populateTTTToLinalgPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "ttt/Conversion/Passes.h.inc"

} // namespace ttt
} // namespace mlir

#endif // TTT_CONVERSION_PASSES_H
