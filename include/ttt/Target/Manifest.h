//===- Manifest.h - The artifact manifest of a TTT graph --------*- C++ -*-===//

#ifndef TTT_TARGET_MANIFEST_H
#define TTT_TARGET_MANIFEST_H

namespace mlir::ttt {

/// Registers `--ttt-manifest`: the JSON manifest (docs/RUNTIME.md) that
/// describes a graph's entry function to the runtime.
void registerManifestTranslation();

} // namespace mlir::ttt

#endif // TTT_TARGET_MANIFEST_H
