// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-fold-zero-fills)))' --split-input-file %s | FileCheck %s

// The fill of C goes: the contraction accumulating into C is the next op
// touching it (views of other buffers and an op on other buffers between),
// writes all of C and adds to its old value only.
// CHECK-LABEL: gpu.func @fold
// CHECK-NOT: linalg.fill
// CHECK: linalg.generic
// CHECK-SAME: outs(%arg3 : memref<16x16xf32>)
// CHECK: linalg.generic
// CHECK-SAME: outs(%arg0 : memref<16x16xf32>) attrs = {ttt.zero_init = array<i64: 0>}
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @fold(%c: memref<16x16xf32>, %x: memref<16x32xf32>, %w: memref<32x16xf32>, %d: memref<16x16xf32>) kernel {
      %zero = arith.constant 0.0 : f32
      linalg.fill ins(%zero : f32) outs(%c : memref<16x16xf32>)
      %xs = memref.subview %x[0, 0] [16, 16] [1, 1] : memref<16x32xf32> to memref<16x16xf32, strided<[32, 1]>>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%xs : memref<16x16xf32, strided<[32, 1]>>) outs(%d : memref<16x16xf32>) {
      ^bb0(%a: f32, %o: f32):
        linalg.yield %a : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x32xf32>, memref<32x16xf32>) outs(%c : memref<16x16xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// Kept: C is read before the accumulation (through a view); an op that
// overwrites its output (no `out + x`); a nonzero fill; the second output
// of a two-output reduction is folded, the first (multiplied) not.
// CHECK-LABEL: gpu.func @keep
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg0
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-SAME: outs(%arg0 : memref<16x16xf32>) {
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg2
// CHECK: linalg.generic
// CHECK-SAME: outs(%arg2 : memref<16x16xf32>) {
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg3
// CHECK-NOT: linalg.fill
// CHECK: linalg.generic
// CHECK-SAME: outs(%arg3, %arg4 : memref<16xf32>, memref<16xf32>) attrs = {ttt.zero_init = array<i64: 1>}
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @keep(%c: memref<16x16xf32>, %x: memref<16x16xf32>, %d: memref<16x16xf32>, %s: memref<16xf32>, %t: memref<16xf32>) kernel {
      %zero = arith.constant 0.0 : f32
      %one = arith.constant 1.0 : f32
      linalg.fill ins(%zero : f32) outs(%c : memref<16x16xf32>)
      %cv = memref.subview %c[0, 0] [16, 16] [1, 1] : memref<16x16xf32> to memref<16x16xf32, strided<[16, 1]>>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%cv : memref<16x16xf32, strided<[16, 1]>>) outs(%x : memref<16x16xf32>) {
      ^bb0(%a: f32, %o: f32):
        linalg.yield %a : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %x : memref<16x16xf32>, memref<16x16xf32>) outs(%c : memref<16x16xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.fill ins(%zero : f32) outs(%d : memref<16x16xf32>)
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%x : memref<16x16xf32>) outs(%d : memref<16x16xf32>) {
      ^bb0(%a: f32, %o: f32):
        linalg.yield %a : f32
      }
      linalg.fill ins(%one : f32) outs(%s : memref<16xf32>)
      linalg.fill ins(%zero : f32) outs(%t : memref<16xf32>)
      linalg.generic {indexing_maps = [#id, #row, #row], iterator_types = ["parallel", "reduction"]}
          ins(%x : memref<16x16xf32>) outs(%s, %t : memref<16xf32>, memref<16xf32>) {
      ^bb0(%a: f32, %p: f32, %q: f32):
        %m = arith.mulf %p, %a : f32
        %r = arith.addf %q, %a : f32
        linalg.yield %m, %r : f32, f32
      }
      gpu.return
    }
  }
}

// -----

// Kept: the accumulation reads a loop-carried buffer that may be C (the
// loop yields C).
// CHECK-LABEL: gpu.func @carried
// CHECK: linalg.fill
// CHECK-NOT: ttt.zero_init
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @carried(%c: memref<16x16xf32>, %x: memref<16x16xf32>, %n: index) kernel {
      %zero = arith.constant 0.0 : f32
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %r = scf.for %i = %c0 to %n step %c1 iter_args(%prev = %x) -> (memref<16x16xf32>) {
        linalg.fill ins(%zero : f32) outs(%c : memref<16x16xf32>)
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%prev : memref<16x16xf32>) outs(%c : memref<16x16xf32>) {
        ^bb0(%a: f32, %o: f32):
          %s = arith.addf %o, %a : f32
          linalg.yield %s : f32
        }
        scf.yield %c : memref<16x16xf32>
      }
      gpu.return
    }
  }
}
