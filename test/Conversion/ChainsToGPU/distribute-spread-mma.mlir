// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=256 mma=tf32 distinct-args=true spread-mma-warps=true},canonicalize,cse)))' %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=256 mma=tf32 distinct-args=true},canonicalize,cse)))' %s | FileCheck %s --check-prefix=OFF
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=256 mma=tf32 distinct-args=true spread-mma-warps=true mma-column-tiles=2},canonicalize,cse)))' %s | FileCheck %s --check-prefix=COLS
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=256 mma=tf32 mma-column-tiles=9})))' %s 2>&1 | FileCheck %s --check-prefix=BAD

// Three independent contractions between two barriers on 8 warps: C1 and
// C2 (16 x 16: 2 warp tiles of one 8-column tile each), C3 (16 x 64: 8).
// spread-mma-warps: C1's tiles on warps 0-1, C2's on warps 2-3 (warp
// (w + 6) mod 8 takes tile 0), C3's on 4-7 and 0-3 ((w + 4) mod 8); with
// one barrier after the three. Without: every op starts at warp 0.
// CHECK-LABEL: gpu.func @three
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[WARP:.*]] = arith.divui %[[TID]], %c32
// CHECK: nvgpu.mma.sync
// CHECK-NOT: gpu.barrier
// CHECK: %[[W2:.*]] = arith.addi %[[WARP]], %c6
// CHECK: arith.remui %[[W2]], %c8
// CHECK: nvgpu.mma.sync
// CHECK-NOT: gpu.barrier
// CHECK: %[[W3:.*]] = arith.addi %[[WARP]], %c4
// CHECK: arith.remui %[[W3]], %c8
// CHECK: nvgpu.mma.sync
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.return
// With mma-column-tiles=2, warp tiles are the widest that still give
// 8 / 2 = 4 warps a tile: C1 and C2 keep 2 tiles of one column tile (a
// wider tile would leave one warp), C3 takes 4 warp tiles of two column
// tiles (two mma per k-step sharing the A fragment) on warps 4-7.
// COLS-LABEL: gpu.func @three
// COLS: %[[WARP:.*]] = arith.divui %{{.*}}, %c32
// COLS: arith.cmpi ult, %[[WARP]], %c2
// COLS: scf.for
// COLS: nvgpu.mma.sync
// COLS-NOT: nvgpu.mma.sync
// COLS: %[[W2:.*]] = arith.addi %[[WARP]], %c6
// COLS: %[[T2:.*]] = arith.remui %[[W2]], %c8
// COLS: arith.cmpi ult, %[[T2]], %c2
// COLS: %[[W3:.*]] = arith.addi %[[WARP]], %c4
// COLS: %[[T3:.*]] = arith.remui %[[W3]], %c8
// COLS: arith.cmpi ult, %[[T3]], %c4
// COLS: scf.for
// COLS: nvgpu.mma.sync
// COLS-NEXT: nvgpu.mma.sync
// COLS: gpu.barrier
// BAD: error: ttt-gpu-distribute: mma-column-tiles must be in [1, 8]
// OFF-LABEL: gpu.func @three
// OFF: %[[TID:.*]] = gpu.thread_id x
// OFF: %[[WARP:.*]] = arith.divui %[[TID]], %c32
// OFF-NOT: arith.addi %[[WARP]],
// OFF: gpu.return
// Without spread-mma-warps, ops marked ttt.spread_mma (the parts of
// ttt-gpu-split-narrow-contractions) still take the warps in turn: C1 on
// warps 0-1, C2 on 2-3; C3, unmarked, starts at warp 0.
// OFF-LABEL: gpu.func @marked
// OFF: %[[WARP:.*]] = arith.divui %{{.*}}, %c32
// OFF: nvgpu.mma.sync
// OFF: %[[W2:.*]] = arith.addi %[[WARP]], %c6
// OFF: arith.remui %[[W2]], %c8
// OFF: nvgpu.mma.sync
// OFF-NOT: arith.addi %[[WARP]],
// OFF: gpu.return
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @three(%c1: memref<16x16xf32>, %c2: memref<16x16xf32>, %c3: memref<16x64xf32>, %x: memref<16x32xf32>, %w1: memref<32x16xf32>, %w3: memref<32x64xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w1 : memref<16x32xf32>, memref<32x16xf32>) outs(%c1 : memref<16x16xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w1 : memref<16x32xf32>, memref<32x16xf32>) outs(%c2 : memref<16x16xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w3 : memref<16x32xf32>, memref<32x64xf32>) outs(%c3 : memref<16x64xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
    gpu.func @marked(%c1: memref<16x16xf32>, %c2: memref<16x16xf32>, %c3: memref<16x64xf32>, %x: memref<16x32xf32>, %w1: memref<32x16xf32>, %w3: memref<32x64xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w1 : memref<16x32xf32>, memref<32x16xf32>) outs(%c1 : memref<16x16xf32>) attrs = {ttt.spread_mma} {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w1 : memref<16x32xf32>, memref<32x16xf32>) outs(%c2 : memref<16x16xf32>) attrs = {ttt.spread_mma} {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w3 : memref<16x32xf32>, memref<32x64xf32>) outs(%c3 : memref<16x64xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
