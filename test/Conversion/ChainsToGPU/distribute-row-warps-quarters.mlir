// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 row-warps=true row-lanes=8 distinct-args=true pair-accesses=false},canonicalize)))' %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 row-warps=true distinct-args=true pair-accesses=false},canonicalize)))' %s | FileCheck %s --check-prefix=WHOLE
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 row-warps=true row-lanes=12})))' %s 2>&1 | FileCheck %s --check-prefix=BAD

// row-lanes=8: four times as many rows as warps (16 rows, 4 warps): each
// quarter of a warp takes one row, rows w, w + 4, w + 8, w + 12 side by
// side on warp w, element j on lane 8 quarter + j mod 8; the row sums by a
// butterfly within the quarter (xor 4, 2, 1). The three ops meet only at
// their rows on the same lanes: no barrier between them.
// CHECK-LABEL: gpu.func @quarters
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[WARP:.*]] = arith.divui %[[TID]], %c32
// CHECK: %[[LANE32:.*]] = arith.remui %[[TID]], %c32
// CHECK: %[[PART:.*]] = arith.divui %[[LANE32]], %c8
// CHECK: %[[PARTROWS:.*]] = arith.muli %[[PART]], %c4
// CHECK: %[[ROW:.*]] = arith.addi %[[WARP]], %[[PARTROWS]]
// CHECK: %[[LANE:.*]] = arith.remui %[[LANE32]], %c8
// CHECK: scf.for %[[R:.*]] = %c0 to %c8 step %c1 {
// CHECK: %[[RO:.*]] = arith.muli %[[R]], %c8
// CHECK: %[[COL:.*]] = arith.addi %[[LANE]], %[[RO]]
// CHECK: memref.store %{{.*}}, %arg1[%[[ROW]], %[[COL]]]
// CHECK-NOT: gpu.barrier
// CHECK-NOT: nvvm.bar.warp.sync
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args
// CHECK-NOT: %c8_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c4_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c2_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32
// CHECK: memref.store %{{.*}}, %arg2[%{{.*}}] : memref<16xf32>
// CHECK-NOT: gpu.barrier
// CHECK-NOT: nvvm.bar.warp.sync
// CHECK: memref.store %{{.*}}, %arg3[%{{.*}}, %{{.*}}]
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.return

// The default (row-lanes=16): a whole warp per row, a warp's four rows one
// after another, the butterfly over 32 lanes.
// WHOLE-LABEL: gpu.func @quarters
// WHOLE-NOT: arith.divui %{{.*}}, %c8
// WHOLE: gpu.shuffle xor %{{.*}}, %c16_i32, %c32_i32

// BAD: error: ttt-gpu-distribute: row-lanes must be 8, 16 or 32
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @quarters(%x: memref<16x64xf32>, %y: memref<16x64xf32>, %s: memref<16xf32>, %z: memref<16x64xf32>) kernel {
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
