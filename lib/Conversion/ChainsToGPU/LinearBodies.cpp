//===- LinearBodies.cpp - Contraction bodies linear in one operand --------===//

#include "LinearBodies.h"
#include "ttt/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace mlir::ttt::linear_bodies {

AffineMap dimsMap(MLIRContext *ctx, ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(3, 0, exprs, ctx);
}

bool isMatmulShaped(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumLoops() != 3)
    return false;
  auto it = op.getIteratorTypesArray();
  return it[0] == utils::IteratorType::parallel &&
         it[1] == utils::IteratorType::parallel &&
         it[2] == utils::IteratorType::reduction &&
         op.getMatchingIndexingMap(op.getDpsInitOperand(0)) ==
             dimsMap(op.getContext(), {0, 1});
}

bool dependsOn(Value v, Value arg) {
  if (v == arg)
    return true;
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != cast<BlockArgument>(arg).getOwner())
    return false;
  return llvm::any_of(def->getOperands(),
                      [&](Value o) { return dependsOn(o, arg); });
}

bool Linearity::independent(Value v) const {
  return !dependsOn(v, lin) && !dependsOn(v, out);
}

bool Linearity::isLinear(Value v) const {
  if (v == lin)
    return true;
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != cast<BlockArgument>(lin).getOwner())
    return false;
  if (auto mul = dyn_cast<arith::MulFOp>(def))
    return (isLinear(mul.getLhs()) && independent(mul.getRhs())) ||
           (independent(mul.getLhs()) && isLinear(mul.getRhs()));
  if (auto neg = dyn_cast<arith::NegFOp>(def))
    return isLinear(neg.getOperand());
  if (isa<arith::AddFOp, arith::SubFOp>(def))
    return isLinear(def->getOperand(0)) && isLinear(def->getOperand(1));
  if (auto select = dyn_cast<arith::SelectOp>(def)) {
    auto linearOrZero = [&](Value x) {
      return isLinear(x) || matchPattern(x, m_AnyZeroFloat());
    };
    return independent(select.getCondition()) &&
           linearOrZero(select.getTrueValue()) &&
           linearOrZero(select.getFalseValue());
  }
  return false;
}

bool Linearity::isAccumulation(Value yielded) const {
  Operation *def = yielded.getDefiningOp();
  if (auto add = dyn_cast_or_null<arith::AddFOp>(def))
    return (add.getLhs() == out && isLinear(add.getRhs())) ||
           (add.getRhs() == out && isLinear(add.getLhs()));
  if (auto sub = dyn_cast_or_null<arith::SubFOp>(def))
    return sub.getLhs() == out && isLinear(sub.getRhs());
  return false;
}

bool readsIndex(linalg::GenericOp op, unsigned dim) {
  WalkResult r = op.getRegion().walk([&](linalg::IndexOp index) {
    return index.getDim() == dim ? WalkResult::interrupt()
                                 : WalkResult::advance();
  });
  return r.wasInterrupted();
}

std::optional<unsigned> linearInputAlong(linalg::GenericOp op, unsigned dim,
                                         Value required) {
  if (!isMatmulShaped(op) || readsIndex(op, dim))
    return std::nullopt;
  Block *body = op.getBody();
  Value out = body->getArgument(op.getNumDpsInputs());
  Value yielded = body->getTerminator()->getOperand(0);
  AffineMap kDim = dimsMap(op.getContext(), {2, dim});
  std::optional<unsigned> found;
  for (OpOperand *input : op.getDpsInputOperands()) {
    unsigned i = input->getOperandNumber();
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!found && map == kDim && (!required || input->get() == required) &&
        Linearity{body->getArgument(i), out}.isAccumulation(yielded)) {
      found = i;
      continue;
    }
    if (map.isFunctionOfDim(dim))
      return std::nullopt; // another input along dim: not a sum over k alone
  }
  return found;
}

Value coefficientOf(OpBuilder &b, Location loc, linalg::GenericOp op,
                    unsigned lin, ValueRange others, Value row,
                    const IRMapping &captured) {
  Block *body = op.getBody();
  Type type = body->getArgument(lin).getType();
  IRMapping map = captured;
  map.map(body->getArgument(lin),
          arith::ConstantOp::create(b, loc, b.getFloatAttr(type, 1.0)));
  map.map(body->getArgument(op.getNumDpsInputs()),
          arith::ConstantOp::create(b, loc, b.getFloatAttr(type, 0.0)));
  unsigned next = 0;
  for (unsigned i = 0; i < op.getNumDpsInputs(); ++i)
    if (i != lin)
      map.map(body->getArgument(i), others[next++]);
  for (Operation &nested : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(nested)) {
      Value replacement =
          index.getDim() == 2 ? Value() : row; // null: the new op's index
      if (!replacement)
        replacement =
            linalg::IndexOp::create(b, loc, index.getDim() == 2 ? 1 : 0);
      map.map(index.getResult(), replacement);
      continue;
    }
    b.clone(nested, map);
  }
  return map.lookup(body->getTerminator()->getOperand(0));
}

Value addProduct(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init) {
  MLIRContext *ctx = b.getContext();
  return ttt::buildGeneric(
      b, loc, ValueRange{lhs, rhs},
      {dimsMap(ctx, {0, 2}), dimsMap(ctx, {2, 1})}, init, dimsMap(ctx, {0, 1}),
      [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value p = arith::MulFOp::create(nb, nl, args[0], args[1]);
        return arith::AddFOp::create(nb, nl, args[2], p);
      });
}

} // namespace mlir::ttt::linear_bodies
