// RUN: ttt-opt %s --convert-ttt-to-linalg --cse --ttt-fuse --split-input-file --mlir-print-local-scope | FileCheck %s

// A transpose is folded into its consumer's indexing maps, never
// materialized.
// CHECK-LABEL: func @transpose_into_matmul
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @transpose_into_matmul(%x: tensor<16x64xf32>, %g: tensor<16x64xf32>) -> tensor<64x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x16xf32>
  %xt = linalg.transpose ins(%x : tensor<16x64xf32>) outs(%e : tensor<64x16xf32>) permutation = [1, 0]
  %o = tensor.empty() : tensor<64x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%o : tensor<64x64xf32>) -> tensor<64x64xf32>
  %r = linalg.matmul ins(%xt, %g : tensor<64x16xf32>, tensor<16x64xf32>) outs(%z : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// -----

// W - X^T G: one contraction accumulating (negated) into W.
// CHECK-LABEL: func @update_into_contraction
// CHECK-SAME: (%[[W:.*]]: tensor<64x64xf32>, %[[X:.*]]: tensor<16x64xf32>, %[[G:.*]]: tensor<16x64xf32>)
// CHECK-NOT: linalg.fill
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[G]] : {{.*}}) outs(%[[W]] : tensor<64x64xf32>)
// CHECK: %[[P:.*]] = arith.mulf
// CHECK: %[[N:.*]] = arith.negf %[[P]]
// CHECK: %[[S:.*]] = arith.addf %{{.*}}, %[[N]]
// CHECK: linalg.yield %[[S]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
func.func @update_into_contraction(%w: tensor<64x64xf32>, %x: tensor<16x64xf32>, %g: tensor<16x64xf32>) -> tensor<64x64xf32> {
  %zero = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<64x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%o : tensor<64x64xf32>) -> tensor<64x64xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %g : tensor<16x64xf32>, tensor<16x64xf32>) outs(%z : tensor<64x64xf32>) -> tensor<64x64xf32>
  %u = linalg.sub ins(%w, %r : tensor<64x64xf32>, tensor<64x64xf32>) outs(%o : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %u : tensor<64x64xf32>
}

// -----

// X + R with R on either side accumulates into X without changing the body.
// CHECK-LABEL: func @add_into_contraction
// CHECK: linalg.generic {{.*}} outs(%arg0 : tensor<4x8xf32>)
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-NOT: linalg.generic
func.func @add_into_contraction(%acc: tensor<4x8xf32>, %a: tensor<4x3xf32>, %b: tensor<3x8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<4x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%o : tensor<4x8xf32>) -> tensor<4x8xf32>
  %r = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
  %u = linalg.add ins(%r, %acc : tensor<4x8xf32>, tensor<4x8xf32>) outs(%o : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %u : tensor<4x8xf32>
}

// -----

// R - X cannot accumulate into X; a reduction with another use is kept.
// CHECK-LABEL: func @not_absorbed
// CHECK: %[[R:.*]] = linalg.generic {{.*}}"reduction"
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[R]], %arg0
// CHECK: %[[R2:.*]] = linalg.generic {{.*}}"reduction"
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%arg0, %[[R2]]
// CHECK: return %[[S]], %[[A]], %[[R2]]
func.func @not_absorbed(%acc: tensor<4x8xf32>, %a: tensor<4x3xf32>, %b: tensor<3x8xf32>, %b2: tensor<3x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<4x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%o : tensor<4x8xf32>) -> tensor<4x8xf32>
  %r = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
  %s = linalg.sub ins(%r, %acc : tensor<4x8xf32>, tensor<4x8xf32>) outs(%o : tensor<4x8xf32>) -> tensor<4x8xf32>
  %r2 = linalg.matmul ins(%a, %b2 : tensor<4x3xf32>, tensor<3x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
  %t = linalg.add ins(%acc, %r2 : tensor<4x8xf32>, tensor<4x8xf32>) outs(%o : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %s, %t, %r2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Layer norm: its two row sums become one pass over the row; the per-row
// mean and 1/std are not fused into the normalization (that would recompute
// them for every element), which stays one elementwise generic.
// CHECK-LABEL: func @layer_norm_one_pass
// CHECK: %[[S:.*]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%arg0, %{{.*}} : {{.*}}) outs(%{{.*}}, %{{.*}} : tensor<?xf32>, tensor<?xf32>)
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK: %[[M:.*]] = linalg.generic {{.*}}iterator_types = ["parallel"]} ins(%[[S]]#0 :
// CHECK: %[[INV:.*]] = linalg.generic {{.*}}iterator_types = ["parallel"]} ins(%[[S]]#0, %[[S]]#1 :
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins({{.*}}%[[M]], %[[INV]]
// CHECK-NOT: linalg.generic
func.func @layer_norm_one_pass(%x: tensor<?x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = ttt.layer_norm %x, %g, %b : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// Elementwise chains fuse into one generic; a producer with two users is
// not duplicated.
// CHECK-LABEL: func @elementwise_chain
// CHECK: %[[A:.*]] = linalg.generic
// CHECK: math.tanh
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%[[A]]
// CHECK: math.exp
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: return %[[A]], %[[B]]
func.func @elementwise_chain(%x: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
  %e = tensor.empty() : tensor<8x16xf32>
  %a = ttt.gelu_tanh %x : tensor<8x16xf32>
  %s = ttt.silu %a : tensor<8x16xf32>
  %m = linalg.mul ins(%s, %s : tensor<8x16xf32>, tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %a, %m : tensor<8x16xf32>, tensor<8x16xf32>
}
