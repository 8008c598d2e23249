//===- RotateOutputChain.cpp - A step's output computed in the next step --===//
//
// In the chunk loop of a chain, the ops that only produce the step's output
// slice (TTT-Linear: the attention term, the output LayerNorm and the
// residual) depend on nothing the next step writes, yet every step waits
// for them before its weight update can start. Here they move to the start
// of the next iteration, fed by loop-carried copies of the values they read
// from the step (Q W, G, ...), so that ttt-gpu-schedule-levels can run them
// next to the next step's first ops. The first iteration computes them on
// zeros and writes its first slice, which the second iteration (or the
// epilogue: a loop of zero or one iteration after the chunk loop, for the
// last step) overwrites with the real values.
//
//===----------------------------------------------------------------------===//

#include "CarriedInPlace.h"
#include "KernelLoops.h"
#include "ttt/Conversion/Passes.h"
#include "ttt/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUROTATEOUTPUTCHAIN
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using mlir::ttt::produceInto;

namespace {

/// A slice of a value from outside the loop (the step's inputs).
bool isStepInputSlice(Operation *op) {
  auto slice = dyn_cast<tensor::ExtractSliceOp>(op);
  return slice && slice.getSource().getParentBlock() != slice->getBlock();
}

/// Ops that are cheaper to clone than to carry: the chain re-reads the
/// previous step's input slice (its offsets use the induction variable,
/// which the clone sees as the previous step's). Their operands must be
/// the induction variable or values from outside the loop `body`.
bool isRematerializable(Operation *op, Block *body) {
  if (!isa<tensor::EmptyOp>(op) && !op->hasTrait<OpTrait::ConstantLike>() &&
      !isStepInputSlice(op))
    return false;
  auto loop = cast<scf::ForOp>(body->getParentOp());
  return llvm::all_of(op->getOperands(), [&](Value v) {
    return v == loop.getInductionVar() || v.getParentBlock() != body;
  });
}

/// Whether `op` (or an op nested in it) reads the loop's induction variable
/// or iteration arguments.
bool readsLoopArgs(Operation *op, Block *body) {
  WalkResult r = op->walk([&](Operation *nested) {
    for (Value v : nested->getOperands())
      if (auto arg = dyn_cast<BlockArgument>(v); arg && arg.getOwner() == body)
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return r.wasInterrupted();
}

/// Whether `op` is a contraction reading the step's input slices (q k^T):
/// it stays in the step, so that its small result is carried rather than
/// recomputed from re-read inputs.
bool isInputContraction(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumReductionLoops() > 0 &&
         llvm::any_of(op->getOperands(), [](Value v) {
           Operation *def = v.getDefiningOp();
           return def && isStepInputSlice(def);
         });
}

/// The chunk loop's output chain: an insert_slice into iteration argument
/// `outIndex` that the loop yields at the same position, and the ops whose
/// results reach only that insert (never reading the loop's arguments).
struct OutputChain {
  tensor::InsertSliceOp insert;
  unsigned outIndex;
  SetVector<Operation *> ops; // in body order, the insert last
  SmallVector<Value> carried; // step values the chain reads
};

/// The values of the loop `body` from outside `chain`, not cheaper to
/// clone, that `ops` (or ops nested in them) read: what a moved chain
/// must be carried.
SetVector<Value> stepValuesRead(ArrayRef<Operation *> ops, Block *body,
                                const DenseSet<Operation *> &chain) {
  SetVector<Value> read;
  for (Operation *op : ops)
    op->walk([&](Operation *nested) {
      for (Value v : nested->getOperands()) {
        Operation *def = v.getDefiningOp();
        if (def && def->getBlock() == body && !chain.contains(def) &&
            !isRematerializable(def, body))
          read.insert(v);
      }
    });
  return read;
}

/// With `tailOnly`, the chain is cut to the ops after its last op that
/// reads a step value from outside it.
std::optional<OutputChain> outputChainOf(scf::ForOp loop, bool tailOnly) {
  Block *body = loop.getBody();
  auto yield = cast<scf::YieldOp>(body->getTerminator());
  std::optional<OutputChain> found;
  for (auto [i, v] : llvm::enumerate(yield.getOperands())) {
    auto insert = v.getDefiningOp<tensor::InsertSliceOp>();
    if (!insert || insert->getBlock() != body || !insert->hasOneUse() ||
        insert.getDest() != loop.getRegionIterArg(i) ||
        !insert.getSourceType().hasStaticShape())
      continue;
    if (found)
      return std::nullopt; // one output chain per loop
    found = OutputChain{insert, static_cast<unsigned>(i), {}, {}};
  }
  if (!found)
    return std::nullopt;
  // Backwards: an op joins when every user is in the chain.
  DenseSet<Operation *> inChain = {found->insert};
  for (Operation &op : llvm::reverse(body->without_terminator())) {
    if (&op == found->insert.getOperation() || op.use_empty() ||
        isRematerializable(&op, body) || readsLoopArgs(&op, body) ||
        isInputContraction(&op) ||
        !isa<linalg::LinalgOp, tensor::ExtractSliceOp>(op))
      continue;
    bool onlyChainUsers = llvm::all_of(op.getUsers(), [&](Operation *user) {
      return inChain.contains(body->findAncestorOpInBlock(*user));
    });
    if (onlyChainUsers)
      inChain.insert(&op);
  }
  if (tailOnly) {
    // The tail reads the rest of the step through one carried value
    // rather than the chain's several inputs (G, the per-token bias, ...).
    Operation *cut = nullptr;
    for (Operation &op : body->without_terminator())
      if (inChain.contains(&op) &&
          !stepValuesRead({&op}, body, inChain).empty())
        cut = &op;
    if (cut)
      for (Operation *op = cut; op; op = op->getPrevNode())
        inChain.erase(op);
  }
  for (Operation &op : body->without_terminator())
    if (inChain.contains(&op))
      found->ops.insert(&op);
  if (llvm::none_of(found->ops,
                    [](Operation *op) { return isa<linalg::LinalgOp>(op); }))
    return std::nullopt;
  // What the chain reads from the rest of the step: carried.
  SetVector<Value> carried =
      stepValuesRead(found->ops.getArrayRef(), body, inChain);
  for (Value v : carried) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape() ||
        !isa<FloatType>(type.getElementType()))
      return std::nullopt;
  }
  found->carried = carried.takeVector();
  return found;
}

/// Clones the chain at the builder's point: `map` says what the loop's
/// arguments, the carried values and the induction variable are there.
/// Returns the insert's result.
Value cloneChain(OpBuilder &b, const OutputChain &chain, IRMapping &map) {
  for (Operation *op : chain.ops)
    op->walk<WalkOrder::PreOrder>([&](Operation *nested) {
      for (Value v : nested->getOperands())
        if (Operation *def = v.getDefiningOp();
            def && def->getBlock() == chain.insert->getBlock() &&
            isRematerializable(def, def->getBlock()) && !map.contains(v))
          map.map(v, b.clone(*def, map)->getResult(0));
    });
  for (Operation *op : chain.ops)
    b.clone(*op, map);
  return map.lookup(chain.insert->getResult(0));
}

/// Whether an op of the chain writes into `v` (uses it as an init).
bool isChainInit(const OutputChain &chain, Value v) {
  return llvm::any_of(v.getUses(), [&](OpOperand &use) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
    return dps && chain.ops.contains(use.getOwner()) && dps.isDpsInit(&use);
  });
}

void rotate(scf::ForOp loop, const OutputChain &chain) {
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  unsigned numArgs = loop.getNumRegionIterArgs();
  SmallVector<Value> inits(loop.getInitArgs());
  for (Value v : chain.carried)
    inits.push_back(ttt::zerosLike(b, loc, v)); // static: reads no size of v
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound(),
        step = loop.getStep();
  Block *body = loop.getBody();
  auto newLoop = scf::ForOp::create(
      b, loc, lb, ub, step, inits,
      [&](OpBuilder &nb, Location, Value iv, ValueRange args) {
        // The previous step's output (the first iteration: a throwaway
        // slice at the first position, overwritten later).
        IRMapping tailMap;
        Value prev = arith::MaxSIOp::create(
            nb, loc, arith::SubIOp::create(nb, loc, iv, step), lb);
        tailMap.map(loop.getInductionVar(), prev);
        for (unsigned i = 0; i < numArgs; ++i)
          tailMap.map(loop.getRegionIterArg(i), args[i]);
        for (auto [j, v] : llvm::enumerate(chain.carried))
          tailMap.map(v, args[numArgs + j]);
        Value out = cloneChain(nb, chain, tailMap);
        // This step, less its output chain.
        IRMapping headMap;
        headMap.map(loop.getInductionVar(), iv);
        for (unsigned i = 0; i < numArgs; ++i)
          headMap.map(loop.getRegionIterArg(i), args[i]);
        for (Operation &op : body->without_terminator())
          if (!chain.ops.contains(&op))
            nb.clone(op, headMap);
        // Not where the chain accumulates into the carried value (Q W):
        // the next write would have to wait for the chain's last read,
        // a barrier in the middle of the step; a copy at its end is cheaper.
        for (auto [j, v] : llvm::enumerate(chain.carried))
          if (!isChainInit(chain, v))
            produceInto(headMap.lookup(v), args[numArgs + j]);
        SmallVector<Value> yields;
        for (auto [i, v] :
             llvm::enumerate(body->getTerminator()->getOperands()))
          yields.push_back(i == chain.outIndex ? out
                                               : headMap.lookupOrDefault(v));
        for (Value v : chain.carried)
          yields.push_back(headMap.lookup(v));
        scf::YieldOp::create(nb, loc, yields);
      });
  // The last step's output: one iteration where the loop ran at all, at
  // lb + ((ub - lb - 1) / step) * step.
  b.setInsertionPointAfter(newLoop);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value ran = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lb, ub);
  Value trips = arith::SelectOp::create(b, loc, ran, one, zero);
  Value span =
      arith::SubIOp::create(b, loc, arith::SubIOp::create(b, loc, ub, lb), one);
  Value last = arith::AddIOp::create(
      b, loc, lb,
      arith::MulIOp::create(b, loc, arith::DivSIOp::create(b, loc, span, step),
                            step));
  auto epilogue = scf::ForOp::create(
      b, loc, zero, trips, one, ValueRange{newLoop.getResult(chain.outIndex)},
      [&](OpBuilder &eb, Location, Value, ValueRange args) {
        IRMapping map;
        map.map(loop.getInductionVar(), last);
        for (unsigned i = 0; i < numArgs; ++i)
          map.map(loop.getRegionIterArg(i), newLoop.getResult(i));
        map.map(loop.getRegionIterArg(chain.outIndex), args[0]);
        for (auto [j, v] : llvm::enumerate(chain.carried))
          map.map(v, newLoop.getResult(numArgs + j));
        scf::YieldOp::create(eb, loc, cloneChain(eb, chain, map));
      });
  epilogue->walk([&](linalg::LinalgOp op) {
    op->setAttr(ttt::kOutputEpilogueAttr, b.getUnitAttr());
  });
  for (unsigned i = 0; i < numArgs; ++i)
    loop.getResult(i).replaceAllUsesWith(
        i == chain.outIndex ? epilogue.getResult(0) : newLoop.getResult(i));
  loop.erase();
}

struct TTTGPURotateOutputChainPass
    : ttt::impl::TTTGPURotateOutputChainBase<TTTGPURotateOutputChainPass> {
  using Base::Base;

  void runOnOperation() override {
    // Chunk loops of full mini-batches: a constant step, static slices.
    SmallVector<std::pair<scf::ForOp, OutputChain>> work;
    getOperation().walk([&](scf::ForOp loop) {
      if (!matchPattern(loop.getStep(), m_Constant()))
        return;
      if (std::optional<OutputChain> chain = outputChainOf(loop, tailOnly))
        work.push_back({loop, *chain});
    });
    for (auto &[loop, chain] : work)
      rotate(loop, chain);
  }
};

} // namespace
