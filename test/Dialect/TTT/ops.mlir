// Round trip of every TTT op: print, parse and print again must be identical,
// in the custom and in the generic form.
// RUN: ttt-opt %s | FileCheck %s
// RUN: ttt-opt %s > %t.custom && ttt-opt %t.custom > %t.custom2 && diff %t.custom %t.custom2
// RUN: ttt-opt %s --mlir-print-op-generic > %t.generic && ttt-opt %t.generic --mlir-print-op-generic > %t.generic2 && diff %t.generic %t.generic2
// RUN: ttt-opt %t.generic | diff %t.custom -

// CHECK-LABEL: func @layer_norm
// CHECK: ttt.layer_norm %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x64xf32>, tensor<64xf32>, tensor<64xf32>
// CHECK: ttt.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-05 : f64} : tensor<?x8xf64>, tensor<8xf64>, tensor<8xf64>
func.func @layer_norm(%x: tensor<16x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>,
                      %y: tensor<?x8xf64>, %g8: tensor<8xf64>) -> (tensor<16x64xf32>, tensor<?x8xf64>) {
  %0 = ttt.layer_norm %x, %g, %b : tensor<16x64xf32>, tensor<64xf32>, tensor<64xf32>
  %1 = ttt.layer_norm %y, %g8, %g8 {epsilon = 1.0e-5 : f64} : tensor<?x8xf64>, tensor<8xf64>, tensor<8xf64>
  return %0, %1 : tensor<16x64xf32>, tensor<?x8xf64>
}

// CHECK-LABEL: func @elementwise
// CHECK: ttt.gelu_tanh %{{.*}} : tensor<4x256xf32>
// CHECK: ttt.silu %{{.*}} : tensor<4x256xf32>
// CHECK: ttt.gelu_tanh %{{.*}} : tensor<3xbf16>
func.func @elementwise(%x: tensor<4x256xf32>, %h: tensor<3xbf16>) -> (tensor<4x256xf32>, tensor<3xbf16>) {
  %0 = ttt.gelu_tanh %x : tensor<4x256xf32>
  %1 = ttt.silu %0 : tensor<4x256xf32>
  %2 = ttt.gelu_tanh %h : tensor<3xbf16>
  return %1, %2 : tensor<4x256xf32>, tensor<3xbf16>
}

// CHECK-LABEL: func @l2_loss
// CHECK: ttt.l2_loss %{{.*}}, %{{.*}} : tensor<16x64xf32> -> tensor<16xf32>
// CHECK: ttt.l2_loss %{{.*}}, %{{.*}} reduce sum : tensor<16x64xf32> -> tensor<f32>
func.func @l2_loss(%p: tensor<16x64xf32>, %t: tensor<16x64xf32>) -> (tensor<16xf32>, tensor<f32>) {
  %0 = ttt.l2_loss %p, %t : tensor<16x64xf32> -> tensor<16xf32>
  %1 = ttt.l2_loss %p, %t reduce sum : tensor<16x64xf32> -> tensor<f32>
  return %0, %1 : tensor<16xf32>, tensor<f32>
}

// CHECK-LABEL: func @update
// CHECK: ttt.update sgd %{{.*}}, %{{.*}}, %{{.*}} : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16x16xf32>) -> tensor<16x8x8xf32>
// CHECK: ttt.update momentum %{{.*}}, %{{.*}}, %{{.*}} state(%{{.*}}) {beta1 = 9.000000e-01 : f64}
// CHECK: ttt.update adam %{{.*}}, %{{.*}}, %{{.*}} state(%{{.*}}, %{{.*}}) {beta1 = 9.000000e-01 : f64, beta2 = 0.{{[0-9]+}} : f64, epsilon = 1.000000e-08 : f64}
func.func @update(%w: tensor<8x8xf32>, %g: tensor<16x8x8xf32>, %lr: tensor<16x16xf32>, %m: tensor<8x8xf32>)
    -> (tensor<16x8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>) {
  %0 = ttt.update sgd %w, %g, %lr : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16x16xf32>) -> tensor<16x8x8xf32>
  %1:2 = ttt.update momentum %w, %g, %lr state(%m) {beta1 = 0.9 : f64}
      : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16x16xf32>, tensor<8x8xf32>) -> (tensor<16x8x8xf32>, tensor<8x8xf32>)
  %2:3 = ttt.update adam %w, %g, %lr state(%m, %m) {beta1 = 0.9 : f64, beta2 = 0.999 : f64, epsilon = 1.0e-8 : f64}
      : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16x16xf32>, tensor<8x8xf32>, tensor<8x8xf32>)
      -> (tensor<16x8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>)
  return %0, %1#1, %2#2 : tensor<16x8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>
}

// CHECK-LABEL: func @grad_scalar
// CHECK: ttt.grad wrt(%{{.*}} : tensor<8x8xf32>) -> (tensor<8x8xf32>) {
// CHECK: ^bb0(%[[W:.*]]: tensor<8x8xf32>):
// CHECK: ttt.l2_loss {{.*}} reduce sum
// CHECK: ttt.yield %{{.*}} : tensor<f32>
func.func @grad_scalar(%x: tensor<4x8xf32>, %w0: tensor<8x8xf32>, %t: tensor<4x8xf32>) -> tensor<8x8xf32> {
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

// CHECK-LABEL: func @grad_per_example
// CHECK: ttt.grad wrt(%{{.*}}, %{{.*}} : tensor<8x8xf32>, tensor<8xf32>) -> (tensor<4x8x8xf32>, tensor<4x8xf32>)
// CHECK: ttt.yield %{{.*}} : tensor<4xf32>
func.func @grad_per_example(%x: tensor<4x8xf32>, %w0: tensor<8x8xf32>, %b0: tensor<8xf32>, %t: tensor<4x8xf32>)
    -> (tensor<4x8x8xf32>, tensor<4x8xf32>) {
  %gw, %gb = ttt.grad wrt(%w0, %b0 : tensor<8x8xf32>, tensor<8xf32>) -> (tensor<4x8x8xf32>, tensor<4x8xf32>) {
  ^bb0(%w: tensor<8x8xf32>, %b: tensor<8xf32>):
    %c = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4x8xf32>
    %z = linalg.fill ins(%c : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    %p = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
    %bb = linalg.broadcast ins(%b : tensor<8xf32>) outs(%e : tensor<4x8xf32>) dimensions = [0]
    %s = linalg.add ins(%p, %bb : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    %l = ttt.l2_loss %s, %t : tensor<4x8xf32> -> tensor<4xf32>
    ttt.yield %l : tensor<4xf32>
  }
  return %gw, %gb : tensor<4x8x8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func @scan_static
// CHECK: ttt.scan chunk(16) init(%{{.*}} : tensor<8x8xf32>) over(%{{.*}} : tensor<64x8xf32>) -> (tensor<8x8xf32>, tensor<64x8xf32>) {
// CHECK: ^bb0(%{{.*}}: tensor<8x8xf32>, %{{.*}}: tensor<16x8xf32>):
// CHECK: ttt.yield %{{.*}}, %{{.*}} : tensor<8x8xf32>, tensor<16x8xf32>
func.func @scan_static(%w0: tensor<8x8xf32>, %x: tensor<64x8xf32>) -> (tensor<8x8xf32>, tensor<64x8xf32>) {
  %w, %y = ttt.scan chunk(16) init(%w0 : tensor<8x8xf32>) over(%x : tensor<64x8xf32>)
      -> (tensor<8x8xf32>, tensor<64x8xf32>) {
  ^bb0(%wi: tensor<8x8xf32>, %xc: tensor<16x8xf32>):
    %c = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<16x8xf32>
    %z = linalg.fill ins(%c : f32) outs(%e : tensor<16x8xf32>) -> tensor<16x8xf32>
    %yc = linalg.matmul ins(%xc, %wi : tensor<16x8xf32>, tensor<8x8xf32>) outs(%z : tensor<16x8xf32>) -> tensor<16x8xf32>
    ttt.yield %wi, %yc : tensor<8x8xf32>, tensor<16x8xf32>
  }
  return %w, %y : tensor<8x8xf32>, tensor<64x8xf32>
}

// A dynamic chunk dimension allows a final partial chunk; batch dimensions
// (here 2 of them) are dropped in the body; params are per-chain constants.
// CHECK-LABEL: func @scan_batched_partial
// CHECK: ttt.scan chunk(16) batch(2) init(%{{.*}} : tensor<2x3x8xf32>) params(%{{.*}} : tensor<2x3x8xf32>) over(%{{.*}} : tensor<2x3x37x8xf32>) -> (tensor<2x3x8xf32>, tensor<2x3x37x8xf32>)
// CHECK: ^bb0(%{{.*}}: tensor<8xf32>, %{{.*}}: tensor<8xf32>, %{{.*}}: tensor<?x8xf32>):
func.func @scan_batched_partial(%s0: tensor<2x3x8xf32>, %p: tensor<2x3x8xf32>, %x: tensor<2x3x37x8xf32>)
    -> (tensor<2x3x8xf32>, tensor<2x3x37x8xf32>) {
  %s, %y = ttt.scan chunk(16) batch(2) init(%s0 : tensor<2x3x8xf32>) params(%p : tensor<2x3x8xf32>)
      over(%x : tensor<2x3x37x8xf32>) -> (tensor<2x3x8xf32>, tensor<2x3x37x8xf32>) {
  ^bb0(%si: tensor<8xf32>, %pi: tensor<8xf32>, %xc: tensor<?x8xf32>):
    %n = ttt.layer_norm %si, %pi, %pi : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
    ttt.yield %n, %xc : tensor<8xf32>, tensor<?x8xf32>
  }
  return %s, %y : tensor<2x3x8xf32>, tensor<2x3x37x8xf32>
}

// A scan with no carried state and a dynamic sequence length.
// CHECK-LABEL: func @scan_stateless
// CHECK: ttt.scan chunk(4) over(%{{.*}} : tensor<?x8xf32>) -> (tensor<?x8xf32>)
func.func @scan_stateless(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = ttt.scan chunk(4) over(%x : tensor<?x8xf32>) -> (tensor<?x8xf32>) {
  ^bb0(%xc: tensor<?x8xf32>):
    %g = ttt.gelu_tanh %xc : tensor<?x8xf32>
    ttt.yield %g : tensor<?x8xf32>
  }
  return %y : tensor<?x8xf32>
}
