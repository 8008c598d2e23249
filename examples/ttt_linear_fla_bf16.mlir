// TTT-Linear inner loop, per-token learning rate (flash-linear-attention
// form of ../shared/DESIGN.md): eta[r, s] = e_r, q already scaled, output
// o_r = y_r + LN(y_r) with y_r = q_r W_r + b_r.
//
// Fast mode: q, k, v and the output o in bf16 (half the bytes), widened to
// f32 for every computation; the state (W, b) and eta stay f32. Compile
// with --gpu-mma tf32 for the fast numeric mode (fp32 accumulate).
//
// Shapes: B sequences and H heads (dynamic: any B, H), T tokens (dynamic), D = 64,
// mini-batch BT = 16. The scan's first two dimensions (B, H) are
// independent chains.

#id = affine_map<(i, j) -> (i, j)>

func.func @ttt_linear_fla_bf16(
    %q: tensor<?x?x?x64xbf16> {ttt.name = "q"}, %k: tensor<?x?x?x64xbf16> {ttt.name = "k"},
    %v: tensor<?x?x?x64xbf16> {ttt.name = "v"}, %e: tensor<?x?x?xf32> {ttt.name = "e"},
    %W0: tensor<?x?x64x64xf32> {ttt.name = "W0"}, %b0: tensor<?x?x64xf32> {ttt.name = "b0"},
    %ln_w: tensor<?x?x64xf32> {ttt.name = "ln_w"}, %ln_b: tensor<?x?x64xf32> {ttt.name = "ln_b"})
    -> (tensor<?x?x?x64xbf16> {ttt.name = "o"}, tensor<?x?x64x64xf32> {ttt.name = "W"}, tensor<?x?x64xf32> {ttt.name = "b"}) {
  %W, %b, %o = ttt.scan chunk(16) batch(2)
      init(%W0, %b0 : tensor<?x?x64x64xf32>, tensor<?x?x64xf32>)
      params(%ln_w, %ln_b : tensor<?x?x64xf32>, tensor<?x?x64xf32>)
      over(%q, %k, %v, %e : tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>,
                            tensor<?x?x?x64xbf16>, tensor<?x?x?xf32>)
      -> (tensor<?x?x64x64xf32>, tensor<?x?x64xf32>, tensor<?x?x?x64xbf16>) {
  ^bb0(%Wi: tensor<64x64xf32>, %bi: tensor<64xf32>,
       %gamma: tensor<64xf32>, %beta: tensor<64xf32>,
       %qh: tensor<?x64xbf16>, %kh: tensor<?x64xbf16>, %vh: tensor<?x64xbf16>,
       %ec: tensor<?xf32>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %zero = arith.constant 0.0 : f32
    %n = tensor.dim %kh, %c0 : tensor<?x64xbf16>
    %rows = tensor.empty(%n) : tensor<?x64xf32>
    // The mini-batch widened to f32.
    %qc = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%qh : tensor<?x64xbf16>) outs(%rows : tensor<?x64xf32>) {
    ^bb0(%x: bf16, %o: f32):
      %w = arith.extf %x : bf16 to f32
      linalg.yield %w : f32
    } -> tensor<?x64xf32>
    %kc = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%kh : tensor<?x64xbf16>) outs(%rows : tensor<?x64xf32>) {
    ^bb0(%x: bf16, %o: f32):
      %w = arith.extf %x : bf16 to f32
      linalg.yield %w : f32
    } -> tensor<?x64xf32>
    %vc = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%vh : tensor<?x64xbf16>) outs(%rows : tensor<?x64xf32>) {
    ^bb0(%x: bf16, %o: f32):
      %w = arith.extf %x : bf16 to f32
      linalg.yield %w : f32
    } -> tensor<?x64xf32>
    %rows0 = linalg.fill ins(%zero : f32) outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>

    // Reconstruction target of the inner loss.
    %target = linalg.sub ins(%vc, %kc : tensor<?x64xf32>, tensor<?x64xf32>)
                         outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>

    // Per-token gradients of l_s = 1/2 ||LN(k_s W + b) - (v_s - k_s)||^2,
    // all taken at the mini-batch's starting weights.
    %gW, %gb = ttt.grad wrt(%Wi, %bi : tensor<64x64xf32>, tensor<64xf32>)
        -> (tensor<?x64x64xf32>, tensor<?x64xf32>) {
    ^bb0(%w: tensor<64x64xf32>, %bb: tensor<64xf32>):
      %xw = linalg.matmul ins(%kc, %w : tensor<?x64xf32>, tensor<64x64xf32>)
                          outs(%rows0 : tensor<?x64xf32>) -> tensor<?x64xf32>
      %bias = linalg.broadcast ins(%bb : tensor<64xf32>)
                               outs(%rows : tensor<?x64xf32>) dimensions = [0]
      %z = linalg.add ins(%xw, %bias : tensor<?x64xf32>, tensor<?x64xf32>)
                      outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>
      %f = ttt.layer_norm %z, %gamma, %beta {epsilon = 1.0e-06 : f64}
          : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>
      %l = ttt.l2_loss %f, %target : tensor<?x64xf32> -> tensor<?xf32>
      ttt.yield %l : tensor<?xf32>
    }

    // eta[r, s] = e_r.
    %sq = tensor.empty(%n, %n) : tensor<?x?xf32>
    %eta = linalg.broadcast ins(%ec : tensor<?xf32>)
                            outs(%sq : tensor<?x?xf32>) dimensions = [1]
    %Wr = ttt.update sgd %Wi, %gW, %eta
        : (tensor<64x64xf32>, tensor<?x64x64xf32>, tensor<?x?xf32>) -> tensor<?x64x64xf32>
    %br = ttt.update sgd %bi, %gb, %eta
        : (tensor<64xf32>, tensor<?x64xf32>, tensor<?x?xf32>) -> tensor<?x64xf32>

    // y_r = q_r W_r + b_r, o_r = y_r + LN(y_r).
    %qW = linalg.batch_vecmat ins(%qc, %Wr : tensor<?x64xf32>, tensor<?x64x64xf32>)
                              outs(%rows0 : tensor<?x64xf32>) -> tensor<?x64xf32>
    %y = linalg.add ins(%qW, %br : tensor<?x64xf32>, tensor<?x64xf32>)
                    outs(%rows : tensor<?x64xf32>) -> tensor<?x64xf32>
    %lny = ttt.layer_norm %y, %gamma, %beta {epsilon = 1.0e-06 : f64}
        : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>
    %rowsh = tensor.empty(%n) : tensor<?x64xbf16>
    %o = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%y, %lny : tensor<?x64xf32>, tensor<?x64xf32>) outs(%rowsh : tensor<?x64xbf16>) {
    ^bb0(%a: f32, %b: f32, %o: bf16):
      %s = arith.addf %a, %b : f32
      %h = arith.truncf %s : f32 to bf16
      linalg.yield %h : bf16
    } -> tensor<?x64xbf16>

    // The next mini-batch starts from the last position's weights.
    %last = arith.subi %n, %c1 : index
    %Wn = tensor.extract_slice %Wr[%last, 0, 0] [1, 64, 64] [1, 1, 1]
        : tensor<?x64x64xf32> to tensor<64x64xf32>
    %bn = tensor.extract_slice %br[%last, 0] [1, 64] [1, 1]
        : tensor<?x64xf32> to tensor<64xf32>
    ttt.yield %Wn, %bn, %o : tensor<64x64xf32>, tensor<64xf32>, tensor<?x64xbf16>
  }
  return %o, %W, %b : tensor<?x?x?x64xbf16>, tensor<?x?x64x64xf32>, tensor<?x?x64xf32>
}
