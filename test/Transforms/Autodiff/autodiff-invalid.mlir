// RUN: ttt-opt %s --ttt-autodiff --split-input-file --verify-diagnostics

func.func @no_rule(%w0: tensor<8xf32>) -> tensor<8xf32> {
  %g = ttt.grad wrt(%w0 : tensor<8xf32>) -> (tensor<8xf32>) {
  ^bb0(%w: tensor<8xf32>):
    %e = tensor.empty() : tensor<8xf32>
    // expected-error @+1 {{has no VJP rule; ttt-autodiff cannot differentiate 'linalg.generic'}}
    %s = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
        ins(%w : tensor<8xf32>) outs(%e : tensor<8xf32>) {
    ^bb0(%a: f32, %o: f32):
      %m = math.sin %a : f32
      linalg.yield %m : f32
    } -> tensor<8xf32>
    %l = ttt.l2_loss %s, %w0 reduce sum : tensor<8xf32> -> tensor<f32>
    ttt.yield %l : tensor<f32>
  }
  return %g : tensor<8xf32>
}

// -----

func.func @not_distinct(%w0: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{wrt values must be distinct}}
  %g:2 = ttt.grad wrt(%w0, %w0 : tensor<8xf32>, tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  ^bb0(%w: tensor<8xf32>, %v: tensor<8xf32>):
    %l = ttt.l2_loss %w, %v reduce sum : tensor<8xf32> -> tensor<f32>
    ttt.yield %l : tensor<f32>
  }
  return %g#0 : tensor<8xf32>
}

// -----

// Per-example gradient of a shared value through a row-wise op.
func.func @per_example_shared(%w0: tensor<4x8xf32>, %t: tensor<4x8xf32>) -> tensor<4x4x8xf32> {
  %g = ttt.grad wrt(%w0 : tensor<4x8xf32>) -> (tensor<4x4x8xf32>) {
  ^bb0(%w: tensor<4x8xf32>):
    %a = ttt.gelu_tanh %w : tensor<4x8xf32>
    // expected-error @+1 {{per-example gradient through this op on a shared value is not supported}}
    %l = ttt.l2_loss %a, %t : tensor<4x8xf32> -> tensor<4xf32>
    ttt.yield %l : tensor<4xf32>
  }
  return %g : tensor<4x4x8xf32>
}
