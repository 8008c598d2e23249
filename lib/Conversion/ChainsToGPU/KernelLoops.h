//===- KernelLoops.h - Points of a linalg op inside a kernel ----*- C++ -*-===//
//
// Shared by ttt-gpu-distribute and its tensor-core contractions: reading an
// op's operand at one iteration point, and the loop that spreads points
// over threads (or tiles over warps).
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_KERNELLOOPS_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_KERNELLOOPS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::ttt {

/// The indices of `map` at the point `ivs` (one value per loop dim).
SmallVector<Value> indicesAt(OpBuilder &b, Location loc, AffineMap map,
                             ArrayRef<Value> ivs);

/// Operand `o` of `op` at the point `ivs`: a load through its indexing map,
/// or the value itself when it is a scalar.
Value readAt(OpBuilder &b, Location loc, linalg::GenericOp op, OpOperand &o,
             ArrayRef<Value> ivs);

/// The body of `op` at the point `ivs` with the given output values (its
/// inputs read there); returns the values it yields.
SmallVector<Value> emitBody(OpBuilder &b, Location loc, linalg::GenericOp op,
                            ArrayRef<Value> ivs, ValueRange outs);

/// The same with the input values given (`ins`, read elsewhere).
SmallVector<Value> emitBodyWith(OpBuilder &b, Location loc,
                                linalg::GenericOp op, ArrayRef<Value> ivs,
                                ValueRange ins, ValueRange outs);

/// Stores `values` into the outputs of `op` at the point `ivs`.
void storeAt(OpBuilder &b, Location loc, linalg::GenericOp op,
             ArrayRef<Value> ivs, ValueRange values);

/// Whether output `index` is combined by `out + x`: the yielded value is
/// an addf of its block argument (that argument's only use) and another
/// value, and nothing else uses that addf.
bool addCombinedOutput(linalg::GenericOp op, unsigned index);

/// Whether every output is addCombinedOutput (so partial sums may start
/// at zero and be added at the end).
bool addCombined(linalg::GenericOp op);

/// The sizes of `op`'s loops (constants where static).
SmallVector<Value> loopSizes(OpBuilder &b, Location loc, linalg::GenericOp op);

/// The product of `sizes` over `dims` (folded to a constant where static).
Value productOf(OpBuilder &b, Location loc, ArrayRef<unsigned> dims,
                ArrayRef<Value> sizes);

/// Splits `linear` over the loop dims `dims` (the last the fastest) into
/// `ivs`.
void delinearize(OpBuilder &b, Location loc, Value linear,
                 ArrayRef<unsigned> dims, ArrayRef<Value> sizes,
                 SmallVectorImpl<Value> &ivs);

/// Sums each of `values` over groups of `width` lanes (a power of two, at
/// most 32) by a butterfly of xor shuffles; every lane ends with its
/// group's sums.
void butterflySum(OpBuilder &b, Location loc, MutableArrayRef<Value> values,
                  int64_t width);

/// A barrier of the warp's lanes (bar.warp.sync, all lanes): orders their
/// shared-memory accesses.
void emitWarpSync(OpBuilder &b, Location loc);

/// The attributes of ttt-gpu-output-warps: on an op, its warp group (1:
/// the output group; 2: the weight group; absent: 0); on the kernel, the
/// output group's threads (the block's last ones) and the weight group's
/// (the block's first ones; the recurrence's group then runs between).
inline constexpr llvm::StringLiteral kWarpGroupAttr = "ttt.warp_group";
inline constexpr llvm::StringLiteral kOutputThreadsAttr = "ttt.output_threads";
inline constexpr llvm::StringLiteral kWeightThreadsAttr = "ttt.weight_threads";
/// ttt-gpu-output-warps{split-weights}: the weight threads make two groups
/// (2: the first half, 3: the second).
inline constexpr llvm::StringLiteral kSplitWeightsAttr = "ttt.split_weights";
/// On an op of one warp group: it waits until the other groups have run
/// every op before it (ttt-gpu-output-warps{defer-output}).
inline constexpr llvm::StringLiteral kWaitOtherGroupAttr =
    "ttt.wait_other_group";

/// On an op after a chunk loop: it finishes the loop's last output slice
/// from values the loop carried (ttt-gpu-rotate-output-chain's epilogue),
/// so what it reads is output, not state the loop leaves for later.
inline constexpr llvm::StringLiteral kOutputEpilogueAttr =
    "ttt.output_epilogue";

/// The block barrier `block` starts with (only ops free of memory effects,
/// or waits for the thread's own async copies, before it), or null.
Operation *leadingBarrier(Block &block);

/// A product over a reduction dim with a result of rank 2 or more (not a
/// row statistic): what the tensor cores run, a step's longest ops.
bool isContraction(linalg::LinalgOp op);

/// The attribute of ttt-gpu-split-narrow-contractions on a contraction:
/// its tensor-core tiles take the warps after those of the contractions
/// before it since the last block barrier (spread-mma-warps for this op).
inline constexpr llvm::StringLiteral kSpreadMmaAttr = "ttt.spread_mma";

/// The attribute of ttt-gpu-fold-zero-fills: the indices of the outputs
/// whose accumulation starts from zero instead of their old value.
inline constexpr llvm::StringLiteral kZeroInitAttr = "ttt.zero_init";

/// The outputs of `op` marked by kZeroInitAttr (none when unmarked).
ArrayRef<int64_t> zeroInitOutputs(linalg::GenericOp op);

/// The input a pairs attribute `attr` of `op` (numbers in pairs: a key,
/// an input operand number) names for `key`, or null.
OpOperand *pairedInput(linalg::GenericOp op, StringRef attr, int64_t key);

/// Appends `v` to the inputs of `op`, read through `map` (its body gets an
/// argument for it, unused), and the pair (`key`, its operand number) to
/// the pairs attribute `attr`.
void appendPairedInput(linalg::GenericOp op, Value v, AffineMap map,
                       StringRef attr, int64_t key);

/// The attribute of ttt-gpu-fold-init-copies: pairs (output index, input
/// operand number) of outputs whose accumulation starts from that input
/// (read through its own indexing map) instead of their old value.
inline constexpr llvm::StringLiteral kInitFromAttr = "ttt.init_from";

/// The input output `index` of `op` starts from (kInitFromAttr), or null.
OpOperand *initInputOf(linalg::GenericOp op, int64_t index);

/// The attribute of ttt-gpu-output-warps{split-weights}: pairs (output
/// index, input operand number) of outputs that start from their
/// kInitFromAttr input plus this one (a partial product), read through
/// its own indexing map.
inline constexpr llvm::StringLiteral kInitPlusAttr = "ttt.init_plus";

/// The input added to output `index`'s initial value (kInitPlusAttr), or
/// null.
OpOperand *initPlusOf(linalg::GenericOp op, int64_t index);

/// Whether output `index` of `op` starts from zero or from an input
/// rather than from its old value.
bool startsElsewhere(linalg::GenericOp op, int64_t index);

/// The value output `out` of `op` starts from at the point `ivs`: zero for
/// a zero-initialised output, its init input there (kInitFromAttr), else
/// its current value.
Value initialValue(OpBuilder &b, Location loc, linalg::GenericOp op,
                   OpOperand &out, ArrayRef<Value> ivs);

/// `v` added to output `out`'s initial value at `ivs` (`v` alone for a
/// zero-initialised output).
Value addToInitial(OpBuilder &b, Location loc, linalg::GenericOp op,
                   OpOperand &out, ArrayRef<Value> ivs, Value v);

/// The attribute of ttt-gpu-split-tf32-operands: pairs (input operand
/// number X, input operand number L) where L holds the rest of X's
/// elements after their tf32 part, x - tf32(x), read through X's map.
inline constexpr llvm::StringLiteral kTF32LowAttr = "ttt.tf32_low";

/// The input holding the rest of input `x`'s elements (kTF32LowAttr), or
/// null.
OpOperand *tf32LowOf(linalg::GenericOp op, OpOperand &x);

/// `index` (of `count`) renumbered so that `first` becomes 0: (index +
/// count - first mod count) mod count; `index` itself where first is a
/// multiple of count. Spreads work that would start at 0 from `first` on.
Value rotatedIndex(OpBuilder &b, Location loc, Value index, int64_t first,
                   int64_t count);

/// `body(linear)` for linear = first, first + step, ... below `total`.
/// With a constant total the loop counts rounds from 0 (a constant trip
/// count that LLVM unrolls, folding the index arithmetic of each round),
/// guarded where the last round is partial.
void forEachPoint(OpBuilder &b, Location loc, Value first, Value total,
                  int64_t step,
                  function_ref<void(OpBuilder &, Location, Value)> body);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_KERNELLOOPS_H
