//===- LookaheadProducts.cpp - The next chunk's X W from the old weights --===//
//
// In a chunk loop the recurrence is X W -> ... -> R -> W' = W + dW, and the
// next step's X W' cannot start before the update. With dW = sum_k t(L, R)
// linear in L, X W' = X W + sum_k t(X L^T, R): the next chunk's X W is
// started from the weights this step begins with, beside this step's own
// ops, and only a product of depth 16 (the mini-batch) waits for R. The
// pass description (Passes.td) has the exact conditions.
//
//===----------------------------------------------------------------------===//

#include "CarriedInPlace.h"
#include "FoldNextInit.h"
#include "LinearBodies.h"
#include "LoopRotation.h"
#include "ttt/Conversion/Passes.h"
#include "ttt/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPULOOKAHEADPRODUCTS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using namespace mlir::ttt::linear_bodies;

namespace {

/// Whether `op` is Y = I + X W with W = `weights`: loops (i, j, k), X at
/// (i, k), W at (k, j), the body out + x * w.
bool isProductOf(linalg::GenericOp op, Value weights) {
  if (!isMatmulShaped(op) || op.getNumDpsInputs() != 2 ||
      op.getDpsInputs()[1] != weights)
    return false;
  MLIRContext *ctx = op.getContext();
  if (op.getIndexingMapsArray()[0] != dimsMap(ctx, {0, 2}) ||
      op.getIndexingMapsArray()[1] != dimsMap(ctx, {2, 1}))
    return false;
  Block *body = op.getBody();
  auto add = dyn_cast_or_null<arith::AddFOp>(
      body->getTerminator()->getOperand(0).getDefiningOp());
  if (!add)
    return false;
  Value out = body->getArgument(2);
  Value product = add.getLhs() == out ? add.getRhs() : add.getLhs();
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul || (add.getLhs() != out && add.getRhs() != out))
    return false;
  Value x = body->getArgument(0), w = body->getArgument(1);
  return (mul.getLhs() == x && mul.getRhs() == w) ||
         (mul.getLhs() == w && mul.getRhs() == x);
}

/// The ops of `body` that `roots` depend on (operands of nested ops too),
/// in body order.
SmallVector<Operation *> sliceOf(ValueRange roots, Block *body) {
  DenseSet<Operation *> seen;
  SmallVector<Value> work(roots.begin(), roots.end());
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != body || !seen.insert(def).second)
      continue;
    def->walk([&](Operation *nested) {
      llvm::append_range(work, nested->getOperands());
    });
  }
  SmallVector<Operation *> ordered;
  for (Operation &op : *body)
    if (seen.contains(&op))
      ordered.push_back(&op);
  return ordered;
}

/// Whether the ops read no iteration argument (the induction variable may
/// be read) and have no side effects.
bool isStepIndependent(ArrayRef<Operation *> ops, scf::ForOp loop) {
  return llvm::all_of(ops, [&](Operation *op) {
    if (!isMemoryEffectFree(op))
      return false;
    WalkResult r = op->walk([&](Operation *nested) {
      for (Value v : nested->getOperands())
        if (llvm::is_contained(loop.getRegionIterArgs(), v))
          return WalkResult::interrupt();
      return WalkResult::advance();
    });
    return !r.wasInterrupted();
  });
}

/// One weight argument of a chunk loop and its two ops.
struct Lookahead {
  unsigned weightIndex;
  linalg::GenericOp update;  // W' = W + sum_k t(L, R)
  unsigned linearInput;      // L among the update's operands
  linalg::GenericOp product; // Y = I + X W
  /// With fold-next-init: the next init folded into the correction.
  std::optional<ttt::lookahead::InitFold> fold;
};

std::optional<Lookahead> lookaheadOf(scf::ForOp loop, bool foldNextInit) {
  Block *body = loop.getBody();
  auto yield = cast<scf::YieldOp>(body->getTerminator());
  for (auto [index, weights] : llvm::enumerate(loop.getRegionIterArgs())) {
    auto update = yield.getOperand(index).getDefiningOp<linalg::GenericOp>();
    if (!update || update->getBlock() != body ||
        update.getDpsInits()[0] != weights)
      continue;
    // L, read at (k, i).
    std::optional<unsigned> linear = linearInputAlong(update, 0);
    if (!linear)
      continue;
    Value l = update->getOperand(*linear);
    if (!isStepIndependent(sliceOf(l, body), loop) ||
        !cast<ShapedType>(l.getType()).hasStaticShape())
      continue;
    SmallVector<Operation *> updateSlice = sliceOf(update.getDpsInputs(), body);
    for (Operation *user : weights.getUsers()) {
      auto product = dyn_cast<linalg::GenericOp>(user);
      if (!product || product == update || product->getBlock() != body ||
          !isProductOf(product, weights) ||
          !llvm::is_contained(updateSlice, product.getOperation()))
        continue;
      Value x = product.getDpsInputs()[0];
      if (!cast<ShapedType>(x.getType()).hasStaticShape() ||
          !cast<ShapedType>(product.getResultTypes()[0]).hasStaticShape() ||
          x.getType() != l.getType() ||
          !isStepIndependent(sliceOf(x, body), loop) ||
          !llvm::all_of(sliceOf(product.getDpsInits(), body),
                        [](Operation *op) { return isMemoryEffectFree(op); }))
        continue;
      Lookahead la{static_cast<unsigned>(index), update, *linear, product,
                   std::nullopt};
      if (std::optional<unsigned> grad =
              ttt::lookahead::gradInputOf(update, *linear);
          grad && foldNextInit)
        la.fold = ttt::lookahead::initFoldOf(loop, {update, *linear, *grad},
                                             product.getDpsInits()[0]);
      return la;
    }
  }
  return std::nullopt;
}

/// A = X L^T: A[i, k] = sum_c X[i, c] L[k, c].
Value transposedProduct(OpBuilder &b, Location loc, Value x, Value l) {
  MLIRContext *ctx = b.getContext();
  return ttt::buildReduction(
      b, loc, ValueRange{x, l}, {dimsMap(ctx, {0, 2}), dimsMap(ctx, {1, 2})},
      dimsMap(ctx, {0, 1}), cast<ShapedType>(x.getType()).getElementType(),
      [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value p = arith::MulFOp::create(nb, nl, args[0], args[1]);
        return arith::AddFOp::create(nb, nl, args[2], p);
      });
}

/// The update's body applied to A in place of L, accumulating into `init`:
/// init[i, j] (+|-) sum_k t(A[i, k], R[k, j]). `map` gives the update's
/// operands (and the values its body reads from the loop) where built.
Value correction(OpBuilder &b, Location loc, const Lookahead &la, Value a,
                 Value init, IRMapping map) {
  linalg::GenericOp update = la.update;
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *input : update.getDpsInputOperands()) {
    bool isL = input->getOperandNumber() == la.linearInput;
    inputs.push_back(isL ? a : map.lookupOrDefault(input->get()));
    maps.push_back(isL ? dimsMap(b.getContext(), {0, 2})
                       : update.getMatchingIndexingMap(input));
  }
  maps.push_back(update.getMatchingIndexingMap(update.getDpsInitOperand(0)));
  auto op = linalg::GenericOp::create(b, loc, TypeRange{init.getType()}, inputs,
                                      ValueRange{init}, maps,
                                      update.getIteratorTypesArray(),
                                      /*bodyBuild=*/nullptr);
  // The builder leaves an empty block where no body is built; the body's
  // arguments may be mapped already (to the update's clone).
  op.getRegion().getBlocks().clear();
  for (BlockArgument arg : update.getBody()->getArguments())
    map.erase(arg);
  update.getRegion().cloneInto(&op.getRegion(), map);
  return op.getResult(0);
}

/// Y_next = (P + I_next) + the update's sum with A for L.
Value unfoldedCorrection(OpBuilder &b, Location loc, const Lookahead &la,
                         Value a, Value early, const IRMapping &map,
                         ArrayRef<Operation *> initSlice, Value next) {
  scf::ForOp loop = cast<scf::ForOp>(la.update->getParentOp());
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  IRMapping nextInit;
  nextInit.map(loop.getInductionVar(), next);
  for (unsigned i = 0; i < loop.getNumRegionIterArgs(); ++i)
    nextInit.map(loop.getRegionIterArg(i),
                 map.lookupOrDefault(yield.getOperand(i)));
  for (Operation *op : initSlice)
    b.clone(*op, nextInit);
  linalg::GenericOp product = la.product;
  Value init = product.getDpsInits()[0];
  Value start = ttt::addTensors(b, loc, early, nextInit.lookupOrDefault(init));
  return correction(b, loc, la, a, start, map);
}

/// Y_next = (P + I) + sum_k C[i, k] R[k, j]: the next init's change and
/// the update's sum with A for L as one product (FoldNextInit.h).
Value foldedCorrection(OpBuilder &b, Location loc, const Lookahead &la, Value a,
                       Value early, const IRMapping &map) {
  Value coef = ttt::lookahead::foldedCoefficients(b, loc, *la.fold, a, map);
  linalg::GenericOp update = la.update;
  Value r = map.lookup(update->getOperand(la.fold->terms.gradInput));
  return ttt::lookahead::correctWith(b, loc, coef, r, early);
}

void rewrite(scf::ForOp loop, const Lookahead &la) {
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  Block *body = loop.getBody();
  unsigned numArgs = loop.getNumRegionIterArgs();
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound(),
        step = loop.getStep();
  linalg::GenericOp product = la.product, update = la.update;
  Value x = product.getDpsInputs()[0], init = product.getDpsInits()[0];
  Type yType = product.getResultTypes()[0];
  SmallVector<Operation *> inputSlice = sliceOf(x, body);
  SmallVector<Operation *> initSlice = sliceOf(init, body);
  // The product and what it reads, for the first chunk.
  SmallVector<Operation *> productSlice = sliceOf(product->getResults(), body);

  // The first chunk's Y, where the loop runs at all.
  Value firstEnd = arith::MinSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, lb, step), ub);
  auto yTensor = cast<RankedTensorType>(yType);
  Value unset = tensor::EmptyOp::create(b, loc, yTensor.getShape(),
                                        yTensor.getElementType());
  auto prologue = scf::ForOp::create(
      b, loc, lb, firstEnd, step, ValueRange{unset},
      [&](OpBuilder &pb, Location, Value iv, ValueRange args) {
        IRMapping map;
        map.map(loop.getInductionVar(), iv);
        for (unsigned i = 0; i < numArgs; ++i)
          map.map(loop.getRegionIterArg(i), loop.getInitArgs()[i]);
        for (Operation *op : productSlice)
          pb.clone(*op, map);
        // In the argument's buffer: the loop's result is then that buffer
        // (a static shared view), not one of two.
        Value first = map.lookup(product->getResult(0));
        ttt::produceInto(first, args[0]);
        scf::YieldOp::create(pb, loc, first);
      });

  SmallVector<Value> inits(loop.getInitArgs());
  inits.push_back(prologue.getResult(0));
  auto newLoop = scf::ForOp::create(
      b, loc, lb, ub, step, inits,
      [&](OpBuilder &nb, Location, Value iv, ValueRange args) {
        Value carried = args[numArgs];
        IRMapping map;
        map.map(loop.getInductionVar(), iv);
        for (unsigned i = 0; i < numArgs; ++i)
          map.map(loop.getRegionIterArg(i), args[i]);
        // The next chunk (the last step: its own again, never used).
        Value next = arith::MinSIOp::create(
            nb, loc, arith::AddIOp::create(nb, loc, iv, step),
            arith::SubIOp::create(nb, loc, ub, step));
        IRMapping nextInput;
        nextInput.map(loop.getInductionVar(), next);
        Value xNext, early, a;
        for (Operation &op : body->without_terminator()) {
          if (&op == product.getOperation()) {
            for (Operation *sliceOp : inputSlice)
              nb.clone(*sliceOp, nextInput);
            xNext = nextInput.lookup(x);
            IRMapping productMap = map;
            productMap.map(x, xNext);
            // Folded: X' W + I, the init of this step (its bias).
            productMap.map(init, la.fold ? map.lookupOrDefault(init)
                                         : ttt::zerosLike(nb, loc, carried));
            early = nb.clone(op, productMap)->getResult(0);
            map.map(product->getResult(0), carried);
            continue;
          }
          if (&op == update.getOperation()) {
            a = transposedProduct(
                nb, loc, xNext, map.lookup(update->getOperand(la.linearInput)));
          }
          nb.clone(op, map);
        }
        auto yield = cast<scf::YieldOp>(body->getTerminator());
        Value yNext = la.fold ? foldedCorrection(nb, loc, la, a, early, map)
                              : unfoldedCorrection(nb, loc, la, a, early, map,
                                                   initSlice, next);
        ttt::produceInto(yNext, carried);
        SmallVector<Value> yields;
        for (Value v : yield.getOperands())
          yields.push_back(map.lookupOrDefault(v));
        yields.push_back(yNext);
        scf::YieldOp::create(nb, loc, yields);
      });
  for (unsigned i = 0; i < numArgs; ++i)
    loop.getResult(i).replaceAllUsesWith(newLoop.getResult(i));
  loop.erase();
  // What only the product read (its init: the bias broadcast) goes.
  for (Operation &op :
       llvm::make_early_inc_range(llvm::reverse(*newLoop.getBody())))
    if (op.use_empty() && !op.hasTrait<OpTrait::IsTerminator>() &&
        isMemoryEffectFree(&op))
      op.erase();
}

struct TTTGPULookaheadProductsPass
    : ttt::impl::TTTGPULookaheadProductsBase<TTTGPULookaheadProductsPass> {
  using Base::Base;

  void runOnOperation() override {
    ttt::rewriteChunkLoops(
        getOperation(),
        [&](scf::ForOp loop) { return lookaheadOf(loop, foldNextInit); },
        rewrite);
  }
};

} // namespace
