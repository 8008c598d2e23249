// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128},canonicalize)))' --split-input-file --verify-diagnostics %s | FileCheck %s

// A contraction: the parallel dims (16 x 64 points) over the threads, the
// last one fastest; the reduction dim sequential with the output value
// carried, loaded before and stored after; a barrier after the op. A fill
// (generalized) likewise; a full reduction (no parallel dim) on thread 0.
// CHECK-LABEL: gpu.func @k
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: scf.for %[[L0:.*]] = %[[TID]] to %c1024 step %c128 {
// CHECK: memref.store %{{.*}}, %[[A:.*]][%{{.*}}, %{{.*}}]
// CHECK: gpu.barrier
// CHECK: scf.for %[[L:.*]] = %[[TID]] to %c1024 step %c128 {
// CHECK-DAG: %[[J:.*]] = arith.remui %[[L]], %c64
// CHECK-DAG: %[[I:.*]] = arith.divui %[[L]], %c64
// CHECK: %[[INIT:.*]] = memref.load %[[A]][%[[I]], %[[J]]]
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %c0 to %c32 step %c1 iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32) {
// CHECK: memref.load %{{.*}}[%[[I]], %[[K]]]
// CHECK: memref.load %{{.*}}[%[[K]], %[[J]]]
// CHECK: scf.yield
// CHECK: memref.store %[[SUM]], %[[A]][%[[I]], %[[J]]]
// CHECK: gpu.barrier
// CHECK: scf.for %[[S:.*]] = %[[TID]] to %c1 step %c128 {
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.load %{{.*}}[]
// CHECK: memref.store %{{.*}}, %{{.*}}[]
// CHECK: gpu.barrier
// CHECK-NOT: linalg.
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id2 = affine_map<(i, j) -> (i, j)>
#sc2 = affine_map<(i, j) -> ()>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k(%a: memref<16x64xf32>, %x: memref<16x32xf32>, %w: memref<32x64xf32>, %s: memref<f32>) kernel {
      %zero = arith.constant 0.0 : f32
      linalg.fill ins(%zero : f32) outs(%a : memref<16x64xf32>)
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x32xf32>, memref<32x64xf32>) outs(%a : memref<16x64xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#id2, #sc2], iterator_types = ["reduction", "reduction"]}
          ins(%a : memref<16x64xf32>) outs(%s : memref<f32>) {
      ^bb0(%p: f32, %acc: f32):
        %r = arith.addf %acc, %p : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// An op that reads its output through another view (a transpose in place)
// runs on thread 0 alone, every dim sequential, loading and storing per
// point.
// CHECK-LABEL: gpu.func @alias
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: scf.for %{{.*}} = %[[TID]] to %c1 step %c128 {
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.load
// CHECK: memref.load
// CHECK: memref.store
// CHECK: gpu.barrier
#t = affine_map<(i, j) -> (j, i)>
#id2 = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @alias(%a: memref<8x8xf32>) kernel {
      linalg.generic {indexing_maps = [#t, #id2], iterator_types = ["parallel", "parallel"]}
          ins(%a : memref<8x8xf32>) outs(%a : memref<8x8xf32>) {
      ^bb0(%p: f32, %o: f32):
        %r = arith.addf %p, %o : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @writer(%a: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %one = arith.constant 1.0 : f32
      // expected-error @+1 {{ttt-gpu-distribute: a write to memory outside a linalg op}}
      memref.store %one, %a[%c0] : memref<4xf32>
      gpu.return
    }
  }
}
