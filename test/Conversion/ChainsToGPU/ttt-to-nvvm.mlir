// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm | FileCheck %s
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm \
// RUN:   | ttt-opt --gpu-module-to-binary=format=isa \
// RUN:   | ttt-translate --ttt-gpu-object | FileCheck %s --check-prefix=PTX
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm=threads=64 \
// RUN:   | FileCheck %s --check-prefix=T64
// T64: gpu.known_block_size = array<i32: 64, 1, 1>
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="stage-inputs=false stage-invariants=false row-pad=0 schedule-levels=false forward-copies=false inline-row-stats=false" \
// RUN:   | FileCheck %s --check-prefix=NOSTAGE
// Without the staging, q/k/v/eta (and the LayerNorm scale and shift) are
// read from global memory: no async copies and 27 KB less shared memory (3
// double-buffered 16 x 72 slices and one of 16 floats); without padded rows and the level order (longer live
// ranges), less again (and no buffer for the bias broadcast, which
// ttt-gpu-fold-init-copies folds into Z = b + K W).
// NOSTAGE: ttt.shared_bytes = 37760
// NOSTAGE-NOT: cp.async

// The kernel ABI of docs/RUNTIME.md: 8 args + 3 results as bare pointers,
// then tokens and chains; no host function is left.
// CHECK-NOT: func.func
// CHECK: gpu.module @ttt_kernels [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">]
// Temporaries in the block's dynamic shared memory, as an extern array.
// CHECK: llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// CHECK: llvm.func @ttt_linear_fla(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64) attributes {gpu.kernel, gpu.known_block_size = array<i32: 128, 1, 1>, nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>, ttt.shared_bytes = 89152 : i64}
// One block per chain, its linalg ops over the block's threads, barriers
// between them, no stack buffers.
// CHECK-DAG: nvvm.read.ptx.sreg.ctaid.x
// CHECK-DAG: nvvm.read.ptx.sreg.tid.x
// CHECK: nvvm.barrier
// CHECK-NOT: llvm.alloca
// CHECK-NOT: llvm.call @malloc

// PTX: .version 8.0
// PTX: .target sm_90
// PTX: .extern .shared .align 16 .b8 __dynamic_shmem__0[];
// PTX: .visible .entry ttt_linear_fla(
// PTX-COUNT-11: .param .u64 .ptr
// PTX: .param .u64 ttt_linear_fla_param_11,
// PTX-NEXT: .param .u64 ttt_linear_fla_param_12
// The chunk's inputs prefetched with cp.async (16 bytes per copy for the
// 64-float rows of q/k/v, 4 for eta, whose rows are T long), waited for
// at the top of each chunk.
// PTX-DAG: cp.async.cg.shared.global [%rd{{[0-9]+}}+{{[0-9]+}}], [%rd{{[0-9]+}}], 16;
// PTX-DAG: cp.async.ca.shared.global [%rd{{[0-9+]+}}], [%rd{{[0-9]+}}], 4;
// PTX-DAG: cp.async.commit_group;
// PTX-DAG: cp.async.wait_group {{[[:space:]]*}}0;

// A chip name that is not sm_ and a number is a located error, not a
// malformed built-in pipeline.
// RUN: not ttt-opt %s --ttt-to-nvvm="chip=sm_9{0" 2>&1 | FileCheck %s --check-prefix=BADCHIP
// BADCHIP: error: ttt-to-nvvm: chip must be sm_ and a number (e.g. sm_80, sm_90), not 'sm_9{0'
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="chip=sm_80" | FileCheck %s --check-prefix=SM80
// SM80: gpu.module @ttt_kernels [#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">]
// RUN: not ttt-opt %s --ttt-to-nvvm="chip=sm_" 2>&1 | FileCheck %s --check-prefix=BADCHIP2
// BADCHIP2: error: ttt-to-nvvm: chip must be sm_ and a number (e.g. sm_80, sm_90), not 'sm_'
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="chip=sm_90a" | FileCheck %s --check-prefix=SM90A
// SM90A: chip = "sm_90a"
// An mma-k-unroll out of range is an error of the pipeline too.
// RUN: not ttt-opt %s --ttt-to-nvvm="mma-k-unroll=65" 2>&1 | FileCheck %s --check-prefix=BADUNROLL
// BADUNROLL: error: ttt-to-nvvm: mma-k-unroll must be in [0, 64]

// stage-pad widens the prefetch buffers' rows (default 4 words: 68 floats);
// out of range it is an error of the pipeline.
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="stage-inputs=true stage-pad=8" --mlir-print-ir-after=ttt-gpu-stage-inputs -o /dev/null 2>&1 | FileCheck %s --check-prefix=PAD
// PAD: memref.alloc() {alignment = 16 : i64} : memref<2x16x72xf32>
// RUN: not ttt-opt %s --ttt-to-nvvm="stage-pad=33" 2>&1 | FileCheck %s --check-prefix=BADPAD
// BADPAD: error: ttt-to-nvvm: stage-pad must be in [0, 32]
// RUN: not ttt-opt %s --ttt-to-nvvm="threads=512 weight-warps=4" 2>&1 | FileCheck %s --check-prefix=BADWEIGHTS
// RUN: not ttt-opt %s --ttt-to-nvvm="threads=512 output-warps=8 weight-warps=8" 2>&1 | FileCheck %s --check-prefix=BADWEIGHTS
// BADWEIGHTS: ttt-to-nvvm: weight-warps needs output-warps and leaves warps for the recurrence: output-warps + weight-warps < threads / 32
// RUN: not ttt-opt %s --ttt-to-nvvm="threads=256 output-warps=2 weight-warps=2 lookahead-products=true split-weights=true" 2>&1 | FileCheck %s --check-prefix=BADHALVES
// RUN: not ttt-opt %s --ttt-to-nvvm="threads=256 output-warps=2 weight-warps=2 lookahead-products=true lean-weights=true split-weights=true" 2>&1 | FileCheck %s --check-prefix=BADHALVES
// RUN: not ttt-opt %s --ttt-to-nvvm="threads=256 output-warps=2 weight-warps=3 lookahead-products=true lean-weights=true cluster-groups=true split-weights=true" 2>&1 | FileCheck %s --check-prefix=BADHALVES
// BADHALVES: ttt-to-nvvm: split-weights needs lean-weights, cluster-groups and an even weight-warps
// With weight-warps, the output group's and the weight group's threads
// are marked on the kernel for ttt-gpu-distribute.
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=512 output-warps=8 weight-warps=4" --mlir-print-ir-before=ttt-gpu-distribute -o /dev/null 2>&1 | FileCheck %s --check-prefix=WEIGHTS
// WEIGHTS: gpu.func @ttt_linear_fla({{.*}}ttt.output_threads = 256 : i64{{.*}}ttt.weight_threads = 128 : i64
// WEIGHTS: ttt.warp_group = 2
// RUN: not ttt-opt %s --ttt-to-nvvm="mma-k-chains=9" 2>&1 | FileCheck %s --check-prefix=BADCHAINS
// BADCHAINS: error: ttt-to-nvvm: mma-k-chains must be in [1, 8]
// RUN: not ttt-opt %s --ttt-to-nvvm="split-tf32-min-warps=-1" 2>&1 | FileCheck %s --check-prefix=BADSPLIT
// BADSPLIT: error: ttt-to-nvvm: split-tf32-min-warps must not be negative
// split-tf32-min-warps (off by default): with mma=3xtf32 the A operands of
// K W, Q W, Q K^T (Q split once for both) and of the attention term A G
// (read by 8 warp tiles at 512 threads) are split before the
// contractions; with another mma, or by default, nothing is.
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=512 split-tf32-min-warps=2" --mlir-print-ir-after=ttt-gpu-split-tf32-operands -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPLIT
// SPLIT-LABEL: IR Dump After TTTGPUSplitTF32Operands
// SPLIT-COUNT-4: ttt.tf32_low
// SPLIT-NOT: ttt.tf32_low
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=512 split-tf32-min-warps=2 mma=tf32" --mlir-print-ir-after-all -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOSPLIT
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=512" --mlir-print-ir-after-all -o /dev/null 2>&1 | FileCheck %s --check-prefixes=NOSPLIT,NOROTW
// NOSPLIT-NOT: TTTGPUSplitTF32Operands
// NOROTW-NOT: TTTGPURotateWeightUpdate
// rotate-weight-update (off by default): the full-chunk loop starts with
// the previous chunk's weight update (carried K, G and the learning rates
// of its last row beside the lookahead's next Z) and a loop of zero or one
// iteration after it applies the last one.
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=512 lookahead-products=true rotate-weight-update=true" --mlir-print-ir-after=ttt-gpu-rotate-weight-update -o /dev/null 2>&1 | FileCheck %s --check-prefix=ROTW
// ROTW-LABEL: IR Dump After TTTGPURotateWeightUpdate
// ROTW: scf.for {{.*}} -> (tensor<64x64xf32>, tensor<64xf32>, tensor<?x?x?x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<16xf32>)
// ROTW-NEXT: arith.subi
// ROTW-NEXT: arith.maxsi
// ROTW-NEXT: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// ROTW: scf.yield {{.*}} : tensor<64x64xf32>, tensor<64xf32>, tensor<?x?x?x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<16xf32>
// ROTW: scf.for {{.*}} -> (tensor<64x64xf32>)
// output-warps: TTT-Linear's output chain (Q W, Q K^T, the attention term,
// the output LayerNorm) on the last 8 of 16 warps, the recurrence on the
// first 8 (their own barrier 1 of 256 threads), the groups meeting at
// named barriers of all 512 (one arrives, the other waits).
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=512 output-warps=8" \
// RUN:   | ttt-opt --gpu-module-to-binary=format=isa \
// RUN:   | ttt-translate --ttt-gpu-object | FileCheck %s --check-prefix=OW
// OW-DAG: bar.sync {{.*}}1, 256;
// OW-DAG: bar.arrive {{.*}}, 512;
// OW-DAG: bar.sync {{.*}}, 512;
// RUN: not ttt-opt %s --ttt-to-nvvm="threads=256 output-warps=8" 2>&1 | FileCheck %s --check-prefix=BADOW
// BADOW: error: ttt-to-nvvm: output-warps must be in [0, threads / 32)
// lookahead-products (off by default): the next chunk's K W starts from the
// weights before their update; K is then staged in three slots (read now
// and one chunk ahead), q, v and eta in two.
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=512 lookahead-products=true" --mlir-print-ir-after=ttt-gpu-stage-inputs -o /dev/null 2>&1 | FileCheck %s --check-prefix=LOOKAHEAD
// LOOKAHEAD-LABEL: IR Dump After TTTGPUStageInputs
// LOOKAHEAD-COUNT-2: memref.alloc() {alignment = 16 : i64} : memref<2x16x72xf32>
// LOOKAHEAD-DAG: memref.alloc() {alignment = 16 : i64} : memref<3x16x72xf32>
// LOOKAHEAD-DAG: memref.alloc() {alignment = 16 : i64} : memref<2x16xf32>
// LOOKAHEAD: arith.minsi
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=512" --mlir-print-ir-after=ttt-gpu-stage-inputs -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOLOOKAHEAD
// NOLOOKAHEAD-LABEL: IR Dump After TTTGPUStageInputs
// NOLOOKAHEAD-NOT: memref<3x16x72xf32>

// cluster-groups: the fla example with the three warp groups of
// lookahead-products, rotate-weight-update and weight-warps, each group on
// a block of a 1 x 3 x 1 cluster of 256 threads; channels between the
// blocks' shared memories (st.async), PTX 8.1.
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=256 output-warps=2 weight-warps=2 register-weights=false lookahead-products=true rotate-weight-update=true cluster-groups=true" -o - | FileCheck %s --check-prefix=CLUSTER
// CLUSTER: #nvvm.target<{{.*}}features = "+ptx81"
// CLUSTER: llvm.func @ttt_linear_fla
// CLUSTER-SAME: nvvm.cluster_dim = array<i32: 1, 3, 1>
// CLUSTER: nvvm.read.ptx.sreg.cluster.ctaid.y
// CLUSTER: mbarrier.init.shared::cta.b64
// CLUSTER: barrier.cluster.arrive.release.aligned
// CLUSTER: mbarrier.try_wait.parity.acquire.cluster.shared::cta.b64
// CLUSTER: st.async.shared::cluster.mbarrier::complete_tx::bytes
// CLUSTER: mbarrier.arrive.release.cta.shared::cluster.b64
// With register-weights (each block as one group of all its threads): the
// weight update accumulates into registers (its mma accumulators loaded
// from the per-thread cache before the loop), on both blocks.
// With fold-next-init the three blocks' recurrence (group 0, no mark) runs
// the correction, which starts from the weight block's K' W + bcast(b).
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=256 output-warps=2 weight-warps=2 register-weights=false lookahead-products=true fold-next-init=true rotate-weight-update=true cluster-groups=true" --mlir-print-ir-before=ttt-gpu-distribute -o /dev/null 2>&1 | FileCheck %s --check-prefix=FOLD
// FOLD: scf.for
// FOLD: outs(%{{.*}} : memref<16x64xf32, strided<[72, 1]>>) attrs =  {ttt.init_from = array<i64: 0, 2>, ttt.warp_group = 2 : i64}
// FOLD: attrs =  {ttt.init_from = array<i64: 0, 2>, ttt.lookahead_correction}
// split-narrow-contractions on the four-block kernel: the recurrence's
// correction coefficients (no mark) and the output block's attention term
// Q K^T (16 x 16 x 64 each, two tiles of 8 warps) in four parts each; it
// needs cluster-groups where there are output warps.
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=256 output-warps=2 weight-warps=2 register-weights=false lookahead-products=true fold-next-init=true rotate-weight-update=true lean-weights=true split-weights=true cluster-groups=true split-narrow-contractions=true" --mlir-print-ir-after=ttt-gpu-split-narrow-contractions -o /dev/null 2>&1 | FileCheck %s --check-prefix=NARROW
// NARROW: scf.for
// NARROW-COUNT-4: attrs =  {ttt.spread_mma, ttt.wait_other_group, ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
// NARROW-COUNT-4: attrs =  {ttt.spread_mma, ttt.zero_init = array<i64: 0>}
// NARROW-NOT: ttt.spread_mma
// RUN: not ttt-opt %s --ttt-to-nvvm="threads=256 output-warps=2 split-narrow-contractions=true" 2>&1 | FileCheck %s --check-prefix=BADNARROW
// BADNARROW: ttt-to-nvvm: split-narrow-contractions needs cluster-groups or no output-warps
// coefficients-on-weights: the four-block kernel's correction coefficients
// (split as above) on the second weight block (group 3) instead of the
// recurrence; it needs split-weights.
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=256 output-warps=2 weight-warps=2 register-weights=false lookahead-products=true fold-next-init=true rotate-weight-update=true lean-weights=true split-weights=true cluster-groups=true split-narrow-contractions=true coefficients-on-weights=true" --mlir-print-ir-after=ttt-gpu-split-narrow-contractions -o /dev/null 2>&1 | FileCheck %s --check-prefix=COEF
// COEF: scf.for
// COEF-COUNT-4: attrs =  {ttt.spread_mma, ttt.wait_other_group, ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
// COEF-COUNT-4: attrs =  {ttt.spread_mma, ttt.warp_group = 3 : i64, ttt.zero_init = array<i64: 0>}
// COEF-NOT: ttt.spread_mma
// RUN: not ttt-opt %s --ttt-to-nvvm="threads=256 output-warps=2 weight-warps=2 lookahead-products=true lean-weights=true cluster-groups=true coefficients-on-weights=true" 2>&1 | FileCheck %s --check-prefix=BADCOEF
// BADCOEF: ttt-to-nvvm: coefficients-on-weights needs split-weights
// The fast mode's conversions are fused after the tensor-level rewrites:
// the lookahead still finds the bf16 chunk's product (and the correction
// then reads the widened bf16 k itself).
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla_bf16.mlir --ttt-to-nvvm="threads=256 mma=tf32 output-warps=2 weight-warps=2 register-weights=false lookahead-products=true fold-next-init=true rotate-weight-update=true cluster-groups=true fuse-conversions=true" --mlir-print-ir-before=ttt-gpu-distribute -o /dev/null 2>&1 | FileCheck %s --check-prefix=FOLDBF16
// FOLDBF16: scf.for
// FOLDBF16: ttt.lookahead_correction

// tail-warps: the output chain's tail (the output LayerNorm's statistics,
// its normalization with the residual and the store) on a third block,
// which takes Z from the output block (three channels a step: G, the
// per-token bias, Z).
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=256 output-warps=2 tail-warps=2 register-weights=false cluster-groups=true" --mlir-print-ir-before=ttt-gpu-distribute -o /dev/null 2>&1 | FileCheck %s --check-prefix=TAIL
// TAIL: gpu.func @ttt_linear_fla
// TAIL-SAME: ttt.weight_threads = 64 : i64
// TAIL: scf.for
// TAIL-COUNT-2: linalg.generic {{.*}}ttt.warp_group = 2 : i64
// TAIL-NOT: ttt.warp_group = 2
// TAIL: scf.yield
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=256 output-warps=2 tail-warps=2 register-weights=false cluster-groups=true" -o - | FileCheck %s --check-prefix=TAILCLUSTER
// TAILCLUSTER: nvvm.cluster_dim = array<i32: 1, 3, 1>
// TAILCLUSTER-COUNT-3: st.async.shared::cluster.mbarrier::complete_tx::bytes
// TAILCLUSTER-NOT: st.async
// RUN: not ttt-opt %s --ttt-to-nvvm="threads=256 tail-warps=2" 2>&1 | FileCheck %s --check-prefix=BADTAIL
// RUN: not ttt-opt %s --ttt-to-nvvm="threads=256 output-warps=2 weight-warps=2 tail-warps=2" 2>&1 | FileCheck %s --check-prefix=BADTAIL
// RUN: not ttt-opt %s --ttt-to-nvvm="threads=256 output-warps=4 tail-warps=4" 2>&1 | FileCheck %s --check-prefix=BADTAIL
// BADTAIL: ttt-to-nvvm: tail-warps needs output-warps, not weight-warps, and leaves warps for the recurrence: output-warps + tail-warps < threads / 32
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm="threads=256 output-warps=2 register-weights=true mma=tf32 cluster-groups=true" -o - | FileCheck %s --check-prefix=CLUSTERRW
// CLUSTERRW: llvm.func @ttt_linear_fla
// CLUSTERRW-SAME: nvvm.cluster_dim = array<i32: 1, 2, 1>
// CLUSTERRW: llvm.alloca
// CLUSTERRW: st.async.shared::cluster.mbarrier::complete_tx::bytes
