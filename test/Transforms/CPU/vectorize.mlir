// RUN: ttt-opt %s --ttt-cpu-loop-order --ttt-cpu-vectorize --canonicalize --cse --loop-invariant-subset-hoisting --canonicalize --split-input-file | FileCheck %s

// A static contraction: blocks of 4 output rows x the whole 64-wide row,
// accumulated in vector registers across the reduction loop.
// CHECK-LABEL: func @matmul
// CHECK-NOT: linalg.generic
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} : tensor<4x64xf32>, vector<4x64xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<4x64xf32>)
// CHECK: arith.mulf {{.*}} : vector<1x4x64xf32>
// CHECK: arith.addf {{.*}} : vector<4x64xf32>
// CHECK: vector.transfer_write {{.*}} : vector<4x64xf32>, tensor<4x64xf32>
func.func @matmul(%a: tensor<16x64xf32>, %b: tensor<64x64xf32>, %c: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<16x64xf32>, tensor<64x64xf32>) outs(%c : tensor<16x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// A row reduction becomes vector reductions over blocks of 4 rows.
// CHECK-LABEL: func @row_sum
// CHECK: scf.for
// CHECK: vector.multi_reduction <add>, %{{.*}}, %{{.*}} [1] : vector<4x64xf32> to vector<4xf32>
func.func @row_sum(%x: tensor<16x64xf32>, %z: tensor<16xf32>) -> tensor<16xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<16x64xf32>) outs(%z : tensor<16xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %r : tensor<16xf32>
}

// -----

// Dynamic shapes (a partial last mini-batch) are left to the loop path.
// CHECK-LABEL: func @dynamic
// CHECK: linalg.generic
// CHECK-NOT: vector.
func.func @dynamic(%x: tensor<?x64xf32>, %e: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %n = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.negf %v : f32
    linalg.yield %m : f32
  } -> tensor<?x64xf32>
  return %n : tensor<?x64xf32>
}
