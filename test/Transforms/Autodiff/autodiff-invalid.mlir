// RUN: ttt-opt %s --ttt-autodiff --split-input-file --verify-diagnostics

func.func @no_rule(%w0: tensor<8xf32>) -> tensor<8xf32> {
  %g = ttt.grad wrt(%w0 : tensor<8xf32>) -> (tensor<8xf32>) {
  ^bb0(%w: tensor<8xf32>):
    %e = tensor.empty() : tensor<8xf32>
    // expected-error @+1 {{'linalg.generic' op has no VJP rule for 'math.sin' in its body}}
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

func.func @no_rule_op(%w0: tensor<8xf32>) -> tensor<2x4xf32> {
  %g = ttt.grad wrt(%w0 : tensor<8xf32>) -> (tensor<8xf32>) {
  ^bb0(%w: tensor<8xf32>):
    // expected-error @+1 {{has no VJP rule; ttt-autodiff cannot differentiate 'tensor.expand_shape'}}
    %r = tensor.expand_shape %w [[0, 1]] output_shape [2, 4] : tensor<8xf32> into tensor<2x4xf32>
    %l = ttt.l2_loss %r, %r reduce sum : tensor<2x4xf32> -> tensor<f32>
    ttt.yield %l : tensor<f32>
  }
  %e = tensor.empty() : tensor<2x4xf32>
  return %e : tensor<2x4xf32>
}

// -----

func.func @generic_contraction(%w0: tensor<4x4xf32>, %x: tensor<3x4xf32>) -> tensor<4x4xf32> {
  %g = ttt.grad wrt(%w0 : tensor<4x4xf32>) -> (tensor<4x4xf32>) {
  ^bb0(%w: tensor<4x4xf32>):
    %e = tensor.empty() : tensor<3x4xf32>
    // expected-error @+1 {{has no VJP rule: not an elementwise op}}
    %p = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x, %w : tensor<3x4xf32>, tensor<4x4xf32>) outs(%e : tensor<3x4xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %m = arith.mulf %a, %b : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<3x4xf32>
    %l = ttt.l2_loss %p, %p reduce sum : tensor<3x4xf32> -> tensor<f32>
    ttt.yield %l : tensor<f32>
  }
  return %g : tensor<4x4xf32>
}

// -----

func.func @reduce_max(%w0: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %g = ttt.grad wrt(%w0 : tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  ^bb0(%w: tensor<4x8xf32>):
    %c = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4xf32>
    %z = linalg.fill ins(%c : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
    // expected-error @+1 {{has no VJP rule: only a single-input sum}}
    %m = linalg.reduce ins(%w : tensor<4x8xf32>) outs(%z : tensor<4xf32>) dimensions = [1]
      (%in: f32, %acc: f32) {
        %x = arith.maximumf %in, %acc : f32
        linalg.yield %x : f32
      }
    %l = ttt.l2_loss %m, %m reduce sum : tensor<4xf32> -> tensor<f32>
    ttt.yield %l : tensor<f32>
  }
  return %g : tensor<4x8xf32>
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
