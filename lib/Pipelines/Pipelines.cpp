//===- Pipelines.cpp - Named TTT pass pipelines ---------------------------===//

#include "ttt/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "ttt/Conversion/Passes.h"
#include "ttt/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

void ttt::buildTTTToLinalgPipeline(OpPassManager &pm) {
  // The dual form matches ttt.grad/ttt.update, so it runs before autodiff.
  pm.addPass(createTTTDualForm());
  pm.addPass(createTTTAutodiff());
  pm.addPass(createConvertTTTScanToSCF());
  pm.addPass(createConvertTTTToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createTTTFuse());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// Both backends bufferize whole functions with contiguous (identity-layout)
/// memrefs at their boundaries, the layout the runtime passes.
static constexpr char kBufferizeAtBoundaries[] =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map "
    "allow-return-allocs-from-loops},";

void ttt::buildTTTToLLVMCPUPipeline(OpPassManager &pm) {
  buildTTTToLinalgPipeline(pm);
  // The contiguous loop innermost first: the vectorizer's vectors follow
  // the loop order, and LLVM wants their last dimension long.
  pm.addPass(createTTTCPULoopOrder());
  pm.addPass(createTTTCPUVectorize());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Accumulators of the vectorized contractions become loop-carried vectors.
  pm.addPass(createLoopInvariantSubsetHoistingPass());
  pm.addPass(createCanonicalizerPass());
  // Again for the vector ops just made: all float math may be reassociated
  // and contracted into FMAs.
  pm.addPass(createTTTCPULoopOrder());
  // Function boundaries get contiguous (identity-layout) memrefs and the
  // results become caller-allocated out-parameters: the artifact ABI of
  // docs/RUNTIME.md.
  std::string lowering =
      std::string(kBufferizeAtBoundaries) +
      "func.func(buffer-hoisting),func.func(buffer-loop-hoisting),"
      "buffer-results-to-out-params{modify-public-functions "
      "hoist-static-allocs},"
      "buffer-deallocation-pipeline,"
      "convert-memref-copy-to-linalg,"
      "func.func(lower-vector-multi-reduction{lowering-strategy=inner-"
      "reduction}),"
      "convert-vector-to-scf{full-unroll},"
      "convert-linalg-to-loops,lower-affine,convert-scf-to-cf,"
      "convert-vector-to-llvm{reassociate-fp-reductions},convert-ub-to-llvm,"
      "expand-strided-metadata,lower-affine,finalize-memref-to-llvm,"
      "convert-math-to-llvm,convert-math-to-libm,convert-arith-to-llvm,"
      "convert-cf-to-llvm,func.func(llvm-request-c-wrappers),"
      "convert-func-to-llvm,convert-index-to-llvm,"
      "reconcile-unrealized-casts";
  if (failed(parsePassPipeline(lowering, pm)))
    llvm::report_fatal_error("ttt-to-llvm-cpu: malformed built-in pipeline");
}

void ttt::buildTTTToNVVMPipeline(OpPassManager &pm,
                                 const TTTToNVVMOptions &options) {
  unsigned threads = options.threads;
  StringRef mma = options.mma;
  // Auto (0): with the output chain on warps of its own (TTT-Linear) and
  // one tf32 or bf16 product per tile, warp tiles for a half of the
  // recurrence's warps and a quarter of the output group's (fast mode: fla
  // 0.352 -> 0.329 ms at 1 x 2048 on an H200; a quarter for both: 0.337);
  // else one per warp: 3xtf32's splits make wider tiles slower (0.356 ->
  // 0.365), and so are TTT-MLP's contractions on all warps (fast: 2.23 ->
  // 3.68 ms).
  bool sharedAFragments = options.outputWarps > 0 && mma != "3xtf32";
  int64_t columnTiles = options.mmaColumnTiles > 0 ? options.mmaColumnTiles
                        : sharedAFragments         ? 2
                                                   : 1;
  int64_t outputColumnTiles =
      options.outputMmaColumnTiles > 0 ? options.outputMmaColumnTiles
      : options.mmaColumnTiles > 0     ? options.mmaColumnTiles
      : sharedAFragments               ? 4
                                       : 1;
  bool libdevice = options.libdevice, stageInputs = options.stageInputs;
  int64_t rowPad = options.rowPad;
  bool scheduleLevels = options.scheduleLevels,
       forwardCopies = options.forwardCopies,
       inlineRowStats = options.inlineRowStats,
       stateInResults = options.stateInResults;
  buildTTTToLinalgPipeline(pm);
  // Per-chain prologue values (the official example's tau broadcast over
  // [B, H, 16]) computed per chain inside the chain loops.
  pm.addNestedPass<func::FuncOp>(createTTTGPUChainLocalPrologue());
  // A fill per consumer: no zero block kept live for the mini-batch.
  // A broadcast per consumer too where ttt-gpu-fold-init-copies folds
  // them into the contractions they start.
  pm.addNestedPass<func::FuncOp>(
      createTTTGPUCloneFills({/*broadcasts=*/options.foldInitCopies}));
  // Per-row statistics recomputed where they are used: fewer phases.
  if (inlineRowStats)
    pm.addNestedPass<func::FuncOp>(createTTTGPUInlineRowStats());
  // The carried next bias as its own row, off the output's contraction.
  if (options.narrowCarriedSlices)
    pm.addNestedPass<func::FuncOp>(createTTTGPUNarrowCarriedSlices());
  // The attention term and the per-token bias as one contraction.
  if (options.mergeSharedContractions)
    pm.addNestedPass<func::FuncOp>(createTTTGPUMergeSharedContractions());
  // The next chunk's X W from the weights before their update.
  if (options.lookaheadProducts)
    pm.addNestedPass<func::FuncOp>(
        createTTTGPULookaheadProducts({options.foldNextInit}));
  // The output chain beside the next chunk's first ops.
  if (options.rotateOutputChain || options.rotateOutputTail)
    pm.addNestedPass<func::FuncOp>(createTTTGPURotateOutputChain(
        {/*tailOnly=*/!options.rotateOutputChain}));
  // The weight update beside the next step's LayerNorm chain.
  if (options.rotateWeightUpdate)
    pm.addNestedPass<func::FuncOp>(createTTTGPURotateWeightUpdate());
  // Conversions widened where they are read: fewer phases. After the
  // rewrites above, which match the chunk's converted inputs as values
  // (lookahead-products found no product to start early in fused ones).
  if (options.fuseConversions)
    pm.addNestedPass<func::FuncOp>(
        createTTTGPUFuseConversions({options.fuseInputOps}));
  // Results become writable out-arguments, bufferized in place: a kernel
  // has no results and the runtime passes every output buffer.
  pm.addPass(createTTTGPUDestinationArgs());
  std::string lowering =
      std::string(kBufferizeAtBoundaries) +
      "canonicalize,cse,"
      "convert-memref-copy-to-linalg,"
      "convert-ttt-chains-to-gpu,"
      // Each chunk's input slices prefetched into shared memory while the
      // previous chunk computes; temporaries in shared memory, then every
      // linalg op (the carry copies of ttt-gpu-private-buffers too) over
      // the block's threads.
      "gpu.module(gpu.func(" +
      std::string(forwardCopies ? "ttt-gpu-forward-copies," : "") +
      std::string(stateInResults
                      ? "ttt-gpu-state-in-results{skip=" +
                            std::to_string(options.stateInResultsSkip) +
                            " max-count=" +
                            std::to_string(options.stateInResultsMax) + "},"
                      : "") +
      std::string(options.foldZeroFills ? "ttt-gpu-fold-zero-fills," : "") +
      std::string(options.foldInitCopies ? "ttt-gpu-fold-init-copies," : "") +
      // 3xtf32: each shared A operand split once, not in every warp.
      (mma == "3xtf32" && options.splitTF32MinWarps > 0
           ? "ttt-gpu-split-tf32-operands{threads=" + std::to_string(threads) +
                 " min-warps=" +
                 std::to_string(options.splitTF32MinWarps.getValue()) + "},"
           : std::string()) +
      std::string(scheduleLevels ? "ttt-gpu-schedule-levels," : "") +
      std::string(stageInputs ? "ttt-gpu-stage-inputs{pad=" +
                                    std::to_string(options.stagePad) + "},"
                              : "") +
      std::string(options.stageInvariants ? "ttt-gpu-stage-invariants," : "") +
      // The output chain on warps of its own (named barriers between).
      (options.outputWarps > 0
           ? "ttt-gpu-output-warps{warps=" +
                 std::to_string(options.outputWarps) + " defer-output=" +
                 (options.deferOutput ? "true" : "false") + " offload-inputs=" +
                 (options.offloadInputs ? "true" : "false") +
                 " weight-warps=" + std::to_string(options.weightWarps) +
                 " tail-warps=" + std::to_string(options.tailWarps) +
                 " lean-weights=" + (options.leanWeights ? "true" : "false") +
                 " split-weights=" + (options.splitWeights ? "true" : "false") +
                 " coefficients-on-weights=" +
                 (options.coefficientsOnWeights ? "true" : "false") + "},"
           : std::string()) +
      (options.splitNarrowContractions
           ? "ttt-gpu-split-narrow-contractions{threads=" +
                 std::to_string(threads) + " mma=" + mma.str() + "},"
           : std::string()) +
      // Rows of 72 floats: B-side fragment reads (rows t = 0..3 at
      // columns g = 0..7) and accumulator stores hit distinct banks.
      "ttt-gpu-private-buffers{workgroup=true max-bytes=" +
      std::to_string(options.maxSharedBytes.getValue()) +
      " row-pad=" + std::to_string(rowPad) +
      "},"
      // The layer ABI passes distinct arrays (docs/RUNTIME.md).
      "ttt-gpu-distribute{distinct-args=true threads=" +
      std::to_string(threads) + " mma=" + mma.str() +
      " row-warps=" + (options.rowWarps ? "true" : "false") +
      " row-lanes=" + std::to_string(options.rowLanes.getValue()) +
      " channel-slots=" + std::to_string(options.channelSlots.getValue()) +
      " direct-channels=" + (options.directChannels ? "true" : "false") +
      " fewer-block-barriers=" +
      (options.fewerBlockBarriers ? "true" : "false") +
      " group-sections=" + (options.groupSections ? "true" : "false") +
      " off-mma-warps=" + (options.offMmaWarps ? "true" : "false") +
      " spread-mma-warps=" + (options.spreadMmaWarps ? "true" : "false") +
      " mma-k-unroll=" + std::to_string(options.mmaKUnroll.getValue()) +
      " mma-k-chains=" + std::to_string(options.mmaKChains.getValue()) +
      " pair-accesses=" + (options.pairAccesses ? "true" : "false") +
      " mma-column-tiles=" + std::to_string(columnTiles) +
      " output-mma-column-tiles=" + std::to_string(outputColumnTiles) +
      " ldmatrix=" + (options.ldmatrix ? "true" : "false") +
      " register-weights=" + (options.registerWeights ? "true" : "false") +
      " register-weight-products=" +
      (options.registerWeightProducts ? "true" : "false") +
      " copies-on-output-warps=" +
      (options.copiesOnOutputWarps ? "true" : "false") +
      " cluster-groups=" + (options.clusterGroups ? "true" : "false") +
      "})),"
      "gpu.module(lower-affine,convert-scf-to-cf,canonicalize,cse),"
      "nvvm-attach-target{chip=" +
      options.chip +
      // st.async (cluster-groups) needs PTX 8.1.
      " features=+ptx8" + (options.clusterGroups ? "1" : "0") +
      " O=3},"
      // Bare pointers: the kernel ABI passes one device pointer per array.
      "gpu.module(expand-strided-metadata,lower-affine," +
      // libdevice's rsqrt/tanh are faster (TTT-MLP: 5.15 vs 5.86 ms on an
      // H100) but need a CUDA toolkit when the PTX is made.
      std::string(libdevice ? "" : "ttt-gpu-portable-math,") +
      "convert-nvgpu-to-nvvm,"
      // Paired loads leave shape casts (vector<2xf32> as an mma fragment)
      // that only this pass's lowering patterns take.
      "convert-vector-to-llvm,"
      "convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=true "
      "index-bitwidth=64},convert-nvvm-to-llvm,canonicalize,cse,"
      "reconcile-unrealized-casts,"
      "ttt-gpu-extern-shared)";
  if (failed(parsePassPipeline(lowering, pm)))
    llvm::report_fatal_error("ttt-to-nvvm: malformed built-in pipeline");
}

void ttt::buildTTTModelToGPUPipeline(OpPassManager &pm, unsigned threads,
                                     bool cubin, unsigned chainThreadCount,
                                     int64_t maxSharedBytes, bool elideBarriers,
                                     bool cloneFills) {
  buildTTTToLinalgPipeline(pm);
  if (cloneFills)
    pm.addNestedPass<func::FuncOp>(createTTTGPUCloneFills());
  // Host functions that sequence kernels: each TTT layer's chains as one
  // block per chain (the layer kernel's passes: shared memory, every op
  // over the block's threads), GEMMs as shared-memory tiled kernels, every
  // other linalg op as a flat-grid kernel, buffers in device memory; then
  // upstream outlining, async streams and the NVVM/host lowering. No
  // buffer-loop-hoisting: a buffer hoisted out of a chain loop would be shared
  // by all its blocks.
  std::string chainThreads = std::to_string(chainThreadCount);
  std::string lowering =
      std::string(kBufferizeAtBoundaries) +
      "func.func(buffer-hoisting),"
      "buffer-results-to-out-params{modify-public-functions "
      "hoist-static-allocs},"
      "convert-memref-copy-to-linalg,"
      "func.func(ttt-gpu-chain-loops-to-launch{threads=" +
      chainThreads +
      "}),"
      "gpu-kernel-outlining,"
      "gpu.module(gpu.func(ttt-gpu-private-buffers{workgroup=true},"
      "ttt-gpu-distribute{threads=" +
      chainThreads + " elide-barriers=" + (elideBarriers ? "true" : "false") +
      "})),"
      "ttt-gpu-global-scratch{max-shared-bytes=" +
      std::to_string(maxSharedBytes) +
      "},ttt-gpu-launch-shared-memory,"
      "gpu.module(lower-affine,convert-scf-to-cf,canonicalize,cse,"
      "expand-strided-metadata,lower-affine,"
      "convert-gpu-to-nvvm{index-bitwidth=64},canonicalize,cse,"
      "reconcile-unrealized-casts,ttt-gpu-extern-shared),"
      "func.func(ttt-gpu-tile-contractions),"
      "func.func(convert-linalg-to-parallel-loops),"
      "func.func(ttt-gpu-parallel-loops-to-launch{threads=" +
      std::to_string(threads) +
      "}),"
      "func.func(ttt-gpu-host-buffers),"
      "gpu-kernel-outlining,canonicalize,cse,"
      "func.func(gpu-async-region),func.func(llvm-request-c-wrappers),"
      "gpu-lower-to-nvvm-pipeline{cubin-chip=sm_90 cubin-features=+ptx80 "
      "opt-level=3 cubin-format=" +
      (cubin ? "bin" : "isa") + "}";
  if (failed(parsePassPipeline(lowering, pm)))
    llvm::report_fatal_error("ttt-model-to-gpu: malformed built-in pipeline");
}

namespace {
struct TTTModelToGPUOptions : PassPipelineOptions<TTTModelToGPUOptions> {
  Option<unsigned> threads{*this, "threads",
                           llvm::cl::desc("Threads per block (1 to 1024)"),
                           llvm::cl::init(256)};
  Option<unsigned> chainThreads{
      *this, "chain-threads",
      llvm::cl::desc("Threads per block of the TTT chain kernels"),
      llvm::cl::init(128)};
  Option<int64_t> maxSharedBytes{
      *this, "max-shared-bytes",
      llvm::cl::desc("Most shared memory per block; chain kernels needing "
                     "more keep their buffers in global memory"),
      llvm::cl::init(232448)};
  Option<bool> elideBarriers{
      *this, "elide-barriers",
      llvm::cl::desc("Let ttt-gpu-distribute drop barriers it proves "
                     "unneeded (false: one after every op, for checking)"),
      llvm::cl::init(true)};
  Option<bool> cloneFills{
      *this, "clone-fills",
      llvm::cl::desc("Run ttt-gpu-clone-fills first (a fill per consumer)"),
      llvm::cl::init(false)};
  Option<bool> cubin{*this, "cubin",
                     llvm::cl::desc("Embed cubin (needs ptxas) instead of "
                                    "PTX (JIT-compiled by the driver)"),
                     llvm::cl::init(false)};
};

} // namespace

/// sm_ and digits, with an optional arch-specific suffix (sm_90a).
static bool isChipName(StringRef chip) {
  if (!chip.consume_front("sm_"))
    return false;
  chip.consume_back("a");
  return !chip.empty() && llvm::all_of(chip, llvm::isDigit);
}

void ttt::registerTTTPipelines() {
  // Registered by hand (not PassPipelineRegistration) so that bad option
  // values are located errors, not a malformed built-in pipeline.
  registerPassPipeline(
      "ttt-to-nvvm",
      "Lower a TTT graph to a GPU kernel in the NVVM dialect for the cuda "
      "artifact ABI (sm_90, or `chip`): ttt-to-linalg, "
      "ttt-gpu-destination-args, one-shot bufferization, "
      "convert-ttt-chains-to-gpu (one block per chain), "
      "ttt-gpu-private-buffers{workgroup=true} (shared memory), "
      "ttt-gpu-distribute{threads mma} (linalg ops over the block's threads, "
      "contractions on the tensor cores), "
      "nvvm-attach-target, ttt-gpu-portable-math (no libdevice for "
      "sqrt/rsqrt/tanh), convert-nvgpu-to-nvvm, convert-gpu-to-nvvm with "
      "bare pointers, ttt-gpu-extern-shared (docs/GPU.md)",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        TTTToNVVMOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        if (!isChipName(options.chip))
          return errorHandler("ttt-to-nvvm: chip must be sm_ and a number "
                              "(e.g. sm_80, sm_90), not '" +
                              options.chip + "'");
        if (options.mmaKUnroll < 0 || options.mmaKUnroll > 64)
          return errorHandler("ttt-to-nvvm: mma-k-unroll must be in [0, 64]");
        if (options.mmaKChains < 1 || options.mmaKChains > 8)
          return errorHandler("ttt-to-nvvm: mma-k-chains must be in [1, 8]");
        if (options.mmaColumnTiles < 0 || options.mmaColumnTiles > 8)
          return errorHandler(
              "ttt-to-nvvm: mma-column-tiles must be in [0, 8]");
        if (options.outputMmaColumnTiles < 0 ||
            options.outputMmaColumnTiles > 8)
          return errorHandler(
              "ttt-to-nvvm: output-mma-column-tiles must be in [0, 8]");
        if (options.stagePad < 0 || options.stagePad > 32)
          return errorHandler("ttt-to-nvvm: stage-pad must be in [0, 32]");
        if (options.outputWarps < 0 ||
            32 * options.outputWarps >= static_cast<int64_t>(options.threads))
          return errorHandler("ttt-to-nvvm: output-warps must be in [0, "
                              "threads / 32)");
        // A third group (weight-warps or tail-warps) of `w` warps: none,
        // or beside output-warps with warps left for the recurrence.
        auto thirdGroupFits = [&](int64_t w) {
          return w == 0 || (w > 0 && options.outputWarps > 0 &&
                            32 * (options.outputWarps + w) <
                                static_cast<int64_t>(options.threads));
        };
        if (!thirdGroupFits(options.weightWarps))
          return errorHandler(
              "ttt-to-nvvm: weight-warps needs output-warps and leaves "
              "warps for the recurrence: output-warps + weight-warps < "
              "threads / 32");
        if (!thirdGroupFits(options.tailWarps) ||
            (options.tailWarps > 0 && options.weightWarps > 0))
          return errorHandler(
              "ttt-to-nvvm: tail-warps needs output-warps, not weight-warps, "
              "and leaves warps for the recurrence: output-warps + "
              "tail-warps < threads / 32");
        if (options.splitWeights &&
            (!options.leanWeights || !options.clusterGroups ||
             options.weightWarps < 2 || options.weightWarps % 2 != 0))
          return errorHandler(
              "ttt-to-nvvm: split-weights needs lean-weights, cluster-groups "
              "and an even weight-warps");
        if (options.coefficientsOnWeights && !options.splitWeights)
          return errorHandler(
              "ttt-to-nvvm: coefficients-on-weights needs split-weights");
        if (options.splitNarrowContractions && options.outputWarps > 0 &&
            !options.clusterGroups)
          return errorHandler("ttt-to-nvvm: split-narrow-contractions needs "
                              "cluster-groups or no output-warps");
        if (options.splitTF32MinWarps < 0)
          return errorHandler(
              "ttt-to-nvvm: split-tf32-min-warps must not be negative");
        if (options.maxSharedBytes <= 0)
          return errorHandler("ttt-to-nvvm: max-shared-bytes must be "
                              "positive");
        buildTTTToNVVMPipeline(pm, options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> handler) {
        handler(TTTToNVVMOptions());
      });
  PassPipelineRegistration<TTTModelToGPUOptions>(
      "ttt-model-to-gpu",
      "Lower a whole-model graph (ttt-model-gen) to host code that runs "
      "every linalg op as a GPU kernel (sm_90), for the GPU model ABI of "
      "docs/MODEL.md: ttt-to-linalg, bufferization, "
      "convert-linalg-to-parallel-loops, ttt-gpu-parallel-loops-to-launch, "
      "ttt-gpu-host-buffers, gpu-kernel-outlining, gpu-async-region, "
      "gpu-lower-to-nvvm-pipeline",
      [](OpPassManager &pm, const TTTModelToGPUOptions &options) {
        buildTTTModelToGPUPipeline(pm, options.threads, options.cubin,
                                   options.chainThreads, options.maxSharedBytes,
                                   options.elideBarriers, options.cloneFills);
      });
  PassPipelineRegistration<>(
      "ttt-to-llvm-cpu",
      "Lower a TTT graph to the LLVM dialect for the CPU artifact ABI: "
      "ttt-to-linalg, ttt-cpu-loop-order, ttt-cpu-vectorize, "
      "loop-invariant-subset-hoisting, ttt-cpu-loop-order, one-shot "
      "bufferization with identity-layout function "
      "boundaries, results as out-parameters, deallocation, loops, LLVM with "
      "C-interface wrappers (_mlir_ciface_<name>)",
      buildTTTToLLVMCPUPipeline);
  PassPipelineRegistration<>(
      "ttt-to-linalg",
      "Lower a TTT graph to linalg/scf on tensors: ttt-dual-form, "
      "ttt-autodiff, convert-ttt-scan-to-scf, convert-ttt-to-linalg, "
      "canonicalize, cse, ttt-fuse, canonicalize, cse",
      buildTTTToLinalgPipeline);
}
