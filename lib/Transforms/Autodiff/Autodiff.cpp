//===- Autodiff.cpp - Expand ttt.grad in reverse mode ---------------------===//
//
// For each ttt.grad: clone the body before the op (the forward pass, with
// the wrt values in place of the body arguments), find the active values
// (those depending on a wrt value) and, in per-example mode, which of them
// are row-indexed; then walk the clones backwards, asking each op's
// DifferentiableOpInterface for its operands' cotangents and summing
// contributions to the same value.
//
//===----------------------------------------------------------------------===//

#include "ttt/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "ttt/Dialect/TTT/IR/TTTInterfaces.h"
#include "ttt/Dialect/TTT/IR/TTTOps.h"
#include "ttt/Utils/TensorBuilders.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTAUTODIFF
#include "ttt/Transforms/Passes.h.inc"
} // namespace mlir::ttt

void registerLinalgVJPModels(mlir::DialectRegistry &registry);
void registerTTTOpsVJPModels(mlir::DialectRegistry &registry);
void registerElementwiseVJPModels(mlir::DialectRegistry &registry);

using namespace mlir;
using namespace mlir::ttt;

namespace {

/// Whether an active op's result is indexed by the examples: it is when an
/// active operand is, or when the op introduces the example dimension from
/// a constant row operand (a contraction whose result rows come from it) or
/// by broadcasting along dimension 0.
bool producesRows(Operation *op, const llvm::DenseSet<Value> &active,
                  const llvm::DenseSet<Value> &rows) {
  for (Value v : op->getOperands())
    if (active.contains(v) && rows.contains(v))
      return true;
  if (auto bcast = dyn_cast<linalg::BroadcastOp>(op))
    return llvm::is_contained(bcast.getDimensions(), 0);
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    SmallVector<AffineMap> maps = linalgOp.getIndexingMapsArray();
    auto row = dyn_cast<AffineDimExpr>(maps.back().getResult(0));
    if (!row || linalgOp.getNumDpsInputs() == 0)
      return false;
    for (OpOperand *in : linalgOp.getDpsInputOperands()) {
      if (!active.contains(in->get()))
        continue;
      if (maps[in->getOperandNumber()].getResultPosition(row))
        return false; // an active operand carries the row loop itself
    }
    return true;
  }
  return false;
}

LogicalResult expandGrad(GradOp grad) {
  OpBuilder b(grad);
  Location loc = grad.getLoc();
  Block &body = grad.getBodyBlock();

  llvm::SmallPtrSet<Value, 4> distinct;
  for (Value w : grad.getWrt())
    if (!distinct.insert(w).second)
      return grad.emitOpError("wrt values must be distinct");

  // Forward pass: clone the body in front of the op.
  IRMapping mapping;
  for (auto [arg, w] : llvm::zip(body.getArguments(), grad.getWrt()))
    mapping.map(arg, w);
  SmallVector<Operation *> forward;
  for (Operation &op : body.without_terminator())
    forward.push_back(b.clone(op, mapping));
  Value loss = mapping.lookup(grad.getLoss());

  llvm::DenseSet<Value> active(grad.getWrt().begin(), grad.getWrt().end());
  llvm::DenseSet<Value> rows;
  bool perExample = grad.isPerExample();
  for (Operation *op : forward) {
    if (!llvm::any_of(op->getOperands(),
                      [&](Value v) { return active.contains(v); }))
      continue;
    bool isRow = perExample && producesRows(op, active, rows);
    for (Value r : op->getResults()) {
      active.insert(r);
      if (isRow)
        rows.insert(r);
    }
  }

  VJPState state;
  state.perExample = perExample;
  state.rowValues = &rows;
  state.activeValues = &active;
  if (perExample) {
    state.numExamples = tensor::DimOp::create(b, loc, loss, 0);
    if (!active.contains(loss) || !rows.contains(loss))
      rows.insert(loss); // a constant per-example loss: gradients are zero
  }

  // Seed: d loss / d loss = 1 (per example: row s holds d l_s / d l_s).
  llvm::DenseMap<Value, Value> cot;
  Type elt = cast<RankedTensorType>(loss.getType()).getElementType();
  Value one = floatConst(b, loc, elt, 1.0);
  Value seed = emptyLike(b, loc, loss);
  cot[loss] = linalg::FillOp::create(b, loc, one, seed).getResult(0);

  for (Operation *op : llvm::reverse(forward)) {
    state.resultCotangents.clear();
    bool any = false;
    for (Value r : op->getResults()) {
      Value c = cot.lookup(r);
      state.resultCotangents.push_back(c);
      any |= static_cast<bool>(c);
    }
    if (!any)
      continue;
    auto rule = dyn_cast<DifferentiableOpInterface>(op);
    if (!rule)
      return op->emitOpError()
             << "has no VJP rule; ttt-autodiff cannot differentiate '"
             << op->getName() << "'";
    state.operandCotangents.clear();
    OpBuilder rb(grad);
    if (failed(rule.buildVJP(rb, state)))
      return failure();
    for (auto [operand, c] :
         llvm::zip(op->getOperands(), state.operandCotangents)) {
      if (!c || !active.contains(operand))
        continue;
      Value &slot = cot[operand];
      slot = slot ? addTensors(rb, loc, slot, c) : c;
    }
  }

  // Gradients, cast to the declared types (static where the op says so).
  SmallVector<Value> grads;
  for (auto [w, resultType] : llvm::zip(grad.getWrt(), grad.getResultTypes())) {
    Value g = cot.lookup(w);
    if (!g) {
      SmallVector<OpFoldResult> sizes;
      if (perExample)
        sizes.push_back(state.numExamples);
      llvm::append_range(sizes, tensor::getMixedSizes(b, loc, w));
      g = zeros(b, loc, sizes,
                cast<RankedTensorType>(w.getType()).getElementType());
    }
    if (g.getType() != resultType)
      g = tensor::CastOp::create(b, loc, resultType, g);
    grads.push_back(g);
  }
  grad.replaceAllUsesWith(grads);
  grad.erase();
  return success();
}

struct TTTAutodiffPass : ttt::impl::TTTAutodiffBase<TTTAutodiffPass> {
  void runOnOperation() override {
    // Innermost first, so that a grad inside a grad body is expanded before
    // its parent clones that body.
    SmallVector<GradOp> grads;
    getOperation()->walk([&](GradOp g) { grads.push_back(g); });
    for (GradOp g : grads)
      if (failed(expandGrad(g)))
        return signalPassFailure();
  }
};

} // namespace

void mlir::ttt::registerVJPInterfaceExternalModels(DialectRegistry &registry) {
  registerLinalgVJPModels(registry);
  registerTTTOpsVJPModels(registry);
  registerElementwiseVJPModels(registry);
}
