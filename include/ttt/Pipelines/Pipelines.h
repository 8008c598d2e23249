//===- Pipelines.h - Named TTT pass pipelines -------------------*- C++ -*-===//

#ifndef TTT_PIPELINES_PIPELINES_H
#define TTT_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

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
/// The options of `--ttt-to-nvvm`:
struct TTTToNVVMOptions : PassPipelineOptions<TTTToNVVMOptions> {
  Option<unsigned> threads{*this, "threads",
                           llvm::cl::desc("Threads per block (1 to 1024)"),
                           llvm::cl::init(128)};
  Option<std::string> mma{
      *this, "mma",
      llvm::cl::desc("Contractions on the tensor cores: 3xtf32 (fp32 "
                     "accuracy), tf32, bf16 (operands rounded to bf16: fast "
                     "mode) or none"),
      llvm::cl::init("3xtf32")};
  Option<bool> libdevice{
      *this, "libdevice",
      llvm::cl::desc("Leave f32 sqrt/rsqrt/tanh to libdevice (needs a CUDA "
                     "toolkit when the PTX is made; else "
                     "ttt-gpu-portable-math)"),
      llvm::cl::init(false)};
  Option<bool> stageInputs{
      *this, "stage-inputs",
      llvm::cl::desc("Prefetch each chunk's q/k/v/eta slices into shared "
                     "memory with cp.async (ttt-gpu-stage-inputs)"),
      llvm::cl::init(true)};
  Option<bool> stageInvariants{
      *this, "stage-invariants",
      llvm::cl::desc("Copy the small read-only arrays a chunk loop reads "
                     "(the LayerNorm's scale and shift) into shared memory "
                     "before it (ttt-gpu-stage-invariants)"),
      llvm::cl::init(true)};
  Option<int64_t> rowPad{
      *this, "row-pad",
      llvm::cl::desc("Elements added to 64-float rows of shared temporaries "
                     "(ttt-gpu-private-buffers row-pad)"),
      llvm::cl::init(8)};
  Option<bool> scheduleLevels{
      *this, "schedule-levels",
      llvm::cl::desc("Order the linalg ops of each block by dependence "
                     "level (ttt-gpu-schedule-levels): fewer barriers"),
      llvm::cl::init(true)};
  Option<bool> forwardCopies{
      *this, "forward-copies",
      llvm::cl::desc("Let the op filling a temporary write a copy's "
                     "destination instead (ttt-gpu-forward-copies)"),
      llvm::cl::init(true)};
  Option<bool> inlineRowStats{
      *this, "inline-row-stats",
      llvm::cl::desc("Fuse per-row statistics into their consumers "
                     "(ttt-gpu-inline-row-stats)"),
      llvm::cl::init(true)};
  Option<bool> stateInResults{
      *this, "state-in-results",
      llvm::cl::desc("Keep fast weights of 32 KB or more in their result "
                     "arrays, not shared memory (ttt-gpu-state-in-results)"),
      llvm::cl::init(false)};
  Option<int64_t> stateInResultsSkip{
      *this, "state-in-results-skip",
      llvm::cl::desc("With state-in-results: leave the first N large fast "
                     "weights in shared memory (ttt-gpu-state-in-results "
                     "skip)"),
      llvm::cl::init(0)};
  Option<int64_t> stateInResultsMax{
      *this, "state-in-results-max",
      llvm::cl::desc("With state-in-results: keep at most N fast weights in "
                     "their result arrays, -1 all (ttt-gpu-state-in-results "
                     "max-count)"),
      llvm::cl::init(-1)};
  Option<bool> rowWarps{
      *this, "row-warps",
      llvm::cl::desc("Row r of elementwise ops and row reductions on warp "
                     "r mod warps (ttt-gpu-distribute row-warps): warp "
                     "barriers between ops that meet only at their rows"),
      llvm::cl::init(true)};
  Option<bool> spreadMmaWarps{
      *this, "spread-mma-warps",
      llvm::cl::desc("Tensor-core ops between two block barriers start at "
                     "the warp after the last one's tiles "
                     "(ttt-gpu-distribute spread-mma-warps)"),
      llvm::cl::init(true)};
  Option<int64_t> mmaKUnroll{
      *this, "mma-k-unroll",
      llvm::cl::desc("k-steps per iteration of a tensor-core tile's k loop, "
                     "operand loads first (ttt-gpu-distribute mma-k-unroll; "
                     "0: by the tile's width)"),
      llvm::cl::init(1)};
  Option<bool> narrowCarriedSlices{
      *this, "narrow-carried-slices",
      llvm::cl::desc("Compute a slice the chunk loop carries (the next "
                     "bias) by its own op (ttt-gpu-narrow-carried-slices)"),
      llvm::cl::init(false)};
  Option<bool> mergeSharedContractions{
      *this, "merge-shared-contractions",
      llvm::cl::desc("Add two contractions against the same operand (the "
                     "attention term and the per-token bias) as one "
                     "(ttt-gpu-merge-shared-contractions)"),
      llvm::cl::init(false)};
  Option<bool> lookaheadProducts{
      *this, "lookahead-products",
      llvm::cl::desc("Start each chunk's product with the fast weights one "
                     "step early, corrected by a product of depth 16 after "
                     "the gradient (ttt-gpu-lookahead-products)"),
      llvm::cl::init(false)};
  Option<bool> fuseConversions{
      *this, "fuse-conversions",
      llvm::cl::desc("Fuse each float conversion (the fast mode's bf16 "
                     "inputs widened) into the ops that read it "
                     "(ttt-gpu-fuse-conversions)"),
      llvm::cl::init(false)};
  Option<bool> fuseInputOps{
      *this, "fuse-input-ops",
      llvm::cl::desc("With fuse-conversions: also fuse elementwise ops on "
                     "the chunk's inputs alone into their readers "
                     "(ttt-gpu-fuse-conversions{input-ops})"),
      llvm::cl::init(false)};
  Option<bool> foldNextInit{
      *this, "fold-next-init",
      llvm::cl::desc("With lookahead-products: fold the next bias into the "
                     "correction, so that the recurrence waits for one "
                     "product after the gradient "
                     "(ttt-gpu-lookahead-products{fold-next-init})"),
      llvm::cl::init(false)};
  Option<bool> rotateOutputChain{
      *this, "rotate-output-chain",
      llvm::cl::desc("Compute each chunk's output chain at the start of the "
                     "next iteration (ttt-gpu-rotate-output-chain)"),
      llvm::cl::init(false)};
  Option<bool> rotateOutputTail{
      *this, "rotate-output-tail",
      llvm::cl::desc("Compute each chunk's output tail (the ops after the "
                     "output chain's last read of a step value: the output "
                     "LayerNorm, the residual) at the start of the next "
                     "iteration (ttt-gpu-rotate-output-chain{tail-only})"),
      llvm::cl::init(false)};
  Option<bool> offMmaWarps{
      *this, "off-mma-warps",
      llvm::cl::desc("With cluster-groups, ops run point by point or by "
                     "rows that touch nothing the other ops of their phase "
                     "write run on the warps the phase's tensor-core tiles "
                     "leave (ttt-gpu-distribute off-mma-warps)"),
      llvm::cl::init(false)};
  Option<int64_t> channelSlots{
      *this, "channel-slots",
      llvm::cl::desc("With cluster-groups, staging areas per channel: 2 "
                     "lets a block run a step ahead of its reader "
                     "(ttt-gpu-distribute channel-slots)"),
      llvm::cl::init(1)};
  Option<bool> directChannels{
      *this, "direct-channels",
      llvm::cl::desc("With cluster-groups, channels copy straight into the "
                     "reader's buffer, freed after its last read in the "
                     "step (ttt-gpu-distribute direct-channels)"),
      llvm::cl::init(false)};
  Option<bool> fewerBlockBarriers{
      *this, "fewer-block-barriers",
      llvm::cl::desc("With cluster-groups, each block's own sync after an "
                     "op on several blocks; with direct-channels also frees "
                     "after a later block barrier and one wait for the "
                     "takes before an op (ttt-gpu-distribute "
                     "fewer-block-barriers)"),
      llvm::cl::init(false)};
  Option<int64_t> rowLanes{
      *this, "row-lanes",
      llvm::cl::desc("The fewest lanes a row of a row-warps op takes: 16 "
                     "lets two rows share a warp, 8 four (ttt-gpu-distribute "
                     "row-lanes)"),
      llvm::cl::init(16)};
  Option<bool> rotateWeightUpdate{
      *this, "rotate-weight-update",
      llvm::cl::desc("Run each chunk's weight update at the start of the "
                     "next iteration, beside the LayerNorm chain with "
                     "lookahead-products (ttt-gpu-rotate-weight-update)"),
      llvm::cl::init(false)};
  Option<bool> foldZeroFills{
      *this, "fold-zero-fills",
      llvm::cl::desc("Start accumulating ops from zero instead of after a "
                     "zero fill of their output (ttt-gpu-fold-zero-fills)"),
      llvm::cl::init(true)};
  Option<bool> foldInitCopies{
      *this, "fold-init-copies",
      llvm::cl::desc("Start accumulating ops from the source of the copy or "
                     "broadcast that initialised their output "
                     "(ttt-gpu-fold-init-copies)"),
      llvm::cl::init(true)};
  Option<int64_t> outputWarps{
      *this, "output-warps",
      llvm::cl::desc("Warps (of `threads`) given to the chunk loop's output "
                     "chain, beside the recurrence's (ttt-gpu-output-warps; "
                     "0: none)"),
      llvm::cl::init(0)};
  Option<int64_t> weightWarps{
      *this, "weight-warps",
      llvm::cl::desc("With output-warps: warps (of `threads`) given to the "
                     "fast weights' update and the products reading them, "
                     "beside the recurrence's other ops "
                     "(ttt-gpu-output-warps{weight-warps}; 0: none)"),
      llvm::cl::init(0)};
  Option<bool> leanWeights{
      *this, "lean-weights",
      llvm::cl::desc("With weight-warps and lookahead-products: the weight "
                     "group runs only the update, the products reading W "
                     "and what feeds them; the other ops off the "
                     "correction's cycle run on the output group "
                     "(ttt-gpu-output-warps{lean-weights})"),
      llvm::cl::init(false)};
  Option<bool> groupSections{
      *this, "group-sections",
      llvm::cl::desc("Each warp group's (cluster-groups: each block's) ops "
                     "of a chunk loop as one run of code "
                     "(ttt-gpu-distribute group-sections)"),
      llvm::cl::init(false)};
  Option<bool> splitNarrowContractions{
      *this, "split-narrow-contractions",
      llvm::cl::desc("Contractions whose tensor-core tiles leave most warps "
                     "idle split by their reduction over those warps, "
                     "their elementwise reader adding the parts "
                     "(ttt-gpu-split-narrow-contractions; with "
                     "cluster-groups or without output-warps)"),
      llvm::cl::init(false)};
  Option<bool> splitWeights{
      *this, "split-weights",
      llvm::cl::desc("With lean-weights and cluster-groups: the weight "
                     "group's update and products of W split by W's rows "
                     "over two blocks (ttt-gpu-output-warps{split-weights})"),
      llvm::cl::init(false)};
  Option<bool> coefficientsOnWeights{
      *this, "coefficients-on-weights",
      llvm::cl::desc("With split-weights: the correction's coefficients on "
                     "the second weight block, sent to the recurrence's "
                     "(ttt-gpu-output-warps{coefficients-on-weights})"),
      llvm::cl::init(false)};
  Option<int64_t> tailWarps{
      *this, "tail-warps",
      llvm::cl::desc("With output-warps: warps (of `threads`) given to the "
                     "output chain's tail (its LayerNorm, the residual, the "
                     "store), beside the output group's next step; with "
                     "cluster-groups a third block "
                     "(ttt-gpu-output-warps{tail-warps}; 0: none)"),
      llvm::cl::init(0)};
  Option<bool> offloadInputs{
      *this, "offload-inputs",
      llvm::cl::desc("With output-warps: the recurrence's ops on the "
                     "chunk's inputs alone (v - k, broadcasts) on the "
                     "output group (ttt-gpu-output-warps{offload-inputs})"),
      llvm::cl::init(false)};
  Option<bool> deferOutput{
      *this, "defer-output",
      llvm::cl::desc("With output-warps: the output group's first "
                     "contraction after the first group's ops before it "
                     "(ttt-gpu-output-warps{defer-output}; fla fp32 "
                     "0.377 -> 0.360 ms at 1 x 2048 on an H200)"),
      llvm::cl::init(true)};
  Option<int64_t> splitTF32MinWarps{
      *this, "split-tf32-min-warps",
      llvm::cl::desc("With mma=3xtf32, split the A operands read by at least "
                     "this many warp tiles once before their contractions "
                     "(ttt-gpu-split-tf32-operands; 0: never, the default: "
                     "the extra phase costs more than the splits it saves)"),
      llvm::cl::init(0)};
  Option<int64_t> mmaKChains{
      *this, "mma-k-chains",
      llvm::cl::desc("Independent accumulators a tensor-core tile's k-steps "
                     "alternate between, summed after the k loop "
                     "(ttt-gpu-distribute mma-k-chains)"),
      llvm::cl::init(1)};
  Option<int64_t> stagePad{
      *this, "stage-pad",
      llvm::cl::desc("4-byte words added to each row of the prefetch "
                     "buffers (ttt-gpu-stage-inputs pad; 8: paired fp32 "
                     "fragment loads on distinct banks)"),
      llvm::cl::init(8)};
  Option<bool> pairAccesses{
      *this, "pair-accesses",
      llvm::cl::desc("Adjacent element pairs in one access: tensor-core "
                     "fragments and accumulators, row-warps ops "
                     "(ttt-gpu-distribute pair-accesses)"),
      llvm::cl::init(true)};
  Option<int64_t> mmaColumnTiles{
      *this, "mma-column-tiles",
      llvm::cl::desc("Tensor-core warp tiles for warps / N warps "
                     "(ttt-gpu-distribute mma-column-tiles; 0: auto, 2 with "
                     "output-warps and one tf32 or bf16 product per tile, "
                     "else 1)"),
      llvm::cl::init(0)};
  Option<int64_t> outputMmaColumnTiles{
      *this, "output-mma-column-tiles",
      llvm::cl::desc("mma-column-tiles for the output group's contractions "
                     "(ttt-gpu-distribute output-mma-column-tiles; 0: "
                     "mma-column-tiles where set, else auto: 4 with "
                     "output-warps and one tf32 or bf16 product per tile, "
                     "else 1)"),
      llvm::cl::init(0)};
  Option<bool> registerWeights{
      *this, "register-weights",
      llvm::cl::desc("Fast weights that a chunk loop's tensor-core update "
                     "writes and its products read as their B side kept in "
                     "registers, both contractions transposed "
                     "(ttt-gpu-distribute register-weights)"),
      llvm::cl::init(false)};
  Option<bool> registerWeightProducts{
      *this, "register-weight-products",
      llvm::cl::desc("With register-weights, K W reads the registers too "
                     "(false: only the update; ttt-gpu-distribute "
                     "register-weight-products)"),
      llvm::cl::init(true)};
  Option<bool> ldmatrix{
      *this, "ldmatrix",
      llvm::cl::desc("A fragments of plain shared-memory operands by "
                     "ldmatrix.x4 (ttt-gpu-distribute ldmatrix)"),
      llvm::cl::init(false)};
  Option<bool> copiesOnOutputWarps{
      *this, "copies-on-output-warps",
      llvm::cl::desc("With output-warps, the output group issues the "
                     "prefetch copies (ttt-gpu-distribute "
                     "copies-on-output-warps; fla fp32 0.360 -> 0.356 ms "
                     "at 1 x 2048 on an H200)"),
      llvm::cl::init(true)};
  Option<bool> clusterGroups{
      *this, "cluster-groups",
      llvm::cl::desc("With output-warps, each warp group on a block of its "
                     "own in a thread-block cluster (sm_90; "
                     "ttt-gpu-distribute cluster-groups): `threads` per "
                     "block, output-warps / weight-warps only mark the "
                     "groups; no register-weights"),
      llvm::cl::init(false)};
  Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("The GPU the PTX is for (nvvm-attach-target): sm_90 "
                     "(default), or e.g. sm_80, whose PTX the driver also "
                     "compiles for newer GPUs"),
      llvm::cl::init("sm_90")};
  Option<int64_t> maxSharedBytes{
      *this, "max-shared-bytes",
      llvm::cl::desc("Shared memory per block the chip gives "
                     "(ttt-gpu-private-buffers max-bytes; sm_90: 232448)"),
      llvm::cl::init(232448)};
};

void buildTTTToNVVMPipeline(OpPassManager &pm, const TTTToNVVMOptions &options);

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
