// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=tf32 row-warps=true distinct-args=true pair-accesses=false},canonicalize)))' --split-input-file --verify-diagnostics %s | FileCheck %s

// Outputs marked ttt.zero_init (ttt-gpu-fold-zero-fills) start from zero:
// the tensor-core accumulators are zero vectors, not loads of C; the row
// sums are stored as they are (no load of the old sum, so no warp barrier
// before the store).
// CHECK-LABEL: gpu.func @zero
// CHECK-NOT: memref.load %arg0
// CHECK: nvgpu.mma.sync
// CHECK-NOT: memref.load %arg0
// CHECK: memref.store %{{.*}}, %arg0
// CHECK: gpu.shuffle xor
// CHECK-NOT: memref.load %arg3
// CHECK-NOT: nvvm.bar.warp.sync
// CHECK: memref.store %{{.*}}, %arg3
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @zero(%c: memref<16x16xf32>, %x: memref<16x32xf32>, %w: memref<32x16xf32>, %s: memref<16xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x32xf32>, memref<32x16xf32>) outs(%c : memref<16x16xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
          ins(%x : memref<16x32xf32>) outs(%s : memref<16xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
      ^bb0(%a: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// The same without the mark: C's values are loaded, and every lane reads
// the old sum before a warp barrier and the stores.
// CHECK-LABEL: gpu.func @loaded
// CHECK: memref.load %arg0
// CHECK: nvgpu.mma.sync
// CHECK: gpu.shuffle xor
// CHECK: memref.load %arg3
// CHECK-NEXT: arith.addf
// CHECK-NEXT: nvvm.bar.warp.sync
// CHECK-NEXT: memref.store %{{.*}}, %arg3
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @loaded(%c: memref<16x16xf32>, %x: memref<16x32xf32>, %w: memref<32x16xf32>, %s: memref<16xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x32xf32>, memref<32x16xf32>) outs(%c : memref<16x16xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
          ins(%x : memref<16x32xf32>) outs(%s : memref<16xf32>) {
      ^bb0(%a: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// A full reduction runs on one thread, loading its output: a zero_init
// mark there is a located error (ttt-gpu-fold-zero-fills never sets one).
#all = affine_map<(i) -> (i)>
#none = affine_map<(i) -> ()>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @serial(%x: memref<16xf32>, %s: memref<f32>) kernel {
      // expected-error @+1 {{ttt-gpu-distribute: ttt.zero_init on an op that does not run point by point}}
      linalg.generic {indexing_maps = [#all, #none], iterator_types = ["reduction"]}
          ins(%x : memref<16xf32>) outs(%s : memref<f32>) attrs = {ttt.zero_init = array<i64: 0>} {
      ^bb0(%a: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
