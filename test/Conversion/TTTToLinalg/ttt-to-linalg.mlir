// RUN: ttt-opt %s --convert-ttt-to-linalg --split-input-file --mlir-print-local-scope | FileCheck %s

// CHECK-LABEL: func @layer_norm
// CHECK-NOT: ttt.layer_norm
// CHECK: %[[K:.*]] = tensor.extract_slice %[[X:.*]][0, 0] [%{{.*}}, 1] [1, 1] : tensor<?x64xf32> to tensor<?xf32>
// CHECK: %[[S1:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[K]] : tensor<?x64xf32>, tensor<?xf32>)
// CHECK: arith.subf
// CHECK-NOT: arith.mulf
// CHECK: arith.addf
// CHECK: %[[S2:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[K]] : tensor<?x64xf32>, tensor<?xf32>)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[M:.*]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%[[S1]] : tensor<?xf32>)
// CHECK: arith.divf
// CHECK: %[[INV:.*]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%[[S1]], %[[S2]] : tensor<?xf32>, tensor<?xf32>)
// CHECK: math.rsqrt
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[K]], %[[M]], %[[INV]], %{{.*}}, %{{.*}} :
// CHECK-NOT: math.rsqrt
// CHECK: return %[[Y]]
func.func @layer_norm(%x: tensor<?x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = ttt.layer_norm %x, %g, %b : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// CHECK-LABEL: func @gelu_silu
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: math.tanh
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: math.exp
// CHECK: arith.divf
// CHECK-NOT: ttt.
func.func @gelu_silu(%x: tensor<2x?x8xf32>) -> tensor<2x?x8xf32> {
  %0 = ttt.gelu_tanh %x : tensor<2x?x8xf32>
  %1 = ttt.silu %0 : tensor<2x?x8xf32>
  return %1 : tensor<2x?x8xf32>
}

// -----

// CHECK-LABEL: func @l2_loss
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins({{.*}}) outs(%{{.*}} : tensor<16xf32>)
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins({{.*}}) outs(%{{.*}} : tensor<f32>)
func.func @l2_loss(%p: tensor<16x64xf32>, %t: tensor<16x64xf32>) -> (tensor<16xf32>, tensor<f32>) {
  %0 = ttt.l2_loss %p, %t : tensor<16x64xf32> -> tensor<16xf32>
  %1 = ttt.l2_loss %p, %t reduce sum : tensor<16x64xf32> -> tensor<f32>
  return %0, %1 : tensor<16xf32>, tensor<f32>
}

// -----

// The causal sum over s <= r is one reduction with the mask in the body,
// accumulating into W broadcast over the positions.
// CHECK-LABEL: func @sgd
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%{{.*}} : tensor<8x4xf32>) outs(%{{.*}} : tensor<16x8x4xf32>) dimensions = [0]
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<16x8x4xf32>, tensor<16x16xf32>) outs(%[[INIT]] : tensor<16x8x4xf32>)
// CHECK: %[[R:.*]] = linalg.index 0
// CHECK: %[[S:.*]] = linalg.index 3
// CHECK: arith.cmpi ule, %[[S]], %[[R]]
// CHECK: %[[M:.*]] = arith.select
// CHECK: %[[N:.*]] = arith.negf %[[M]]
// CHECK: arith.addf %{{.*}}, %[[N]]
func.func @sgd(%w: tensor<8x4xf32>, %g: tensor<16x8x4xf32>, %lr: tensor<16x16xf32>) -> tensor<16x8x4xf32> {
  %0 = ttt.update sgd %w, %g, %lr : (tensor<8x4xf32>, tensor<16x8x4xf32>, tensor<16x16xf32>) -> tensor<16x8x4xf32>
  return %0 : tensor<16x8x4xf32>
}

// -----

// Scan and grad are left for the autodiff and scheduling passes.
// CHECK-LABEL: func @keeps_structure
// CHECK: ttt.scan
// CHECK: linalg.generic
// CHECK: ttt.yield
func.func @keeps_structure(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = ttt.scan chunk(4) over(%x : tensor<?x8xf32>) -> (tensor<?x8xf32>) {
  ^bb0(%xc: tensor<?x8xf32>):
    %g = ttt.gelu_tanh %xc : tensor<?x8xf32>
    ttt.yield %g : tensor<?x8xf32>
  }
  return %y : tensor<?x8xf32>
}
