// Every verifier rejection, with its location.
// RUN: ttt-opt %s --split-input-file --verify-diagnostics

func.func @ln_gamma_size(%x: tensor<4x8xf32>, %g: tensor<7xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{gamma must be a vector of the normalized dimension's size 8, got 'tensor<7xf32>'}}
  %0 = ttt.layer_norm %x, %g, %b : tensor<4x8xf32>, tensor<7xf32>, tensor<8xf32>
  return
}

// -----

func.func @ln_beta_rank(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{beta must be a vector of the normalized dimension's size 8}}
  %0 = ttt.layer_norm %x, %g, %b : tensor<4x8xf32>, tensor<8xf32>, tensor<1x8xf32>
  return
}

// -----

func.func @ln_epsilon(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be positive}}
  %0 = ttt.layer_norm %x, %g, %g {epsilon = 0.0 : f64} : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @ln_scalar(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = ttt.layer_norm %x, %g, %g : tensor<f32>, tensor<1xf32>, tensor<1xf32>
  return
}

// -----

func.func @ln_element_types(%x: tensor<4x8xf32>, %g: tensor<8xf16>) {
  // expected-error @+1 {{failed to verify that all of {input, gamma, beta} have same element type}}
  %0 = ttt.layer_norm %x, %g, %g : tensor<4x8xf32>, tensor<8xf16>, tensor<8xf16>
  return
}

// -----

func.func @gelu_integer(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = ttt.gelu_tanh %x : tensor<4xi32>
  return
}

// -----

func.func @silu_unranked(%x: tensor<*xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = "ttt.silu"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @l2_shape_none(%p: tensor<4x8xf32>) {
  // expected-error @+1 {{result must have shape [4] for reduction 'none', got 'tensor<8xf32>'}}
  %0 = ttt.l2_loss %p, %p : tensor<4x8xf32> -> tensor<8xf32>
  return
}

// -----

func.func @l2_shape_sum(%p: tensor<4x8xf32>) {
  // expected-error @+1 {{result must have shape [] for reduction 'sum', got 'tensor<4xf32>'}}
  %0 = ttt.l2_loss %p, %p reduce sum : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @l2_mismatched_target(%p: tensor<4x8xf32>, %t: tensor<4x9xf32>) {
  // expected-error @+1 {{failed to verify that all of {prediction, target} have same type}}
  %0 = "ttt.l2_loss"(%p, %t) : (tensor<4x8xf32>, tensor<4x9xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @l2_result_element(%p: tensor<4x8xf32>) {
  // expected-error @+1 {{result element type must match the prediction's}}
  %0 = ttt.l2_loss %p, %p : tensor<4x8xf32> -> tensor<4xf64>
  return
}

// -----

func.func @update_grad_rank(%w: tensor<8x8xf32>, %g: tensor<8x8xf32>, %lr: tensor<8x8xf32>) {
  // expected-error @+1 {{gradients must be per example (rank 3), got rank 2}}
  %0 = ttt.update sgd %w, %g, %lr : (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func @update_grad_shape(%w: tensor<8x8xf32>, %g: tensor<16x8x4xf32>, %lr: tensor<16x16xf32>) {
  // expected-error @+1 {{gradient dimension 2 is 4, the weight's dimension 1 is 8}}
  %0 = ttt.update sgd %w, %g, %lr : (tensor<8x8xf32>, tensor<16x8x4xf32>, tensor<16x16xf32>) -> tensor<16x8x4xf32>
  return
}

// -----

func.func @update_lr_shape(%w: tensor<8x8xf32>, %g: tensor<16x8x8xf32>, %lr: tensor<16xf32>) {
  // expected-error @+1 {{lr must be 16x16 (positions x examples), got 'tensor<16xf32>'}}
  %0 = ttt.update sgd %w, %g, %lr : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16xf32>) -> tensor<16x8x8xf32>
  return
}

// -----

func.func @update_result(%w: tensor<8x8xf32>, %g: tensor<16x8x8xf32>, %lr: tensor<16x16xf32>) {
  // expected-error @+1 {{per-position weights must have the gradients' type 'tensor<16x8x8xf32>', got 'tensor<8x8xf32>'}}
  %0 = ttt.update sgd %w, %g, %lr : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16x16xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func @update_element_types(%w: tensor<8x8xf32>, %g: tensor<16x8x8xf32>, %lr: tensor<16x16xf16>) {
  // expected-error @+1 {{weight, gradients and lr must share an element type}}
  %0 = ttt.update sgd %w, %g, %lr : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16x16xf16>) -> tensor<16x8x8xf32>
  return
}

// -----

func.func @update_momentum_state(%w: tensor<8x8xf32>, %g: tensor<16x8x8xf32>, %lr: tensor<16x16xf32>) {
  // expected-error @+1 {{rule 'momentum' carries 1 optimizer state tensors, got 0}}
  %0 = ttt.update momentum %w, %g, %lr {beta1 = 0.9 : f64} : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16x16xf32>) -> tensor<16x8x8xf32>
  return
}

// -----

func.func @update_adam_attrs(%w: tensor<8x8xf32>, %g: tensor<16x8x8xf32>, %lr: tensor<16x16xf32>) {
  // expected-error @+1 {{rule 'adam' requires the 'beta2' attribute}}
  %0:3 = ttt.update adam %w, %g, %lr state(%w, %w) {beta1 = 0.9 : f64, epsilon = 1.0e-8 : f64}
      : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16x16xf32>, tensor<8x8xf32>, tensor<8x8xf32>)
      -> (tensor<16x8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>)
  return
}

// -----

func.func @update_sgd_beta(%w: tensor<8x8xf32>, %g: tensor<16x8x8xf32>, %lr: tensor<16x16xf32>) {
  // expected-error @+1 {{rule 'sgd' does not take the 'beta1' attribute}}
  %0 = ttt.update sgd %w, %g, %lr {beta1 = 0.9 : f64} : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16x16xf32>) -> tensor<16x8x8xf32>
  return
}

// -----

func.func @update_beta_range(%w: tensor<8x8xf32>, %g: tensor<16x8x8xf32>, %lr: tensor<16x16xf32>) {
  // expected-error @+1 {{beta1 and beta2 must lie in [0, 1)}}
  %0:2 = ttt.update momentum %w, %g, %lr state(%w) {beta1 = 1.5 : f64}
      : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16x16xf32>, tensor<8x8xf32>) -> (tensor<16x8x8xf32>, tensor<8x8xf32>)
  return
}

// -----

func.func @update_state_type(%w: tensor<8x8xf32>, %g: tensor<16x8x8xf32>, %lr: tensor<16x16xf32>, %m: tensor<8xf32>) {
  // expected-error @+1 {{optimizer state must have the weight's type 'tensor<8x8xf32>', got 'tensor<8xf32>'}}
  %0:2 = ttt.update momentum %w, %g, %lr state(%m) {beta1 = 0.9 : f64}
      : (tensor<8x8xf32>, tensor<16x8x8xf32>, tensor<16x16xf32>, tensor<8xf32>) -> (tensor<16x8x8xf32>, tensor<8xf32>)
  return
}

// -----

func.func @grad_result_count(%w0: tensor<8xf32>) {
  // expected-error @+1 {{has 2 results, expected one gradient per 'wrt' value (1)}}
  %0:2 = ttt.grad wrt(%w0 : tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  ^bb0(%w: tensor<8xf32>):
    %l = ttt.l2_loss %w, %w reduce sum : tensor<8xf32> -> tensor<f32>
    ttt.yield %l : tensor<f32>
  }
  return
}

// -----

func.func @grad_block_args(%w0: tensor<8xf32>) {
  // expected-error @+1 {{body argument #0 has type 'tensor<4xf32>', expected 'tensor<8xf32>'}}
  %0 = ttt.grad wrt(%w0 : tensor<8xf32>) -> (tensor<8xf32>) {
  ^bb0(%w: tensor<4xf32>):
    %l = ttt.l2_loss %w, %w reduce sum : tensor<4xf32> -> tensor<f32>
    ttt.yield %l : tensor<f32>
  }
  return
}

// -----

func.func @grad_loss_rank(%w0: tensor<4x8xf32>) {
  %0 = ttt.grad wrt(%w0 : tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  ^bb0(%w: tensor<4x8xf32>):
    // expected-error @+1 {{loss must be a float tensor of rank 0 (scalar) or 1 (per-example), got 'tensor<4x8xf32>'}}
    ttt.yield %w : tensor<4x8xf32>
  }
  return
}

// -----

func.func @grad_two_losses(%w0: tensor<8xf32>) {
  %0 = ttt.grad wrt(%w0 : tensor<8xf32>) -> (tensor<8xf32>) {
  ^bb0(%w: tensor<8xf32>):
    %l = ttt.l2_loss %w, %w reduce sum : tensor<8xf32> -> tensor<f32>
    // expected-error @+1 {{must yield exactly one loss, yields 2}}
    ttt.yield %l, %l : tensor<f32>, tensor<f32>
  }
  return
}

// -----

func.func @grad_per_example_type(%x: tensor<4x8xf32>, %w0: tensor<8xf32>) {
  // expected-error @+1 {{gradient #0 has type 'tensor<8xf32>', expected 'tensor<4x8xf32>' (per-example loss)}}
  %0 = ttt.grad wrt(%w0 : tensor<8xf32>) -> (tensor<8xf32>) {
  ^bb0(%w: tensor<8xf32>):
    %e = tensor.empty() : tensor<4x8xf32>
    %b = linalg.broadcast ins(%w : tensor<8xf32>) outs(%e : tensor<4x8xf32>) dimensions = [0]
    %l = ttt.l2_loss %b, %x : tensor<4x8xf32> -> tensor<4xf32>
    ttt.yield %l : tensor<4xf32>
  }
  return
}

// -----

func.func @grad_integer_wrt(%w0: tensor<8xi32>) {
  // expected-error @+1 {{operand #0 must be variadic of ranked tensor of floating-point values}}
  %0 = "ttt.grad"(%w0) ({
  ^bb0(%w: tensor<8xi32>):
    %c = arith.constant dense<0.0> : tensor<f32>
    "ttt.yield"(%c) : (tensor<f32>) -> ()
  }) : (tensor<8xi32>) -> tensor<8xi32>
  return
}

// -----

func.func @yield_outside(%x: tensor<f32>) {
  // expected-error @+1 {{expects parent op to be one of 'ttt.scan, ttt.grad'}}
  ttt.yield %x : tensor<f32>
}

// -----

func.func @scan_no_sequence(%w0: tensor<8xf32>) {
  // expected-error @+1 {{expects at least one 'over' sequence operand}}
  %0 = "ttt.scan"(%w0) <{chunk_size = 16 : i64, operandSegmentSizes = array<i32: 1, 0, 0>}> ({
  ^bb0(%w: tensor<8xf32>):
    ttt.yield %w : tensor<8xf32>
  }) : (tensor<8xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @scan_chunk_zero(%x: tensor<16x8xf32>) {
  // expected-error @+1 {{attribute 'chunk_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = ttt.scan chunk(0) over(%x : tensor<16x8xf32>) -> (tensor<16x8xf32>) {
  ^bb0(%xc: tensor<?x8xf32>):
    ttt.yield %xc : tensor<?x8xf32>
  }
  return
}

// -----

func.func @scan_seq_rank(%w0: tensor<2x8xf32>, %x: tensor<2xf32>) {
  // expected-error @+1 {{sequence #0 has rank 1, needs the batch dimensions and a sequence dimension (rank >= 2)}}
  %0:2 = ttt.scan chunk(4) batch(1) init(%w0 : tensor<2x8xf32>) over(%x : tensor<2xf32>) -> (tensor<2x8xf32>, tensor<2xf32>) {
  ^bb0(%w: tensor<8xf32>, %xc: tensor<?xf32>):
    ttt.yield %w, %xc : tensor<8xf32>, tensor<?xf32>
  }
  return
}

// -----

func.func @scan_batch_mismatch(%w0: tensor<3x8xf32>, %x: tensor<2x16x8xf32>) {
  // expected-error @+1 {{sequence #0 has batch dimension 0 of size 2, expected 3}}
  %0:2 = ttt.scan chunk(4) batch(1) init(%w0 : tensor<3x8xf32>) over(%x : tensor<2x16x8xf32>) -> (tensor<3x8xf32>, tensor<2x16x8xf32>) {
  ^bb0(%w: tensor<8xf32>, %xc: tensor<4x8xf32>):
    ttt.yield %w, %xc : tensor<8xf32>, tensor<4x8xf32>
  }
  return
}

// -----

func.func @scan_length_mismatch(%x: tensor<16x8xf32>, %y: tensor<12x8xf32>) {
  // expected-error @+1 {{sequence #1 has length 12, expected 16}}
  %0 = ttt.scan chunk(4) over(%x, %y : tensor<16x8xf32>, tensor<12x8xf32>) -> (tensor<16x8xf32>) {
  ^bb0(%xc: tensor<?x8xf32>, %yc: tensor<?x8xf32>):
    ttt.yield %xc : tensor<?x8xf32>
  }
  return
}

// -----

func.func @scan_state_result(%w0: tensor<8xf32>, %x: tensor<16x8xf32>) {
  // expected-error @+1 {{final state #0 has type 'tensor<4xf32>', expected the init type 'tensor<8xf32>'}}
  %0:2 = ttt.scan chunk(4) init(%w0 : tensor<8xf32>) over(%x : tensor<16x8xf32>) -> (tensor<4xf32>, tensor<16x8xf32>) {
  ^bb0(%w: tensor<8xf32>, %xc: tensor<?x8xf32>):
    ttt.yield %w, %xc : tensor<8xf32>, tensor<?x8xf32>
  }
  return
}

// -----

func.func @scan_arg_count(%w0: tensor<8xf32>, %x: tensor<16x8xf32>) {
  // expected-error @+1 {{body expects 2 arguments (state, params, then chunks), has 1}}
  %0:2 = ttt.scan chunk(4) init(%w0 : tensor<8xf32>) over(%x : tensor<16x8xf32>) -> (tensor<8xf32>, tensor<16x8xf32>) {
  ^bb0(%w: tensor<8xf32>):
    ttt.yield %w, %x : tensor<8xf32>, tensor<16x8xf32>
  }
  return
}

// -----

func.func @scan_state_arg(%w0: tensor<2x8xf32>, %x: tensor<2x16x8xf32>) {
  // expected-error @+1 {{body state argument #0 has type 'tensor<2x8xf32>', expected 'tensor<8xf32>'}}
  %0:2 = ttt.scan chunk(4) batch(1) init(%w0 : tensor<2x8xf32>) over(%x : tensor<2x16x8xf32>) -> (tensor<2x8xf32>, tensor<2x16x8xf32>) {
  ^bb0(%w: tensor<2x8xf32>, %xc: tensor<?x8xf32>):
    ttt.yield %w, %xc : tensor<2x8xf32>, tensor<?x8xf32>
  }
  return
}

// -----

func.func @scan_param_arg(%p: tensor<8xf32>, %x: tensor<16x8xf32>) {
  // expected-error @+1 {{body param argument #0 has type 'tensor<4xf32>', expected 'tensor<8xf32>'}}
  %0 = ttt.scan chunk(4) params(%p : tensor<8xf32>) over(%x : tensor<16x8xf32>) -> (tensor<16x8xf32>) {
  ^bb0(%pp: tensor<4xf32>, %xc: tensor<?x8xf32>):
    ttt.yield %xc : tensor<?x8xf32>
  }
  return
}

// -----

func.func @scan_chunk_dim(%x: tensor<16x8xf32>) {
  // expected-error @+1 {{body chunk argument #0 has chunk dimension 8, expected ? or the chunk size 4}}
  %0 = ttt.scan chunk(4) over(%x : tensor<16x8xf32>) -> (tensor<16x8xf32>) {
  ^bb0(%xc: tensor<8x8xf32>):
    ttt.yield %xc : tensor<8x8xf32>
  }
  return
}

// -----

func.func @scan_static_partial(%x: tensor<18x8xf32>) {
  // expected-error @+1 {{body chunk argument #0 has a static chunk dimension but the sequence length 18 is not a known multiple of 4; use ? for the chunk dimension}}
  %0 = ttt.scan chunk(4) over(%x : tensor<18x8xf32>) -> (tensor<18x8xf32>) {
  ^bb0(%xc: tensor<4x8xf32>):
    ttt.yield %xc : tensor<4x8xf32>
  }
  return
}

// -----

func.func @scan_chunk_slice_type(%x: tensor<16x8xf32>) {
  // expected-error @+1 {{body chunk argument #0 has type 'tensor<?x9xf32>', expected ?x'tensor<8xf32>' (the sequence's slice)}}
  %0 = ttt.scan chunk(4) over(%x : tensor<16x8xf32>) -> (tensor<16x8xf32>) {
  ^bb0(%xc: tensor<?x9xf32>):
    %e = tensor.empty() : tensor<4x8xf32>
    %c = tensor.cast %e : tensor<4x8xf32> to tensor<?x8xf32>
    ttt.yield %c : tensor<?x8xf32>
  }
  return
}

// -----

func.func @scan_yield_count(%w0: tensor<8xf32>, %x: tensor<16x8xf32>) {
  %0:2 = ttt.scan chunk(4) init(%w0 : tensor<8xf32>) over(%x : tensor<16x8xf32>) -> (tensor<8xf32>, tensor<16x8xf32>) {
  ^bb0(%w: tensor<8xf32>, %xc: tensor<?x8xf32>):
    // expected-error @+1 {{yields 1 values, the scan has 2 results (1 state, the rest outputs)}}
    ttt.yield %w : tensor<8xf32>
  }
  return
}

// -----

func.func @scan_yield_state(%w0: tensor<8xf32>, %x: tensor<16x8xf32>) {
  %0:2 = ttt.scan chunk(4) init(%w0 : tensor<8xf32>) over(%x : tensor<16x8xf32>) -> (tensor<8xf32>, tensor<16x8xf32>) {
  ^bb0(%w: tensor<8xf32>, %xc: tensor<?x8xf32>):
    // expected-error @+1 {{yields state #0 of type 'tensor<?x8xf32>', expected 'tensor<8xf32>'}}
    ttt.yield %xc, %xc : tensor<?x8xf32>, tensor<?x8xf32>
  }
  return
}

// -----

func.func @scan_output_chunk(%x: tensor<16x8xf32>, %w: tensor<8x8xf32>) {
  %0 = ttt.scan chunk(4) over(%x : tensor<16x8xf32>) -> (tensor<16x8xf32>) {
  ^bb0(%xc: tensor<?x8xf32>):
    // expected-error @+1 {{output #0 has leading dimension 8, expected the chunk dimension ?}}
    ttt.yield %w : tensor<8x8xf32>
  }
  return
}

// -----

func.func @scan_output_result(%x: tensor<16x8xf32>) {
  // expected-error @+1 {{result #0 has type 'tensor<16x4xf32>', expected 'tensor<16x8xf32>' (outputs over the sequence)}}
  %0 = ttt.scan chunk(4) over(%x : tensor<16x8xf32>) -> (tensor<16x4xf32>) {
  ^bb0(%xc: tensor<?x8xf32>):
    ttt.yield %xc : tensor<?x8xf32>
  }
  return
}

// -----

func.func @scan_bad_terminator(%x: tensor<16x8xf32>) {
  // expected-error @+1 {{body must end with 'ttt.yield'}}
  %0 = "ttt.scan"(%x) <{chunk_size = 4 : i64, operandSegmentSizes = array<i32: 0, 0, 1>}> ({
  ^bb0(%xc: tensor<?x8xf32>):
    "llvm.unreachable"() : () -> ()
  }) : (tensor<16x8xf32>) -> tensor<16x8xf32>
  return
}
