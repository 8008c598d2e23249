//===- ElementwiseVJP.cpp - VJP rules for elementwise bodies and reduce ---===//
//
// An elementwise linalg op (all loops parallel, one result: linalg.generic
// or a named op such as linalg.exp, linalg.rsqrt, linalg.div) is
// differentiated through its scalar body: the partial derivative of the
// yielded value with respect to an operand is built by forward-mode rules
// for the arith/math ops, and the cotangent is dC times it (summed over the
// loops the operand does not index, for a broadcast operand). linalg.reduce
// with an addition body (sums, means once scaled) sends dC back over the
// reduced dimensions.
//
//===----------------------------------------------------------------------===//

#include "VJPUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/IRMapping.h"
#include "ttt/Utils/TensorBuilders.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ttt;
using namespace mlir::ttt::vjp;

namespace {

bool hasFloatOperand(Operation *op) {
  return llvm::any_of(op->getOperandTypes(),
                      [](Type t) { return isa<FloatType>(t); });
}

/// Scalar ops whose derivative rule `tangent` knows.
bool isDifferentiableScalarOp(Operation *op) {
  return isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp,
             arith::NegFOp, arith::SelectOp, arith::MaximumFOp,
             arith::MinimumFOp, math::ExpOp, math::LogOp, math::SqrtOp,
             math::RsqrtOp, math::TanhOp>(op);
}

/// Forward-mode derivative of `op`'s result from its operands' tangents
/// (null: zero); returns null for a zero tangent.
Value tangent(OpBuilder &b, Location l, Operation *op,
              const IRMapping &tangents) {
  auto t = [&](Value v) { return tangents.lookupOrNull(v); };
  Value r = op->getNumResults() ? op->getResult(0) : Value();
  Type ty = r ? r.getType() : Type();
  auto mul = [&](Value x, Value y) -> Value {
    return x && y ? arith::MulFOp::create(b, l, x, y).getResult() : Value();
  };
  auto add = [&](Value x, Value y) -> Value {
    if (!x || !y)
      return x ? x : y;
    return arith::AddFOp::create(b, l, x, y);
  };
  auto neg = [&](Value x) -> Value {
    return x ? arith::NegFOp::create(b, l, x).getResult() : Value();
  };
  auto cst = [&](double v) { return floatConst(b, l, ty, v); };
  return TypeSwitch<Operation *, Value>(op)
      .Case([&](arith::AddFOp o) { return add(t(o.getLhs()), t(o.getRhs())); })
      .Case([&](arith::SubFOp o) {
        return add(t(o.getLhs()), neg(t(o.getRhs())));
      })
      .Case([&](arith::MulFOp o) {
        return add(mul(t(o.getLhs()), o.getRhs()),
                   mul(o.getLhs(), t(o.getRhs())));
      })
      .Case([&](arith::DivFOp o) -> Value {
        // (ta - r tb) / b
        Value num = add(t(o.getLhs()), neg(mul(r, t(o.getRhs()))));
        return num ? arith::DivFOp::create(b, l, num, o.getRhs()).getResult()
                   : Value();
      })
      .Case([&](arith::NegFOp o) { return neg(t(o.getOperand())); })
      .Case([&](arith::SelectOp o) -> Value {
        Value ta = t(o.getTrueValue()), tb = t(o.getFalseValue());
        if (!ta && !tb)
          return Value();
        return arith::SelectOp::create(b, l, o.getCondition(),
                                       ta ? ta : cst(0.0), tb ? tb : cst(0.0));
      })
      .Case<arith::MaximumFOp, arith::MinimumFOp>([&](auto o) -> Value {
        Value ta = t(o.getLhs()), tb = t(o.getRhs());
        if (!ta && !tb)
          return Value();
        // The tangent of the operand that was selected.
        Value pickLhs = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                              r, o.getLhs());
        return arith::SelectOp::create(b, l, pickLhs, ta ? ta : cst(0.0),
                                       tb ? tb : cst(0.0));
      })
      .Case([&](math::ExpOp o) { return mul(r, t(o.getOperand())); })
      .Case([&](math::LogOp o) -> Value {
        Value ta = t(o.getOperand());
        return ta ? arith::DivFOp::create(b, l, ta, o.getOperand()).getResult()
                  : Value();
      })
      .Case([&](math::SqrtOp o) -> Value {
        Value ta = t(o.getOperand());
        return ta ? arith::DivFOp::create(b, l, ta, mul(cst(2.0), r))
                        .getResult()
                  : Value();
      })
      .Case([&](math::RsqrtOp o) {
        // d x^(-1/2) = -1/2 x^(-3/2) = -1/2 r^3
        Value r3 = mul(r, mul(r, r));
        return mul(mul(cst(-0.5), r3), t(o.getOperand()));
      })
      .Case([&](math::TanhOp o) {
        Value sech2 = arith::SubFOp::create(b, l, cst(1.0), mul(r, r));
        return mul(sech2, t(o.getOperand()));
      })
      .Default([](Operation *) { return Value(); });
}

/// d body / d (block argument `arg`) at the given operand scalars, cloning
/// the body at `b`'s insertion point.
Value bodyPartial(OpBuilder &b, Location l, Block &body, ValueRange scalars,
                  unsigned arg) {
  IRMapping values, tangents;
  for (auto [ba, s] : llvm::zip(body.getArguments(), scalars))
    values.map(ba, s);
  Type elt = body.getArgument(arg).getType();
  tangents.map(values.lookup(body.getArgument(arg)), floatConst(b, l, elt, 1));
  for (Operation &op : body.without_terminator()) {
    Operation *clone = b.clone(op, values);
    if (clone->getNumResults() == 1)
      if (Value t = tangent(b, l, clone, tangents))
        tangents.map(clone->getResult(0), t);
  }
  Value yielded = values.lookupOrDefault(body.getTerminator()->getOperand(0));
  Value t = tangents.lookupOrNull(yielded);
  return t ? t : floatConst(b, l, elt, 0.0);
}

template <typename OpTy>
struct ElementwiseBodyVJP
    : DifferentiableOpInterface::ExternalModel<ElementwiseBodyVJP<OpTy>, OpTy> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, VJPState &state) const {
    auto linalgOp = cast<linalg::LinalgOp>(op);
    Location loc = op->getLoc();
    state.operandCotangents.assign(op->getNumOperands(), Value());
    Value dC = state.resultCotangents[0];
    if (!dC)
      return success();
    if (op->getNumResults() != 1 || linalgOp.getNumReductionLoops() != 0 ||
        !linalgOp.getIndexingMapsArray().back().isPermutation() ||
        !llvm::all_of(linalgOp.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); }))
      return op->emitOpError("has no VJP rule: not an elementwise op (one "
                             "result, parallel loops, projected "
                             "permutation maps)");
    Block &body = *linalgOp.getBlock();
    for (Operation &inner : body.without_terminator())
      if (hasFloatOperand(&inner) && !isDifferentiableScalarOp(&inner) &&
          !isa<arith::CmpFOp>(inner))
        return op->emitOpError("has no VJP rule for '")
               << inner.getName() << "' in its body";

    SmallVector<AffineMap> maps = linalgOp.getIndexingMapsArray();
    bool ext = state.needsExampleDim(op->getResult(0));
    unsigned shift = ext ? 1 : 0;
    AffineMap mC = shifted(maps.back(), shift);
    AffineMap dCMap = ext ? withLeadingDim(mC, 0) : mC;
    std::optional<unsigned> rowLoop;
    if (mC.getNumResults())
      rowLoop = cast<AffineDimExpr>(mC.getResult(0)).getPosition();

    SmallVector<Value> ins{dC};
    SmallVector<AffineMap> inMaps{dCMap};
    for (OpOperand &o : op->getOpOperands()) {
      ins.push_back(o.get());
      inMaps.push_back(shifted(maps[o.getOperandNumber()], shift));
    }
    for (OpOperand &o : op->getOpOperands()) {
      unsigned i = o.getOperandNumber();
      if (!state.isActive(o.get()) || !linalgOp.payloadUsesValueFromOperand(&o))
        continue;
      if (!ext && state.needsExampleDim(o.get()) && !rowLoop)
        return op->emitOpError("per-example gradient of a shared operand "
                               "needs a row-indexed result");
      FailureOr<AffineMap> outMap =
          operandCotangentMap(op, state, o.get(), inMaps[i + 1], ext, rowLoop);
      if (failed(outMap))
        return failure();
      Type elt = getElementTypeOrSelf(o.get().getType());
      state.operandCotangents[i] = buildReduction(
          b, loc, ins, inMaps, *outMap, elt,
          [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
            Value partial =
                bodyPartial(nb, l, body, a.slice(1, maps.size()), i);
            Value contrib = arith::MulFOp::create(nb, l, a[0], partial);
            return arith::AddFOp::create(nb, l, a.back(), contrib);
          });
    }
    return success();
  }
};

/// linalg.reduce with an addition body: each input element receives the
/// cotangent of the sum it went into.
struct ReduceSumVJP
    : DifferentiableOpInterface::ExternalModel<ReduceSumVJP, linalg::ReduceOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, VJPState &state) const {
    auto reduce = cast<linalg::ReduceOp>(op);
    state.operandCotangents.assign(op->getNumOperands(), Value());
    Value dC = state.resultCotangents[0];
    if (!dC)
      return success();
    Block &body = reduce.getCombiner().front();
    Operation *combine = body.getTerminator()->getOperand(0).getDefiningOp();
    if (reduce.getInputs().size() != 1 ||
        !isa_and_nonnull<arith::AddFOp>(combine) || &body.front() != combine)
      return op->emitOpError("has no VJP rule: only a single-input sum "
                             "(arith.addf combiner) is differentiable");
    Value x = reduce.getInputs()[0];
    Value init = reduce.getInits()[0];
    bool ext = state.needsExampleDim(op->getResult(0));
    unsigned shift = ext ? 1 : 0;
    unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineExpr> kept;
    for (unsigned d = 0; d < rank; ++d)
      if (!llvm::is_contained(reduce.getDimensions(), int64_t(d)))
        kept.push_back(getAffineDimExpr(d, ctx));
    AffineMap keptMap = shifted(AffineMap::get(rank, 0, kept, ctx), shift);
    AffineMap dCMap = ext ? withLeadingDim(keptMap, 0) : keptMap;
    std::optional<unsigned> rowLoop;
    if (!kept.empty())
      rowLoop = cast<AffineDimExpr>(keptMap.getResult(0)).getPosition();
    if (state.isActive(x)) {
      AffineMap xMap =
          shifted(AffineMap::getMultiDimIdentityMap(rank, ctx), shift);
      FailureOr<AffineMap> outMap =
          operandCotangentMap(op, state, x, xMap, ext, rowLoop);
      if (failed(outMap))
        return failure();
      // The cotangent's sizes come from x through its own map.
      state.operandCotangents[0] =
          buildReduction(b, op->getLoc(), ValueRange{dC, x}, {dCMap, xMap},
                         *outMap, getElementTypeOrSelf(x.getType()),
                         [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                           return arith::AddFOp::create(nb, l, a[2], a[0]);
                         });
    }
    if (state.isActive(init))
      state.operandCotangents[1] = dC;
    return success();
  }
};

template <typename... OpTys> void attachElementwise(MLIRContext *ctx) {
  (OpTys::template attachInterface<ElementwiseBodyVJP<OpTys>>(*ctx), ...);
}

} // namespace

void registerElementwiseVJPModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, linalg::LinalgDialect *) {
    attachElementwise<linalg::GenericOp, linalg::ExpOp, linalg::LogOp,
                      linalg::SqrtOp, linalg::RsqrtOp, linalg::TanhOp,
                      linalg::NegFOp, linalg::ReciprocalOp, linalg::SquareOp,
                      linalg::DivOp, linalg::MaxOp, linalg::MinOp,
                      linalg::TransposeOp>(ctx);
    linalg::ReduceOp::attachInterface<ReduceSumVJP>(*ctx);
  });
}
