//===- Pipelines.h - Named TTT pass pipelines -------------------*- C++ -*-===//

#ifndef TTT_PIPELINES_PIPELINES_H
#define TTT_PIPELINES_PIPELINES_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace mlir {
class OpPassManager;
namespace ttt {

/// The graph to linalg on tensors, ready for either backend: dual form,
/// autodiff, scan to loops, TTT ops to linalg, then cleanup.
void buildTTTToLinalgPipeline(OpPassManager &pm);

/// The graph to the LLVM dialect for a CPU artifact: the pipeline above,
/// bufferization, results as out-parameters, loops, LLVM.
void buildTTTToLLVMCPUPipeline(OpPassManager &pm);

/// The graph to a GPU kernel in the NVVM/LLVM dialect for a cuda artifact
/// (sm_90, PTX 8.0): one block of `threads` threads per chain, arrays
/// rebuilt from the bare pointers of the kernel ABI, temporaries in the
/// block's dynamic shared memory (the kernel's `ttt.shared_bytes`), every
/// linalg op spread over the threads. Ends before gpu-module-to-binary.
struct NVVMPipelineOptions {
  unsigned threads = 128;
  std::string mma = "3xtf32";
  bool libdevice = false;
  bool stageInputs = true;
  int64_t rowPad = 8;
  bool scheduleLevels = true;
  bool forwardCopies = true;
  bool inlineRowStats = true;
  bool stateInResults = false;
  bool rowWarps = true;
  bool spreadMmaWarps = false;
  bool foldZeroFills = false;
  std::string chip = "sm_90";
  int64_t maxSharedBytes = 232448;
};
void buildTTTToNVVMPipeline(OpPassManager &pm,
                            const NVVMPipelineOptions &options);

/// Whole-model graphs (ttt-model-gen) on the GPU: host functions that run
/// each linalg op as a kernel of `threads` threads per block over a flat
/// grid; kernels embedded as PTX, or as cubin when `cubin` (needs ptxas).
/// Chain kernels (a TTT layer's heads) use `chainThreads` threads per
/// block (128: the layer kernel's fastest on an H100) and shared memory up
/// to `maxSharedBytes` (H100: 227 KB), global memory beyond.
void buildTTTModelToGPUPipeline(OpPassManager &pm, unsigned threads = 256,
                                bool cubin = false, unsigned chainThreads = 128,
                                int64_t maxSharedBytes = 232448,
                                bool elideBarriers = true,
                                bool cloneFills = false);

/// Registers `--ttt-to-linalg`, `--ttt-to-llvm-cpu` and `--ttt-to-nvvm` with
/// the global pipeline registry.
void registerTTTPipelines();

} // namespace ttt
} // namespace mlir

#endif // TTT_PIPELINES_PIPELINES_H
