//===- TTTOps.td - TTT dialect operations ------------------*- tablegen -*-===//

#ifndef TTT_OPS_TD
#define TTT_OPS_TD

include "ttt/Dialect/TTT/IR/TTTDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class TTT_Op<string mnemonic, list<Trait> traits = []>
    : Op<TTT_Dialect, mnemonic, traits>;

def TTT_FloatTensor : RankedTensorOf<[AnyFloat]>;

//===----------------------------------------------------------------------===//
// Structure: scan, grad, yield
//===----------------------------------------------------------------------===//

def TTT_ScanOp : TTT_Op<"scan", [AttrSizedOperandSegments, RecursiveMemoryEffects]> {
  let summary = "scans a sequence in mini-batches, carrying fast weights";
  let description = [{
    Runs its body once per mini-batch (chunk) of `chunk_size` positions along
    the sequence dimension, carrying the state values (the fast weights)
    from one chunk to the next.

    The first `batch_rank` dimensions of every operand are independent batch
    dimensions (for example batch and head): the body describes one chain and
    sees its operands with those dimensions dropped. The next dimension of
    each `over` operand is the sequence dimension, of the same length `T` for
    all of them.

    Body arguments: one per `init` value (the state at the start of the
    chunk), then one per `params` value (a per-chain constant, such as the
    layer-norm weights of the chain's head), then one per `over` value (its
    slice for the chunk). The chunk
    dimension of a slice is `?`, or `chunk_size` when `T` is static and a
    multiple of it; with `?` the last chunk may be partial (`T mod chunk_size`
    positions). The body yields the new state, then any number of per-chunk
    outputs whose leading dimension is the chunk dimension.

    Results: the final state, then each output concatenated over the chunks
    (`batch dims x T x ...`).

    ```mlir
    %W1, %y = ttt.scan chunk(16) batch(1)
        init(%W0 : tensor<4x8x8xf32>) over(%k : tensor<4x40x8xf32>)
        -> (tensor<4x8x8xf32>, tensor<4x40x8xf32>) {
    ^bb0(%W: tensor<8x8xf32>, %kc: tensor<?x8xf32>):
      ...
      ttt.yield %Wn, %yc : tensor<8x8xf32>, tensor<?x8xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inits,
                       Variadic<AnyRankedTensor>:$params,
                       Variadic<AnyRankedTensor>:$sequences,
                       ConfinedAttr<I64Attr, [IntPositive]>:$chunk_size,
                       DefaultValuedAttr<ConfinedAttr<I64Attr, [IntNonNegative]>, "0">:$batch_rank);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `chunk` `(` $chunk_size `)` (`batch` `(` $batch_rank^ `)`)?
    (`init` `(` $inits^ `:` type($inits) `)`)?
    (`params` `(` $params^ `:` type($params) `)`)?
    `over` `(` $sequences `:` type($sequences) `)`
    `->` `(` type($results) `)` $body attr-dict-with-keyword
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// Number of per-chunk outputs the body yields after the state.
    unsigned getNumOutputs() { return getNumResults() - getInits().size(); }
    ::mlir::ValueRange getFinalStates() {
      return getResults().take_front(getInits().size());
    }
    ::mlir::ValueRange getOutputs() {
      return getResults().drop_front(getInits().size());
    }
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
    ::mlir::Block::BlockArgListType getStateArgs() {
      return getBodyBlock().getArguments().take_front(getInits().size());
    }
    ::mlir::Block::BlockArgListType getParamArgs() {
      return getBodyBlock().getArguments().slice(getInits().size(),
                                                 getParams().size());
    }
    ::mlir::Block::BlockArgListType getChunkArgs() {
      return getBodyBlock().getArguments().drop_front(getInits().size() +
                                                      getParams().size());
    }
  }];
}

def TTT_GradOp : TTT_Op<"grad", [RecursiveMemoryEffects]> {
  let summary = "gradient of an inner loss with respect to chosen values";
  let description = [{
    Stands for the gradient of the loss its body computes with respect to the
    `wrt` values, left abstract until `ttt-autodiff` expands it into explicit
    reverse-mode IR. The body receives one argument per `wrt` value (bound to
    that value) and may use any value defined above it, which the gradient
    treats as constant.

    The body yields the loss: a scalar `tensor<f>` gives results of the same
    types as the `wrt` values; a vector `tensor<N x f>` of per-example losses
    gives per-example gradients, each result `N x (type of wrt)`, which is
    what the mini-batch update `ttt.update` consumes.

    ```mlir
    %gW = ttt.grad wrt(%W : tensor<8x8xf32>) -> (tensor<16x8x8xf32>) {
    ^bb0(%w: tensor<8x8xf32>):
      ...
      ttt.yield %losses : tensor<16xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<TTT_FloatTensor>:$wrt);
  let results = (outs Variadic<TTT_FloatTensor>:$grads);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `wrt` `(` $wrt `:` type($wrt) `)` `->` `(` type($grads) `)` $body
    attr-dict-with-keyword
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
    /// The loss value yielded by the body.
    ::mlir::Value getLoss();
    /// True when the body yields per-example losses.
    bool isPerExample();
  }];
}

def TTT_YieldOp : TTT_Op<"yield", [Pure, ReturnLike, Terminator,
                                  ParentOneOf<["ScanOp", "GradOp"]>]> {
  let summary = "terminates a scan or grad body";
  let description = [{
    In `ttt.scan`: the new state, then the per-chunk outputs. In `ttt.grad`:
    the loss.
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

//===----------------------------------------------------------------------===//
// Update rules
//===----------------------------------------------------------------------===//

def TTT_UpdateOp : TTT_Op<"update", [Pure]> {
  let summary = "mini-batch update of a fast weight, one weight per position";
  let description = [{
    Given the weight `W` at the start of a mini-batch, the per-example
    gradients `G[s]` (all taken at `W`) and the learning-rate matrix
    `lr[r, s]`, returns the weight every position `r` of the mini-batch sees:

    `sgd`: `W_r = W - sum_{s <= r} lr[r, s] * G[s]`

    Only the causal part (`s <= r`) of `lr` is read. The official TTT form
    uses `lr[r, s] = tau_r * alpha_s` (an outer product); the per-token form
    uses `lr[r, s] = e_r` (a broadcast row). The state for the next
    mini-batch is the last position's weight.

    `momentum` and `adam` carry optimizer state (`1` and `2` tensors of the
    weight's shape, `beta1`/`beta2`/`epsilon` attributes) and apply the
    mini-batch's summed, `lr`-weighted gradient at its end; the verifier
    accepts them so graphs can be written, the lowering does not implement
    them yet.
  }];
  let arguments = (ins TTT_UpdateRuleAttr:$rule, TTT_FloatTensor:$weight,
                       TTT_FloatTensor:$grads, TTT_FloatTensor:$lr,
                       Variadic<TTT_FloatTensor>:$opt_state,
                       OptionalAttr<F64Attr>:$beta1,
                       OptionalAttr<F64Attr>:$beta2,
                       OptionalAttr<F64Attr>:$epsilon);
  let results = (outs TTT_FloatTensor:$per_position,
                      Variadic<TTT_FloatTensor>:$new_opt_state);
  let assemblyFormat = [{
    $rule $weight `,` $grads `,` $lr (`state` `(` $opt_state^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Inner-model ops
//===----------------------------------------------------------------------===//

def TTT_LayerNormOp : TTT_Op<"layer_norm", [Pure,
    AllTypesMatch<["input", "result"]>,
    AllElementTypesMatch<["input", "gamma", "beta"]>]> {
  let summary = "layer normalization over the last dimension";
  let description = [{
    `y = (x - mean(x)) / sqrt(var(x) + epsilon) * gamma + beta`, with the
    mean and the biased variance taken over the last dimension of `x`;
    `gamma` and `beta` have that dimension's size.
  }];
  let arguments = (ins TTT_FloatTensor:$input, TTT_FloatTensor:$gamma,
                       TTT_FloatTensor:$beta,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$epsilon);
  let results = (outs TTT_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` type($input) `,` type($gamma)
    `,` type($beta)
  }];
  let hasVerifier = 1;
}

class TTT_UnaryElementwiseOp<string mnemonic, string summaryText,
                             string formula>
    : TTT_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = summaryText;
  let description = "Elementwise: `" # formula # "`.";
  let arguments = (ins TTT_FloatTensor:$input);
  let results = (outs TTT_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def TTT_GeluTanhOp : TTT_UnaryElementwiseOp<"gelu_tanh",
    "GELU, tanh approximation",
    "0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))">;

def TTT_SiluOp : TTT_UnaryElementwiseOp<"silu", "SiLU (swish)",
    "x / (1 + exp(-x))">;

def TTT_L2LossOp : TTT_Op<"l2_loss", [Pure,
    AllTypesMatch<["prediction", "target"]>]> {
  let summary = "half squared L2 reconstruction loss per row";
  let description = [{
    `l = 1/2 * sum_j (prediction[..., j] - target[..., j])^2` over the last
    dimension. With `reduction = none` the result keeps the leading
    dimensions (one loss per row); with `sum` it is the scalar sum of the
    rows.
  }];
  let arguments = (ins TTT_FloatTensor:$prediction, TTT_FloatTensor:$target,
                       DefaultValuedAttr<TTT_ReductionAttr,
                                         "::mlir::ttt::Reduction::none">:$reduction);
  let results = (outs TTT_FloatTensor:$result);
  let assemblyFormat = [{
    $prediction `,` $target (`reduce` $reduction^)? attr-dict `:`
    type($prediction) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // TTT_OPS_TD
