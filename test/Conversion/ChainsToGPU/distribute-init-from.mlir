// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=tf32 row-warps=true distinct-args=true pair-accesses=false},canonicalize)))' --split-input-file --verify-diagnostics %s | FileCheck %s

// Outputs named in ttt.init_from (ttt-gpu-fold-init-copies) start from
// that input: the tensor-core accumulators are loads of the bias B at
// their columns, not of C; the row sums start from T (no load of the old
// sum, so no warp barrier before the store).
// CHECK-LABEL: gpu.func @from_input
// CHECK-NOT: memref.load %arg0
// CHECK: memref.load %arg4[%{{.*}}] : memref<16xf32>
// CHECK-NOT: memref.load %arg0
// CHECK: nvgpu.mma.sync
// CHECK-NOT: memref.load %arg0
// CHECK: memref.store %{{.*}}, %arg0
// CHECK: gpu.shuffle xor
// CHECK-NOT: memref.load %arg3
// CHECK: memref.load %arg5
// CHECK-NEXT: arith.addf
// CHECK-NOT: nvvm.bar.warp.sync
// CHECK: memref.store %{{.*}}, %arg3
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#n = affine_map<(i, j, k) -> (j)>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @from_input(%c: memref<16x16xf32>, %x: memref<16x32xf32>, %w: memref<32x16xf32>, %s: memref<16xf32>, %b: memref<16xf32>, %t: memref<16xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #n, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w, %b : memref<16x32xf32>, memref<32x16xf32>, memref<16xf32>) outs(%c : memref<16x16xf32>) attrs = {ttt.init_from = array<i64: 0, 2>} {
      ^bb0(%a: f32, %bw: f32, %unused: f32, %acc: f32):
        %m = arith.mulf %a, %bw : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#id, #row, #row], iterator_types = ["parallel", "reduction"]}
          ins(%x, %t : memref<16x32xf32>, memref<16xf32>) outs(%s : memref<16xf32>) attrs = {ttt.init_from = array<i64: 0, 1>} {
      ^bb0(%a: f32, %unused: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// ttt.init_plus (ttt-gpu-output-warps{split-weights}): the output starts
// from its ttt.init_from input plus this one, a partial product: the
// tensor-core accumulators are the sums of B's and P's loads; the row sums
// start from T + U.
// CHECK-LABEL: gpu.func @from_input_plus
// CHECK-NOT: memref.load %arg0
// CHECK: %[[B:.*]] = memref.load %arg4[%{{.*}}] : memref<16xf32>
// CHECK: %[[P:.*]] = memref.load %arg6[%{{.*}}] : memref<16x16xf32>
// CHECK: arith.addf %[[B]], %[[P]]
// CHECK: nvgpu.mma.sync
// CHECK: memref.store %{{.*}}, %arg0
// CHECK: %[[T:.*]] = memref.load %arg5
// CHECK: %[[U:.*]] = memref.load %arg7
// CHECK: arith.addf %[[T]], %[[U]]
// CHECK: memref.store %{{.*}}, %arg3
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#n = affine_map<(i, j, k) -> (j)>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @from_input_plus(%c: memref<16x16xf32>, %x: memref<16x32xf32>, %w: memref<32x16xf32>, %s: memref<16xf32>, %b: memref<16xf32>, %t: memref<16xf32>, %p: memref<16x16xf32>, %u: memref<16xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #n, #mn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w, %b, %p : memref<16x32xf32>, memref<32x16xf32>, memref<16xf32>, memref<16x16xf32>) outs(%c : memref<16x16xf32>) attrs = {ttt.init_from = array<i64: 0, 2>, ttt.init_plus = array<i64: 0, 3>} {
      ^bb0(%a: f32, %bw: f32, %unused: f32, %unused2: f32, %acc: f32):
        %m = arith.mulf %a, %bw : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#id, #row, #row, #row], iterator_types = ["parallel", "reduction"]}
          ins(%x, %t, %u : memref<16x32xf32>, memref<16xf32>, memref<16xf32>) outs(%s : memref<16xf32>) attrs = {ttt.init_from = array<i64: 0, 1>, ttt.init_plus = array<i64: 0, 2>} {
      ^bb0(%a: f32, %unused: f32, %unused2: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// ttt.init_plus without ttt.init_from for its output, or twice for one
// output: located errors.
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @bad_plus(%x: memref<16x32xf32>, %t: memref<16xf32>, %u: memref<16xf32>, %s: memref<16xf32>) kernel {
      // expected-error @+1 {{ttt-gpu-distribute: ttt.init_plus must pair outputs that start from a ttt.init_from input, each once, with memref input operands}}
      linalg.generic {indexing_maps = [#id, #row, #row], iterator_types = ["parallel", "reduction"]}
          ins(%x, %u : memref<16x32xf32>, memref<16xf32>) outs(%s : memref<16xf32>) attrs = {ttt.init_plus = array<i64: 0, 1>} {
      ^bb0(%a: f32, %unused: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @twice_plus(%x: memref<16x32xf32>, %t: memref<16xf32>, %u: memref<16xf32>, %s: memref<16xf32>) kernel {
      // expected-error @+1 {{ttt-gpu-distribute: ttt.init_plus must pair outputs that start from a ttt.init_from input, each once, with memref input operands}}
      linalg.generic {indexing_maps = [#id, #row, #row, #row], iterator_types = ["parallel", "reduction"]}
          ins(%x, %t, %u : memref<16x32xf32>, memref<16xf32>, memref<16xf32>) outs(%s : memref<16xf32>) attrs = {ttt.init_from = array<i64: 0, 1>, ttt.init_plus = array<i64: 0, 2, 0, 2>} {
      ^bb0(%a: f32, %unused: f32, %unused2: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// A mark that names no input, or an op that does not run point by point:
// located errors.
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @bad_pair(%x: memref<16x32xf32>, %s: memref<16xf32>) kernel {
      // expected-error @+1 {{ttt-gpu-distribute: ttt.init_from must pair output indices with memref input operands}}
      linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
          ins(%x : memref<16x32xf32>) outs(%s : memref<16xf32>) attrs = {ttt.init_from = array<i64: 0, 3>} {
      ^bb0(%a: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

#all = affine_map<(i) -> (i)>
#none = affine_map<(i) -> ()>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @serial(%x: memref<16xf32>, %t: memref<f32>, %s: memref<f32>) kernel {
      // expected-error @+1 {{ttt-gpu-distribute: ttt.init_from on an op that does not run point by point}}
      linalg.generic {indexing_maps = [#all, #none, #none], iterator_types = ["reduction"]}
          ins(%x, %t : memref<16xf32>, memref<f32>) outs(%s : memref<f32>) attrs = {ttt.init_from = array<i64: 0, 1>} {
      ^bb0(%a: f32, %u: f32, %acc: f32):
        %r = arith.addf %acc, %a : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
