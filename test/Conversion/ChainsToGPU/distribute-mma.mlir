// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=3xtf32 pair-accesses=false},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=tf32 pair-accesses=false},canonicalize,cse)))' --split-input-file %s | FileCheck %s --check-prefix=TF32
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=none pair-accesses=false},canonicalize,cse)))' --split-input-file %s | FileCheck %s --check-prefix=NONE
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{mma=fp8})))' --split-input-file %s 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: ttt-gpu-distribute: mma must be none, tf32, 3xtf32 or bf16, not 'fp8'

// C(16 x 64) += X(16 x 32) W(32 x 64) on 4 warps: 8 column tiles, 2 per
// warp (one warp tile each), 4 k-steps of 8. The lane's fragment rows are
// g and g + 8 (g = lane / 4), its A columns k0 + t and k0 + t + 4
// (t = lane % 4). 3xtf32: each operand split by masking its low 13 bits,
// three mma per tile and step.
// CHECK-LABEL: gpu.func @plain
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK-DAG: %[[WARP:.*]] = arith.divui %[[TID]], %c32
// CHECK-DAG: %[[LANE:.*]] = arith.remui %[[TID]], %c32
// CHECK-DAG: %[[G:.*]] = arith.divui %[[LANE]], %c4
// CHECK-DAG: %[[T:.*]] = arith.remui %[[LANE]], %c4
// One round of warp tiles (4 tiles, 4 warps): no tile loop, tile = warp.
// CHECK-NOT: scf.for
// CHECK: arith.remui %[[WARP]], %c4
// CHECK: memref.load %[[C:.*]][%{{.*}}, %{{.*}}] : memref<16x64xf32>
// Two tiles per warp: each tile's two correction products accumulate in
// chains of their own (zero-initialised), added after the k loop.
// CHECK: scf.for %[[K0:.*]] = %c0 to %c32 step %c8 iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %[[Z:.*]], %{{.*}} = %[[Z]], %{{.*}} = %[[Z]], %{{.*}} = %[[Z]]) -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>) {
// CHECK: %[[KA:.*]] = arith.addi %[[K0]], %[[T]]
// CHECK: memref.load %{{.*}}[%{{.*}}, %[[KA]]] : memref<16x32xf32>
// CHECK: arith.andi %{{.*}}, %c-8192_i32
// CHECK-COUNT-3: nvgpu.mma.sync(%{{.*}}, %{{.*}}, %{{.*}}) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-COUNT-3: nvgpu.mma.sync
// CHECK: scf.yield
// CHECK: %[[S:.*]] = arith.addf %{{.*}}#2, %{{.*}}#3 : vector<2x2xf32>
// CHECK: arith.addf %{{.*}}#0, %[[S]] : vector<2x2xf32>
// CHECK-COUNT-8: memref.store %{{.*}}, %[[C]]
// CHECK: gpu.barrier
// CHECK-NOT: linalg.
// TF32-LABEL: gpu.func @plain
// TF32-NOT: arith.andi
// TF32-COUNT-2: nvgpu.mma.sync
// TF32-NOT: nvgpu.mma.sync
// TF32: gpu.barrier
// NONE-LABEL: gpu.func @plain
// NONE-NOT: nvgpu.mma.sync
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @plain(%c: memref<16x64xf32>, %x: memref<16x32xf32>, %w: memref<32x64xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x32xf32>, memref<32x64xf32>) outs(%c : memref<16x64xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// The weight update W(64 x 64) -= sum_k eta_k X(k, i) G(k, j) with a
// mask on k: A reads X transposed, and the eta scaling, the mask and the
// negation all go to the A side (they read only (i, k)). 4 row tiles x 8
// column tiles: each warp one 16 x 64 warp tile (8 accumulators).
// CHECK-LABEL: gpu.func @update
// CHECK: scf.for %[[K0:.*]] = %c0 to %c16 step %c8 iter_args({{.*}}) -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>) {
// CHECK: %[[KA:.*]] = arith.addi %[[K0]], %{{.*}}
// CHECK-DAG: memref.load %{{.*}}[%[[KA]], %{{.*}}] : memref<16x64xf32>
// CHECK-DAG: memref.load %{{.*}}[%[[KA]]] : memref<16xf32>
// CHECK: arith.negf
// CHECK: arith.cmpi ule, %[[KA]], %c15
// CHECK: arith.select
// CHECK-COUNT-24: nvgpu.mma.sync
// CHECK: gpu.barrier
#ki = affine_map<(i, j, k) -> (k, i)>
#kj = affine_map<(i, j, k) -> (k, j)>
#k = affine_map<(i, j, k) -> (k)>
#ij = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @update(%w: memref<64x64xf32>, %x: memref<16x64xf32>, %g: memref<16x64xf32>, %eta: memref<16xf32>) kernel {
      %c15 = arith.constant 15 : index
      %zero = arith.constant 0.0 : f32
      linalg.generic {indexing_maps = [#ki, #kj, #k, #ij], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %g, %eta : memref<16x64xf32>, memref<16x64xf32>, memref<16xf32>) outs(%w : memref<64x64xf32>) {
      ^bb0(%xi: f32, %gj: f32, %e: f32, %acc: f32):
        %k = linalg.index 2 : index
        %keep = arith.cmpi ule, %k, %c15 : index
        %ex = arith.mulf %e, %xi : f32
        %p = arith.mulf %ex, %gj : f32
        %s = arith.select %keep, %p, %zero : f32
        %n = arith.negf %s : f32
        %r = arith.addf %acc, %n : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// tril(A) B with the causal mask on (i, k): the mask goes to the A side.
// CHECK-LABEL: gpu.func @causal
// CHECK: arith.cmpi ule
// CHECK: arith.select
// CHECK: nvgpu.mma.sync
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @causal(%c: memref<16x64xf32>, %a: memref<16x16xf32>, %b: memref<16x64xf32>) kernel {
      %zero = arith.constant 0.0 : f32
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%a, %b : memref<16x16xf32>, memref<16x64xf32>) outs(%c : memref<16x64xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %i = linalg.index 0 : index
        %k = linalg.index 2 : index
        %keep = arith.cmpi ule, %k, %i : index
        %m = arith.mulf %p, %q : f32
        %s = arith.select %keep, %m, %zero : f32
        %r = arith.addf %acc, %s : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// Not for the tensor cores, so spread over the threads as before: a
// reduction of 12 (not a multiple of 8); a factor that reads (i, j, k)
// at once (no split into an A and a B side); a mask that reads i and j.
// CHECK-LABEL: gpu.func @scalar
// CHECK-NOT: nvgpu.mma.sync
// CHECK: gpu.return
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#mnk = affine_map<(i, j, k) -> (i, j, k)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @scalar(%c: memref<16x64xf32>, %x: memref<16x12xf32>, %w: memref<12x64xf32>,
                     %a: memref<16x16xf32>, %b: memref<16x64xf32>, %t: memref<16x64x16xf32>) kernel {
      %zero = arith.constant 0.0 : f32
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x12xf32>, memref<12x64xf32>) outs(%c : memref<16x64xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#mnk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%t : memref<16x64x16xf32>) outs(%c : memref<16x64xf32>) {
      ^bb0(%p: f32, %acc: f32):
        %r = arith.addf %acc, %p : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%a, %b : memref<16x16xf32>, memref<16x64xf32>) outs(%c : memref<16x64xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %i = linalg.index 0 : index
        %j = linalg.index 1 : index
        %keep = arith.cmpi ule, %j, %i : index
        %m = arith.mulf %p, %q : f32
        %s = arith.select %keep, %m, %zero : f32
        %r = arith.addf %acc, %s : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
