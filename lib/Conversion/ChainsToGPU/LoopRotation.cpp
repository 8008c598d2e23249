//===- LoopRotation.cpp - Ops of a step moved to the next iteration -------===//

#include "LoopRotation.h"
#include "CarriedInPlace.h"
#include "ttt/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

bool ttt::isStepInputSlice(Operation *op) {
  auto slice = dyn_cast<tensor::ExtractSliceOp>(op);
  return slice && slice.getSource().getParentBlock() != slice->getBlock();
}

bool ttt::isRematerializable(Operation *op, Block *body, bool inputs) {
  if (!isa<tensor::EmptyOp>(op) && !op->hasTrait<OpTrait::ConstantLike>() &&
      !(inputs && isStepInputSlice(op)))
    return false;
  auto loop = cast<scf::ForOp>(body->getParentOp());
  return llvm::all_of(op->getOperands(), [&](Value v) {
    return v == loop.getInductionVar() || v.getParentBlock() != body;
  });
}

SetVector<Value> ttt::stepValuesRead(ArrayRef<Operation *> ops, Block *body,
                                     const DenseSet<Operation *> &moved,
                                     bool inputs) {
  SetVector<Value> read;
  for (Operation *op : ops)
    op->walk([&](Operation *nested) {
      for (Value v : nested->getOperands()) {
        Operation *def = v.getDefiningOp();
        if (def && def->getBlock() == body && !moved.contains(def) &&
            !isRematerializable(def, body, inputs))
          read.insert(v);
      }
    });
  return read;
}

bool ttt::carriable(ArrayRef<Value> values) {
  return llvm::all_of(values, [](Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    return type && type.hasStaticShape() &&
           isa<FloatType>(type.getElementType());
  });
}

namespace {

/// Clones the tail's ops at the builder's point: `map` says what the loop's
/// arguments, the carried values and the induction variable are there.
void cloneTail(OpBuilder &b, const ttt::RotatedTail &tail, Block *body,
               IRMapping &map) {
  for (Operation *op : tail.ops)
    op->walk<WalkOrder::PreOrder>([&](Operation *nested) {
      for (Value v : nested->getOperands())
        if (Operation *def = v.getDefiningOp();
            def && def->getBlock() == body &&
            ttt::isRematerializable(def, body, tail.rereadInputs) &&
            !map.contains(v))
          map.map(v, b.clone(*def, map)->getResult(0));
    });
  for (Operation *op : tail.ops)
    b.clone(*op, map);
}

/// Whether `v` depends on an iteration argument of the loop `body`.
bool dependsOnIterArgs(Value v, Block *body) {
  auto loop = cast<scf::ForOp>(body->getParentOp());
  SmallVector<Value> work = {v};
  DenseSet<Value> seen;
  while (!work.empty()) {
    Value x = work.pop_back_val();
    if (!seen.insert(x).second)
      continue;
    if (llvm::is_contained(loop.getRegionIterArgs(), x))
      return true;
    Operation *def = x.getDefiningOp();
    if (!def || def->getBlock() != body)
      continue;
    def->walk([&](Operation *nested) {
      llvm::append_range(work, nested->getOperands());
    });
  }
  return false;
}

/// Whether an op of the tail writes into `v` (uses it as an init).
bool isTailInit(const ttt::RotatedTail &tail, Value v) {
  return llvm::any_of(v.getUses(), [&](OpOperand &use) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
    return dps && tail.ops.contains(use.getOwner()) && dps.isDpsInit(&use);
  });
}

} // namespace

void ttt::rotateTail(scf::ForOp loop, const RotatedTail &tail,
                     StringRef epilogueAttr) {
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  unsigned numArgs = loop.getNumRegionIterArgs();
  SmallVector<Value> inits(loop.getInitArgs());
  for (Value v : tail.carried)
    inits.push_back(ttt::zerosLike(b, loc, v)); // static: reads no size of v
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound(),
        step = loop.getStep();
  Block *body = loop.getBody();
  Operation *yield = body->getTerminator();
  auto newLoop = scf::ForOp::create(
      b, loc, lb, ub, step, inits,
      [&](OpBuilder &nb, Location, Value iv, ValueRange args) {
        // The previous step's tail (the first iteration: on zeros).
        IRMapping tailMap;
        Value prev = arith::MaxSIOp::create(
            nb, loc, arith::SubIOp::create(nb, loc, iv, step), lb);
        tailMap.map(loop.getInductionVar(), prev);
        for (unsigned i = 0; i < numArgs; ++i)
          tailMap.map(loop.getRegionIterArg(i), args[i]);
        for (auto [j, v] : llvm::enumerate(tail.carried))
          tailMap.map(v, args[numArgs + j]);
        cloneTail(nb, tail, body, tailMap);
        // This step, less its tail; it reads what the tail produced.
        IRMapping headMap;
        headMap.map(loop.getInductionVar(), iv);
        for (unsigned i = 0; i < numArgs; ++i)
          headMap.map(loop.getRegionIterArg(i), args[i]);
        for (unsigned i : tail.produced)
          headMap.map(loop.getRegionIterArg(i),
                      tailMap.lookup(yield->getOperand(i)));
        for (Operation &op : body->without_terminator())
          if (!tail.ops.contains(&op))
            nb.clone(op, headMap);
        // Carried values are produced in place of their argument, except
        // where the tail accumulates into it (Q W: the next write would
        // wait for the tail's last read, a barrier mid-step; the yield's
        // copy at the step's end is cheaper) and, with copyEarlyValues,
        // values from the step's inputs alone: an explicit copy into the
        // argument at the step's end (in place, their early producer would
        // wait for the tail's reads; yielded as they are, the argument
        // would become a buffer swapped per iteration).
        SmallVector<Value> carriedOut;
        for (auto [j, v] : llvm::enumerate(tail.carried)) {
          Value next = headMap.lookup(v);
          if (tail.copyEarlyValues && !dependsOnIterArgs(v, body))
            next = linalg::CopyOp::create(nb, loc, next, args[numArgs + j])
                       ->getResult(0);
          else if (!isTailInit(tail, v))
            produceInto(next, args[numArgs + j]);
          carriedOut.push_back(next);
        }
        SmallVector<Value> yields;
        for (auto [i, v] : llvm::enumerate(yield->getOperands()))
          yields.push_back(llvm::is_contained(tail.produced, i)
                               ? tailMap.lookup(v)
                               : headMap.lookupOrDefault(v));
        llvm::append_range(yields, carriedOut);
        scf::YieldOp::create(nb, loc, yields);
      });
  // The last step's tail: one iteration where the loop ran at all, at
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
  SmallVector<Value> epilogueInits;
  for (unsigned i : tail.produced)
    epilogueInits.push_back(newLoop.getResult(i));
  auto epilogue = scf::ForOp::create(
      b, loc, zero, trips, one, epilogueInits,
      [&](OpBuilder &eb, Location, Value, ValueRange args) {
        IRMapping map;
        map.map(loop.getInductionVar(), last);
        for (unsigned i = 0; i < numArgs; ++i)
          map.map(loop.getRegionIterArg(i), newLoop.getResult(i));
        for (auto [k, i] : llvm::enumerate(tail.produced))
          map.map(loop.getRegionIterArg(i), args[k]);
        for (auto [j, v] : llvm::enumerate(tail.carried))
          map.map(v, newLoop.getResult(numArgs + j));
        cloneTail(eb, tail, body, map);
        SmallVector<Value> results;
        for (unsigned i : tail.produced)
          results.push_back(map.lookup(yield->getOperand(i)));
        scf::YieldOp::create(eb, loc, results);
      });
  if (!epilogueAttr.empty())
    epilogue->walk([&](linalg::LinalgOp op) {
      op->setAttr(epilogueAttr, b.getUnitAttr());
    });
  for (auto [k, i] : llvm::enumerate(tail.produced))
    loop.getResult(i).replaceAllUsesWith(epilogue.getResult(k));
  for (unsigned i = 0; i < numArgs; ++i)
    loop.getResult(i).replaceAllUsesWith(newLoop.getResult(i));
  loop.erase();
}
