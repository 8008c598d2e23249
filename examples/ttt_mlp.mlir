// TTT-MLP inner loop, official form of ../shared/DESIGN.md:
// f(x) = LN(GELU_tanh(x W1 + b1) W2 + b2) with hidden size 4D; both layers
// take their per-token gradients at the mini-batch's starting weights and
// are updated with eta[r, s] = tau_r * alpha_s; output z_r = q_r + f_r(q_r).
//
// Shapes: B sequences and H heads (dynamic: any B, H), T tokens (dynamic), D = 64, hidden 256, BT = 16.
// The token scale tau (max(0, 1/r + learnable_token_idx[r])) is computed by
// the layer, as in ttt_linear_official.mlir, and passed per head.

#outer_r = affine_map<(r, s) -> (r)>
#outer_s = affine_map<(r, s) -> (s)>
#outer_rs = affine_map<(r, s) -> (r, s)>

func.func @ttt_mlp(
    %q: tensor<?x?x?x64xf32> {ttt.name = "q"}, %k: tensor<?x?x?x64xf32> {ttt.name = "k"},
    %v: tensor<?x?x?x64xf32> {ttt.name = "v"}, %alpha: tensor<?x?x?xf32> {ttt.name = "alpha"},
    %W1_0: tensor<?x?x64x256xf32> {ttt.name = "W1_0"}, %b1_0: tensor<?x?x256xf32> {ttt.name = "b1_0"},
    %W2_0: tensor<?x?x256x64xf32> {ttt.name = "W2_0"}, %b2_0: tensor<?x?x64xf32> {ttt.name = "b2_0"},
    %ln_w: tensor<?x?x64xf32> {ttt.name = "ln_w"}, %ln_b: tensor<?x?x64xf32> {ttt.name = "ln_b"},
    %tau: tensor<?x?x16xf32> {ttt.name = "tau"})
    -> (tensor<?x?x?x64xf32> {ttt.name = "z"}, tensor<?x?x64x256xf32> {ttt.name = "W1"}, tensor<?x?x256xf32> {ttt.name = "b1"}, tensor<?x?x256x64xf32> {ttt.name = "W2"}, tensor<?x?x64xf32> {ttt.name = "b2"}) {
  %W1, %b1, %W2, %b2, %z = ttt.scan chunk(16) batch(2)
      init(%W1_0, %b1_0, %W2_0, %b2_0
           : tensor<?x?x64x256xf32>, tensor<?x?x256xf32>,
             tensor<?x?x256x64xf32>, tensor<?x?x64xf32>)
      params(%ln_w, %ln_b, %tau : tensor<?x?x64xf32>, tensor<?x?x64xf32>,
                                  tensor<?x?x16xf32>)
      over(%q, %k, %v, %alpha : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>,
                                tensor<?x?x?x64xf32>, tensor<?x?x?xf32>)
      -> (tensor<?x?x64x256xf32>, tensor<?x?x256xf32>, tensor<?x?x256x64xf32>,
          tensor<?x?x64xf32>, tensor<?x?x?x64xf32>) {
  ^bb0(%W1i: tensor<64x256xf32>, %b1i: tensor<256xf32>,
       %W2i: tensor<256x64xf32>, %b2i: tensor<64xf32>,
       %gamma: tensor<64xf32>, %beta: tensor<64xf32>, %tau_all: tensor<16xf32>,
       %qc: tensor<?x64xf32>, %kc: tensor<?x64xf32>, %vc: tensor<?x64xf32>,
       %ac: tensor<?xf32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %f0 = arith.constant 0.0 : f32
    %n = tensor.dim %kc, %c0 : tensor<?x64xf32>
    %rows = tensor.empty(%n) : tensor<?x64xf32>
    %rows0 = linalg.fill ins(%f0 : f32) outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>
    %hid = tensor.empty(%n) : tensor<?x256xf32>
    %hid0 = linalg.fill ins(%f0 : f32) outs(%hid : tensor<?x256xf32>) -> tensor<?x256xf32>
    %target = linalg.sub ins(%vc, %kc : tensor<?x64xf32>, tensor<?x64xf32>)
                         outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>

    %gW1, %gb1, %gW2, %gb2 = ttt.grad
        wrt(%W1i, %b1i, %W2i, %b2i : tensor<64x256xf32>, tensor<256xf32>,
                                     tensor<256x64xf32>, tensor<64xf32>)
        -> (tensor<?x64x256xf32>, tensor<?x256xf32>, tensor<?x256x64xf32>,
            tensor<?x64xf32>) {
    ^bb0(%w1: tensor<64x256xf32>, %c1b: tensor<256xf32>,
         %w2: tensor<256x64xf32>, %c2b: tensor<64xf32>):
      %xw1 = linalg.matmul ins(%kc, %w1 : tensor<?x64xf32>, tensor<64x256xf32>)
                           outs(%hid0 : tensor<?x256xf32>) -> tensor<?x256xf32>
      %bias1 = linalg.broadcast ins(%c1b : tensor<256xf32>)
                                outs(%hid : tensor<?x256xf32>) dimensions = [0]
      %z1 = linalg.add ins(%xw1, %bias1 : tensor<?x256xf32>, tensor<?x256xf32>)
                       outs(%hid : tensor<?x256xf32>) -> tensor<?x256xf32>
      %h = ttt.gelu_tanh %z1 : tensor<?x256xf32>
      %hw2 = linalg.matmul ins(%h, %w2 : tensor<?x256xf32>, tensor<256x64xf32>)
                           outs(%rows0 : tensor<?x64xf32>) -> tensor<?x64xf32>
      %bias2 = linalg.broadcast ins(%c2b : tensor<64xf32>)
                                outs(%rows : tensor<?x64xf32>) dimensions = [0]
      %z2 = linalg.add ins(%hw2, %bias2 : tensor<?x64xf32>, tensor<?x64xf32>)
                       outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>
      %f = ttt.layer_norm %z2, %gamma, %beta {epsilon = 1.0e-06 : f64}
          : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>
      %l = ttt.l2_loss %f, %target : tensor<?x64xf32> -> tensor<?xf32>
      ttt.yield %l : tensor<?xf32>
    }

    %tau_c = tensor.extract_slice %tau_all[0] [%n] [1] : tensor<16xf32> to tensor<?xf32>
    %sq = tensor.empty(%n, %n) : tensor<?x?xf32>
    %eta = linalg.generic {indexing_maps = [#outer_r, #outer_s, #outer_rs],
                           iterator_types = ["parallel", "parallel"]}
        ins(%tau_c, %ac : tensor<?xf32>, tensor<?xf32>) outs(%sq : tensor<?x?xf32>) {
    ^bb0(%t: f32, %a: f32, %out: f32):
      %p = arith.mulf %t, %a : f32
      linalg.yield %p : f32
    } -> tensor<?x?xf32>
    %W1r = ttt.update sgd %W1i, %gW1, %eta
        : (tensor<64x256xf32>, tensor<?x64x256xf32>, tensor<?x?xf32>) -> tensor<?x64x256xf32>
    %b1r = ttt.update sgd %b1i, %gb1, %eta
        : (tensor<256xf32>, tensor<?x256xf32>, tensor<?x?xf32>) -> tensor<?x256xf32>
    %W2r = ttt.update sgd %W2i, %gW2, %eta
        : (tensor<256x64xf32>, tensor<?x256x64xf32>, tensor<?x?xf32>) -> tensor<?x256x64xf32>
    %b2r = ttt.update sgd %b2i, %gb2, %eta
        : (tensor<64xf32>, tensor<?x64xf32>, tensor<?x?xf32>) -> tensor<?x64xf32>

    // z_r = q_r + LN(GELU(q_r W1_r + b1_r) W2_r + b2_r).
    %qW1 = linalg.batch_vecmat ins(%qc, %W1r : tensor<?x64xf32>, tensor<?x64x256xf32>)
                               outs(%hid0 : tensor<?x256xf32>) -> tensor<?x256xf32>
    %y1 = linalg.add ins(%qW1, %b1r : tensor<?x256xf32>, tensor<?x256xf32>)
                     outs(%hid : tensor<?x256xf32>) -> tensor<?x256xf32>
    %hq = ttt.gelu_tanh %y1 : tensor<?x256xf32>
    %hW2 = linalg.batch_vecmat ins(%hq, %W2r : tensor<?x256xf32>, tensor<?x256x64xf32>)
                               outs(%rows0 : tensor<?x64xf32>) -> tensor<?x64xf32>
    %y2 = linalg.add ins(%hW2, %b2r : tensor<?x64xf32>, tensor<?x64xf32>)
                     outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>
    %lny = ttt.layer_norm %y2, %gamma, %beta {epsilon = 1.0e-06 : f64}
        : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>
    %zc = linalg.add ins(%qc, %lny : tensor<?x64xf32>, tensor<?x64xf32>)
                     outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>

    %last = arith.subi %n, %c1 : index
    %W1n = tensor.extract_slice %W1r[%last, 0, 0] [1, 64, 256] [1, 1, 1]
        : tensor<?x64x256xf32> to tensor<64x256xf32>
    %b1n = tensor.extract_slice %b1r[%last, 0] [1, 256] [1, 1]
        : tensor<?x256xf32> to tensor<256xf32>
    %W2n = tensor.extract_slice %W2r[%last, 0, 0] [1, 256, 64] [1, 1, 1]
        : tensor<?x256x64xf32> to tensor<256x64xf32>
    %b2n = tensor.extract_slice %b2r[%last, 0] [1, 64] [1, 1]
        : tensor<?x64xf32> to tensor<64xf32>
    ttt.yield %W1n, %b1n, %W2n, %b2n, %zc
        : tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<64xf32>,
          tensor<?x64xf32>
  }
  return %z, %W1, %b1, %W2, %b2 : tensor<?x?x?x64xf32>, tensor<?x?x64x256xf32>,
      tensor<?x?x256xf32>, tensor<?x?x256x64xf32>, tensor<?x?x64xf32>
}
