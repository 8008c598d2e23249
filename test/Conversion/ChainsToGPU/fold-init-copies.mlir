// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-fold-init-copies)))' --split-input-file %s | FileCheck %s

// Z = b + X W and E = b + A G with b broadcast once (TTT-Linear's bias,
// as bufferization leaves it): the copy of the broadcast into Z goes, the
// contraction into Z starts from b itself (the broadcast's source, read
// at column j); then the contraction into the broadcast's buffer is the
// next op to touch it, so the broadcast goes too.
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: gpu.func @bias
// CHECK-NOT: linalg.copy
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[COL]], #{{.*}}]
// CHECK-SAME: ins(%arg1, %arg2, %arg0 : memref<16x32xf32>, memref<32x64xf32>, memref<64xf32>) outs(%arg3 : memref<16x64xf32>) attrs = {ttt.init_from = array<i64: 0, 2>}
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg5, %arg6, %arg0 : memref<16x16xf32>, memref<16x64xf32>, memref<64xf32>) outs(%arg4 : memref<16x64xf32>) attrs = {ttt.init_from = array<i64: 0, 2>}
// CHECK-NOT: linalg.generic
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @bias(%b: memref<64xf32>, %x: memref<16x32xf32>, %w: memref<32x64xf32>, %z: memref<16x64xf32>, %bb: memref<16x64xf32>, %a: memref<16x16xf32>, %g: memref<16x64xf32>) kernel {
      linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]}
          ins(%b : memref<64xf32>) outs(%bb : memref<16x64xf32>) {
      ^bb0(%in: f32, %o: f32):
        linalg.yield %in : f32
      }
      linalg.copy ins(%bb : memref<16x64xf32>) outs(%z : memref<16x64xf32>)
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x32xf32>, memref<32x64xf32>) outs(%z : memref<16x64xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%a, %g : memref<16x16xf32>, memref<16x64xf32>) outs(%bb : memref<16x64xf32>) {
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

// Kept: the source is written between the copy and the contraction; Z is
// read between (the copy is not the op before it); an op that overwrites
// its output (no `out + x`). Folded: a transposing copy, its map composed
// with the output's.
// CHECK-DAG: #[[T:.*]] = affine_map<(d0, d1, d2) -> (d1, d0)>
// CHECK-LABEL: gpu.func @keep
// CHECK: linalg.copy ins(%arg0 : memref<16x16xf32>) outs(%arg3
// CHECK: linalg.copy ins(%arg1 : memref<16x16xf32>) outs(%arg0
// CHECK: ins(%arg1, %arg2 : memref<16x16xf32>, memref<16x16xf32>) outs(%arg3 : memref<16x16xf32>) {
// CHECK: linalg.copy ins(%arg0 : memref<16x16xf32>) outs(%arg3
// CHECK: linalg.copy ins(%arg3 : memref<16x16xf32>) outs(%arg4
// CHECK: ins(%arg1, %arg2 : memref<16x16xf32>, memref<16x16xf32>) outs(%arg3 : memref<16x16xf32>) {
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[T]], #{{.*}}]
// CHECK-SAME: ins(%arg1, %arg2, %arg0 : {{.*}}) outs(%arg3 : memref<16x16xf32>) attrs = {ttt.init_from = array<i64: 0, 2>}
// CHECK: linalg.copy ins(%arg0 : memref<16x16xf32>) outs(%arg3
// CHECK: ins(%arg1, %arg2 : memref<16x16xf32>, memref<16x16xf32>) outs(%arg3 : memref<16x16xf32>) {
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @keep(%s: memref<16x16xf32>, %x: memref<16x16xf32>, %w: memref<16x16xf32>, %z: memref<16x16xf32>, %d: memref<16x16xf32>) kernel {
      linalg.copy ins(%s : memref<16x16xf32>) outs(%z : memref<16x16xf32>)
      linalg.copy ins(%x : memref<16x16xf32>) outs(%s : memref<16x16xf32>)
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%z : memref<16x16xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.copy ins(%s : memref<16x16xf32>) outs(%z : memref<16x16xf32>)
      linalg.copy ins(%z : memref<16x16xf32>) outs(%d : memref<16x16xf32>)
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%z : memref<16x16xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
          ins(%s : memref<16x16xf32>) outs(%z : memref<16x16xf32>) {
      ^bb0(%in: f32, %o: f32):
        linalg.yield %in : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%z : memref<16x16xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.copy ins(%s : memref<16x16xf32>) outs(%z : memref<16x16xf32>)
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%z : memref<16x16xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        linalg.yield %m : f32
      }
      gpu.return
    }
  }
}

// -----

// The chase stops at a source written before the contraction: Z starts
// from the broadcast's buffer (B is overwritten after the broadcast), and
// the broadcast stays. Inside a loop, a copy from a loop-carried buffer
// is not followed back past a write to the buffer it yields, and nothing
// folds into a loop-carried output.
// CHECK-LABEL: gpu.func @stops
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0 : memref<16xf32>) outs(%arg4 : memref<16x16xf32>)
// CHECK: linalg.fill
// CHECK-NOT: linalg.copy
// CHECK: ins(%arg1, %arg2, %arg4 : {{.*}}) outs(%arg3 : memref<16x16xf32>) attrs = {ttt.init_from = array<i64: 0, 2>}
// CHECK: scf.for
// CHECK: linalg.copy ins(%{{.*}} : memref<16x16xf32>) outs(%arg4
// CHECK: linalg.fill
// CHECK: ins(%arg1, %arg2, %arg4 : {{.*}}) outs(%arg3 : memref<16x16xf32>) attrs = {ttt.init_from = array<i64: 0, 2>}
// CHECK: linalg.copy
// CHECK: outs(%[[ACC:.*]] : memref<16x16xf32>) {
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @stops(%b: memref<16xf32>, %x: memref<16x16xf32>, %w: memref<16x16xf32>, %z: memref<16x16xf32>, %bb: memref<16x16xf32>, %n: memref<16x16xf32>) kernel {
      %zero = arith.constant 0.0 : f32
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      linalg.generic {indexing_maps = [#row, #id], iterator_types = ["parallel", "parallel"]}
          ins(%b : memref<16xf32>) outs(%bb : memref<16x16xf32>) {
      ^bb0(%in: f32, %o: f32):
        linalg.yield %in : f32
      }
      linalg.fill ins(%zero : f32) outs(%b : memref<16xf32>)
      linalg.copy ins(%bb : memref<16x16xf32>) outs(%z : memref<16x16xf32>)
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%z : memref<16x16xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%cur = %x) -> (memref<16x16xf32>) {
        linalg.copy ins(%cur : memref<16x16xf32>) outs(%bb : memref<16x16xf32>)
        linalg.fill ins(%zero : f32) outs(%n : memref<16x16xf32>)
        linalg.copy ins(%bb : memref<16x16xf32>) outs(%z : memref<16x16xf32>)
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%x, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%z : memref<16x16xf32>) {
        ^bb0(%p: f32, %q: f32, %acc: f32):
          %m = arith.mulf %p, %q : f32
          %s = arith.addf %acc, %m : f32
          linalg.yield %s : f32
        }
        linalg.copy ins(%z : memref<16x16xf32>) outs(%cur : memref<16x16xf32>)
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%z, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%cur : memref<16x16xf32>) {
        ^bb0(%p: f32, %q: f32, %acc: f32):
          %m = arith.mulf %p, %q : f32
          %s = arith.addf %acc, %m : f32
          linalg.yield %s : f32
        }
        scf.yield %n : memref<16x16xf32>
      }
      gpu.return
    }
  }
}
