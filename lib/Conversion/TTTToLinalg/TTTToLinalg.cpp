//===- TTTToLinalg.cpp - Lower TTT inner-model ops to linalg --------------===//
//
// Each TTT op becomes linalg.generic ops on tensors with arith/math bodies.
// Reductions over the last dimension (layer norm, L2 loss) produce row
// tensors; later fusion passes merge the passes over a row.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "ttt/Dialect/TTT/IR/TTTOps.h"
#include "ttt/Utils/LayerNormStats.h"
#include "ttt/Utils/TensorBuilders.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_CONVERTTTTTOLINALG
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using namespace mlir::ttt;

namespace {

void yieldValue(OpBuilder &b, Location loc, Value v) {
  linalg::YieldOp::create(b, loc, v);
}

SmallVector<utils::IteratorType> parallelThenReduction(unsigned rank) {
  SmallVector<utils::IteratorType> it(rank, utils::IteratorType::parallel);
  it.back() = utils::IteratorType::reduction;
  return it;
}

/// Elementwise unary op as one parallel linalg.generic.
template <typename OpTy> struct UnaryToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  using BodyFn = function_ref<Value(OpBuilder &, Location, Value)>;

  virtual Value body(OpBuilder &b, Location loc, Value x) const = 0;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    unsigned rank = op.getType().getRank();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, op.getType(), ValueRange{x},
        ValueRange{emptyLike(rewriter, loc, x)}, ArrayRef<AffineMap>{id, id},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, body(b, l, args[0]));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
struct GeluTanhLowering : UnaryToGeneric<GeluTanhOp> {
  using UnaryToGeneric::UnaryToGeneric;
  Value body(OpBuilder &b, Location loc, Value x) const override {
    Type t = x.getType();
    Value x3 =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value inner = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, floatConst(b, loc, t, 0.044715), x3));
    Value scaled = arith::MulFOp::create(
        b, loc, floatConst(b, loc, t, 0.7978845608028654), inner);
    Value onePlus = arith::AddFOp::create(b, loc, floatConst(b, loc, t, 1.0),
                                          math::TanhOp::create(b, loc, scaled));
    return arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, floatConst(b, loc, t, 0.5), x),
        onePlus);
  }
};

/// x / (1 + exp(-x)).
struct SiluLowering : UnaryToGeneric<SiluOp> {
  using UnaryToGeneric::UnaryToGeneric;
  Value body(OpBuilder &b, Location loc, Value x) const override {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    Value denom =
        arith::AddFOp::create(b, loc, floatConst(b, loc, x.getType(), 1.0), e);
    return arith::DivFOp::create(b, loc, x, denom);
  }
};

/// Row statistics (buildLayerNormStats: the VJP builds the same, so CSE
/// shares them), then one elementwise generic that normalizes.
struct LayerNormLowering : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LayerNormOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value x = op.getInput();
    auto type = op.getType();
    Type elt = type.getElementType();
    unsigned rank = type.getRank();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap row = rowMap(ctx, rank);
    AffineMap vec = lastDimMap(ctx, rank);
    Value eps =
        floatConst(rewriter, loc, elt, op.getEpsilon().convertToDouble());
    LayerNormStats stats = buildLayerNormStats(rewriter, loc, x, eps);

    auto norm = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type},
        ValueRange{x, stats.shift, stats.meanD, stats.inv, op.getGamma(),
                   op.getBeta()},
        ValueRange{emptyLike(rewriter, loc, x)},
        ArrayRef<AffineMap>{id, row, row, row, vec, vec, id},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value xhat = layerNormXhat(b, l, a);
          Value y = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, xhat, a[4]), a[5]);
          linalg::YieldOp::create(b, l, y);
        });
    rewriter.replaceOp(op, norm.getResults());
    return success();
  }
};

/// One reduction generic: over the last dim (none) or over all dims (sum).
struct L2LossLowering : OpRewritePattern<L2LossOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(L2LossOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value p = op.getPrediction();
    auto type = op.getPrediction().getType();
    Type elt = type.getElementType();
    unsigned rank = type.getRank();
    bool perRow = op.getReduction() == Reduction::none;
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap out = perRow ? rowMap(op.getContext(), rank)
                           : AffineMap::get(rank, 0, op.getContext());
    SmallVector<utils::IteratorType> iters =
        perRow ? parallelThenReduction(rank)
               : SmallVector<utils::IteratorType>(
                     rank, utils::IteratorType::reduction);
    Value init = zerosLike(rewriter, loc, p, perRow ? 1 : rank);
    Value half = floatConst(rewriter, loc, elt, 0.5);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{op.getType()}, ValueRange{p, op.getTarget()},
        ValueRange{init}, ArrayRef<AffineMap>{id, id, out}, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value d = arith::SubFOp::create(b, l, a[0], a[1]);
          Value hd2 = arith::MulFOp::create(b, l, half,
                                            arith::MulFOp::create(b, l, d, d));
          yieldValue(b, l, arith::AddFOp::create(b, l, a[2], hd2));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// W_r = W - sum_{s <= r} lr[r, s] G[s]: broadcast W over the positions,
/// then one generic that reduces over s with the causal mask in its body.
struct SgdUpdateLowering : OpRewritePattern<UpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(UpdateOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getRule() != UpdateRule::sgd)
      return rewriter.notifyMatchFailure(op, "only sgd has a lowering");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value w = op.getWeight();
    Value g = op.getGrads();
    auto gType = op.getGrads().getType();
    unsigned k = op.getWeight().getType().getRank();
    unsigned loops = k + 2; // r, the weight's dims, s

    Value init = linalg::BroadcastOp::create(rewriter, loc, w,
                                             emptyLike(rewriter, loc, g),
                                             ArrayRef<int64_t>{0})
                     .getResult()[0];

    SmallVector<AffineExpr> gExprs{getAffineDimExpr(k + 1, ctx)};
    SmallVector<AffineExpr> outExprs{getAffineDimExpr(0, ctx)};
    for (unsigned d = 0; d < k; ++d) {
      gExprs.push_back(getAffineDimExpr(d + 1, ctx));
      outExprs.push_back(getAffineDimExpr(d + 1, ctx));
    }
    AffineMap gMap = AffineMap::get(loops, 0, gExprs, ctx);
    AffineMap lrMap = AffineMap::get(
        loops, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(k + 1, ctx)},
        ctx);
    AffineMap outMap = AffineMap::get(loops, 0, outExprs, ctx);
    Value zero = floatConst(rewriter, loc, gType.getElementType(), 0.0);

    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{gType}, ValueRange{g, op.getLr()},
        ValueRange{init}, ArrayRef<AffineMap>{gMap, lrMap, outMap},
        parallelThenReduction(loops),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value r = linalg::IndexOp::create(b, l, 0);
          Value s = linalg::IndexOp::create(b, l, k + 1);
          Value causal =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::ule, s, r);
          Value step = arith::MulFOp::create(b, l, a[1], a[0]);
          Value masked = arith::SelectOp::create(b, l, causal, step, zero);
          // out + (-masked): an add reduction, which vectorizers recognize.
          Value negated = arith::NegFOp::create(b, l, masked);
          yieldValue(b, l, arith::AddFOp::create(b, l, a[2], negated));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct ConvertTTTToLinalgPass
    : ttt::impl::ConvertTTTToLinalgBase<ConvertTTTToLinalgPass> {
  void runOnOperation() override {
    WalkResult unsupported = getOperation()->walk([](UpdateOp op) {
      if (op.getRule() == UpdateRule::sgd)
        return WalkResult::advance();
      op.emitOpError() << "update rule '" << stringifyUpdateRule(op.getRule())
                       << "' has no lowering yet (only 'sgd')";
      return WalkResult::interrupt();
    });
    if (unsupported.wasInterrupted())
      return signalPassFailure();

    RewritePatternSet patterns(&getContext());
    populateTTTToLinalgPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void mlir::ttt::populateTTTToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<GeluTanhLowering, SiluLowering, LayerNormLowering,
               L2LossLowering, SgdUpdateLowering>(patterns.getContext());
}
