// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128},canonicalize)))' --split-input-file --verify-diagnostics %s | FileCheck %s

// A contraction: the parallel dims (16 x 64 points) over the threads in
// rounds (point tid + 128 r in round r: a constant trip count), the
// last one fastest; the reduction dim sequential with the output value
// carried, loaded before and stored after; a barrier after the op. A fill
// (generalized) likewise; a full reduction (no parallel dim) on thread 0.
// CHECK-LABEL: gpu.func @k
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: scf.for %[[R0:.*]] = %c0 to %c8 step %c1 {
// CHECK: memref.store %{{.*}}, %[[A:.*]][%{{.*}}, %{{.*}}]
// CHECK: gpu.barrier
// CHECK: scf.for %[[R:.*]] = %c0 to %c8 step %c1 {
// CHECK: %[[OFF:.*]] = arith.muli %[[R]], %c128
// CHECK: %[[L:.*]] = arith.addi %[[TID]], %[[OFF]]
// CHECK-DAG: %[[J:.*]] = arith.remui %[[L]], %c64
// CHECK-DAG: %[[I:.*]] = arith.divui %[[L]], %c64
// CHECK: %[[INIT:.*]] = memref.load %[[A]][%[[I]], %[[J]]]
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %c0 to %c32 step %c1 iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32) {
// CHECK: memref.load %{{.*}}[%[[I]], %[[K]]]
// CHECK: memref.load %{{.*}}[%[[K]], %[[J]]]
// CHECK: arith.mulf %{{.*}}, %{{.*}} fastmath<contract>
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<contract>
// CHECK: scf.yield
// CHECK: memref.store %[[SUM]], %[[A]][%[[I]], %[[J]]]
// CHECK: gpu.barrier
// CHECK: %[[ONE:.*]] = arith.cmpi ult, %[[TID]], %c1
// CHECK: scf.if %[[ONE]] {
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
// CHECK: %[[ONE:.*]] = arith.cmpi ult, %[[TID]], %c1
// CHECK: scf.if %[[ONE]] {
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

// -----

// Few points, a long reduction (16 rows of 64, 128 threads): 8 threads per
// row, each summing every 8th element, a butterfly of shuffles, the first
// thread of the group adding the output and storing.
// CHECK-LABEL: gpu.func @split
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK-DAG: %[[LANE:.*]] = arith.remui %[[TID]], %c8
// CHECK-DAG: %[[G:.*]] = arith.divui %[[TID]], %c8
// CHECK-DAG: %[[ROW:.*]] = arith.minui %[[G]], %c15
// CHECK-DAG: %[[VALID:.*]] = arith.cmpi ult, %[[G]], %c16
// CHECK: %[[P:.*]]:2 = scf.for %[[K:.*]] = %[[LANE]] to %c64 step %c8 iter_args(%{{.*}} = %cst, %{{.*}} = %cst) -> (f32, f32) {
// CHECK: memref.load %{{.*}}[%[[ROW]], %[[K]]]
// CHECK: gpu.shuffle xor %[[P]]#0, %c4_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c2_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32
// CHECK: gpu.shuffle xor %[[P]]#1, %c4_i32, %c32_i32
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[LANE]], %c0
// CHECK: %[[ST:.*]] = arith.andi %[[VALID]], %[[FIRST]]
// CHECK: scf.if %[[ST]] {
// CHECK: %[[OLD:.*]] = memref.load %{{.*}}[%[[ROW]]]
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]]
// CHECK: memref.store %[[NEW]], %{{.*}}[%[[ROW]]]
// CHECK: gpu.barrier
// A max reduction is not split (addf combiners only).
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[TID]], %c16
// CHECK: scf.if %[[IN]] {
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1
// CHECK: arith.maximumf
// CHECK: gpu.barrier
#rows = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @split(%x: memref<16x64xf32>, %s: memref<16xf32>, %q: memref<16xf32>, %m: memref<16xf32>) kernel {
      linalg.generic {indexing_maps = [#rows, #row, #row], iterator_types = ["parallel", "reduction"]}
          ins(%x : memref<16x64xf32>) outs(%s, %q : memref<16xf32>, memref<16xf32>) {
      ^bb0(%p: f32, %a: f32, %b: f32):
        %r = arith.addf %a, %p : f32
        %sq = arith.mulf %p, %p : f32
        %r2 = arith.addf %sq, %b : f32
        linalg.yield %r, %r2 : f32, f32
      }
      linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
          ins(%x : memref<16x64xf32>) outs(%m : memref<16xf32>) {
      ^bb0(%p: f32, %a: f32):
        %r = arith.maximumf %a, %p : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// Barriers: none between ops on disjoint bytes of the shared memory or
// between global reads and shared writes; none where the second op touches
// the first one's elements on the same threads (both elementwise over the
// same view); kept where a view overlaps another's bytes, where an op reads
// through another map (a transpose), and after the last op.
// CHECK-LABEL: gpu.func @barriers
// CHECK: scf.for
// CHECK-NOT: gpu.barrier
// CHECK: scf.for
// CHECK-NOT: gpu.barrier
// CHECK: scf.for
// CHECK: arith.mulf
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: arith.negf
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: arith.subf
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: gpu.return
#id2 = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @barriers(%x: memref<16x16xf32>, %y: memref<16x16xf32>) kernel {
      %sm = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %c0 = arith.constant 0 : index
      %c1024 = arith.constant 1024 : index
      %c512 = arith.constant 512 : index
      %va = memref.view %sm[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x16xf32, #gpu.address_space<workgroup>>
      %a = memref.memory_space_cast %va : memref<16x16xf32, #gpu.address_space<workgroup>> to memref<16x16xf32>
      %vb = memref.view %sm[%c1024][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x16xf32, #gpu.address_space<workgroup>>
      %b = memref.memory_space_cast %vb : memref<16x16xf32, #gpu.address_space<workgroup>> to memref<16x16xf32>
      %vc = memref.view %sm[%c512][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x16xf32, #gpu.address_space<workgroup>>
      %c = memref.memory_space_cast %vc : memref<16x16xf32, #gpu.address_space<workgroup>> to memref<16x16xf32>
      %zero = arith.constant 0.0 : f32
      linalg.fill ins(%zero : f32) outs(%a : memref<16x16xf32>)
      linalg.copy ins(%x : memref<16x16xf32>) outs(%b : memref<16x16xf32>)
      linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
          ins(%b : memref<16x16xf32>) outs(%a : memref<16x16xf32>) {
      ^bb0(%p: f32, %o: f32):
        %r = arith.mulf %p, %o : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
          ins(%a : memref<16x16xf32>) outs(%c : memref<16x16xf32>) {
      ^bb0(%p: f32, %o: f32):
        %r = arith.negf %p : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#t, #id2], iterator_types = ["parallel", "parallel"]}
          ins(%c : memref<16x16xf32>) outs(%b : memref<16x16xf32>) {
      ^bb0(%p: f32, %o: f32):
        %r = arith.subf %p, %o : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
