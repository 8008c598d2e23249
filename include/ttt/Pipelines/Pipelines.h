//===- Pipelines.h - Named TTT pass pipelines -------------------*- C++ -*-===//

#ifndef TTT_PIPELINES_PIPELINES_H
#define TTT_PIPELINES_PIPELINES_H

namespace mlir {
class OpPassManager;
namespace ttt {

/// The graph to linalg on tensors, ready for either backend: dual form,
/// autodiff, scan to loops, TTT ops to linalg, then cleanup.
void buildTTTToLinalgPipeline(OpPassManager &pm);

/// The graph to the LLVM dialect for a CPU artifact: the pipeline above,
/// bufferization, results as out-parameters, loops, LLVM.
void buildTTTToLLVMCPUPipeline(OpPassManager &pm);

/// Registers `--ttt-to-linalg` and `--ttt-to-llvm-cpu` with the global pipeline registry.
void registerTTTPipelines();

} // namespace ttt
} // namespace mlir

#endif // TTT_PIPELINES_PIPELINES_H
