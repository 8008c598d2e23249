//===- Passes.td - TTT conversion passes -------------------*- tablegen -*-===//

#ifndef TTT_CONVERSION_PASSES_TD
#define TTT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertTTTToLinalg : Pass<"convert-ttt-to-linalg"> {
  let summary = "Lower the TTT inner-model and update ops to linalg on tensors";
  let description = [{
    Rewrites `ttt.layer_norm`, `ttt.gelu_tanh`, `ttt.silu`, `ttt.l2_loss` and
    `ttt.update sgd` into `linalg.generic` ops on tensors (with `arith` and
    `math` bodies), ready for fusion, bufferization and either backend.
    `ttt.scan` and `ttt.grad` are left for `ttt-autodiff` and the scheduling
    passes. An update rule without a lowering (`momentum`, `adam`) is a
    located error.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def ConvertTTTScanToSCF : Pass<"convert-ttt-scan-to-scf"> {
  let summary = "Lower ttt.scan to loops over the chains and the chunks";
  let description = [{
    Rewrites each `ttt.scan` into `scf.for` loops over its batch dimensions
    (independent chains) and, inside, an `scf.for` over the chunks that
    carries the state and the output tensors. Each iteration slices the
    chunk of every sequence (`tensor.extract_slice`, `min(chunk_size,
    T - t0)` positions, so a final partial chunk is handled), inlines the
    body and inserts the chunk's outputs (`tensor.insert_slice`). The
    `ttt.grad` ops of the body must have been expanded first.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def ConvertMemRefCopyToLinalg : Pass<"convert-memref-copy-to-linalg"> {
  let summary = "Rewrite memref.copy as linalg.copy, so that it becomes loops";
  let description = [{
    `finalize-memref-to-llvm` lowers a copy between non-contiguous memrefs
    to a call of `memrefCopy` from MLIR's C runner utilities, a library
    that compiled artifacts must not depend on. As `linalg.copy` the copy
    becomes plain loops with `convert-linalg-to-loops`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def TTTGPUDestinationArgs : Pass<"ttt-gpu-destination-args", "::mlir::ModuleOp"> {
  let summary = "Turn the results of the chain loop nest into writable "
                "out-arguments";
  let description = [{
    A GPU kernel returns nothing: it writes its results into buffers the
    caller passes. For every function whose results are all results of its
    top-level `scf.for` (the outermost chain loop made by
    `convert-ttt-scan-to-scf`), appends one tensor argument per result,
    marked `bufferization.writable`, and makes it the loop's initial value,
    so that one-shot bufferization writes the results in place. The loop
    nest may use an initial value only as the destination of
    `tensor.insert_slice` or of an inner loop (located error otherwise):
    every element is then written by the chains, and the original initial
    value (e.g. the initial weights) is not needed.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def TTTGPUChainLocalPrologue : Pass<"ttt-gpu-chain-local-prologue", "::mlir::func::FuncOp"> {
  let summary = "Compute each chain's slice of a prologue value inside the "
                "chain loops";
  let description = [{
    Runs on tensors, before bufferization. A value computed before the chain
    loop nest (the function's one top-level `scf.for`) with a dynamic
    extent (for example a broadcast over [B, H, ...]) and only sliced
    inside the nest would be, on the GPU, a temporary of the whole chain
    extent in every block: no constant bound for
    `ttt-gpu-private-buffers`. Every such `tensor.extract_slice` (unit
    strides) of a linalg op's result becomes the op's tiled form for that
    slice (`TilingInterface`), repeatedly, so each chain computes its own
    part; unused full-size producers are removed, and slices of
    `tensor.empty` fold to small ones. A slice that cannot be tiled is a
    located error.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTGPUCloneFills : Pass<"ttt-gpu-clone-fills", "::mlir::func::FuncOp"> {
  let summary = "Give every consumer of a filled tensor a fill of its own";
  let description = [{
    Runs on tensors, before bufferization. A `linalg.fill` result that is
    the init (destination) of several ops in its block would be bufferized
    as one buffer copied for each consumer and kept live until the last;
    each consumer after the first gets a clone of the fill right before it
    instead, so the filled buffers live briefly and their shared memory can
    be reused (`ttt-gpu-private-buffers`). With `broadcasts`, the same for
    broadcasts and copies (a `linalg.generic` with one input and one
    output, an identity output map, that yields its input): each consumer
    then starts from a broadcast of its own, which
    `ttt-gpu-fold-init-copies` can fold into it.
  }];
  let options = [
    Option<"broadcasts", "broadcasts", "bool", /*default=*/"false",
           "Clone broadcasts (one-input generics yielding their input) "
           "for each consumer too">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def TTTGPUFuseConversions : Pass<"ttt-gpu-fuse-conversions", "::mlir::func::FuncOp"> {
  let summary = "Fuse each float conversion into every op that reads it";
  let description = [{
    Runs on tensors, before bufferization. A `linalg.generic` inside a loop
    that only converts its one input to another float type (a body that
    yields `arith.extf` of the input, identity maps, all loops parallel:
    the bf16 inputs of the fast mode widened to f32) is fused into every
    `linalg.generic` that reads it as an input, contractions included
    (upstream elementwise fusion), and goes where none is left. In the
    chain kernel each conversion is a phase of its own (a store of the
    widened values, a barrier); fused, its readers load the narrow values
    and widen them in registers, once per read. With `input-ops`, also
    every elementwise generic computed from the chunk's inputs alone
    (values from outside the loop or slices of them: v - k, a learning
    rate's broadcast), after the conversions.
  }];
  let options = [
    Option<"inputOps", "input-ops", "bool", /*default=*/"false",
           "Also fuse elementwise ops on the chunk's inputs alone">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def TTTGPUMergeSharedContractions : Pass<"ttt-gpu-merge-shared-contractions", "::mlir::func::FuncOp"> {
  let summary = "Add two contractions against the same operand as one";
  let description = [{
    Runs on tensors. An elementwise sum `Z = C1 + C2` of two
    `linalg.generic` contractions (loops `(i, j, k)`, each result used only
    by the sum) that read the same value `G` at `(k, j)`, with bodies
    `out + t_n(..., G)` linear in `G` (the other inputs not read along
    `j`, no `linalg.index 1`), becomes `M = t_1(G = 1) + t_2(G = 1)` over
    `(i, k)` (the bodies with `G = 1` and `out = 0`, `linalg.index 2`
    renumbered 1), `I = I_1 + I_2` (the inits), and one contraction
    `Z = I + sum_k M[i, k] G[k, j]`. TTT-Linear's output,
    `(Q W - (eta tril(Q K^T)) G) + (b - tril(eta) G)` (once the next bias
    is computed apart, `ttt-gpu-narrow-carried-slices`), so waits for G
    with one contraction instead of two.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def TTTGPUNarrowCarriedSlices : Pass<"ttt-gpu-narrow-carried-slices", "::mlir::func::FuncOp"> {
  let summary = "Compute a slice the chunk loop carries by its own op";
  let description = [{
    Runs on tensors, before bufferization. A `tensor.extract_slice` that
    an `scf.for` yields, of a result of a linalg op in the same body that
    other ops read too (static shapes, unit strides, the slice smaller
    than the result), is replaced by the op's tiled form over the slice
    (TilingInterface: the operands sliced, `linalg.index` offset). The
    full op then serves only its other readers. TTT-Linear: the next bias
    is the last row of the per-token bias `b - tril(eta) G`, which the
    output reads whole; after this pass the per-token contraction belongs
    to the output chain (`ttt-gpu-output-warps`' second group) and the
    recurrence computes one row.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def TTTGPULookaheadProducts : Pass<"ttt-gpu-lookahead-products", "::mlir::func::FuncOp"> {
  let summary = "Start each chunk's product with the fast weights one step "
                "early, before their update";
  let description = [{
    Runs on tensors, before bufferization. In an `scf.for` with a constant
    step, an iteration argument `W` qualifies when the loop yields, at its
    position, an update `W' = W (+|-) sum_k t(L[k, i], R[k, j])` (a
    `linalg.generic` writing `W`, loops `(i, j, k)`, `L` read at `(k, i)`,
    the other inputs not at `i`, the body linear in `L` and not reading
    `linalg.index 0`) and a contraction `Y = I + X W` (`X` read at
    `(i, k)`, a static-shape slice of the induction variable and of values
    from outside the loop) that `R` depends on: the recurrence runs
    `X W -> ... -> R -> W'`, and the next step's `X W'` waits for the
    update.

    Since `X W' = X W (+|-) sum_k t((X L^T)[i, k], R[k, j])` when `t` is
    linear in `L`, each step instead computes the next chunk's
    `P = X_next W` from the weights it starts with (beside its own ops)
    and `A = X_next L^T`, and after `R`, `Y_next = (P + I_next) (+|-)
    sum_k t(A, R)`, a product of depth `k` (the mini-batch) instead of the
    weights' rows. `Y` becomes an iteration argument; a loop of zero or
    one iteration before the chunk loop computes the first chunk's `Y`.
    The last step reads its own chunk again for the unused next `Y`
    (`X_next` at `min(iv + step, ub - step)`), so nothing is read past the
    loop's range.

    With `fold-next-init`, where `I` is the row broadcast of a carried
    vector `b` whose next value is a row of an accumulation linear in `R`
    (`b' = Q[r, :]`, `Q = bcast(b) (+|-) sum_k s(..., R[k, j])`, its other
    inputs read at rows and `k` only, the update's too), the next init's
    change joins the correction: `P` starts from `I` itself and `Y_next =
    (P + I) + sum_k C[i, k] R[k, j]`, where `C` adds the update's body with
    `A` for `L` and `Q`'s body at row `r`, each with 1 for `R` and 0 for
    the output (their coefficients of `R`). The correction (marked
    `ttt.lookahead_correction`) is then the recurrence's only op between
    `R` and the next step's `Y`; `C`, computed from the chunk's inputs,
    and `P + I` need no `R`.
  }];
  let options = [
    Option<"foldNextInit", "fold-next-init", "bool", /*default=*/"false",
           "Fold the next init (the carried bias's broadcast) into the "
           "correction">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def TTTGPURotateOutputChain : Pass<"ttt-gpu-rotate-output-chain", "::mlir::func::FuncOp"> {
  let summary = "Compute each chunk's output chain at the start of the next "
                "iteration";
  let description = [{
    Runs on tensors, before bufferization. In an `scf.for` with a constant
    step that yields, at one position, a `tensor.insert_slice` of a
    static-shape tensor into that iteration argument (the chunk loop's
    output), the output chain is the insert and the linalg and
    `tensor.extract_slice` ops whose results reach only it and that read
    neither the induction variable nor an iteration argument. The chain
    moves to the start of the next iteration: the step values it reads
    (float tensors of static shape) become iteration arguments starting at
    zero, and the chain writes the previous chunk's slice (the first
    iteration a throwaway slice at the first position, overwritten later).
    A loop of zero or one iteration after the chunk loop computes the last
    chunk's output. The next step's ops no longer wait for the output
    chain; `ttt-gpu-schedule-levels` can run them side by side.

    With `tail-only`, only the chain's ops after its last op that reads a
    step value from outside the chain move (TTT-Linear: the output
    LayerNorm and the residual after the attention term and the per-token
    bias meet): one value is carried, and with `ttt-gpu-output-warps` the
    tail fills the output group's wait for the next step's first product.
  }];
  let options = [
    Option<"tailOnly", "tail-only", "bool", /*default=*/"false",
           "Move only the chain's ops after its last read of a step value "
           "from outside the chain">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def TTTGPURotateWeightUpdate : Pass<"ttt-gpu-rotate-weight-update", "::mlir::func::FuncOp"> {
  let summary = "Run each chunk's weight update at the start of the next "
                "iteration";
  let description = [{
    Runs on tensors, before bufferization. In an `scf.for` with a constant
    step, a weight update is a linalg contraction whose only result the
    loop yields at position i and whose one init is iteration argument i
    (W += (eta K)^T G). Each moves to the start of the next iteration: the
    step values it reads (float tensors of static shape: G, the chunk's K,
    the learning rates; input slices included, since a prefetch refills
    their buffers) become iteration arguments starting at zero, so the
    first iteration adds zero products to the initial weights; the rest of
    the step reads the updated weights as before, and a loop of zero or one
    iteration after the chunk loop applies the last chunk's update.

    With `ttt-gpu-lookahead-products` (which makes the next chunk's K W
    read the weights a step starts with), the step's LayerNorm chain then
    no longer waits for the update, nor the update and the next K W for
    the chain: the two run side by side (`ttt-gpu-output-warps
    {weight-warps}` puts them on warps of their own). Exact: the same
    products, in the same order.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ConvertTTTChainsToGPU : Pass<"convert-ttt-chains-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Turn a bufferized chain loop nest into a GPU kernel with the "
                "runtime's CUDA ABI";
  let description = [{
    Runs on functions after bufferization with destination arguments
    (`ttt-gpu-destination-args`): results that are arguments written in
    place, identity-layout memref arguments, and a top-level perfect nest of `scf.for`
    loops from 0 step 1 over the chain dims. Each such function becomes a
    `gpu.func` kernel of the same name in `gpu.module @ttt_kernels` whose
    parameters are the kernel ABI of docs/RUNTIME.md: one `memref<f32>`
    (a bare device pointer under the bare-pointer calling convention) per
    argument, then `i64` tokens and `i64` chains. Inside, every argument is
    rebuilt with `memref.reinterpret_cast` as a contiguous row-major array:
    chain dims as `[1, ..., 1, chains]`, the token dim as `tokens`. One
    block computes one chain: the chain loops are replaced by their body
    with the innermost induction variable set to `gpu.block_id x` and the
    others to 0. The host function is erased.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTGPUPrivateBuffers : Pass<"ttt-gpu-private-buffers", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Turn a kernel's temporary buffers into stack buffers at its entry";
  let description = [{
    Device code has no allocator we want to rely on. Every `memref.alloc`
    of a kernel becomes a `memref.alloca` hoisted to the entry block (so
    no stack grows inside loops), sized by the constant upper bound of its
    dynamic sizes (a located error where there is none) and viewed at its
    dynamic shape with `memref.reinterpret_cast` (contiguous, row-major).
    `memref.dealloc` is erased. Because a hoisted buffer is reused by every
    loop iteration, a memref an `scf.for` yields is first copied into a
    buffer of its own (then the next iteration reads that buffer while it
    writes the hoisted ones).

    With `workgroup=true` the buffers are disjoint slices of the block's
    dynamic shared memory instead (`gpu.dynamic_shared_memory`, each slice
    a `memref.view` aligned to max(16, its alignment) bytes), cast to the
    generic address space with `memref.memory_space_cast` so that their
    users keep their types; every thread of the block sees them. The
    kernel gets `ttt.shared_bytes`, the bytes to launch it with. With
    `row-pad=P`, a static buffer of rank >= 2 whose rows span a multiple of
    64 bytes (16 floats: the 8 rows of a tensor-core fragment read would
    share one or two banks) and which only linalg ops use, directly or
    through subviews (and casts of those to a type the padded view casts
    to, such as the carried bias's row cast to a dynamic offset), gets rows
    of P more elements: its users read a `memref.subview` of the slot
    marked `ttt.padded_rows`; with
    `max-bytes=N`, no buffer is padded where the padded ones would need
    more than N bytes in all.
  }];
  let options = [
    Option<"workgroup", "workgroup", "bool", /*default=*/"false",
           "Put the buffers in the block's dynamic shared memory instead of "
           "on each thread's stack">,
    Option<"rowPad", "row-pad", "int64_t", /*default=*/"0",
           "workgroup: elements added to the rows of a static buffer of "
           "rank >= 2 whose rows span a multiple of 64 bytes and whose "
           "users take the padded view (against shared-memory bank "
           "conflicts)">,
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"0",
           "workgroup: no row padding where the padded buffers would take "
           "more than this many bytes (0: no limit)">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTGPUInlineRowStats : Pass<"ttt-gpu-inline-row-stats", "::mlir::func::FuncOp"> {
  let summary = "Fuse small elementwise producers (per-row statistics) into "
                "their consumers, recomputed per element";
  let description = [{
    On tensors, before bufferization. A `linalg.generic` whose loops are
    all parallel, whose static result has at most `max-elements` elements
    and whose body does not read its init (LayerNorm's per-row mean and
    rstd over a mini-batch: 16 elements) is fused into each consumer by
    upstream elementwise fusion, even where the consumer reads it through a
    broadcast (it is then recomputed per consumer element); it goes where no
    user is left. On the GPU each such op is otherwise a phase of the
    mini-batch between two barriers.
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"64",
           "Largest producer result (elements) to fuse">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def TTTGPUForwardCopies : Pass<"ttt-gpu-forward-copies", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Let the op that fills a temporary write the copy's "
                "destination instead";
  let description = [{
    Runs on a bufferized kernel. For `linalg.copy ins(X) outs(Y)` where X
    is a `memref.alloc` of static shape (Y's shape) that exactly one linalg
    op W, earlier in the same block, uses (as an init whose value it does
    not read) besides the copy: where W does not read Y and nothing between
    W and the copy touches Y's buffer, W writes Y and the copy and the
    allocation go (a subview Y made between them moves ahead of W). In a
    chain kernel, that is one phase and one shared buffer less per copy:
    the output rows go straight to the output array, a broadcast bias
    straight into the accumulator.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def TTTGPUStateInResults : Pass<"ttt-gpu-state-in-results", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Keep large fast weights in their result arrays instead of "
                "a temporary";
  let description = [{
    Runs on a bufferized chain kernel before `ttt-gpu-private-buffers`.
    For a `linalg.copy ins(X) outs(Y)` in the kernel's entry block where X
    is a static `memref.alloc` of at least `min-bytes` bytes used only by
    linalg ops (directly or through subviews) before the copy, and Y a view
    of a kernel argument that nothing else touches (a result array): X
    becomes Y (subviews rebuilt), the copy and the allocation go. The fast
    weights are then read and updated in global memory (through L1/L2)
    instead of shared memory, which is left to the rest (TTT-MLP's two
    64 KB matrices). `skip` and `max-count` pick which of several
    (TTT-MLP: W1 in its result array, W2 in shared memory).
  }];
  let options = [
    Option<"minBytes", "min-bytes", "int64_t", /*default=*/"32768",
           "Smallest temporary (bytes) to keep in its result array">,
    Option<"skip", "skip", "int64_t", /*default=*/"0",
           "Leave the first N such temporaries (in the order of their "
           "copies) in shared memory">,
    Option<"maxCount", "max-count", "int64_t", /*default=*/"-1",
           "Keep at most N temporaries in their result arrays (-1: all)">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def TTTGPUFoldZeroFills : Pass<"ttt-gpu-fold-zero-fills", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Start accumulating ops from zero instead of after a zero "
                "fill of their output";
  let description = [{
    Runs on a bufferized kernel before `ttt-gpu-schedule-levels` and
    `ttt-gpu-private-buffers` (buffers still distinct allocations). A
    `linalg.fill` of zero into a buffer X goes when the next op of its
    block that may touch X (an operand with X's root, or a loop-carried
    buffer; views and casts touch nothing) is a `linalg.generic` on
    buffers that: writes X through a permutation of its parallel dims (as
    every output does: each element once), reads no input from an output's
    buffer, and yields `out + x` for X with X's old value used by that addf
    alone. The op gets `ttt.zero_init`, the indices of such outputs, and
    `ttt-gpu-distribute` starts their accumulators at zero: no fill phase,
    no loads of the old values, and the op no longer depends on the fill's
    level.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def TTTGPUFoldInitCopies : Pass<"ttt-gpu-fold-init-copies", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Start accumulating ops from the source of the copy or "
                "broadcast that initialised their output";
  let description = [{
    Runs on a bufferized kernel before `ttt-gpu-schedule-levels` and
    `ttt-gpu-private-buffers`. An initializer (a `linalg.copy`, or a
    `linalg.generic` with one input and one output, an identity output
    map, that yields its input: a copy or broadcast) writing a buffer X
    goes when the next op of its block that may touch X is a
    `linalg.generic` with reduction loops that accumulates into X the way
    `ttt-gpu-fold-zero-fills` requires (every element written, `out + x`,
    no input in an output's buffer). That op gets the initializer's source
    as one more input, read at the output's indices through the composed
    indexing map, and `ttt.init_from` (pairs: output index, input operand
    number); `ttt-gpu-distribute` starts the accumulators from that input.
    Where the source was itself written by an initializer, the fold
    follows it back, as long as nothing writes the earlier source before
    the accumulating op (for a loop-carried buffer: nor what it is
    initialised with or yields). The bias of TTT-Linear (`Z = b + X W`
    with b broadcast for two such ops) so joins the other contractions of
    its mini-batch: one block barrier fewer per step. Nothing is folded
    into a loop-carried output, or from a source that may be an output's
    buffer.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def TTTGPUSplitTF32Operands : Pass<"ttt-gpu-split-tf32-operands", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Split the A operands of 3xtf32 contractions once, before "
                "the warps that share them read their fragments";
  let description = [{
    Runs on a bufferized kernel before `ttt-gpu-schedule-levels`,
    `ttt-gpu-stage-inputs` and `ttt-gpu-private-buffers`, for
    `ttt-gpu-distribute{mma=3xtf32}`. A 3xtf32 product splits each operand
    element x into its tf32 part (the bits the tensor cores read) and the
    rest, x - tf32(x); every warp whose tiles read an A fragment splits it
    again, and the column tiles of one contraction (and every contraction
    reading the same A) are spread over many warps. For each contraction
    that `ttt-gpu-distribute` would run on the tensor cores at `threads`
    threads whose A side is one f32 operand read as is (negated at most)
    and shared by at least `min-warps` warp tiles, an elementwise op just
    before it writes the rest of that operand into a new buffer, which the
    contraction gets as one more input (read through the operand's
    indexing map) and `ttt.tf32_low` names (pairs: operand number, number
    of the operand holding its rest). Later contractions reading the same
    buffer, unwritten since, reuse it. The results are bit for bit those
    of splitting in each warp. Off in `--ttt-to-nvvm` unless
    `split-tf32-min-warps` is set: on an H200 the extra phase (a block
    barrier before the contractions) cost more than the splits it saves
    (TTT-Linear 0.478 -> 0.500 ms, TTT-MLP 2.83 -> 2.94 ms at 1 x 2048).
  }];
  let options = [
    Option<"threads", "threads", "unsigned", /*default=*/"128",
           "Threads per block, as ttt-gpu-distribute's">,
    Option<"minWarps", "min-warps", "int64_t", /*default=*/"2",
           "Split only A operands read by at least this many warp tiles">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTGPUSplitNarrowContractions
    : Pass<"ttt-gpu-split-narrow-contractions", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Split contractions whose tensor-core tiles leave most "
                "warps idle by their reduction dim over those warps";
  let description = [{
    Runs on a bufferized kernel after `ttt-gpu-output-warps` and before
    `ttt-gpu-private-buffers` and `ttt-gpu-distribute`. A contraction that
    `ttt-gpu-distribute` would run on the tensor cores with T m16n8 tiles
    and a reduction of length K runs on T warps, each a chain of K / 8
    k-steps (tf32), while the other warps of the block wait at the next
    barrier: the lookahead correction's coefficients (16 x 16 x 64, two
    tiles: 8 k-steps on 2 of 8 warps), the attention term Q K^T.

    In a loop body, such an op with one output (a plain static buffer it
    accumulates `out + x` into from zero, `ttt.zero_init`) whose one
    other user in the kernel is an elementwise op after it in the same
    block and warp group, reading the output as one input, becomes P
    partial products over [p K / P, (p + 1) K / P) of the reduction: the
    first writes the output, each other a new buffer; the reader gets the
    new buffers as inputs (read as the output is) and adds them to the
    value its body read. P is the largest power of two with T P <= warps
    (`threads` / 32) and parts of at least `min-part-k` (and one k-step)
    along K. Each part gets `ttt.spread_mma`, so that ttt-gpu-distribute
    gives its tiles the warps after the parts before it. The sums differ
    from the unsplit order by rounding only.

    With ttt-gpu-distribute{cluster-groups} a warp group has a block of
    `threads`; in one block with warp groups, `threads` should be the
    group's (ttt-to-nvvm allows the pass with cluster-groups or without
    output-warps).
  }];
  let options = [
    Option<"threads", "threads", "unsigned", /*default=*/"256",
           "Threads a contraction may take (a block's, as "
           "ttt-gpu-distribute's)">,
    Option<"mma", "mma", "std::string", /*default=*/"\"3xtf32\"",
           "The tensor-core precision ttt-gpu-distribute uses (3xtf32, "
           "tf32, bf16; none: nothing to split)">,
    Option<"minPartK", "min-part-k", "int64_t", /*default=*/"16",
           "The shortest part of the reduction">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTGPUOutputWarps : Pass<"ttt-gpu-output-warps", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Give the chunk loop's output chain warps of its own";
  let description = [{
    Runs on a bufferized kernel after `ttt-gpu-stage-inputs` and before
    `ttt-gpu-private-buffers` and `ttt-gpu-distribute`. In a loop whose
    body starts with a block barrier (the prefetched chunk loop), the ops
    the carried state depends on stay with the block's first warps: the
    last writers of what the ops after the loop read (the final weights;
    without such ops, of what an iteration reads before writing it), and
    the writers of what those read, transitively (the nearest writer
    before the reader, or the last of the body for a value from the
    previous iteration). The others (the chunk's output:
    TTT-Linear's Q W, attention term, output LayerNorm and residual) get
    `ttt.warp_group = 1` and run on the last `warps` warps
    (`ttt.output_threads` on the kernel), beside the next ops of the
    first group instead of after them. `ttt-gpu-distribute` orders the
    two groups by named barriers where they touch the same memory; the
    top-of-body barrier still orders every iteration. The buffers the
    output group touches move before the loop (static shapes), so that
    `ttt-gpu-private-buffers` does not share their memory with the other
    group's temporaries by a program order the groups no longer follow;
    a buffer the loop yields a view of (carried) stays. A loop whose
    output chain holds no contraction (a reduction loop), or whose ops all
    are output, is left alone.

    With `defer-output`, the output group's first contraction also gets
    `ttt.wait_other_group`: `ttt-gpu-distribute` makes it wait until the
    first group has run every op before it (the recurrence's first
    contraction), so that the two groups' first contractions do not share
    the SM's issue slots.

    With `offload-inputs`, the recurrence's ops that are not contractions
    and read only what no earlier op of the iteration wrote (the chunk's
    staged inputs, the previous iteration's state: TTT-Linear's v - k and
    the bias and learning-rate broadcasts), and write nothing carried or
    read by an earlier op of the iteration, also run on the output group:
    it waits for the recurrence's first contraction anyway, and the
    recurrence meets them at a named barrier where it reads their results.

    With `weight-warps` N > 0, the recurrence's weight ops get
    `ttt.warp_group = 2` and run on the block's first N warps
    (`ttt.weight_threads` on the kernel; the recurrence's other ops then
    run on the warps between): a contraction that accumulates into a
    buffer from outside the loop (the fast weights' update, W += A B) and
    the recurrence's other contractions that read that buffer (K W, or
    with `ttt-gpu-lookahead-products` the next chunk's K' W). The update
    and the products then run beside the LayerNorm chain instead of
    before and after it on the same warps (with
    `ttt-gpu-distribute{register-weights}`, W in these warps' registers).
    With a lookahead correction (`ttt-gpu-lookahead-products`) the
    recurrence's ops off the correction's cycle (those that do not both
    depend on the carried value and feed the correction) join the weight
    group; with `lean-weights` only those whose results a weight op reads
    do (not contractions: the conversions of K, the refills, the carried
    bias's copy), and the others (the per-token bias, the correction's
    coefficients, v - k, the broadcasts) run on the output group, so that
    the weight group's step is the update and the products.
  
    With `tail-warps` N > 0 (not with `weight-warps`), the output chain's
    tail gets `ttt.warp_group = 2` instead: its ops after the last one
    that reads a buffer the recurrence writes (TTT-Linear: the output
    LayerNorm, the residual and the store, after Z meets G and the
    per-token bias), where none of them is a contraction. With
    `ttt-gpu-distribute{cluster-groups}` they run on a third block of the
    cluster, which takes Z from the output block each step.

    With `split-weights` (and `lean-weights`) the weight group's ops on W
    split by W's rows: the update of each row half, and each product X W
    as two partial products over the halves of its reduction, the first
    writing the product's buffer, the second one of its own that the
    product's reader adds to its initial value (`ttt.init_plus`, where that
    reader reads the product only as its `ttt.init_from` input). The
    second halves get `ttt.warp_group = 3` and the kernel
    `ttt.split_weights`: the weight threads make two groups; with
    cluster-groups a fourth block. The weight group's ops on the chunk's
    inputs alone that only the recurrence reads (v - k, the correction's
    coefficients) go to the recurrence (no channel); with
    `coefficients-on-weights` only the elementwise ones among them that
    read no contraction do, and the coefficients (their contraction and
    what reads it) stay on group 3, which hands them to the recurrence
    (with cluster-groups a 1 KB channel a step, where the recurrence
    would run their tensor-core phase and a block barrier).
  }];
  let options = [
    Option<"warps", "warps", "int64_t", /*default=*/"4",
           "Warps of the output group (at least 1)">,
    Option<"deferOutput", "defer-output", "bool", /*default=*/"false",
           "Start the output group's first contraction after the first "
           "group's ops before it">,
    Option<"offloadInputs", "offload-inputs", "bool", /*default=*/"false",
           "Also give the output group the recurrence's non-contraction "
           "ops on the chunk's inputs and the previous iteration's state "
           "alone">,
    Option<"weightWarps", "weight-warps", "int64_t", /*default=*/"0",
           "Warps of a third group for the fast weights' update and the "
           "products that read them (0: none)">,
    Option<"tailWarps", "tail-warps", "int64_t", /*default=*/"0",
           "Warps of a third group for the output chain's tail, the ops "
           "after its last read of what the recurrence writes (0: none; "
           "not with weight-warps)">,
    Option<"leanWeights", "lean-weights", "bool", /*default=*/"false",
           "With weight-warps and a lookahead correction: the weight "
           "group runs only the weight ops and what feeds them; the "
           "recurrence's other ops off the correction's cycle run on the "
           "output group">,
    Option<"splitWeights", "split-weights", "bool", /*default=*/"false",
           "With lean-weights: the weight group's update and products of W "
           "split by W's rows over two groups, 2 and 3 (the second halves "
           "of the products added by their readers, ttt.init_plus)">,
    Option<"coefficientsOnWeights", "coefficients-on-weights", "bool",
           /*default=*/"false",
           "With split-weights: the recurrence's coefficients (contractions "
           "on the chunk's inputs alone, and what reads them) on group 3, "
           "handed to the recurrence, instead of on the recurrence">,
  ];
}

def TTTGPUScheduleLevels : Pass<"ttt-gpu-schedule-levels", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Order each block's linalg ops by dependence level, so that "
                "independent ops share the barriers between them";
  let description = [{
    Runs on a bufferized kernel before `ttt-gpu-distribute`, which drops
    the barrier between adjacent ops that do not touch what the other
    writes. In every block holding only linalg ops on buffers,
    allocations and ops free of memory effects (no regions), the linalg
    ops are stably sorted by level: 0 for an op that depends on no earlier
    op, else one more than the highest level of the earlier ops it depends
    on (it reads a buffer they write, or writes one they read or write;
    buffers are compared by their root: an allocation or a kernel
    argument's array). The other ops move ahead of them in their order.
    Ops of one level are independent, so they run between two barriers.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def TTTGPUStageInputs : Pass<"ttt-gpu-stage-inputs", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Prefetch each chunk's input slices into double-buffered "
                "shared memory with asynchronous copies";
  let description = [{
    Runs on a bufferized chain kernel before `ttt-gpu-private-buffers`.
    In every `scf.for`, a `memref.subview` of a kernel argument's array
    with static sizes and unit strides whose offsets are the induction
    variable or loop-invariant, read only by linalg ops (and written by
    nothing in the loop), is replaced by a slot of a two-slot buffer
    (`memref.alloc`, rows padded by `pad` 4-byte words where they span a
    multiple of 128 bytes, so that tensor-core fragment reads do not hit
    one bank). Before the loop the first slice is copied into
    slot 0; each iteration waits for its copies (`nvvm.cp.async.wait.group
    0`), takes a `gpu.barrier`, then copies the next iteration's slice into
    the other slot while it computes on this one. The copies are
    `linalg.copy` ops marked `ttt.async_copy = W`, W elements per copy (16
    bytes' worth where every such chunk is provably 16-byte aligned on both
    sides, given the kernel ABI's 16-byte aligned arrays, else 4 bytes';
    32-bit elements, or 16-bit ones whose pairs are 4-byte aligned);
    `ttt-gpu-distribute` lowers them to `nvgpu.device_async_copy`.
  }];
  let options = [
    Option<"pad", "pad", "int64_t", /*default=*/"4",
           "4-byte words added to each staged row that spans a multiple "
           "of 128 bytes">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTGPUStageInvariants : Pass<"ttt-gpu-stage-invariants", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Copy the small read-only arrays a chunk loop reads into "
                "shared memory once, before the loop";
  let description = [{
    Runs on a bufferized chain kernel before `ttt-gpu-private-buffers`.
    A memref that linalg ops in an `scf.for` read, defined before the loop,
    with a static shape of at most `max-bytes` bytes, viewing a kernel
    argument's array that nothing in the kernel writes (the LayerNorm's
    scale and shift), is read in every iteration from global memory: an L2
    round trip inside the step's dependent chain. It gets a buffer
    (`memref.alloc`, which `ttt-gpu-private-buffers` places in shared
    memory), filled by a `linalg.copy` before the loop, and the loop's
    linalg ops read that instead.
  }];
  let options = [
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"4096",
           "the largest array copied (bytes)">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def TTTGPUExternShared : Pass<"ttt-gpu-extern-shared", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Make the dynamic shared memory global of a lowered GPU "
                "module external";
  let description = [{
    After `convert-gpu-to-nvvm`, `gpu.dynamic_shared_memory` is an internal
    zero-sized `llvm.mlir.global` in address space 3, which the NVPTX
    backend demotes to a one-byte static `.shared` variable (accesses past
    it then rely on the dynamic region following it). Every such global
    becomes external: PTX `.extern .shared .b8 name[]`, CUDA's dynamic
    shared memory, sized by the launch.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def TTTGPUDistribute : Pass<"ttt-gpu-distribute", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Spread every linalg op of a kernel over the threads of its "
                "block, with a barrier after each";
  let description = [{
    Runs on a kernel whose buffers every thread of the block sees
    (`ttt-gpu-private-buffers{workgroup=true}`, or global memory). Each
    linalg op on buffers (named ops are generalized first) becomes a loop
    over the linear index of its parallel dims, `threadIdx.x` to their
    product in steps of `threads` (the last parallel dim the fastest, so
    neighbouring threads touch neighbouring elements), with its reduction
    dims as sequential loops inside whose accumulators are loop-carried
    values, loaded before and stored after them. A `gpu.barrier` follows
    every op, so the next op sees its results, and no op overwrites a buffer
    another thread still reads.

    An op runs on thread 0 alone, all its dims sequential, where the mapping
    would not be exact: no parallel dim, an output that does not index
    every parallel dim (or indexes another), or an input that may alias an
    output (the same allocation) while the op has a reduction dim or reads
    it through another view or map. The kernel gets
    `known_block_size = [threads, 1, 1]`, which the launch must use. Any
    other op that writes memory is a located error.

    With `mma=tf32` or `mma=3xtf32`, a contraction with static sizes
    (rows % 16, columns % 8, reduction % 8) whose body yields `out + x`,
    x a product of factors that read only (row, k) or only (k, column)
    (with negations and selects against zero), runs on the tensor cores:
    `nvgpu.mma.sync` m16n8k8 tf32 tiles, warp w taking 16-row warp tiles w,
    w + warps, ...; each lane evaluates the body's two sides at its fragment
    coordinates. `3xtf32` splits every operand into its tf32 part and the
    rest and sums three products (fp32 accuracy); `tf32` uses one. `bf16`
    (the fast mode's; reduction % 16) rounds the operands to bf16 and runs
    m16n8k16 `nvvm.mma.sync` tiles with f32 accumulators.

    With `row-warps`, elementwise ops and row reductions run with row r on
    warp r mod warps and the row over the lanes (an op with exactly twice
    as many rows as warps: rows w and w + warps side by side on warp w,
    16 lanes each, its row sums within the half-warp; with `row-lanes=8`
    also four times as many: 8 lanes each); the barrier after
    an op is
    then a warp barrier (`nvvm.bar.warp.sync`) where the next op meets what
    the ops since the last block barrier touched only at rows on the same
    warps, and nothing where only on the same lanes. With
    `spread-mma-warps`, tensor-core ops between two block barriers start
    at the warp after the previous one's tiles. With `mma-k-unroll=N`, a
    tile's k loop takes N k-steps per iteration and issues all their
    operand loads before the first product (their latencies overlap).
    With `mma-column-tiles=N`, warp tiles are the widest that still give
    warps / N warps a tile (16 x 64 on 8 warps: 4 warp tiles of two column
    tiles at N = 2, 2 of four at N = 4). With `ldmatrix`, a tf32 or
    3xtf32 A side that is one f32 shared-memory operand read as is (a
    sign aside), contiguous along k in aligned runs of 4, is loaded by one
    `nvgpu.ldmatrix` (x4) per k-step: lane l gives row l mod 16 at
    k0 + 4 (l / 16), and the four 8 x 4 word matrices are the fragment's
    a0..a3 (slots t and t + 4 then stand for k = t and t + 4: no side
    pairs along k).
    With `mma-k-chains=N`, a tile's k-steps alternate between N sets of
    accumulators (N at most the k-steps, a divisor of them), summed after
    the k loop: dependent mma chains N times shorter. With `pair-accesses`
    (default), a tile reads two adjacent f32 (bf16) elements with one 8-byte (4-byte)
    vector load where an operand is contiguous and provably aligned along
    the paired dim: a lane's two k of a tf32 fragment then are k0 + 2t and
    k0 + 2t + 1 (slots t and t + 4; the mma's sum does not depend on the
    order), or its two rows 2g and 2g + 1, or (two or more column tiles)
    tiles 2i and 2i + 1 sharing 16 columns (slot g of tile j at column
    2g + j mod 2); accumulators are read and written in pairs along the
    columns. Row-warps ops then take rows of a multiple of 64 elements (an
    even innermost size) two adjacent elements per lane (lane l: 2l and
    2l + 1 of every 64), read and written together. Outputs listed in an
    op's `ttt.zero_init` (ttt-gpu-fold-zero-fills) start from zero, those
    in `ttt.init_from` (ttt-gpu-fold-init-copies) from the named input;
    a 3xtf32 A side that is one input read as is takes the rest of its
    elements from the input `ttt.tf32_low` pairs it with
    (ttt-gpu-split-tf32-operands).

    A kernel marked `ttt.output_threads = N` (ttt-gpu-output-warps) has
    two warp groups: ops marked `ttt.warp_group = 1` run on the last N
    threads (their ids less threads - N), the others on the first
    threads - N, each op under a guard of its group. Within a group the
    barriers are planned as above with the group's own named barrier
    (`nvvm.barrier id = 1 + group`); where an op touches memory the other
    group wrote or read since they last met, that group arrives at a
    fresh named barrier (ids 3 to 15, all threads counted) after the last
    op it met and this op's group waits there first; out of ids, or
    between ops that are not adjacent, a block barrier. With
    `copies-on-output-warps`, the prefetch copies (`ttt.async_copy`) take
    their points from the output group's first thread on (point i on
    thread (threads - N + i) mod threads): a copy of at most N points is
    issued by the output group alone.

    With `register-weights` (tf32 or 3xtf32), a buffer W (rows x columns,
    rows a multiple of 8 up to 64, columns a multiple of 16 up to 16 per
    warp) defined outside an `scf.for` whose body holds one tensor-core
    contraction updating it in place (`W += A B` through the (m, n)
    identity, from its old value) and nothing else writing it, read by
    tensor-core contractions of the same warp group in that body as
    their whole B side (`Z (+)= A W`), is kept in the registers of the
    group's first columns / 16 warps: a per-thread alloca with constant
    indices only (LLVM promotes it), loaded from W after a block barrier
    before the loop. The update runs there as W^T += B^T A^T (its
    accumulators are the registers; it still stores W, so every other
    reader sees it in memory) and each product as Z^T = W^T A^T (its A
    fragments are the registers: no loads of W).

    With `cluster-groups` (sm_90), warp group g runs on block g of a
    thread-block cluster of one block per group (`known_cluster_size`
    1 x groups x 1; the grid's y dim is the block's group), on all of its
    `threads` threads, every block with the whole shared-memory layout.
    Shared bytes that one group writes in a loop and another reads (in
    16-byte chunks) are copied after the writer's last write of a step
    into a staging area of the reader's block (`st.async`, counted on the
    reader's "full" mbarrier); the reader waits on it before its first
    read of the new value (that step, or the next where every read
    precedes the write), moves the bytes into place and at once frees
    the staging area (the writer's "empty" mbarrier, waited on before the
    next copy). A state update (an op updating at least 4 KB in place
    that no other op of the loop writes) runs on every block that reads
    the state where its other inputs reach that block anyway, instead of
    a channel; an op on several blocks gets on each the sync that block
    needs after it. Ops outside those loops run on every block (those writing
    global memory on block 0), and what a loop's groups wrote that later
    ops read is copied to every block at its exit, between cluster
    barriers. Errors: two groups writing the same shared bytes in a loop,
    a read between two of another group's writes, bytes not in 16-byte
    chunks, global memory one group writes and another touches in a
    loop, a group's op outside a loop of the kernel's body. With
    `register-weights`, each block is one group of all its threads.
  }];
  let options = [
    Option<"threads", "threads", "unsigned", /*default=*/"128",
           "Threads per block (1 to 1024)">,
    Option<"distinctArgs", "distinct-args", "bool", /*default=*/"false",
           "The kernel's array arguments never alias one another (the "
           "layer kernel ABI): accesses to two of them need no barrier "
           "between">,
    Option<"elideBarriers", "elide-barriers", "bool", /*default=*/"true",
           "Drop the barrier after an op when the next ops cannot touch what "
           "it wrote (false: a barrier after every op, for checking)">,
    Option<"mma", "mma", "std::string", /*default=*/"\"none\"",
           "Contractions on the tensor cores: none, tf32 (one tf32 product), "
           "3xtf32 (fp32 accuracy from three tf32 products) or bf16 "
           "(operands rounded to bf16, m16n8k16, f32 accumulators)">,
    Option<"rowWarps", "row-warps", "bool", /*default=*/"false",
           "Row r of elementwise ops and row reductions on warp r mod "
           "warps, the row over its lanes: ops that meet only at their own "
           "rows need a warp barrier, not a block barrier, between them">,
    Option<"rowLanes", "row-lanes", "int64_t", /*default=*/"16",
           "The fewest lanes a row of a row-warps op takes: 16 lets two "
           "rows share a warp (twice as many rows as warps), 8 four "
           "(8, 16 or 32)">,
    Option<"channelSlots", "channel-slots", "int64_t", /*default=*/"1",
           "With cluster-groups, staging areas per channel (1 or 2): with "
           "2, step i's copy goes to slot i mod 2, and the writer waits "
           "only for the reader's take of the copy two steps back">,
    Option<"directChannels", "direct-channels", "bool", /*default=*/"false",
           "With cluster-groups and one slot a channel, the writer's copy "
           "goes straight into the reader's buffer, which the reader frees "
           "after its last read of it in the step, instead of into a "
           "staging area it moves from">,
    Option<"fewerBlockBarriers", "fewer-block-barriers", "bool",
           /*default=*/"false",
           "With cluster-groups, each block's own sync after an op on "
           "several blocks (not the strongest any of them needs); with "
           "direct-channels also a non-carried channel freed after the "
           "first block barrier its reader's block has from its last read "
           "on (or the next step's) and channels into one block taken "
           "before the same op under one full barrier (one wait)">,
    Option<"groupSections", "group-sections", "bool", /*default=*/"false",
           "Each warp group's ops of a chunk loop (with cluster-groups: "
           "each block's; an op on several blocks copied into each one's) "
           "emitted as one run of code, group after group between the "
           "body's block barriers, instead of in the body's order with the "
           "other groups' ops between: the same instructions for every "
           "thread, fewer instruction-cache lines a step">,
    Option<"offMmaWarps", "off-mma-warps", "bool", /*default=*/"false",
           "With cluster-groups, an op run point by point or by rows that "
           "touches nothing the other ops between its block barriers write, "
           "and writes nothing they touch, runs on the warps their "
           "tensor-core tiles leave">,
    Option<"spreadMmaWarps", "spread-mma-warps", "bool", /*default=*/"false",
           "Tensor-core ops between two block barriers start at the warp "
           "after the last one's tiles, not all at warp 0">,
    Option<"mmaKUnroll", "mma-k-unroll", "int64_t", /*default=*/"1",
           "k-steps per iteration of a tensor-core tile's k loop, their "
           "operand loads all before the first product (a divisor of the "
           "k-steps is taken; 0: 4 / column tiles per warp tile)">,
    Option<"mmaKChains", "mma-k-chains", "int64_t", /*default=*/"1",
           "Accumulator sets a tensor-core tile's k-steps alternate between "
           "(1 to 8; a divisor of the k-steps is taken), summed after the "
           "k loop">,
    Option<"pairAccesses", "pair-accesses", "bool", /*default=*/"true",
           "Two adjacent f32 (bf16) elements in one 8-byte (4-byte) access "
           "where the operands' layout allows: tensor-core fragments (k, "
           "rows or column tiles paired) and accumulators; row-warps ops "
           "with rows of a multiple of 64 in lane pairs">,
    Option<"mmaColumnTiles", "mma-column-tiles", "int64_t", /*default=*/"1",
           "Tensor-core warp tiles the widest that still give warps / N "
           "warps a tile (1 to 8; 1: every warp): a contraction runs on "
           "fewer warps, each A fragment loaded (and split for 3xtf32) "
           "once for all of a warp tile's columns">,
    Option<"outputMmaColumnTiles", "output-mma-column-tiles", "int64_t",
           /*default=*/"0",
           "mma-column-tiles for the output group's contractions in a "
           "kernel with two warp groups (0: mma-column-tiles)">,
    Option<"ldmatrix", "ldmatrix", "bool", /*default=*/"false",
           "tf32 / 3xtf32 A fragments that are one f32 shared-memory "
           "operand read as is, in 16-byte runs along k: one ldmatrix.x4 "
           "per k-step instead of two paired loads">,
    Option<"registerWeights", "register-weights", "bool", /*default=*/"false",
           "A buffer W that one tf32 / 3xtf32 contraction of a loop updates "
           "in place (W += A B) and others of its warp group read as their "
           "whole B side stays in the registers of the group's first "
           "columns / 16 warps over the loop: the update runs as "
           "W^T += B^T A^T, the products as Z^T = W^T A^T, and the update "
           "still stores W for every other reader">,
    Option<"registerWeightProducts", "register-weight-products", "bool",
           /*default=*/"true",
           "With register-weights, the products read the registers too "
           "(false: only the update keeps W in registers, sparing its "
           "loads of W; the products read memory as without the option)">,
    Option<"copiesOnOutputWarps", "copies-on-output-warps", "bool",
           /*default=*/"false",
           "In a kernel with two warp groups, the prefetch copies "
           "(ttt.async_copy) start at the output group's first thread, so "
           "that group issues them (it waits for the recurrence's first "
           "ops anyway), not the recurrence's">,
    Option<"clusterGroups", "cluster-groups", "bool", /*default=*/"false",
           "Each warp group on a block of its own in a thread-block "
           "cluster (sm_90), all of the block's threads; what one group "
           "writes and another reads copied between the blocks' shared "
           "memories (st.async, mbarriers)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTGPUPortableMath
    : Pass<"ttt-gpu-portable-math", "::mlir::gpu::GPUModuleOp"> {
  let summary = "f32 rsqrt, sqrt and tanh without libdevice";
  let description = [{
    Rewrites the f32 math ops of the layer kernels so that their PTX needs
    no libdevice (which MLIR's NVVM target links only where a CUDA toolkit
    is found): `math.sqrt` becomes PTX `sqrt.rn.f32` (IEEE, through
    `nvvm.inline_ptx`), `math.rsqrt` 1 / that (`div.rn`), `math.tanh`
    upstream's polynomial approximation, whose `math.fma` and `math.absf`
    become `llvm.intr.fma` and a sign-bit mask. Other math ops are left for
    libdevice.
  }];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // TTT_CONVERSION_PASSES_TD

def TTTGPUParallelLoopsToLaunch
    : Pass<"ttt-gpu-parallel-loops-to-launch", "::mlir::func::FuncOp"> {
  let summary = "Run every outermost scf.parallel of a host function as a "
                "GPU launch, one thread per iteration";
  let description = [{
    For whole-model graphs on the GPU: after `convert-linalg-to-parallel-loops`
    every linalg op is an `scf.parallel` (its reduction dims sequential
    loops inside). Each outermost one, with lower bounds 0 and steps 1,
    becomes a `gpu.launch` of `ceil(N / threads)` blocks of `threads`
    threads, N the product of its upper bounds: thread i runs iteration i
    (row-major, the last dim the fastest, so neighbouring threads touch
    neighbouring elements) if i < N. Other loop bounds are a located error.
  }];
  let options = [
    Option<"threads", "threads", "unsigned", /*default=*/"256",
           "Threads per block (1 to 1024)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def TTTGPUHostBuffers : Pass<"ttt-gpu-host-buffers", "::mlir::func::FuncOp"> {
  let summary = "Allocate a host function's buffers on the GPU";
  let description = [{
    In a host function whose memref arguments are device memory (the GPU
    model ABI of docs/MODEL.md), the buffers bufferization allocated
    outside `gpu.launch` must be device memory too: each `memref.alloc`
    becomes a `gpu.alloc` freed (`gpu.dealloc`) before every return, and
    `memref.dealloc`s are dropped (run it without the deallocation
    pipeline: a model entry's temporaries are a few activations). A
    constant global read by kernels (`memref.get_global`, e.g. RoPE tables)
    gets a device copy (`gpu.memcpy`), freed the same way. An allocation
    inside a host loop or branch is a located error (in a model the loops
    run inside kernels: ttt-gpu-chain-loops-to-launch).
}];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect"];
}

def TTTGPUChainLoopsToLaunch
    : Pass<"ttt-gpu-chain-loops-to-launch", "::mlir::func::FuncOp"> {
  let summary = "Run each TTT chain loop of a host function as a GPU launch, "
                "one block per chain";
  let description = [{
    For whole-model graphs on the GPU: the outermost chain loop of a
    lowered `ttt.scan` (`scf.for` from 0 step 1 marked `ttt.chain` by
    convert-ttt-scan-to-scf, bufferized, without results) becomes a
    `gpu.launch` of one block of `threads` threads per chain, whose body is
    the loop's with the induction variable set to the block id. A buffer
    allocated before the loop and used inside it (other than the outputs
    the loop carries) would be shared by all blocks: each block gets its
    own (copied from the original where that is used outside the loop
    too). Its temporaries and linalg ops are then the chain kernel's
    (`ttt-gpu-private-buffers{workgroup=true}`, `ttt-gpu-distribute`, after
    outlining): the mini-batch loop runs inside one kernel with the fast
    weights in shared memory (or in global memory where they do not fit:
    `ttt-gpu-global-scratch`). A marked loop of another form is a located
    error.
  }];
  let options = [
    Option<"threads", "threads", "unsigned", /*default=*/"128",
           "Threads per block (1 to 1024)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect"];
}

def TTTGPULaunchSharedMemory
    : Pass<"ttt-gpu-launch-shared-memory", "::mlir::ModuleOp"> {
  let summary = "Launch kernels with the dynamic shared memory they were "
                "given";
  let description = [{
    Every `gpu.launch_func` of a kernel that `ttt-gpu-private-buffers`
    gave a `ttt.shared_bytes` attribute launches with that many bytes of
    dynamic shared memory.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTGPUGlobalScratch : Pass<"ttt-gpu-global-scratch", "::mlir::ModuleOp"> {
  let summary = "Move a kernel's block buffers that exceed shared memory to "
                "global memory";
  let description = [{
    After `ttt-gpu-private-buffers{workgroup=true}`, a kernel whose
    `ttt.shared_bytes` exceed `max-shared-bytes` (what one block may opt in
    to) keeps the same buffer layout in global memory instead: it gets a
    trailing `memref<?xi8>` argument, each block using the slice at
    `block_id x * bytes`, and each `gpu.launch_func` of it allocates
    grid-x times that many bytes before the launch and frees them after.
    Every thread of the block still sees every buffer (and `gpu.barrier`
    orders global memory within a block), so `ttt-gpu-distribute` holds.
    TTT-MLP's decode step (462 KB per head) needs it.
  }];
  let options = [
    Option<"maxSharedBytes", "max-shared-bytes", "int64_t",
           /*default=*/"232448",
           "Most dynamic shared memory per block (H100: 227 KB)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def TTTGPUTileContractions
    : Pass<"ttt-gpu-tile-contractions", "::mlir::func::FuncOp"> {
  let summary = "Run the GEMMs of a host function as shared-memory tiled "
                "GPU launches";
  let description = [{
    For whole-model graphs on the GPU: every `linalg.generic` on buffers
    outside a `gpu.launch` that is a contraction `out[m, n] += a * b` over
    three loops (two parallel, one reduction; `a` indexed by m and k, `b`
    by n and k, in any order of their dims) becomes a `gpu.launch` of
    ceil(N/tile) x ceil(M/tile) blocks of tile x tile threads: each step of
    `tile` along k stages a tile x tile slice of `a` and of `b` in shared
    memory (zeros outside the bounds), and each thread adds its dot
    product to its output element. Other ops are left to
    `ttt-gpu-parallel-loops-to-launch`.
  }];
  let options = [
    Option<"tile", "tile", "int64_t", /*default=*/"16",
           "Tile edge: tile x tile threads per block (at most 32)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}
