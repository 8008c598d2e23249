//===- LinalgVJP.cpp - VJP rules for upstream linalg ops ------------------===//
//
// External models of DifferentiableOpInterface for the linalg ops the inner
// models are written with: contractions (matmul with any operand
// transposed through its indexing maps, batch_vecmat, ...), elementwise
// add/sub/mul and broadcast. Each rule is one linalg.generic per operand.
//
//===----------------------------------------------------------------------===//

#include "VJPUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "ttt/Dialect/TTT/IR/TTTInterfaces.h"
#include "ttt/Transforms/Passes.h"
#include "ttt/Utils/TensorBuilders.h"

using namespace mlir;
using namespace mlir::ttt;
using namespace mlir::ttt::vjp;

namespace {

Type elementType(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

/// C = init + sum A * B over the loops C does not index.
template <typename OpTy>
struct ContractionVJP
    : DifferentiableOpInterface::ExternalModel<ContractionVJP<OpTy>, OpTy> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, VJPState &state) const {
    auto linalgOp = cast<linalg::LinalgOp>(op);
    Location loc = op->getLoc();
    Value dC = state.resultCotangents[0];
    Value result = op->getResult(0);
    state.operandCotangents.assign(op->getNumOperands(), Value());
    if (!dC)
      return success();
    if (linalgOp.getNumDpsInputs() != 2 ||
        !linalg::isaContractionOpInterface(linalgOp))
      return op->emitOpError("has no VJP rule: not a two-input contraction");

    SmallVector<AffineMap> maps = linalgOp.getIndexingMapsArray();
    bool ext = state.needsExampleDim(result);
    unsigned shift = ext ? 1 : 0;
    AffineMap mC = shifted(maps[2], shift);
    AffineMap dCMap = ext ? withLeadingDim(mC, 0) : mC;
    std::optional<unsigned> rowLoop;
    if (auto d = dyn_cast<AffineDimExpr>(mC.getResult(0)))
      rowLoop = d.getPosition();

    for (unsigned i = 0; i < 2; ++i) {
      Value x = op->getOperand(i);
      if (!state.isActive(x))
        continue;
      Value other = op->getOperand(1 - i);
      FailureOr<AffineMap> outMap = operandCotangentMap(
          op, state, x, shifted(maps[i], shift), ext, rowLoop);
      if (failed(outMap))
        return failure();
      state.operandCotangents[i] = buildReduction(
          b, loc, ValueRange{dC, other}, {dCMap, shifted(maps[1 - i], shift)},
          *outMap, elementType(x),
          [](OpBuilder &nb, Location l, ValueRange a) -> Value {
            Value p = arith::MulFOp::create(nb, l, a[0], a[1]);
            return arith::AddFOp::create(nb, l, a[2], p);
          });
    }
    Value init = op->getOperand(2);
    if (state.isActive(init)) {
      if (state.needsExampleDim(init) != ext)
        return op->emitOpError("per-example gradient of a contraction's "
                               "accumulator is not supported");
      state.operandCotangents[2] = dC;
    }
    return success();
  }
};

/// Elementwise binary op on same-shaped tensors.
template <typename OpTy>
struct ElementwiseVJP
    : DifferentiableOpInterface::ExternalModel<ElementwiseVJP<OpTy>, OpTy> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, VJPState &state) const {
    Location loc = op->getLoc();
    Value dC = state.resultCotangents[0];
    state.operandCotangents.assign(op->getNumOperands(), Value());
    if (!dC)
      return success();
    bool ext = state.needsExampleDim(op->getResult(0));
    unsigned rank =
        cast<RankedTensorType>(op->getResult(0).getType()).getRank();
    unsigned loops = rank + (ext ? 1 : 0);
    AffineMap id = b.getMultiDimIdentityMap(loops);
    AffineMap plain = shifted(b.getMultiDimIdentityMap(rank), ext ? 1 : 0);

    for (unsigned i = 0; i < 2; ++i) {
      Value x = op->getOperand(i);
      if (!state.isActive(x))
        continue;
      if (!ext && state.needsExampleDim(x))
        return op->emitOpError("per-example gradient of a shared operand of "
                               "a row-wise elementwise op is not supported");
      Value other = op->getOperand(1 - i);
      bool negate = std::is_same_v<OpTy, linalg::SubOp> && i == 1;
      bool multiply = std::is_same_v<OpTy, linalg::MulOp>;
      if (!negate && !multiply) {
        state.operandCotangents[i] = dC;
        continue;
      }
      state.operandCotangents[i] = buildGeneric(
          b, loc, ValueRange{dC, other}, {id, plain}, emptyLike(b, loc, dC), id,
          [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
            if (multiply)
              return arith::MulFOp::create(nb, l, a[0], a[1]);
            return arith::NegFOp::create(nb, l, a[0]);
          });
    }
    return success();
  }
};

/// out[d] = in[d without the broadcast dims]: the VJP sums over them.
struct BroadcastVJP
    : DifferentiableOpInterface::ExternalModel<BroadcastVJP,
                                               linalg::BroadcastOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, VJPState &state) const {
    auto bcast = cast<linalg::BroadcastOp>(op);
    Value dC = state.resultCotangents[0];
    state.operandCotangents.assign(op->getNumOperands(), Value());
    Value x = bcast.getInput();
    if (!dC || !state.isActive(x))
      return success();
    bool ext = state.needsExampleDim(op->getResult(0));
    unsigned rank = bcast.getInit().getType().getRank();
    unsigned shift = ext ? 1 : 0;
    SmallVector<AffineExpr> kept;
    for (unsigned d = 0; d < rank; ++d)
      if (!llvm::is_contained(bcast.getDimensions(), int64_t(d)))
        kept.push_back(getAffineDimExpr(d, b.getContext()));
    AffineMap xMap =
        shifted(AffineMap::get(rank, 0, kept, b.getContext()), shift);
    AffineMap dCMap = b.getMultiDimIdentityMap(rank + shift);
    std::optional<unsigned> rowLoop = shift;
    FailureOr<AffineMap> outMap =
        operandCotangentMap(op, state, x, xMap, ext, rowLoop);
    if (failed(outMap))
      return failure();
    state.operandCotangents[0] = buildReduction(
        b, op->getLoc(), ValueRange{dC}, {dCMap}, *outMap, elementType(x),
        [](OpBuilder &nb, Location l, ValueRange a) -> Value {
          return arith::AddFOp::create(nb, l, a[1], a[0]);
        });
    return success();
  }
};

/// A fill's value is a constant scalar: nothing flows back.
struct FillVJP
    : DifferentiableOpInterface::ExternalModel<FillVJP, linalg::FillOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, VJPState &state) const {
    state.operandCotangents.assign(op->getNumOperands(), Value());
    return success();
  }
};

} // namespace

void registerLinalgVJPModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, linalg::LinalgDialect *) {
    linalg::MatmulOp::attachInterface<ContractionVJP<linalg::MatmulOp>>(*ctx);
    linalg::BatchMatmulOp::attachInterface<
        ContractionVJP<linalg::BatchMatmulOp>>(*ctx);
    linalg::BatchVecmatOp::attachInterface<
        ContractionVJP<linalg::BatchVecmatOp>>(*ctx);
    linalg::MatvecOp::attachInterface<ContractionVJP<linalg::MatvecOp>>(*ctx);
    linalg::VecmatOp::attachInterface<ContractionVJP<linalg::VecmatOp>>(*ctx);
    linalg::AddOp::attachInterface<ElementwiseVJP<linalg::AddOp>>(*ctx);
    linalg::SubOp::attachInterface<ElementwiseVJP<linalg::SubOp>>(*ctx);
    linalg::MulOp::attachInterface<ElementwiseVJP<linalg::MulOp>>(*ctx);
    linalg::BroadcastOp::attachInterface<BroadcastVJP>(*ctx);
    linalg::FillOp::attachInterface<FillVJP>(*ctx);
  });
}
