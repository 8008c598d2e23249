// The distribution options --ttt-to-nvvm derives (the expanded pipeline):
// with the output chain on warps of its own, the output group issues the
// prefetch copies (copies-on-output-warps, default on), and
// mma-column-tiles=0 and output-mma-column-tiles=0 (auto) give one tf32 or
// bf16 product per tile warp tiles for half of the recurrence's warps and
// a quarter of the output group's (2 and 4), 3xtf32 and kernels without
// output warps one per warp (TTT-MLP: wider tiles were slower there); an
// explicit mma-column-tiles sets both groups unless output-mma-column-tiles
// is set too.
// RUN: ttt-opt %s --ttt-to-nvvm="threads=512 output-warps=8 mma=tf32" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=FAST
// FAST: ttt-gpu-distribute{channel-slots=1 cluster-groups=false copies-on-output-warps=true {{.*}}mma=tf32 mma-column-tiles=2 {{.*}}output-mma-column-tiles=4
// RUN: ttt-opt %s --ttt-to-nvvm="threads=512 output-warps=8 mma=bf16" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=BF16
// BF16: ttt-gpu-distribute{{.*}}mma=bf16 mma-column-tiles=2 {{.*}}output-mma-column-tiles=4
// RUN: ttt-opt %s --ttt-to-nvvm="threads=512 output-warps=8" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXACT
// EXACT: ttt-gpu-distribute{channel-slots=1 cluster-groups=false copies-on-output-warps=true {{.*}}mma=3xtf32 mma-column-tiles=1 {{.*}}output-mma-column-tiles=1
// RUN: ttt-opt %s --ttt-to-nvvm="threads=512 mma=tf32" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=ONEGROUP
// ONEGROUP: ttt-gpu-distribute{{.*}}mma=tf32 mma-column-tiles=1 {{.*}}output-mma-column-tiles=1
// RUN: ttt-opt %s --ttt-to-nvvm="threads=512 output-warps=8 mma=tf32 mma-column-tiles=2 copies-on-output-warps=false" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=SET
// SET: ttt-gpu-distribute{channel-slots=1 cluster-groups=false copies-on-output-warps=false {{.*}}mma=tf32 mma-column-tiles=2 {{.*}}output-mma-column-tiles=2
// RUN: ttt-opt %s --ttt-to-nvvm="threads=512 output-warps=8 mma=tf32 output-mma-column-tiles=8" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=OUT
// OUT: ttt-gpu-distribute{{.*}}mma=tf32 mma-column-tiles=2 {{.*}}output-mma-column-tiles=8
// RUN: not ttt-opt %s --ttt-to-nvvm="mma-column-tiles=9" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: ttt-to-nvvm: mma-column-tiles must be in [0, 8]
// RUN: not ttt-opt %s --ttt-to-nvvm="output-mma-column-tiles=-1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADOUT
// BADOUT: ttt-to-nvvm: output-mma-column-tiles must be in [0, 8]
// The small read-only arrays a chunk loop reads (the LayerNorm's scale and
// shift) are copied into shared memory before it by default.
// RUN: ttt-opt %s --ttt-to-nvvm --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=INVARIANTS
// INVARIANTS: ttt-gpu-stage-inputs
// INVARIANTS: ttt-gpu-stage-invariants{max-bytes=4096}
// INVARIANTS: ttt-gpu-private-buffers
// RUN: ttt-opt %s --ttt-to-nvvm="stage-invariants=false" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOINVARIANTS
// NOINVARIANTS-NOT: ttt-gpu-stage-invariants
// On the example, the LayerNorm's scale and shift (64 floats each) in
// both chunk loops (full chunks, then the partial one).
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm --mlir-print-ir-after=ttt-gpu-stage-invariants -o /dev/null 2>&1 | FileCheck %s --check-prefix=FLA
// FLA-COUNT-2: linalg.copy ins(%{{.*}} : memref<64xf32, strided<[1], offset: ?>>) outs(%{{.*}} : memref<64xf32>)
// FLA: scf.for
// FLA-COUNT-2: linalg.copy ins(%{{.*}} : memref<64xf32, strided<[1], offset: ?>>) outs(%{{.*}} : memref<64xf32>)
// FLA: scf.for
module {
}
