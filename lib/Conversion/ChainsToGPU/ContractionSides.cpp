//===- ContractionSides.cpp - A contraction's body as two sides -----------===//

#include "ContractionSides.h"

#include "FastMath.h"
#include "KernelLoops.h"
#include "PairedAccess.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::ttt::contraction {

std::optional<Dims> dimsOf(linalg::GenericOp op) {
  if (op.getNumLoops() != 3 || op.getNumDpsInits() != 1)
    return std::nullopt;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() != 2)
    return std::nullopt;
  auto m = dyn_cast<AffineDimExpr>(out.getResult(0));
  auto n = dyn_cast<AffineDimExpr>(out.getResult(1));
  if (!m || !n || m.getPosition() == n.getPosition())
    return std::nullopt;
  unsigned k = 3 - m.getPosition() - n.getPosition();
  if (iters[m.getPosition()] != utils::IteratorType::parallel ||
      iters[n.getPosition()] != utils::IteratorType::parallel ||
      iters[k] != utils::IteratorType::reduction)
    return std::nullopt;
  return Dims{m.getPosition(), n.getPosition(), k};
}

/// The loop dims (bits) a value of the body depends on; ~0u for a value
/// the analysis cannot follow.
static unsigned dependence(linalg::GenericOp op, Value v,
                           llvm::DenseMap<Value, unsigned> &memo) {
  auto it = memo.find(v);
  if (it != memo.end())
    return it->second;
  unsigned bits = 0;
  Block *body = op.getBody();
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (arg.getOwner() == body) {
      AffineMap map =
          op.getMatchingIndexingMap(&op->getOpOperand(arg.getArgNumber()));
      for (unsigned d = 0; d < map.getNumDims(); ++d)
        if (map.isFunctionOfDim(d))
          bits |= 1u << d;
    }
  } else if (Operation *def = v.getDefiningOp();
             def && def->getBlock() == body) {
    if (auto index = dyn_cast<linalg::IndexOp>(def))
      bits = 1u << index.getDim();
    else if (def->getNumRegions() != 0 || !isMemoryEffectFree(def))
      bits = ~0u;
    else
      for (Value operand : def->getOperands())
        bits |= dependence(op, operand, memo);
  }
  memo[v] = bits;
  return bits;
}

static bool factor(linalg::GenericOp op, const Dims &dims, Value v,
                   llvm::DenseMap<Value, unsigned> &memo, Factors &f) {
  unsigned dep = dependence(op, v, memo);
  if ((dep & ~dims.aDims()) == 0) {
    f.a.push_back(v);
    return true;
  }
  if ((dep & ~dims.bDims()) == 0) {
    f.b.push_back(v);
    return true;
  }
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != op.getBody())
    return false;
  if (auto mul = dyn_cast<arith::MulFOp>(def))
    return factor(op, dims, mul.getLhs(), memo, f) &&
           factor(op, dims, mul.getRhs(), memo, f);
  if (auto neg = dyn_cast<arith::NegFOp>(def)) {
    f.negate = !f.negate;
    return factor(op, dims, neg.getOperand(), memo, f);
  }
  if (auto sel = dyn_cast<arith::SelectOp>(def)) {
    if (!matchPattern(sel.getFalseValue(), m_AnyZeroFloat()))
      return false;
    unsigned c = dependence(op, sel.getCondition(), memo);
    if ((c & ~dims.aDims()) == 0)
      f.aMasks.push_back(sel.getCondition());
    else if ((c & ~dims.bDims()) == 0)
      f.bMasks.push_back(sel.getCondition());
    else
      return false;
    return factor(op, dims, sel.getTrueValue(), memo, f);
  }
  return false;
}

/// The addend x of a body that yields `out + x`, or null.
static Value addendOf(linalg::GenericOp op) {
  Block *body = op.getBody();
  BlockArgument out = body->getArgument(op.getNumDpsInputs());
  auto add =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || !out.hasOneUse())
    return nullptr;
  if (add.getLhs() == out && add.getRhs() != out)
    return add.getRhs();
  if (add.getRhs() == out && add.getLhs() != out)
    return add.getLhs();
  return nullptr;
}

std::optional<Factors> factorsOf(linalg::GenericOp op, const Dims &dims) {
  Value x = addendOf(op);
  if (!x || !isa<Float32Type>(x.getType()))
    return std::nullopt;
  llvm::DenseMap<Value, unsigned> memo;
  Factors f;
  if (!factor(op, dims, x, memo, f))
    return std::nullopt;
  return f;
}

namespace {

/// Body values at one coordinate of the loop dims: loads through the
/// operands' maps, index ops replaced, everything else cloned (once per
/// value and coordinate).
class Evaluator {
public:
  Evaluator(OpBuilder &b, Location loc, linalg::GenericOp op,
            ArrayRef<Value> ivs)
      : b(b), loc(loc), op(op), ivs(ivs) {}

  /// Makes `v` (a block argument) evaluate to `x`: an operand read
  /// elsewhere (a paired load).
  void seed(Value v, Value x) { map.map(v, x); }

  Value get(Value v) {
    if (Value known = map.lookupOrNull(v))
      return known;
    Block *body = op.getBody();
    Value result;
    if (auto arg = dyn_cast<BlockArgument>(v); arg && arg.getOwner() == body) {
      result = readAt(b, loc, op, op->getOpOperand(arg.getArgNumber()), ivs);
    } else if (Operation *def = v.getDefiningOp();
               def && def->getBlock() == body) {
      if (auto index = dyn_cast<linalg::IndexOp>(def)) {
        result = ivs[index.getDim()];
      } else {
        for (Value operand : def->getOperands())
          get(operand);
        Operation *copy = b.clone(*def, map);
        allowContraction(copy);
        result = copy->getResult(cast<OpResult>(v).getResultNumber());
      }
    } else {
      return v; // defined above the op
    }
    map.map(v, result);
    return result;
  }

private:
  OpBuilder &b;
  Location loc;
  linalg::GenericOp op;
  ArrayRef<Value> ivs;
  IRMapping map;
};

} // namespace

/// One side's element as `eval` evaluates the body: the product of its
/// factors, its masks applied.
static Value sideWith(OpBuilder &b, Location loc, Evaluator &eval,
                      ArrayRef<Value> factors, ArrayRef<Value> masks,
                      bool negate) {
  Value v;
  for (Value f : factors) {
    Value x = eval.get(f);
    v = v ? arith::MulFOp::create(b, loc, v, x).getResult() : x;
  }
  if (!v)
    v = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f));
  if (negate)
    v = arith::NegFOp::create(b, loc, v);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  for (Value m : masks)
    v = arith::SelectOp::create(b, loc, eval.get(m), v, zero);
  return v;
}

/// One side's element at the point `ivs`.
static Value sideValue(OpBuilder &b, Location loc, linalg::GenericOp op,
                       ArrayRef<Value> ivs, ArrayRef<Value> factors,
                       ArrayRef<Value> masks, bool negate) {
  Evaluator eval(b, loc, op, ivs);
  return sideWith(b, loc, eval, factors, masks, negate);
}

/// The memref operands a side reads (block arguments its factors and
/// masks depend on).
static SmallVector<OpOperand *> sideOperands(linalg::GenericOp op,
                                             ArrayRef<Value> factors,
                                             ArrayRef<Value> masks) {
  SmallVector<OpOperand *> found;
  llvm::SmallPtrSet<Value, 16> seen;
  SmallVector<Value> work(factors.begin(), factors.end());
  work.append(masks.begin(), masks.end());
  Block *body = op.getBody();
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      OpOperand &o = op->getOpOperand(arg.getArgNumber());
      if (arg.getOwner() == body && isa<MemRefType>(o.get().getType()))
        found.push_back(&o);
    } else if (Operation *def = v.getDefiningOp();
               def && def->getBlock() == body) {
      work.append(def->operand_begin(), def->operand_end());
    }
  }
  return found;
}

/// How much pairing the side's reads along loop dim `dim` saves: the
/// ranks of its memref operands read in adjacent, aligned pairs along it
/// (PairedAccess.h; a matrix operand's loads outnumber a vector's).
int64_t sidePairWeight(linalg::GenericOp op, ArrayRef<Value> factors,
                       ArrayRef<Value> masks, unsigned dim) {
  int64_t weight = 0;
  for (OpOperand *o : sideOperands(op, factors, masks))
    if (pairsAlong(op, *o, dim))
      weight += cast<MemRefType>(o->get().getType()).getRank();
  return weight;
}

/// One side's elements at `ivs` and at `ivs` with `dim` one more (even at
/// `ivs`): its operands read in pairs where they lie side by side.
std::pair<Value, Value> sidePair(OpBuilder &b, Location loc,
                                 linalg::GenericOp op, ArrayRef<Value> ivs,
                                 unsigned dim, ArrayRef<Value> factors,
                                 ArrayRef<Value> masks, bool negate) {
  SmallVector<Value> next = nextAlong(b, loc, ivs, dim);
  Evaluator first(b, loc, op, ivs), second(b, loc, op, next);
  for (OpOperand *o : sideOperands(op, factors, masks)) {
    auto [x0, x1] = readPair(b, loc, op, *o, ivs, dim);
    Value arg = op.getBody()->getArgument(o->getOperandNumber());
    first.seed(arg, x0);
    second.seed(arg, x1);
  }
  return {sideWith(b, loc, first, factors, masks, negate),
          sideWith(b, loc, second, factors, masks, negate)};
}

/// A side's element where loop dims `d0` and `d1` are `v0` and `v1` (the
/// third loop dim at 0: the side does not read it).
static Value sideAt(OpBuilder &b, Location loc, linalg::GenericOp op,
                    std::pair<unsigned, Value> at0,
                    std::pair<unsigned, Value> at1, ArrayRef<Value> factors,
                    ArrayRef<Value> masks, bool negate) {
  SmallVector<Value> ivs(3, arith::ConstantIndexOp::create(b, loc, 0));
  ivs[at0.first] = at0.second;
  ivs[at1.first] = at1.second;
  return sideValue(b, loc, op, ivs, factors, masks, negate);
}

Value aSide(OpBuilder &b, Location loc, linalg::GenericOp op, const Dims &dims,
            const Factors &f, Value row, Value k) {
  return sideAt(b, loc, op, {dims.m, row}, {dims.k, k}, f.a, f.aMasks,
                f.negate);
}

Value bSide(OpBuilder &b, Location loc, linalg::GenericOp op, const Dims &dims,
            const Factors &f, Value k, Value col) {
  return sideAt(b, loc, op, {dims.k, k}, {dims.n, col}, f.b, f.bMasks, false);
}

} // namespace mlir::ttt::contraction

mlir::OpOperand *
mlir::ttt::contraction::plainSideOperand(linalg::GenericOp op,
                                         ArrayRef<Value> factors,
                                         ArrayRef<Value> masks, bool &negated) {
  negated = false;
  if (factors.size() != 1 || !masks.empty())
    return nullptr;
  Value v = factors.front();
  while (auto neg = v.getDefiningOp<arith::NegFOp>()) {
    negated = !negated;
    v = neg.getOperand();
  }
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != op.getBody() ||
      arg.getArgNumber() >= op.getNumDpsInputs())
    return nullptr;
  return op.getDpsInputOperand(arg.getArgNumber());
}
