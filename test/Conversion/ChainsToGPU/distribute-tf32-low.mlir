// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=3xtf32 pair-accesses=true},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s

// Z += X W with the rest of X split before (ttt.tf32_low: operand 2 holds
// x - tf32(x)): each k-step reads A's rest from it, paired like X (k0 + 2t
// and k0 + 2t + 1), and splits only B; the A side's tf32 part is masked
// (andi), never subtracted.
// CHECK-LABEL: gpu.func @rest_given
// CHECK: scf.for %[[K0:.*]] = %c0 to %c64 step %c8
// CHECK: %[[KA:.*]] = arith.addi %[[K0]], %{{.*}} : index
// CHECK: vector.load %arg0[%[[ROW0:.*]], %[[KA]]] {alignment = 8 : i64} : memref<16x64xf32>, vector<2xf32>
// CHECK: vector.load %arg0[%[[ROW1:.*]], %[[KA]]] {alignment = 8 : i64}
// CHECK: vector.load %arg2[%[[ROW0]], %[[KA]]] {alignment = 8 : i64} : memref<16x64xf32>, vector<2xf32>
// CHECK: vector.load %arg2[%[[ROW1]], %[[KA]]] {alignment = 8 : i64}
// CHECK-COUNT-4: arith.andi
// CHECK-NOT: arith.subf
// CHECK: vector.load %arg1
// CHECK-COUNT-6: nvgpu.mma.sync
// CHECK: scf.yield
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @rest_given(%x: memref<16x64xf32>, %w: memref<64x64xf32>, %rest: memref<16x64xf32>, %z: memref<16x64xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w, %rest : memref<16x64xf32>, memref<64x64xf32>, memref<16x64xf32>) outs(%z : memref<16x64xf32>) attrs = {ttt.tf32_low = array<i64: 0, 2>} {
      ^bb0(%p: f32, %q: f32, %r: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %s = arith.addf %acc, %m : f32
        linalg.yield %s : f32
      }
      gpu.return
    }
  }
}

// -----

#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @bad_rest(%x: memref<16x64xf32>, %w: memref<64x64xf32>, %rest: memref<64x64xf32>, %z: memref<16x64xf32>) kernel {
      // expected-error @+1 {{ttt-gpu-distribute: ttt.tf32_low must pair memref inputs read through the same indexing map}}
      linalg.generic {indexing_maps = [#mk, #kn, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w, %rest : memref<16x64xf32>, memref<64x64xf32>, memref<64x64xf32>) outs(%z : memref<16x64xf32>) attrs = {ttt.tf32_low = array<i64: 0, 2>} {
      ^bb0(%p: f32, %q: f32, %r: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %s = arith.addf %acc, %m : f32
        linalg.yield %s : f32
      }
      gpu.return
    }
  }
}
