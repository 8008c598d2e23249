// RUN: ttt-opt %s --convert-ttt-scan-to-scf --verify-diagnostics

func.func @grad_first(%w0: tensor<8xf32>, %x: tensor<16x8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{contains 'ttt.grad'; run ttt-autodiff first}}
  %w, %y = ttt.scan chunk(4) init(%w0 : tensor<8xf32>) over(%x : tensor<16x8xf32>) -> (tensor<8xf32>, tensor<16x8xf32>) {
  ^bb0(%wi: tensor<8xf32>, %xc: tensor<?x8xf32>):
    %g = ttt.grad wrt(%wi : tensor<8xf32>) -> (tensor<8xf32>) {
    ^bb0(%v: tensor<8xf32>):
      %l = ttt.l2_loss %v, %wi reduce sum : tensor<8xf32> -> tensor<f32>
      ttt.yield %l : tensor<f32>
    }
    ttt.yield %g, %xc : tensor<8xf32>, tensor<?x8xf32>
  }
  return %w : tensor<8xf32>
}
