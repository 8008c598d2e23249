// RUN: ttt-opt %s --ttt-autodiff --canonicalize --cse --split-input-file --mlir-print-local-scope | FileCheck %s

// Scalar loss: dW = X^T dZ, one contraction reducing over the rows.
// CHECK-LABEL: func @scalar_matmul
// CHECK-NOT: ttt.grad
// CHECK: %[[DZ:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<f32>, tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK: %[[DW:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>], iterator_types = ["reduction", "parallel", "parallel"]} ins(%[[DZ]], %arg0 : tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK: return %[[DW]]
func.func @scalar_matmul(%x: tensor<4x8xf32>, %w0: tensor<8x8xf32>, %t: tensor<4x8xf32>) -> tensor<8x8xf32> {
  %g = ttt.grad wrt(%w0 : tensor<8x8xf32>) -> (tensor<8x8xf32>) {
  ^bb0(%w: tensor<8x8xf32>):
    %c = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4x8xf32>
    %z = linalg.fill ins(%c : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    %p = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
    %l = ttt.l2_loss %p, %t reduce sum : tensor<4x8xf32> -> tensor<f32>
    ttt.yield %l : tensor<f32>
  }
  return %g : tensor<8x8xf32>
}

// -----

// Per-example loss: the row loop stays parallel, giving one outer product
// x_s^T dz_s per example; the bias gradient is dz itself (no copy).
// CHECK-LABEL: func @per_example
// CHECK-NOT: ttt.grad
// CHECK: %[[DZ:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?xf32>, tensor<?x8xf32>, tensor<?x8xf32>)
// CHECK: %[[DW:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d0, d2, d1)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[DZ]], %arg0 : tensor<?x8xf32>, tensor<?x8xf32>)
// CHECK: return %[[DW]], %[[DZ]] : tensor<?x8x8xf32>, tensor<?x8xf32>
func.func @per_example(%x: tensor<?x8xf32>, %w0: tensor<8x8xf32>, %b0: tensor<8xf32>, %t: tensor<?x8xf32>)
    -> (tensor<?x8x8xf32>, tensor<?x8xf32>) {
  %gw, %gb = ttt.grad wrt(%w0, %b0 : tensor<8x8xf32>, tensor<8xf32>) -> (tensor<?x8x8xf32>, tensor<?x8xf32>) {
  ^bb0(%w: tensor<8x8xf32>, %b: tensor<8xf32>):
    %c0 = arith.constant 0 : index
    %c = arith.constant 0.0 : f32
    %n = tensor.dim %x, %c0 : tensor<?x8xf32>
    %e = tensor.empty(%n) : tensor<?x8xf32>
    %z = linalg.fill ins(%c : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
    %p = linalg.matmul ins(%x, %w : tensor<?x8xf32>, tensor<8x8xf32>) outs(%z : tensor<?x8xf32>) -> tensor<?x8xf32>
    %bb = linalg.broadcast ins(%b : tensor<8xf32>) outs(%e : tensor<?x8xf32>) dimensions = [0]
    %s = linalg.add ins(%p, %bb : tensor<?x8xf32>, tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
    %l = ttt.l2_loss %s, %t : tensor<?x8xf32> -> tensor<?xf32>
    ttt.yield %l : tensor<?xf32>
  }
  return %gw, %gb : tensor<?x8x8xf32>, tensor<?x8xf32>
}

// -----

// A wrt value the loss does not depend on gets a zero gradient.
// CHECK-LABEL: func @unused_wrt
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<8xf32>)
// CHECK: return %{{.*}}, %[[Z]]
func.func @unused_wrt(%w0: tensor<8xf32>, %v0: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %g:2 = ttt.grad wrt(%w0, %v0 : tensor<8xf32>, tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  ^bb0(%w: tensor<8xf32>, %v: tensor<8xf32>):
    %a = ttt.gelu_tanh %w : tensor<8xf32>
    %l = ttt.l2_loss %a, %w0 reduce sum : tensor<8xf32> -> tensor<f32>
    ttt.yield %l : tensor<f32>
  }
  return %g#0, %g#1 : tensor<8xf32>, tensor<8xf32>
}
