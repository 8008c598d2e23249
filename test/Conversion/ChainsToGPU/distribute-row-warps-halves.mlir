// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=256 row-warps=true distinct-args=true pair-accesses=false},canonicalize)))' %s | FileCheck %s

// Twice as many rows as warps (16 rows, 8 warps): each half-warp takes one
// row, rows w and w + 8 side by side on warp w (as the one-row mapping
// places them), element j on lane 16 half + j mod 16; the row sums by a
// butterfly within the half (xor 8, 4, 2, 1). The three ops meet only at
// their rows on the same lanes: no barrier between them.
// CHECK-LABEL: gpu.func @halves
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[WARP:.*]] = arith.divui %[[TID]], %c32
// CHECK: %[[LANE32:.*]] = arith.remui %[[TID]], %c32
// CHECK: %[[HALF:.*]] = arith.divui %[[LANE32]], %c16
// CHECK: %[[HALFROWS:.*]] = arith.muli %[[HALF]], %c8
// CHECK: %[[ROW:.*]] = arith.addi %[[WARP]], %[[HALFROWS]]
// CHECK: %[[LANE:.*]] = arith.remui %[[LANE32]], %c16
// CHECK: scf.for %[[R:.*]] = %c0 to %c4 step %c1 {
// CHECK: %[[RO:.*]] = arith.muli %[[R]], %c16
// CHECK: %[[COL:.*]] = arith.addi %[[LANE]], %[[RO]]
// CHECK: memref.store %{{.*}}, %arg1[%[[ROW]], %[[COL]]]
// CHECK-NOT: gpu.barrier
// CHECK-NOT: nvvm.bar.warp.sync
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args
// CHECK-NOT: %c16_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c8_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c4_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c2_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32
// CHECK: memref.store %{{.*}}, %arg2[%{{.*}}] : memref<16xf32>
// CHECK-NOT: gpu.barrier
// CHECK-NOT: nvvm.bar.warp.sync
// CHECK: memref.store %{{.*}}, %arg3[%{{.*}}, %{{.*}}]
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.return
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @halves(%x: memref<16x64xf32>, %y: memref<16x64xf32>, %s: memref<16xf32>, %z: memref<16x64xf32>) kernel {
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%x : memref<16x64xf32>) outs(%y : memref<16x64xf32>) {
      ^bb0(%a: f32, %o: f32):
        %d = arith.addf %a, %a : f32
        linalg.yield %d : f32
      }
      linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
          ins(%y : memref<16x64xf32>) outs(%s : memref<16xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
      ^bb0(%a: f32, %o: f32):
        %d = arith.addf %o, %a : f32
        linalg.yield %d : f32
      }
      linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
          ins(%y, %s : memref<16x64xf32>, memref<16xf32>) outs(%z : memref<16x64xf32>) {
      ^bb0(%a: f32, %b: f32, %o: f32):
        %d = arith.subf %a, %b : f32
        linalg.yield %d : f32
      }
      gpu.return
    }
  }
}
