// RUN: ttt-opt %s --convert-ttt-to-linalg --split-input-file --verify-diagnostics

func.func @momentum(%w: tensor<8xf32>, %g: tensor<4x8xf32>, %lr: tensor<4x4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{update rule 'momentum' has no lowering yet (only 'sgd')}}
  %0:2 = ttt.update momentum %w, %g, %lr state(%w) {beta1 = 0.9 : f64}
      : (tensor<8xf32>, tensor<4x8xf32>, tensor<4x4xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>)
  return %0#0 : tensor<4x8xf32>
}

// -----

func.func @adam(%w: tensor<8xf32>, %g: tensor<4x8xf32>, %lr: tensor<4x4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{update rule 'adam' has no lowering yet (only 'sgd')}}
  %0:3 = ttt.update adam %w, %g, %lr state(%w, %w) {beta1 = 0.9 : f64, beta2 = 0.999 : f64, epsilon = 1.0e-8 : f64}
      : (tensor<8xf32>, tensor<4x8xf32>, tensor<4x4xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>)
  return %0#0 : tensor<4x8xf32>
}
