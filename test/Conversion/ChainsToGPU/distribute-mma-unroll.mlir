// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=3xtf32 mma-k-unroll=2 pair-accesses=false},canonicalize,cse)))' %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=3xtf32 mma-k-unroll=3 pair-accesses=false},canonicalize,cse)))' %s | FileCheck %s --check-prefix=DIV
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=3xtf32 mma-k-unroll=64 pair-accesses=false},canonicalize,cse)))' %s | FileCheck %s --check-prefix=FULL
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=bf16 mma-k-unroll=2 pair-accesses=false},canonicalize,cse)))' %s | FileCheck %s --check-prefix=BF16
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{mma-k-unroll=-1})))' %s 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: ttt-gpu-distribute: mma-k-unroll must be in [0, 64]
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=tf32 mma-k-chains=2 pair-accesses=false},canonicalize,cse)))' %s | FileCheck %s --check-prefix=CHAINS
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=tf32 mma-k-chains=3 pair-accesses=false},canonicalize,cse)))' %s | FileCheck %s --check-prefix=CHAINS
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=3xtf32 mma-k-chains=2 pair-accesses=false},canonicalize,cse)))' %s | FileCheck %s --check-prefix=CHAINS3
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{mma-k-chains=0})))' %s 2>&1 | FileCheck %s --check-prefix=BADCHAINS
// BADCHAINS: error: ttt-gpu-distribute: mma-k-chains must be in [1, 8]

// C(16 x 64) += X(16 x 32) W(32 x 64) on 4 warps, 4 k-steps of 8.
// mma-k-unroll=2: the k loop steps by 16, and both k-steps' operands (per
// step 4 A and, for each of the warp tile's 2 column tiles, 2 B elements)
// are loaded before the first of their 12 products (3xtf32: three per step
// and column tile).
// CHECK-LABEL: gpu.func @unrolled
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c16 iter_args
// CHECK-COUNT-8: memref.load %{{.*}} : memref<32x64xf32>
// CHECK-NOT: memref.load
// CHECK-COUNT-12: nvgpu.mma.sync
// CHECK-NEXT: scf.yield
// A request that does not divide the 4 k-steps takes the next smaller
// divisor (3 -> 2); one larger than the k-steps unrolls the loop fully.
// DIV-LABEL: gpu.func @unrolled
// DIV: scf.for %{{.*}} = %c0 to %c32 step %c16 iter_args
// FULL-LABEL: gpu.func @unrolled
// FULL-NOT: scf.for %{{.*}} = %c0 to %c32
// FULL-COUNT-24: nvgpu.mma.sync
// FULL-NOT: nvgpu.mma.sync
// bf16 (k-steps of 16): two per iteration, the whole reduction of 32.
// BF16-LABEL: gpu.func @unrolled
// BF16-NOT: scf.for %{{.*}} = %c0 to %c32
// BF16-COUNT-4: nvvm.mma.sync
// mma-k-chains=2 (3 takes the divisor 2 of the 4 k-steps): two sets of
// the 2 column tiles' accumulators, the second from zero; the loop takes
// two k-steps per iteration, step 0 adding to set 0 and step 1 to set 1;
// after it each column tile's sets are summed.
// CHAINS-LABEL: gpu.func @unrolled
// CHAINS: %[[CST:.*]] = arith.constant dense<0.000000e+00> : vector<2x2xf32>
// CHAINS: %[[R:.*]]:4 = scf.for %{{.*}} = %c0 to %c32 step %c16 iter_args(%[[S0A:.*]] = %{{.*}}, %[[S0B:.*]] = %{{.*}}, %[[S1A:.*]] = %[[CST]], %[[S1B:.*]] = %[[CST]])
// CHAINS: nvgpu.mma.sync({{.*}}, %[[S0A]])
// CHAINS: nvgpu.mma.sync({{.*}}, %[[S0B]])
// CHAINS: nvgpu.mma.sync({{.*}}, %[[S1A]])
// CHAINS: nvgpu.mma.sync({{.*}}, %[[S1B]])
// CHAINS: arith.addf %[[R]]#0, %[[R]]#2 : vector<2x2xf32>
// CHAINS: arith.addf %[[R]]#1, %[[R]]#3 : vector<2x2xf32>
// 3xtf32: each set has the main and the two correction accumulators of
// both column tiles (6), 12 in all; a tile's main products are summed,
// then its small ones, then the two.
// CHAINS3-LABEL: gpu.func @unrolled
// CHAINS3: %[[R:.*]]:12 = scf.for
// CHAINS3: %[[SMALL0:.*]] = arith.addf %[[R]]#2, %[[R]]#3
// CHAINS3: %[[MAIN:.*]] = arith.addf %[[R]]#0, %[[R]]#6
// CHAINS3: %[[SMALL1:.*]] = arith.addf %[[R]]#8, %[[R]]#9
// CHAINS3: %[[SMALL:.*]] = arith.addf %[[SMALL0]], %[[SMALL1]]
// CHAINS3: arith.addf %[[MAIN]], %[[SMALL]]
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @unrolled(%c: memref<16x64xf32>, %x: memref<16x32xf32>, %w: memref<32x64xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x32xf32>, memref<32x64xf32>) outs(%c : memref<16x64xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
