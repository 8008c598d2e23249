//===- AccumulateIntoInit.cpp - Fold an add/sub into a reduction's init ---===//
//
// A reduction R = sum_k f(...) starting from zeros, followed by the
// elementwise X + R or X - R, is the same as R starting from X (with the
// accumulation negated for X - R). This saves a pass over the output and a
// materialized temporary: the fast-weight update W - X^T (eta o G) becomes
// one contraction that accumulates into W.
//
//===----------------------------------------------------------------------===//

#include "FusePatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace {

/// Whether `v` is a linalg.fill of +0.0 or -0.0.
bool isZeroFill(Value v) {
  auto fill = v.getDefiningOp<linalg::FillOp>();
  return fill && (matchPattern(fill.value(), m_AnyZeroFloat()));
}

/// The single-output body's accumulation `out + p` (possibly under
/// `select(c, out + p, out)`), when `out` is used nowhere else.
arith::AddFOp findAccumulation(linalg::GenericOp r) {
  Block *body = r.getBlock();
  BlockArgument out = body->getArguments().back();
  Value yielded = body->getTerminator()->getOperand(0);
  Operation *select = nullptr;
  if (auto sel = yielded.getDefiningOp<arith::SelectOp>()) {
    if (sel.getFalseValue() != out)
      return nullptr;
    select = sel;
    yielded = sel.getTrueValue();
  }
  auto add = yielded.getDefiningOp<arith::AddFOp>();
  if (!add || (add.getLhs() != out && add.getRhs() != out))
    return nullptr;
  for (Operation *user : out.getUsers())
    if (user != add && user != select)
      return nullptr;
  return add;
}

/// Which binary elementwise op a generic's body is: +1 for in0 + in1,
/// -1 for in0 - in1, 0 otherwise.
int elementwiseSign(linalg::GenericOp e) {
  if (e.getNumDpsInputs() != 2 || e.getNumDpsInits() != 1 ||
      e.getNumReductionLoops() != 0 ||
      !llvm::all_of(e.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return 0;
  Block *body = e.getBlock();
  if (body->getOperations().size() != 2)
    return 0;
  Operation *op = &body->front();
  Value a = body->getArgument(0), b = body->getArgument(1);
  if (op->getNumOperands() != 2 || op->getOperand(0) != a ||
      op->getOperand(1) != b ||
      body->getTerminator()->getOperand(0) != op->getResult(0))
    return 0;
  if (isa<arith::AddFOp>(op))
    return 1;
  if (isa<arith::SubFOp>(op))
    return -1;
  return 0;
}

struct AccumulateIntoInit : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp e,
                                PatternRewriter &rewriter) const override {
    int sign = elementwiseSign(e);
    if (!sign)
      return rewriter.notifyMatchFailure(e, "not an elementwise add/sub");
    // For X - R only the right operand can absorb; for + either can.
    static constexpr unsigned kEither[] = {1, 0};
    for (unsigned rIdx :
         ArrayRef<unsigned>(kEither).take_front(sign > 0 ? 2 : 1)) {
      Value rVal = e.getDpsInputOperand(rIdx)->get();
      Value x = e.getDpsInputOperand(1 - rIdx)->get();
      auto r = rVal.getDefiningOp<linalg::GenericOp>();
      if (!r || !rVal.hasOneUse() || r->getNumResults() != 1 ||
          r.getNumReductionLoops() == 0 || r->getBlock() != e->getBlock() ||
          !isZeroFill(r.getDpsInitOperand(0)->get()) ||
          x.getType() != rVal.getType())
        continue;
      arith::AddFOp acc = findAccumulation(r);
      if (!acc)
        continue;
      // R (used only here) moves to E's place, where X is available, and
      // starts from X instead of zeros.
      rewriter.moveOpBefore(r, e);
      rewriter.modifyOpInPlace(r, [&] { r.getDpsInitOperand(0)->set(x); });
      if (sign < 0) {
        // out + (-p) rather than out - p: vectorizers recognize an add
        // reduction, not a subtraction.
        BlockArgument out = r.getBlock()->getArguments().back();
        Value p = acc.getLhs() == out ? acc.getRhs() : acc.getLhs();
        rewriter.setInsertionPoint(acc);
        Value negated = arith::NegFOp::create(rewriter, acc.getLoc(), p);
        rewriter.modifyOpInPlace(acc, [&] {
          acc->setOperands(ValueRange{out, negated});
        });
      }
      rewriter.replaceOp(e, r->getResults());
      return success();
    }
    return rewriter.notifyMatchFailure(e, "no zero-initialized reduction");
  }
};

} // namespace

void mlir::ttt::populateAccumulateIntoInitPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AccumulateIntoInit>(patterns.getContext());
}
