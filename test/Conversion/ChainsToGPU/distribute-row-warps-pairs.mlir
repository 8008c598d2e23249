// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 row-warps=true distinct-args=true},canonicalize,cse)))' %s | FileCheck %s

// Row-warps with paired lanes (pair-accesses, the default): rows of 64
// elements go to the lanes two at a time, lane l taking elements 2l and
// 2l + 1: one 8-byte load of X and of the column vector G, one 8-byte
// store of Y. The row sum reads Y the same way (each lane its own pair:
// no barrier between the two ops), adds its two elements, then the
// butterfly.
// CHECK-LABEL: gpu.func @pairs
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK: scf.for
// CHECK: %[[COL:.*]] = arith.muli %[[LANE]], %c2
// CHECK: vector.load %arg0[%[[ROW:.*]], %[[COL]]] {alignment = 8 : i64} : memref<16x64xf32>, vector<2xf32>
// CHECK: vector.load %arg1[%[[COL]]] {alignment = 8 : i64} : memref<64xf32>, vector<2xf32>
// CHECK: vector.store %{{.*}}, %arg2[%[[ROW]], %[[COL]]] {alignment = 8 : i64}
// CHECK-NOT: gpu.barrier
// CHECK: scf.for
// CHECK: vector.load %arg2[%{{.*}}, %{{.*}}] {alignment = 8 : i64}
// CHECK: arith.addf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: gpu.shuffle xor %{{.*}}, %c16_i32
// CHECK: memref.store %{{.*}}, %arg3

// A row of 48 (not a multiple of 64): element j on lane j mod 32, as
// without pairs.
// CHECK-LABEL: gpu.func @odd
// CHECK-NOT: vector.load
// CHECK: memref.load %arg0
// CHECK: memref.store %{{.*}}, %arg1
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
#col = affine_map<(i, j) -> (j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @pairs(%x: memref<16x64xf32>, %g: memref<64xf32>, %y: memref<16x64xf32>, %s: memref<16xf32>) kernel {
      linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
          ins(%x, %g : memref<16x64xf32>, memref<64xf32>) outs(%y : memref<16x64xf32>) {
      ^bb0(%a: f32, %b: f32, %o: f32):
        %m = arith.mulf %a, %b : f32
        linalg.yield %m : f32
      }
      linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
          ins(%y : memref<16x64xf32>) outs(%s : memref<16xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
      ^bb0(%a: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
    gpu.func @odd(%x: memref<16x48xf32>, %y: memref<16x48xf32>) kernel {
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%x : memref<16x48xf32>) outs(%y : memref<16x48xf32>) {
      ^bb0(%a: f32, %o: f32):
        %m = arith.addf %a, %a : f32
        linalg.yield %m : f32
      }
      gpu.return
    }
  }
}
