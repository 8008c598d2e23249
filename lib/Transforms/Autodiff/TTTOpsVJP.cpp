//===- TTTOpsVJP.cpp - VJP rules for the TTT inner-model ops --------------===//

#include "VJPUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "ttt/Dialect/TTT/IR/TTTDialect.h"
#include "ttt/Dialect/TTT/IR/TTTOps.h"
#include "ttt/Utils/LayerNormStats.h"
#include "ttt/Utils/TensorBuilders.h"

using namespace mlir;
using namespace mlir::ttt;
using namespace mlir::ttt::vjp;

namespace {

/// Rules below work on compact cotangents of row-wise ops; an extended one
/// (the op applied to a shared value in per-example mode) is rejected.
LogicalResult requireCompact(Operation *op, VJPState &state, Value input) {
  if (state.needsExampleDim(op->getResult(0)) || state.needsExampleDim(input))
    return op->emitOpError("per-example gradient through this op on a "
                           "shared value is not supported");
  return success();
}

/// dX = dY * f'(x), elementwise.
template <typename OpTy, typename Derived>
struct UnaryVJP : DifferentiableOpInterface::ExternalModel<Derived, OpTy> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, VJPState &state) const {
    state.operandCotangents.assign(1, Value());
    Value dY = state.resultCotangents[0];
    Value x = op->getOperand(0);
    if (!dY || !state.isActive(x))
      return success();
    if (failed(requireCompact(op, state, x)))
      return failure();
    unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
    AffineMap id = b.getMultiDimIdentityMap(rank);
    state.operandCotangents[0] =
        buildGeneric(b, op->getLoc(), ValueRange{dY, x}, {id, id},
                     emptyLike(b, op->getLoc(), x), id,
                     [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                       return arith::MulFOp::create(
                           nb, l, a[0], Derived::derivative(nb, l, a[1]));
                     });
    return success();
  }
};

struct GeluTanhVJP : UnaryVJP<GeluTanhOp, GeluTanhVJP> {
  /// d/dx 0.5 x (1 + t), t = tanh(c (x + a x^3)):
  /// 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2).
  static Value derivative(OpBuilder &b, Location l, Value x) {
    Type t = x.getType();
    auto c = [&](double v) { return floatConst(b, l, t, v); };
    Value x2 = arith::MulFOp::create(b, l, x, x);
    Value inner = arith::MulFOp::create(
        b, l, c(0.7978845608028654),
        arith::AddFOp::create(
            b, l, x,
            arith::MulFOp::create(b, l, c(0.044715),
                                  arith::MulFOp::create(b, l, x2, x))));
    Value th = math::TanhOp::create(b, l, inner);
    Value left = arith::MulFOp::create(b, l, c(0.5),
                                       arith::AddFOp::create(b, l, c(1.0), th));
    Value sech2 = arith::SubFOp::create(b, l, c(1.0),
                                        arith::MulFOp::create(b, l, th, th));
    Value dInner = arith::MulFOp::create(
        b, l, c(0.7978845608028654),
        arith::AddFOp::create(
            b, l, c(1.0), arith::MulFOp::create(b, l, c(3 * 0.044715), x2)));
    Value right =
        arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, c(0.5), x),
                              arith::MulFOp::create(b, l, sech2, dInner));
    return arith::AddFOp::create(b, l, left, right);
  }
};

struct SiluVJP : UnaryVJP<SiluOp, SiluVJP> {
  /// s + x s (1 - s), s = sigmoid(x).
  static Value derivative(OpBuilder &b, Location l, Value x) {
    Value one = floatConst(b, l, x.getType(), 1.0);
    Value s = arith::DivFOp::create(
        b, l, one,
        arith::AddFOp::create(
            b, l, one,
            math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x))));
    Value xs = arith::MulFOp::create(b, l, x, s);
    return arith::AddFOp::create(
        b, l, s,
        arith::MulFOp::create(b, l, xs, arith::SubFOp::create(b, l, one, s)));
  }
};

/// dP = dL (p - t) broadcast over the reduced dims, dT = -dP.
struct L2LossVJP
    : DifferentiableOpInterface::ExternalModel<L2LossVJP, L2LossOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, VJPState &state) const {
    auto loss = cast<L2LossOp>(op);
    state.operandCotangents.assign(2, Value());
    Value dL = state.resultCotangents[0];
    if (!dL)
      return success();
    Value p = loss.getPrediction(), t = loss.getTarget();
    for (Value v : {p, t})
      if (state.isActive(v) && failed(requireCompact(op, state, v)))
        return failure();
    Location loc = op->getLoc();
    unsigned rank = loss.getPrediction().getType().getRank();
    AffineMap id = b.getMultiDimIdentityMap(rank);
    AffineMap lMap = loss.getReduction() == Reduction::none
                         ? rowMap(op->getContext(), rank)
                         : AffineMap::get(rank, 0, op->getContext());
    for (unsigned i = 0; i < 2; ++i) {
      if (!state.isActive(op->getOperand(i)))
        continue;
      bool negate = i == 1;
      state.operandCotangents[i] = buildGeneric(
          b, loc, ValueRange{dL, p, t}, {lMap, id, id}, emptyLike(b, loc, p),
          id, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
            Value diff = negate ? arith::SubFOp::create(nb, l, a[2], a[1])
                                : arith::SubFOp::create(nb, l, a[1], a[2]);
            return arith::MulFOp::create(nb, l, a[0], diff);
          });
    }
    return success();
  }
};

/// With xhat = (x - mean) * rstd (the forward's statistics,
/// buildLayerNormStats) and g = dY * gamma over the last dim:
/// dx = rstd (g - mean(g) - xhat mean(g xhat)), dgamma = sum dY xhat,
/// dbeta = sum dY (per example in per-example mode).
struct LayerNormVJP
    : DifferentiableOpInterface::ExternalModel<LayerNormVJP, LayerNormOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, VJPState &state) const {
    auto ln = cast<LayerNormOp>(op);
    state.operandCotangents.assign(3, Value());
    Value dY = state.resultCotangents[0];
    if (!dY)
      return success();
    Value x = ln.getInput(), gamma = ln.getGamma();
    if (state.isActive(x) && failed(requireCompact(op, state, x)))
      return failure();
    if (state.needsExampleDim(ln.getResult()))
      return requireCompact(op, state, x);
    Location loc = op->getLoc();
    MLIRContext *ctx = op->getContext();
    unsigned rank = ln.getType().getRank();
    Type elt = ln.getType().getElementType();
    AffineMap id = b.getMultiDimIdentityMap(rank);
    AffineMap row = rowMap(ctx, rank), vec = lastDimMap(ctx, rank);
    Value n = dimAsFloat(b, loc, x, rank - 1, elt);
    Value eps = floatConst(b, loc, elt, ln.getEpsilon().convertToDouble());

    // Row statistics, recomputed as the forward lowering computes them
    // (buildLayerNormStats): CSE then shares them with the forward.
    LayerNormStats stats = buildLayerNormStats(b, loc, x, eps);
    Value shift = stats.shift, meanD = stats.meanD, inv = stats.inv;
    // xhat from (x, shift, meanD, inv) at the start of a body's arguments.
    auto xhatOf = [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
      return layerNormXhat(nb, l, a);
    };

    if (state.isActive(x)) {
      // Row sums of g and of g * xhat.
      Value sg = buildReduction(
          b, loc, ValueRange{dY, gamma}, {id, vec}, row, elt,
          [](OpBuilder &nb, Location l, ValueRange a) -> Value {
            return arith::AddFOp::create(
                nb, l, a[2], arith::MulFOp::create(nb, l, a[0], a[1]));
          });
      Value sgx = buildReduction(
          b, loc, ValueRange{x, shift, meanD, inv, dY, gamma},
          {id, row, row, row, id, vec}, row, elt,
          [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
            Value g = arith::MulFOp::create(nb, l, a[4], a[5]);
            Value gx = arith::MulFOp::create(nb, l, g, xhatOf(nb, l, a));
            return arith::AddFOp::create(nb, l, a[6], gx);
          });
      state.operandCotangents[0] = buildGeneric(
          b, loc, ValueRange{x, shift, meanD, inv, dY, gamma, sg, sgx},
          {id, row, row, row, id, vec, row, row}, emptyLike(b, loc, x), id,
          [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
            Value g = arith::MulFOp::create(nb, l, a[4], a[5]);
            Value meanG = arith::DivFOp::create(nb, l, a[6], n);
            Value meanGX = arith::DivFOp::create(nb, l, a[7], n);
            Value t = arith::SubFOp::create(
                nb, l, arith::SubFOp::create(nb, l, g, meanG),
                arith::MulFOp::create(nb, l, xhatOf(nb, l, a), meanGX));
            return arith::MulFOp::create(nb, l, a[3], t);
          });
    }

    // gamma and beta are shared: per example, keep the leading row loop.
    for (unsigned i = 1; i < 3; ++i) {
      Value param = op->getOperand(i);
      if (!state.isActive(param))
        continue;
      FailureOr<AffineMap> outMap =
          operandCotangentMap(op, state, param, vec, false, 0u);
      if (failed(outMap))
        return failure();
      bool isGamma = i == 1;
      state.operandCotangents[i] = buildReduction(
          b, loc, ValueRange{x, shift, meanD, inv, dY}, {id, row, row, row, id},
          *outMap, elt, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
            Value v = isGamma ? Value(arith::MulFOp::create(nb, l, a[4],
                                                            xhatOf(nb, l, a)))
                              : a[4];
            return arith::AddFOp::create(nb, l, a[5], v);
          });
    }
    return success();
  }
};

} // namespace

void registerTTTOpsVJPModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, TTTDialect *) {
    GeluTanhOp::attachInterface<GeluTanhVJP>(*ctx);
    SiluOp::attachInterface<SiluVJP>(*ctx);
    L2LossOp::attachInterface<L2LossVJP>(*ctx);
    LayerNormOp::attachInterface<LayerNormVJP>(*ctx);
  });
}
