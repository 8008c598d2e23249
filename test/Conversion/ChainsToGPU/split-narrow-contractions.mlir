// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-split-narrow-contractions{threads=256 mma=3xtf32})))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-split-narrow-contractions{threads=128 mma=3xtf32})))' --split-input-file %s | FileCheck %s --check-prefix=FOUR-WARPS
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-split-narrow-contractions{threads=256 mma=bf16 min-part-k=32})))' --split-input-file %s | FileCheck %s --check-prefix=LONG-PARTS
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-split-narrow-contractions{threads=256 mma=none})))' --split-input-file %s | FileCheck %s --check-prefix=NONE
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-split-narrow-contractions{mma=fp8})))' --split-input-file %s 2>&1 | FileCheck %s --check-prefix=BAD

// C = A B^T (16 x 16 x 64, two m16n8 tiles: 2 of 8 warps, 8 k-steps
// each), from zero, read by one elementwise op (D = C * 2) in the loop:
// four parts of 16 along k (2 x 4 = 8 warps), each marked ttt.spread_mma;
// the first writes C, the others new buffers, which D's body adds to C's
// value before using it. On 4 warps (threads=128) two parts of 32; bf16
// with parts of at least 32: two; without tensor cores nothing.
// CHECK-LABEL: gpu.func @narrow
// CHECK-DAG: %[[P1:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x16xf32>
// CHECK-DAG: %[[P2:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x16xf32>
// CHECK-DAG: %[[P3:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x16xf32>
// CHECK: scf.for
// CHECK: %[[A0:.*]] = memref.subview %arg0[0, 0] [16, 16] [1, 1]
// CHECK: %[[B0:.*]] = memref.subview %arg1[0, 0] [16, 16] [1, 1]
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[A0]], %[[B0]] : {{.*}}) outs(%[[C:.*]] : memref<16x16xf32>)
// CHECK-SAME: ttt.spread_mma
// CHECK-SAME: ttt.zero_init = array<i64: 0>
// CHECK: memref.subview %arg0[0, 16] [16, 16] [1, 1]
// CHECK: linalg.generic
// CHECK-SAME: outs(%[[P1]] : memref<16x16xf32>)
// CHECK-SAME: ttt.spread_mma
// CHECK: memref.subview %arg0[0, 32] [16, 16] [1, 1]
// CHECK: linalg.generic
// CHECK-SAME: outs(%[[P2]] : memref<16x16xf32>)
// CHECK: memref.subview %arg0[0, 48] [16, 16] [1, 1]
// CHECK: linalg.generic
// CHECK-SAME: outs(%[[P3]] : memref<16x16xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[C]], %[[P1]], %[[P2]], %[[P3]] : {{.*}}) outs(%arg2 : memref<16x16xf32>)
// CHECK-NEXT: ^bb0(%[[X0:.*]]: f32, %[[X1:.*]]: f32, %[[X2:.*]]: f32, %[[X3:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S1:.*]] = arith.addf %[[X0]], %[[X1]] : f32
// CHECK-NEXT: %[[S2:.*]] = arith.addf %[[S1]], %[[X2]] : f32
// CHECK-NEXT: %[[S3:.*]] = arith.addf %[[S2]], %[[X3]] : f32
// CHECK-NEXT: %[[D:.*]] = arith.mulf %[[S3]], %[[S3]] : f32
// CHECK-NEXT: linalg.yield %[[D]]
// FOUR-WARPS-LABEL: gpu.func @narrow
// FOUR-WARPS: memref.subview %arg0[0, 0] [16, 32] [1, 1]
// FOUR-WARPS: memref.subview %arg0[0, 32] [16, 32] [1, 1]
// FOUR-WARPS-NOT: memref.subview %arg0[0, 64]
// FOUR-WARPS: ins(%{{.*}}, %{{.*}} : memref<16x16xf32>, memref<16x16xf32>) outs(%arg2
// LONG-PARTS-LABEL: gpu.func @narrow
// LONG-PARTS: memref.subview %arg0[0, 0] [16, 32] [1, 1]
// LONG-PARTS: memref.subview %arg0[0, 32] [16, 32] [1, 1]
// NONE-LABEL: gpu.func @narrow
// NONE-NOT: ttt.spread_mma
// BAD: ttt-gpu-split-narrow-contractions: unknown mma 'fp8'
#ak = affine_map<(i, j, k) -> (i, k)>
#bk = affine_map<(i, j, k) -> (j, k)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @narrow(%a: memref<16x64xf32>, %b: memref<16x64xf32>, %d: memref<16x16xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c = memref.alloc() : memref<16x16xf32>
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#ak, #bk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%a, %b : memref<16x64xf32>, memref<16x64xf32>) outs(%c : memref<16x16xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %m = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%c : memref<16x16xf32>) outs(%d : memref<16x16xf32>) {
        ^bb0(%x: f32, %o: f32):
          %s = arith.mulf %x, %x : f32
          linalg.yield %s : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// Left whole: a reader that is not elementwise (a row sum of C), C read
// by two ops, C accumulated onto its old value (no ttt.zero_init), C
// wide enough for every warp (16 x 64: 8 tiles), the reader in another
// warp group.
// CHECK-LABEL: gpu.func @kept
// CHECK-NOT: ttt.spread_mma
// CHECK: gpu.return
#ak = affine_map<(i, j, k) -> (i, k)>
#bk = affine_map<(i, j, k) -> (j, k)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @kept(%a: memref<16x64xf32>, %b: memref<16x64xf32>, %w: memref<64x64xf32>, %d: memref<16x16xf32>, %e: memref<16x16xf32>, %r: memref<16xf32>, %z: memref<16x64xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c = memref.alloc() : memref<16x16xf32>
      %c2 = memref.alloc() : memref<16x16xf32>
      %c3 = memref.alloc() : memref<16x16xf32>
      %c4 = memref.alloc() : memref<16x64xf32>
      %c5 = memref.alloc() : memref<16x16xf32>
      scf.for %i = %c0 to %n step %c1 {
        // Row sums: a reduction, not elementwise.
        linalg.generic {indexing_maps = [#ak, #bk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%a, %b : memref<16x64xf32>, memref<16x64xf32>) outs(%c : memref<16x16xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %m = arith.mulf %x, %y : f32
          %s = arith.addf %acc, %m : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
            ins(%c : memref<16x16xf32>) outs(%r : memref<16xf32>) {
        ^bb0(%x: f32, %o: f32):
          %s = arith.addf %o, %x : f32
          linalg.yield %s : f32
        }
        // Two readers.
        linalg.generic {indexing_maps = [#ak, #bk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%a, %b : memref<16x64xf32>, memref<16x64xf32>) outs(%c2 : memref<16x16xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %m = arith.mulf %x, %y : f32
          %s = arith.addf %acc, %m : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%c2 : memref<16x16xf32>) outs(%d : memref<16x16xf32>) {
        ^bb0(%x: f32, %o: f32):
          linalg.yield %x : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%c2 : memref<16x16xf32>) outs(%e : memref<16x16xf32>) {
        ^bb0(%x: f32, %o: f32):
          linalg.yield %x : f32
        }
        // Onto its old value.
        linalg.generic {indexing_maps = [#ak, #bk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%a, %b : memref<16x64xf32>, memref<16x64xf32>) outs(%c3 : memref<16x16xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %m = arith.mulf %x, %y : f32
          %s = arith.addf %acc, %m : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%c3 : memref<16x16xf32>) outs(%d : memref<16x16xf32>) {
        ^bb0(%x: f32, %o: f32):
          linalg.yield %x : f32
        }
        // Eight tiles.
        linalg.generic {indexing_maps = [#ak, affine_map<(i, j, k) -> (k, j)>, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%a, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%c4 : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %m = arith.mulf %x, %y : f32
          %s = arith.addf %acc, %m : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%c4 : memref<16x64xf32>) outs(%z : memref<16x64xf32>) {
        ^bb0(%x: f32, %o: f32):
          linalg.yield %x : f32
        }
        // The reader in another warp group.
        linalg.generic {indexing_maps = [#ak, #bk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%a, %b : memref<16x64xf32>, memref<16x64xf32>) outs(%c5 : memref<16x16xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %m = arith.mulf %x, %y : f32
          %s = arith.addf %acc, %m : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%c5 : memref<16x16xf32>) outs(%e : memref<16x16xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%x: f32, %o: f32):
          linalg.yield %x : f32
        }
      }
      gpu.return
    }
  }
}
