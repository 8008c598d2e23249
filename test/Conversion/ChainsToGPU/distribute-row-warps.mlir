// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 row-warps=true distinct-args=true pair-accesses=false},canonicalize)))' --split-input-file %s | FileCheck %s

// Row-warps: row r of each op on warp r mod 4 (rounds of 4 rows), the row
// over the 32 lanes (element j on lane j mod 32). Ops that meet only at
// their rows need no block barrier: y -> the row sums of y -> y - s is
// thread-local (element j of y on lane j mod 32 in both; every lane
// stores the row's sum and reads its own), the sums after the fill of s
// (both written by every lane) need a warp barrier, and one between every
// lane's read of the old sum and the stores. The transposed read of
// z meets z's rows on other warps: a block barrier.
// CHECK-LABEL: gpu.func @chain
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[WARP:.*]] = arith.divui %[[TID]], %c32
// CHECK: %[[LANE:.*]] = arith.remui %[[TID]], %c32
// CHECK: scf.for %[[R:.*]] = %c0 to %c4 step %c1 {
// CHECK: %[[RO:.*]] = arith.muli %[[R]], %c4
// CHECK: %[[ROW:.*]] = arith.addi %[[WARP]], %[[RO]]
// CHECK: scf.for %[[C:.*]] = %c0 to %c2 step %c1 {
// CHECK: %[[CO:.*]] = arith.muli %[[C]], %c32
// CHECK: %[[COL:.*]] = arith.addi %[[LANE]], %[[CO]]
// CHECK: memref.store %{{.*}}, %arg1[%[[ROW]], %[[COL]]]
// CHECK-NOT: gpu.barrier
// CHECK-NOT: nvvm.bar.warp.sync
// CHECK: memref.store %{{.*}}, %arg2[%{{.*}}] : memref<16xf32>
// CHECK-NOT: gpu.barrier
// CHECK: nvvm.bar.warp.sync %c-1_i32
// CHECK-NOT: gpu.barrier
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args(%{{.*}} = %cst{{.*}}) -> (f32)
// CHECK: gpu.shuffle xor %[[SUM]], %c16_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c8_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c4_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c2_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32
// CHECK-NOT: scf.if
// CHECK: memref.load %arg2
// CHECK: nvvm.bar.warp.sync
// CHECK-NEXT: memref.store %{{.*}}, %arg2[%{{.*}}] : memref<16xf32>
// CHECK-NOT: gpu.barrier
// CHECK-NOT: nvvm.bar.warp.sync
// CHECK: memref.store %{{.*}}, %arg3[%{{.*}}, %{{.*}}]
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK: memref.load %arg3[%[[TLANE:.*]], %[[TROW:.*]]]
// CHECK: memref.store %{{.*}}, %arg4[%[[TROW]], %[[TLANE]]]
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.return
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
#tr = affine_map<(i, j) -> (j, i)>
#id1 = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @chain(%x: memref<16x64xf32>, %y: memref<16x64xf32>, %s: memref<16xf32>, %z: memref<16x64xf32>, %t: memref<64x16xf32>) kernel {
      %zero = arith.constant 0.0 : f32
      %two = arith.constant 2.0 : f32
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%x : memref<16x64xf32>) outs(%y : memref<16x64xf32>) {
      ^bb0(%a: f32, %o: f32):
        %m = arith.mulf %a, %two : f32
        linalg.yield %m : f32
      }
      linalg.fill ins(%zero : f32) outs(%s : memref<16xf32>)
      linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
          ins(%y : memref<16x64xf32>) outs(%s : memref<16xf32>) {
      ^bb0(%a: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
          ins(%y, %s : memref<16x64xf32>, memref<16xf32>) outs(%z : memref<16x64xf32>) {
      ^bb0(%a: f32, %b: f32, %o: f32):
        %r = arith.subf %a, %b : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
          ins(%z : memref<16x64xf32>) outs(%t : memref<64x16xf32>) {
      ^bb0(%a: f32, %o: f32):
        linalg.yield %a : f32
      }
      gpu.return
    }
  }
}

// -----

// A column of y (another view of the same shared memory) read after y is
// written: row r on warp r mod 4 in both, not on the same lanes: a warp
// barrier. The same through a global array's subview: a block barrier. A
// row count of 1 (fewer than half the warps) keeps the thread-per-point
// mapping.
// CHECK-LABEL: gpu.func @column
// CHECK: memref.store %{{.*}}, %[[Y:.*]][%{{.*}}, %{{.*}}] : memref<16x64xf32, #gpu.address_space<workgroup>>
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: nvvm.bar.warp.sync
// CHECK: memref.load %{{.*}}[%{{.*}}] : memref<16xf32, strided<[64]>, #gpu.address_space<workgroup>>
// CHECK-NEXT: memref.store %{{.*}}, %arg2[%{{.*}}] : memref<16xf32>
// CHECK-NOT: gpu.barrier
// CHECK: memref.store %{{.*}}, %arg1[
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK: memref.load %{{.*}}[%{{.*}}] : memref<16xf32, strided<[64]>>
// CHECK: memref.store %{{.*}}, %arg3[%{{.*}}] : memref<16xf32>
// CHECK-NOT: gpu.barrier
// CHECK: %[[ONE:.*]] = arith.cmpi ult, %{{.*}}, %c64
// CHECK: scf.if %[[ONE]]
// CHECK: memref.store %{{.*}}, %arg4[%{{.*}}, %{{.*}}] : memref<1x64xf32>
#id = affine_map<(i, j) -> (i, j)>
#id1 = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @column(%x: memref<16x64xf32>, %g: memref<16x64xf32>, %s: memref<16xf32>, %s2: memref<16xf32>, %u: memref<1x64xf32>) kernel {
      %two = arith.constant 2.0 : f32
      %c0 = arith.constant 0 : index
      %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %y = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x64xf32, #gpu.address_space<workgroup>>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%x : memref<16x64xf32>) outs(%y : memref<16x64xf32, #gpu.address_space<workgroup>>) {
      ^bb0(%a: f32, %o: f32):
        %m = arith.mulf %a, %two : f32
        linalg.yield %m : f32
      }
      %col = memref.subview %y[0, 0] [16, 1] [1, 1] : memref<16x64xf32, #gpu.address_space<workgroup>> to memref<16xf32, strided<[64]>, #gpu.address_space<workgroup>>
      linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
          ins(%col : memref<16xf32, strided<[64]>, #gpu.address_space<workgroup>>) outs(%s : memref<16xf32>) {
      ^bb0(%a: f32, %o: f32):
        linalg.yield %a : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%x : memref<16x64xf32>) outs(%g : memref<16x64xf32>) {
      ^bb0(%a: f32, %o: f32):
        %m = arith.mulf %a, %two : f32
        linalg.yield %m : f32
      }
      %gcol = memref.subview %g[0, 0] [16, 1] [1, 1] : memref<16x64xf32> to memref<16xf32, strided<[64]>>
      linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
          ins(%gcol : memref<16xf32, strided<[64]>>) outs(%s2 : memref<16xf32>) {
      ^bb0(%a: f32, %o: f32):
        linalg.yield %a : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%u : memref<1x64xf32>) outs(%u : memref<1x64xf32>) {
      ^bb0(%a: f32, %o: f32):
        %m = arith.mulf %a, %two : f32
        linalg.yield %m : f32
      }
      gpu.return
    }
  }
}

// -----

// Shared buffers are views of one array: whether a row reduction's input
// overlaps its output is decided by bytes. Row sums of y into s at bytes
// disjoint from y (and starting from zero): no lane reads what another
// stores, no warp barrier before the stores. Into t, whose bytes are y's
// first row: every lane reads before any lane stores.
// CHECK-LABEL: gpu.func @sums_by_bytes
// CHECK: gpu.shuffle xor
// CHECK-NOT: nvvm.bar.warp.sync
// CHECK: memref.store %{{.*}}, %[[S:.*]][%{{.*}}] : memref<16xf32, #gpu.address_space<workgroup>>
// CHECK: gpu.shuffle xor
// CHECK: nvvm.bar.warp.sync
// CHECK-NEXT: memref.store %{{.*}}, %[[T:.*]][%{{.*}}] : memref<16xf32, #gpu.address_space<workgroup>>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @sums_by_bytes(%x: memref<16x64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c4096 = arith.constant 4096 : index
      %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %y = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x64xf32, #gpu.address_space<workgroup>>
      %s = memref.view %smem[%c4096][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16xf32, #gpu.address_space<workgroup>>
      %t = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16xf32, #gpu.address_space<workgroup>>
      linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
          ins(%y : memref<16x64xf32, #gpu.address_space<workgroup>>) outs(%s : memref<16xf32, #gpu.address_space<workgroup>>) attrs = {ttt.zero_init = array<i64: 0>} {
      ^bb0(%a: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.barrier
      linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
          ins(%y : memref<16x64xf32, #gpu.address_space<workgroup>>) outs(%t : memref<16xf32, #gpu.address_space<workgroup>>) attrs = {ttt.zero_init = array<i64: 0>} {
      ^bb0(%a: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
