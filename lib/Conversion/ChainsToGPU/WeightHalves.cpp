//===- WeightHalves.cpp - The weight group's work over two groups ---------===//

#include "WeightHalves.h"

#include "BufferRoot.h"
#include "KernelLoops.h"
#include "LinalgViews.h"
#include "LinearBodies.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace {

/// The loop dim of `op` that indexes the rows of operand `w` (rank 2).
std::optional<unsigned> rowDim(linalg::GenericOp op, OpOperand &w) {
  AffineMap map = op.getMatchingIndexingMap(&w);
  if (map.getNumResults() != 2)
    return std::nullopt;
  auto dim = dyn_cast<AffineDimExpr>(map.getResult(0));
  if (!dim)
    return std::nullopt;
  return dim.getPosition();
}

/// `op` without input `input` (unused by its body): a new op in its place.
linalg::GenericOp withoutInput(OpBuilder &b, linalg::GenericOp op,
                               unsigned input) {
  SmallVector<Value> ins = op.getDpsInputs();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  ins.erase(ins.begin() + input);
  maps.erase(maps.begin() + input);
  auto lean = linalg::GenericOp::create(b, op.getLoc(), TypeRange{}, ins,
                                        op.getDpsInits(), maps,
                                        op.getIteratorTypesArray());
  lean.getRegion().takeBody(op.getRegion());
  lean.getBody()->eraseArgument(input);
  for (NamedAttribute attr : op->getDiscardableAttrs())
    lean->setAttr(attr.getName(), attr.getValue());
  // Pairs of input operand numbers past it move down by one.
  if (auto pairs = lean->getAttrOfType<DenseI64ArrayAttr>(ttt::kTF32LowAttr)) {
    SmallVector<int64_t> moved;
    for (int64_t n : pairs.asArrayRef())
      moved.push_back(n > static_cast<int64_t>(input) ? n - 1 : n);
    lean->setAttr(ttt::kTF32LowAttr, b.getDenseI64ArrayAttr(moved));
  }
  op.erase();
  return lean;
}

/// The one op after `op` in its block that touches `buffer`'s root, where
/// it reads it only as the initial value of one of its outputs (returned
/// with that output's index); none otherwise.
std::optional<std::pair<linalg::GenericOp, int64_t>>
onlyInitReader(linalg::GenericOp op, Value buffer) {
  Value root = ttt::rootOf(buffer);
  auto usesOfRoot = [&](Operation *other) {
    return llvm::count_if(other->getOperands(), [&](Value v) {
      return isa<MemRefType>(v.getType()) && ttt::rootOf(v) == root;
    });
  };
  std::optional<std::pair<linalg::GenericOp, int64_t>> found;
  for (Operation &other : *op->getBlock()) {
    int64_t uses = usesOfRoot(&other);
    if (&other == op.getOperation() || uses == 0)
      continue;
    auto reader = dyn_cast<linalg::GenericOp>(other);
    if (found || !reader || other.isBeforeInBlock(op))
      return std::nullopt;
    for (int64_t k = 0; k < reader.getNumDpsInits(); ++k)
      if (OpOperand *init = ttt::initInputOf(reader, k);
          init && init->get() == buffer)
        found = {reader, k};
    if (!found || uses != 1)
      return std::nullopt;
  }
  return found;
}

/// Splits one op; false where it cannot.
bool splitOne(scf::ForOp loop, linalg::GenericOp op, Value weights,
              int64_t secondGroup) {
  Value root = ttt::rootOf(weights);
  OpOperand *w = nullptr;
  for (OpOperand &operand : op->getOpOperands())
    if (isa<MemRefType>(operand.get().getType()) &&
        ttt::rootOf(operand.get()) == root) {
      if (w)
        return false; // read and updated: not a product or an update
      w = &operand;
    }
  // Static shapes: the halves' subviews take every other dim whole.
  if (llvm::any_of(op->getOperands(), [](Value v) {
        auto type = dyn_cast<MemRefType>(v.getType());
        return type && !type.hasStaticShape();
      }))
    return false;
  std::optional<unsigned> dim = w ? rowDim(op, *w) : std::nullopt;
  if (!dim || ttt::linear_bodies::readsIndex(op, *dim))
    return false;
  int64_t rows = op.getStaticLoopRanges()[*dim];
  // Halves of at least 8 rows: one k-step of an mma tile.
  if (ShapedType::isDynamic(rows) || rows % 2 != 0 || rows < 16)
    return false;
  int64_t half = rows / 2;
  OpBuilder b(op);
  auto mark = [&](linalg::GenericOp second) {
    second->setAttr(ttt::kWarpGroupAttr, b.getI64IntegerAttr(secondGroup));
  };
  if (op.isDpsInit(w)) {
    // The update: two independent row halves of W.
    if (op.getIteratorTypesArray()[*dim] != utils::IteratorType::parallel)
      return false;
    ttt::cloneSlicedAlong(b, op, *dim, 0, half, /*cutOutputs=*/true);
    mark(ttt::cloneSlicedAlong(b, op, *dim, half, half, /*cutOutputs=*/true));
    op.erase();
    return true;
  }
  // A product X W: partial sums over W's rows, the second into a buffer
  // of its own that the product's reader adds to its initial value.
  Value out = op.getNumDpsInits() == 1 ? op.getDpsInits()[0] : Value();
  auto outType = out ? dyn_cast<MemRefType>(out.getType()) : MemRefType();
  if (op.getIteratorTypesArray()[*dim] != utils::IteratorType::reduction ||
      !outType || !outType.hasStaticShape() ||
      !outType.getLayout().isIdentity() || !ttt::addCombinedOutput(op, 0) ||
      !ttt::startsElsewhere(op, 0))
    return false;
  std::optional<std::pair<linalg::GenericOp, int64_t>> reader =
      onlyInitReader(op, out);
  OpOperand *init = ttt::initInputOf(op, 0);
  // One partial product a reader's output (ttt.init_plus pairs one input).
  if (!reader || ttt::initPlusOf(reader->first, reader->second) ||
      (init && !op.getMatchingBlockArgument(init).use_empty()))
    return false;
  OpBuilder before(loop);
  Value partial = memref::AllocOp::create(before, op.getLoc(), outType,
                                          before.getI64IntegerAttr(64));
  ttt::cloneSlicedAlong(b, op, *dim, 0, half, /*cutOutputs=*/false);
  linalg::GenericOp second =
      ttt::cloneSlicedAlong(b, op, *dim, half, half, /*cutOutputs=*/false);
  second.getDpsInitOperand(0)->set(partial);
  if (init) {
    second->removeAttr(ttt::kInitFromAttr);
    second = withoutInput(b, second, init->getOperandNumber());
  }
  second->setAttr(ttt::kZeroInitAttr, b.getDenseI64ArrayAttr({0}));
  mark(second);
  auto [user, index] = *reader;
  AffineMap initMap =
      user.getMatchingIndexingMap(ttt::initInputOf(user, index));
  ttt::appendPairedInput(user, partial, initMap, ttt::kInitPlusAttr, index);
  op.erase();
  return true;
}

} // namespace

int64_t ttt::splitWeightHalves(scf::ForOp loop, ArrayRef<linalg::GenericOp> ops,
                               Value weights, int64_t secondGroup) {
  auto type = dyn_cast<MemRefType>(weights.getType());
  if (!type || type.getRank() != 2 || !type.hasStaticShape())
    return 0;
  int64_t split = 0;
  for (linalg::GenericOp op : ops)
    split += splitOne(loop, op, weights, secondGroup);
  return split;
}
