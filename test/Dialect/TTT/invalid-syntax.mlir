// Malformed custom syntax gets a located parse error.
// RUN: ttt-opt %s --split-input-file --verify-diagnostics

func.func @missing_chunk(%x: tensor<16x8xf32>) {
  // expected-error @+1 {{expected 'chunk'}}
  %0 = ttt.scan over(%x : tensor<16x8xf32>) -> (tensor<16x8xf32>) {
  ^bb0(%xc: tensor<?x8xf32>):
    ttt.yield %xc : tensor<?x8xf32>
  }
  return
}

// -----

func.func @bad_rule(%w: tensor<8xf32>, %g: tensor<4x8xf32>, %lr: tensor<4x4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'rule' [sgd, momentum, adam]}}
  %0 = ttt.update lion %w, %g, %lr : (tensor<8xf32>, tensor<4x8xf32>, tensor<4x4xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @bad_reduction(%p: tensor<4x8xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'reduction' [none, sum]}}
  %0 = ttt.l2_loss %p, %p reduce mean : tensor<4x8xf32> -> tensor<f32>
  return
}

// -----

func.func @missing_types(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected ':'}}
  %0 = ttt.gelu_tanh %x
  return
}
