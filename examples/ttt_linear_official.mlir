// TTT-Linear inner loop, official form (ttt-lm-pytorch / ttt-lm-jax) of
// ../shared/DESIGN.md: eta[r, s] = tau_r * alpha_s with
// tau_r = max(0, 1/r + learnable_token_idx[r]) and alpha_s the per-token
// learning rate (base_lr * sigmoid(x_s . theta + bias) / D, computed by the
// layer); output z_r = q_r + LN(y_r) with y_r = q_r W_r + b_r.
//
// Shapes: B sequences and H heads (dynamic: any B, H), T tokens (dynamic), D = 64, mini-batch BT = 16.

#token_map = affine_map<(r) -> (r)>
#outer_r = affine_map<(r, s) -> (r)>
#outer_s = affine_map<(r, s) -> (s)>
#outer_rs = affine_map<(r, s) -> (r, s)>

func.func @ttt_linear_official(
    %q: tensor<?x?x?x64xf32> {ttt.name = "q"}, %k: tensor<?x?x?x64xf32> {ttt.name = "k"},
    %v: tensor<?x?x?x64xf32> {ttt.name = "v"}, %alpha: tensor<?x?x?xf32> {ttt.name = "alpha"},
    %W0: tensor<?x?x64x64xf32> {ttt.name = "W0"}, %b0: tensor<?x?x64xf32> {ttt.name = "b0"},
    %ln_w: tensor<?x?x64xf32> {ttt.name = "ln_w"}, %ln_b: tensor<?x?x64xf32> {ttt.name = "ln_b"},
    %token_idx: tensor<16xf32> {ttt.name = "token_idx"})
    -> (tensor<?x?x?x64xf32> {ttt.name = "z"}, tensor<?x?x64x64xf32> {ttt.name = "W"}, tensor<?x?x64xf32> {ttt.name = "b"}) {
  // tau_r = max(0, 1/r + learnable_token_idx[r]), r = 1..16.
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %tau_init = tensor.empty() : tensor<16xf32>
  %tau = linalg.generic {indexing_maps = [#token_map, #token_map],
                         iterator_types = ["parallel"]}
      ins(%token_idx : tensor<16xf32>) outs(%tau_init : tensor<16xf32>) {
  ^bb0(%learned: f32, %out: f32):
    %i = linalg.index 0 : index
    %i64 = arith.index_cast %i : index to i64
    %if = arith.sitofp %i64 : i64 to f32
    %r = arith.addf %if, %one : f32
    %inv = arith.divf %one, %r : f32
    %t = arith.addf %inv, %learned : f32
    %clamped = arith.maximumf %t, %zero : f32
    linalg.yield %clamped : f32
  } -> tensor<16xf32>
  %dim0 = arith.constant 0 : index
  %dim1 = arith.constant 1 : index
  %batch = tensor.dim %q, %dim0 : tensor<?x?x?x64xf32>
  %heads = tensor.dim %q, %dim1 : tensor<?x?x?x64xf32>
  %tau_bh_init = tensor.empty(%batch, %heads) : tensor<?x?x16xf32>
  %tau_bh = linalg.broadcast ins(%tau : tensor<16xf32>)
                             outs(%tau_bh_init : tensor<?x?x16xf32>) dimensions = [0, 1]

  %W, %b, %z = ttt.scan chunk(16) batch(2)
      init(%W0, %b0 : tensor<?x?x64x64xf32>, tensor<?x?x64xf32>)
      params(%ln_w, %ln_b, %tau_bh : tensor<?x?x64xf32>, tensor<?x?x64xf32>,
                                     tensor<?x?x16xf32>)
      over(%q, %k, %v, %alpha : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>,
                                tensor<?x?x?x64xf32>, tensor<?x?x?xf32>)
      -> (tensor<?x?x64x64xf32>, tensor<?x?x64xf32>, tensor<?x?x?x64xf32>) {
  ^bb0(%Wi: tensor<64x64xf32>, %bi: tensor<64xf32>,
       %gamma: tensor<64xf32>, %beta: tensor<64xf32>, %tau_all: tensor<16xf32>,
       %qc: tensor<?x64xf32>, %kc: tensor<?x64xf32>, %vc: tensor<?x64xf32>,
       %ac: tensor<?xf32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %f0 = arith.constant 0.0 : f32
    %n = tensor.dim %kc, %c0 : tensor<?x64xf32>
    %rows = tensor.empty(%n) : tensor<?x64xf32>
    %rows0 = linalg.fill ins(%f0 : f32) outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>
    %target = linalg.sub ins(%vc, %kc : tensor<?x64xf32>, tensor<?x64xf32>)
                         outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>

    %gW, %gb = ttt.grad wrt(%Wi, %bi : tensor<64x64xf32>, tensor<64xf32>)
        -> (tensor<?x64x64xf32>, tensor<?x64xf32>) {
    ^bb0(%w: tensor<64x64xf32>, %bb: tensor<64xf32>):
      %xw = linalg.matmul ins(%kc, %w : tensor<?x64xf32>, tensor<64x64xf32>)
                          outs(%rows0 : tensor<?x64xf32>) -> tensor<?x64xf32>
      %bias = linalg.broadcast ins(%bb : tensor<64xf32>)
                               outs(%rows : tensor<?x64xf32>) dimensions = [0]
      %zz = linalg.add ins(%xw, %bias : tensor<?x64xf32>, tensor<?x64xf32>)
                       outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>
      %f = ttt.layer_norm %zz, %gamma, %beta {epsilon = 1.0e-06 : f64}
          : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>
      %l = ttt.l2_loss %f, %target : tensor<?x64xf32> -> tensor<?xf32>
      ttt.yield %l : tensor<?xf32>
    }

    // eta[r, s] = tau_r * alpha_s over the chunk's n positions.
    %tau_c = tensor.extract_slice %tau_all[0] [%n] [1] : tensor<16xf32> to tensor<?xf32>
    %sq = tensor.empty(%n, %n) : tensor<?x?xf32>
    %eta = linalg.generic {indexing_maps = [#outer_r, #outer_s, #outer_rs],
                           iterator_types = ["parallel", "parallel"]}
        ins(%tau_c, %ac : tensor<?xf32>, tensor<?xf32>) outs(%sq : tensor<?x?xf32>) {
    ^bb0(%t: f32, %a: f32, %out: f32):
      %p = arith.mulf %t, %a : f32
      linalg.yield %p : f32
    } -> tensor<?x?xf32>
    %Wr = ttt.update sgd %Wi, %gW, %eta
        : (tensor<64x64xf32>, tensor<?x64x64xf32>, tensor<?x?xf32>) -> tensor<?x64x64xf32>
    %br = ttt.update sgd %bi, %gb, %eta
        : (tensor<64xf32>, tensor<?x64xf32>, tensor<?x?xf32>) -> tensor<?x64xf32>

    // z_r = q_r + LN(q_r W_r + b_r).
    %qW = linalg.batch_vecmat ins(%qc, %Wr : tensor<?x64xf32>, tensor<?x64x64xf32>)
                              outs(%rows0 : tensor<?x64xf32>) -> tensor<?x64xf32>
    %y = linalg.add ins(%qW, %br : tensor<?x64xf32>, tensor<?x64xf32>)
                    outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>
    %lny = ttt.layer_norm %y, %gamma, %beta {epsilon = 1.0e-06 : f64}
        : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>
    %zc = linalg.add ins(%qc, %lny : tensor<?x64xf32>, tensor<?x64xf32>)
                     outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>

    %last = arith.subi %n, %c1 : index
    %Wn = tensor.extract_slice %Wr[%last, 0, 0] [1, 64, 64] [1, 1, 1]
        : tensor<?x64x64xf32> to tensor<64x64xf32>
    %bn = tensor.extract_slice %br[%last, 0] [1, 64] [1, 1]
        : tensor<?x64xf32> to tensor<64xf32>
    ttt.yield %Wn, %bn, %zc : tensor<64x64xf32>, tensor<64xf32>, tensor<?x64xf32>
  }
  return %z, %W, %b : tensor<?x?x?x64xf32>, tensor<?x?x64x64xf32>, tensor<?x?x64xf32>
}
