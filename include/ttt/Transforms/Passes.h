//===- Passes.h - TTT transformation passes ---------------------*- C++ -*-===//

#ifndef TTT_TRANSFORMS_PASSES_H
#define TTT_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
namespace ttt {

#define GEN_PASS_DECL
#include "ttt/Transforms/Passes.h.inc"

/// Attaches the VJP rules (DifferentiableOpInterface) to the TTT ops and to
/// the upstream linalg ops the inner models use.
void registerVJPInterfaceExternalModels(DialectRegistry &registry);

#define GEN_PASS_REGISTRATION
#include "ttt/Transforms/Passes.h.inc"

} // namespace ttt
} // namespace mlir

#endif // TTT_TRANSFORMS_PASSES_H
