//===- FoldNextInit.cpp - The next bias folded into the lookahead ---------===//

#include "FoldNextInit.h"
#include "AccumulatorInit.h"
#include "LinearBodies.h"
#include "ttt/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::ttt::linear_bodies;

namespace mlir::ttt::lookahead {
namespace {

/// The vector `t` broadcasts along rows: out[i, j] = v[j].
Value rowBroadcastSource(Value t) {
  auto op = t.getDefiningOp<linalg::GenericOp>();
  if (!op || !ttt::yieldsItsInput(op) || op.getNumLoops() != 2 ||
      op.getNumReductionLoops() != 0)
    return {};
  MLIRContext *ctx = op.getContext();
  if (op.getIndexingMapsArray()[0] !=
      AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx))
    return {};
  return op.getDpsInputs()[0];
}

/// Whether every result of `map` is d0 or d2 (not d1, no expression).
bool isRowAndReductionMap(AffineMap map) {
  return llvm::all_of(map.getResults(), [](AffineExpr e) {
    auto dim = dyn_cast<AffineDimExpr>(e);
    return dim && dim.getPosition() != 1;
  });
}

} // namespace

std::optional<unsigned> gradInputOf(linalg::GenericOp update,
                                    unsigned linearInput) {
  for (OpOperand *input : update.getDpsInputOperands()) {
    if (input->getOperandNumber() == linearInput ||
        update.getMatchingIndexingMap(input) !=
            dimsMap(update.getContext(), {2, 1}))
      continue;
    return linearInputAlong(update, 1, input->get());
  }
  return std::nullopt;
}

std::optional<InitFold> initFoldOf(scf::ForOp loop, UpdateTerms terms,
                                   Value init) {
  Value bias = rowBroadcastSource(init);
  auto biasArg = dyn_cast_or_null<BlockArgument>(bias);
  if (!biasArg || biasArg.getOwner() != loop.getBody() ||
      biasArg.getArgNumber() == 0)
    return std::nullopt;
  unsigned index = biasArg.getArgNumber() - 1;
  Value next = loop.getBody()->getTerminator()->getOperand(index);
  // b' = Q[row, :].
  auto slice = next.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || slice.getSourceType().getRank() != 2 ||
      slice.getResultType().getRank() != 1 || !slice.hasUnitStride() ||
      !slice.getSourceType().hasStaticShape())
    return std::nullopt;
  SmallVector<int64_t> offsets(slice.getStaticOffsets()),
      sizes(slice.getStaticSizes());
  int64_t columns = slice.getSourceType().getDimSize(1);
  if (ShapedType::isDynamic(offsets[0]) || offsets[1] != 0 || sizes[0] != 1 ||
      sizes[1] != columns)
    return std::nullopt;
  auto q = slice.getSource().getDefiningOp<linalg::GenericOp>();
  if (!q || q->getBlock() != loop.getBody() || !isMatmulShaped(q) ||
      rowBroadcastSource(q.getDpsInits()[0]) != bias)
    return std::nullopt;
  Value r = terms.update->getOperand(terms.gradInput);
  std::optional<unsigned> gradInput = linearInputAlong(q, 1, r);
  if (!gradInput)
    return std::nullopt;
  // Q's other inputs read at rows and k only (sliced at the row below).
  for (OpOperand *input : q.getDpsInputOperands())
    if (input->getOperandNumber() != *gradInput &&
        (!isRowAndReductionMap(q.getMatchingIndexingMap(input)) ||
         !cast<ShapedType>(input->get().getType()).hasStaticShape()))
      return std::nullopt;
  // The update's other inputs at rows and k too (linearInputAlong saw no j).
  for (OpOperand *input : terms.update.getDpsInputOperands())
    if (input->getOperandNumber() != terms.linearInput &&
        input->getOperandNumber() != terms.gradInput &&
        !isRowAndReductionMap(terms.update.getMatchingIndexingMap(input)))
      return std::nullopt;
  return InitFold{terms, q, offsets[0], *gradInput};
}

Value foldedCoefficients(OpBuilder &b, Location loc, InitFold fold, Value a,
                         const IRMapping &map) {
  MLIRContext *ctx = b.getContext();
  UpdateTerms terms = fold.terms;
  // (i, j, k) -> (i, k): the coefficient op's loops.
  AffineMap toCoef =
      AffineMap::get(2, 0,
                     {getAffineDimExpr(0, ctx), getAffineConstantExpr(0, ctx),
                      getAffineDimExpr(1, ctx)},
                     ctx);
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  // The update's operands, A for L.
  for (OpOperand *input : terms.update.getDpsInputOperands()) {
    unsigned i = input->getOperandNumber();
    if (i == terms.gradInput)
      continue;
    bool isL = i == terms.linearInput;
    ins.push_back(isL ? a : map.lookupOrDefault(input->get()));
    maps.push_back((isL ? dimsMap(ctx, {0, 2})
                        : terms.update.getMatchingIndexingMap(input))
                       .compose(toCoef));
  }
  // The accumulation's operands at its row: a dim read at i is sliced there.
  linalg::GenericOp q = fold.accumulation;
  for (OpOperand *input : q.getDpsInputOperands()) {
    unsigned i = input->getOperandNumber();
    if (i == fold.gradInput)
      continue;
    Value v = map.lookupOrDefault(input->get());
    auto type = cast<RankedTensorType>(v.getType());
    AffineMap m = q.getMatchingIndexingMap(input);
    SmallVector<OpFoldResult> offsets, sizes, strides;
    SmallVector<int64_t> kept;
    SmallVector<AffineExpr> results;
    for (auto [d, e] : llvm::enumerate(m.getResults())) {
      bool atRow = cast<AffineDimExpr>(e).getPosition() == 0;
      offsets.push_back(b.getIndexAttr(atRow ? fold.row : 0));
      sizes.push_back(b.getIndexAttr(atRow ? 1 : type.getDimSize(d)));
      strides.push_back(b.getIndexAttr(1));
      if (!atRow) {
        kept.push_back(type.getDimSize(d));
        results.push_back(getAffineDimExpr(1, ctx));
      }
    }
    if (kept.size() != static_cast<size_t>(type.getRank()))
      v = tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get(kept, type.getElementType()), v,
          offsets, sizes, strides);
    ins.push_back(v);
    maps.push_back(AffineMap::get(2, 0, results, ctx));
  }
  // Every element is written (the body reads no output).
  Value init = ttt::emptyLike(b, loc, a);
  return ttt::buildGeneric(
      b, loc, ins, maps, init, AffineMap::getMultiDimIdentityMap(2, ctx),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        // The update's other inputs come first, then the accumulation's.
        unsigned split = terms.update.getNumDpsInputs() - 1;
        Value fromUpdate = coefficientOf(
            nb, nl, terms.update, terms.gradInput, args.take_front(split),
            linalg::IndexOp::create(nb, nl, 0), map);
        Value fromBias = coefficientOf(
            nb, nl, q, fold.gradInput,
            args.slice(split, args.size() - 1 - split),
            arith::ConstantIndexOp::create(nb, nl, fold.row), map);
        return arith::AddFOp::create(nb, nl, fromUpdate, fromBias);
      });
}

Value correctWith(OpBuilder &b, Location loc, Value coef, Value r, Value init) {
  // Into a buffer of its own (ttt-gpu-fold-init-copies then starts it from
  // `init`): `init` and the correction may run on different warp groups.
  Value start =
      linalg::CopyOp::create(b, loc, init, ttt::emptyLike(b, loc, init))
          .getResult(0);
  Value out = addProduct(b, loc, coef, r, start);
  out.getDefiningOp()->setAttr(kCorrectionAttr, b.getUnitAttr());
  return out;
}

} // namespace mlir::ttt::lookahead
