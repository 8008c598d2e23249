//===- DualForm.cpp - Per-position weight update in dual form -------------===//
//
// Matches   %G = ttt.grad wrt(..., %W, ...) { ... %Z = linalg.matmul(%X, %w)
//                                              ... ttt.l2_loss ... }
//           %Wr = ttt.update sgd %W, %G#i, %eta
// and replaces the uses of the per-position weights %Wr (queries through
// linalg.batch_vecmat, one position through tensor.extract_slice) by the
// dual form, which only needs X and dZ = d(sum_s l_s)/dZ.
//
//===----------------------------------------------------------------------===//

#include "ttt/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "ttt/Dialect/TTT/IR/TTTOps.h"
#include "ttt/Utils/TensorBuilders.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTDUALFORM
#include "ttt/Transforms/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using namespace mlir::ttt;

namespace {

struct DualFormMatch {
  UpdateOp update;
  GradOp grad;
  linalg::MatmulOp layer; // Z = X W inside the grad body
  L2LossOp loss;
};

/// A use of the per-position weights that the dual form can replace.
bool isSupportedUse(Operation *user, Value perPosition) {
  if (auto vecmat = dyn_cast<linalg::BatchVecmatOp>(user))
    return vecmat.getDpsInputs()[1] == perPosition &&
           vecmat.getDpsInputs()[0] != perPosition;
  auto slice = dyn_cast<tensor::ExtractSliceOp>(user);
  if (!slice || slice.getSource() != perPosition ||
      slice.getResultType().getRank() != 2 || !slice.hasUnitStride())
    return false;
  auto type = cast<RankedTensorType>(perPosition.getType());
  SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
  SmallVector<OpFoldResult> sizes = slice.getMixedSizes();
  return isConstantIntValue(sizes[0], 1) && isConstantIntValue(offsets[1], 0) &&
         isConstantIntValue(offsets[2], 0) &&
         isConstantIntValue(sizes[1], type.getDimSize(1)) &&
         isConstantIntValue(sizes[2], type.getDimSize(2));
}

FailureOr<DualFormMatch> matchDualForm(UpdateOp update) {
  if (update.getRule() != UpdateRule::sgd ||
      update.getWeight().getType().getRank() != 2)
    return failure();
  auto result = dyn_cast<OpResult>(update.getGrads());
  auto grad = result ? dyn_cast<GradOp>(result.getOwner()) : GradOp();
  if (!grad || !grad.isPerExample())
    return failure();
  unsigned i = result.getResultNumber();
  if (grad.getWrt()[i] != update.getWeight())
    return failure();
  BlockArgument arg = grad.getBodyBlock().getArgument(i);
  if (!arg.hasOneUse())
    return failure();
  OpOperand &use = *arg.getUses().begin();
  auto layer = dyn_cast<linalg::MatmulOp>(use.getOwner());
  if (!layer || use.getOperandNumber() != 1 || layer.hasUserDefinedMaps())
    return failure();
  auto loss = grad.getLoss().getDefiningOp<L2LossOp>();
  if (!loss || loss.getReduction() != Reduction::none ||
      loss.getPrediction().getType().getRank() != 2)
    return failure();
  for (Operation *user : update.getPerPosition().getUsers())
    if (!isSupportedUse(user, update.getPerPosition()))
      return failure();
  return DualFormMatch{update, grad, layer, loss};
}

/// Clones, in front of the grad op, the body ops `root` depends on, with the
/// body arguments bound to the grad's wrt values.
void cloneSliceOutside(OpBuilder &b, GradOp grad, Operation *root,
                       IRMapping &mapping) {
  Block &body = grad.getBodyBlock();
  llvm::SmallPtrSet<Operation *, 16> needed;
  SmallVector<Operation *> work{root};
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (op->getBlock() != &body || !needed.insert(op).second)
      continue;
    for (Value v : op->getOperands())
      if (Operation *def = v.getDefiningOp())
        work.push_back(def);
  }
  for (Operation &op : body.without_terminator())
    if (needed.contains(&op))
      b.clone(op, mapping);
}

/// dZ = d(sum_s l_s)/dZ: the grad body replayed with Z as the only wrt
/// value and the per-example L2 loss summed.
Value buildLayerOutputGrad(OpBuilder &b, DualFormMatch m, Value z) {
  Location loc = m.grad.getLoc();
  auto zType = cast<RankedTensorType>(z.getType());
  auto dz = GradOp::create(b, loc, TypeRange{zType}, ValueRange{z});
  OpBuilder::InsertionGuard guard(b);
  Block *block = b.createBlock(&dz.getBody(), {}, {zType}, {loc});
  IRMapping mapping;
  for (auto [arg, w] :
       llvm::zip(m.grad.getBodyBlock().getArguments(), m.grad.getWrt()))
    mapping.map(arg, w);
  mapping.map(m.layer.getResult(0), block->getArgument(0));
  for (Operation &op : m.grad.getBodyBlock().without_terminator()) {
    if (&op == m.layer.getOperation())
      continue;
    if (&op == m.loss.getOperation()) {
      auto scalar = RankedTensorType::get({}, zType.getElementType());
      Value sum = L2LossOp::create(
          b, loc, scalar, mapping.lookupOrDefault(m.loss.getPrediction()),
          mapping.lookupOrDefault(m.loss.getTarget()), Reduction::sum);
      YieldOp::create(b, loc, sum);
      break;
    }
    b.clone(op, mapping);
  }
  return dz.getResult(0);
}

Value mulAdd(OpBuilder &b, Location l, ValueRange a) {
  return arith::AddFOp::create(b, l, a[2],
                               arith::MulFOp::create(b, l, a[0], a[1]));
}

/// y = init + Q W - (eta o tril(Q X^T)) dZ.
Value dualQueryOutput(OpBuilder &b, Location loc, Value q, Value init, Value w,
                      Value x, Value dz, Value eta) {
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto map = [&](unsigned n, ArrayRef<AffineExpr> e) {
    return AffineMap::get(n, 0, e, ctx);
  };
  Type elt = cast<RankedTensorType>(q.getType()).getElementType();
  Value qw =
      linalg::MatmulOp::create(b, loc, ValueRange{q, w}, ValueRange{init})
          .getResult(0);
  // A[r, s] = q_r . x_s over loops (r, s, k).
  Value a = buildReduction(b, loc, ValueRange{q, x},
                           {map(3, {d(0), d(2)}), map(3, {d(1), d(2)})},
                           map(3, {d(0), d(1)}), elt, mulAdd);
  Value zero = floatConst(b, loc, elt, 0.0);
  AffineMap id2 = b.getMultiDimIdentityMap(2);
  Value masked = buildGeneric(
      b, loc, ValueRange{a, eta}, {id2, id2}, emptyLike(b, loc, a), id2,
      [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
        Value r = linalg::IndexOp::create(nb, l, 0);
        Value s = linalg::IndexOp::create(nb, l, 1);
        Value causal =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ule, s, r);
        return arith::SelectOp::create(
            nb, l, causal, arith::MulFOp::create(nb, l, v[0], v[1]), zero);
      });
  // C[r, j] = sum_s masked[r, s] dZ[s, j] over loops (r, j, s).
  Value c = buildReduction(b, loc, ValueRange{masked, dz},
                           {map(3, {d(0), d(2)}), map(3, {d(2), d(1)})},
                           map(3, {d(0), d(1)}), elt, mulAdd);
  AffineMap id = b.getMultiDimIdentityMap(2);
  return buildGeneric(b, loc, ValueRange{qw, c}, {id, id},
                      emptyLike(b, loc, qw), id,
                      [](OpBuilder &nb, Location l, ValueRange v) -> Value {
                        return arith::SubFOp::create(nb, l, v[0], v[1]);
                      });
}

/// W_p = W - X^T ([s <= p] eta[p, s] o dZ) over loops (k, j, s).
Value dualWeightAt(OpBuilder &b, Location loc, Value p, Value w, Value x,
                   Value dz, Value eta) {
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto map = [&](ArrayRef<AffineExpr> e) {
    return AffineMap::get(3, 0, e, ctx);
  };
  Type elt = cast<RankedTensorType>(w.getType()).getElementType();
  SmallVector<OpFoldResult> offsets{p, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes{b.getIndexAttr(1),
                                  tensor::getMixedSize(b, loc, eta, 1)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  // Static when the chunk is (a graph over a static number of tokens).
  auto rowType = RankedTensorType::get(
      {cast<RankedTensorType>(eta.getType()).getDimSize(1)}, elt);
  Value row = tensor::ExtractSliceOp::create(b, loc, rowType, eta, offsets,
                                             sizes, strides);
  Value step = buildGeneric(
      b, loc, ValueRange{x, dz, row},
      {map({d(2), d(0)}), map({d(2), d(1)}), map({d(2)})}, zerosLike(b, loc, w),
      map({d(0), d(1)}), [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
        Value s = linalg::IndexOp::create(nb, l, 2);
        Value causal =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ule, s, p);
        // (eta[p, s] x[s, k]) dZ[s, j]: the first product does not depend
        // on j, the innermost loop, so each element costs one FMA.
        Value term = arith::MulFOp::create(
            nb, l, arith::MulFOp::create(nb, l, v[2], v[0]), v[1]);
        // out + [s <= p] term: a plain sum that vectorizers recognize.
        Value zero = floatConst(nb, l, elt, 0.0);
        Value masked = arith::SelectOp::create(nb, l, causal, term, zero);
        return arith::AddFOp::create(nb, l, v[3], masked);
      });
  AffineMap id = b.getMultiDimIdentityMap(2);
  return buildGeneric(b, loc, ValueRange{w, step}, {id, id},
                      emptyLike(b, loc, w), id,
                      [](OpBuilder &nb, Location l, ValueRange v) -> Value {
                        return arith::SubFOp::create(nb, l, v[0], v[1]);
                      });
}

void rewriteDualForm(DualFormMatch m) {
  OpBuilder b(m.update);
  Location loc = m.update.getLoc();
  Value w = m.update.getWeight();
  Value eta = m.update.getLr();

  // X and Z = X W at the mini-batch's starting weights, outside the grad.
  IRMapping mapping;
  for (auto [arg, wrt] :
       llvm::zip(m.grad.getBodyBlock().getArguments(), m.grad.getWrt()))
    mapping.map(arg, wrt);
  cloneSliceOutside(b, m.grad, m.layer, mapping);
  Value x = mapping.lookupOrDefault(m.layer.getDpsInputs()[0]);
  Value z = mapping.lookupOrDefault(m.layer.getResult(0));
  Value dz = buildLayerOutputGrad(b, m, z);

  for (Operation *user :
       llvm::make_early_inc_range(m.update.getPerPosition().getUsers())) {
    OpBuilder ub(user);
    Value replacement;
    if (auto vecmat = dyn_cast<linalg::BatchVecmatOp>(user)) {
      replacement =
          dualQueryOutput(ub, user->getLoc(), vecmat.getDpsInputs()[0],
                          vecmat.getDpsInits()[0], w, x, dz, eta);
    } else {
      auto slice = cast<tensor::ExtractSliceOp>(user);
      Value p = getValueOrCreateConstantIndexOp(ub, user->getLoc(),
                                                slice.getMixedOffsets()[0]);
      replacement = dualWeightAt(ub, user->getLoc(), p, w, x, dz, eta);
    }
    user->getResult(0).replaceAllUsesWith(replacement);
    user->erase();
  }
  m.update.erase();
  (void)loc;
}

struct TTTDualFormPass : ttt::impl::TTTDualFormBase<TTTDualFormPass> {
  void runOnOperation() override {
    SmallVector<DualFormMatch> matches;
    getOperation()->walk([&](UpdateOp u) {
      if (FailureOr<DualFormMatch> m = matchDualForm(u); succeeded(m))
        matches.push_back(*m);
    });
    for (DualFormMatch m : matches)
      rewriteDualForm(m);
  }
};

} // namespace
