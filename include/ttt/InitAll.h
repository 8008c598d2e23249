//===- InitAll.h - Register everything the TTT tools use --------*- C++ -*-===//

#ifndef TTT_INITALL_H
#define TTT_INITALL_H

namespace mlir {
class DialectRegistry;
namespace ttt {

/// Registers the TTT dialect (and the upstream dialects our passes create).
void registerAllDialects(DialectRegistry &registry);

/// Registers the TTT passes and pass pipelines with the global registry.
void registerAllPasses();

/// Registers the TTT translations with the global registry.
void registerAllTranslations();

} // namespace ttt
} // namespace mlir

#endif // TTT_INITALL_H
