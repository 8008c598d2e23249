// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=tf32 output-mma-column-tiles=2},canonicalize,cse)))' %s | FileCheck %s
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=tf32 output-mma-column-tiles=9})))' %s 2>&1 | FileCheck %s --check-prefix=BAD

// Two warp groups of 2 warps (64 of 128 threads each): with
// output-mma-column-tiles=2 the output group's 16 x 16 contraction is one
// warp tile of two column tiles (two mma per k-step sharing the A
// fragment, on the group's warp 0 only), while the first group's
// (mma-column-tiles=1) is two warp tiles of one column tile (one per
// warp: no guard).
// CHECK-LABEL: gpu.func @groups
// CHECK: arith.cmpi ult, %{{.*}}, %c64
// CHECK-NEXT: scf.if
// CHECK-NOT: arith.cmpi
// CHECK: scf.for
// CHECK: nvgpu.mma.sync
// CHECK-NOT: nvgpu.mma.sync
// CHECK: arith.cmpi uge, %{{.*}}, %c64
// CHECK: arith.cmpi ult, %{{.*}}, %c1
// CHECK-NEXT: scf.if
// CHECK: scf.for
// CHECK: nvgpu.mma.sync
// CHECK-NEXT: nvgpu.mma.sync
// BAD: error: ttt-gpu-distribute: output-mma-column-tiles must be in [0, 8]
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @groups(%x: memref<16x32xf32>, %w: memref<32x16xf32>, %c0: memref<16x16xf32>, %c1: memref<16x16xf32>) kernel attributes {ttt.output_threads = 64 : i64} {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x32xf32>, memref<32x16xf32>) outs(%c0 : memref<16x16xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x32xf32>, memref<32x16xf32>) outs(%c1 : memref<16x16xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
