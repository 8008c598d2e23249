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

#include "KernelLoops.h"
#include "LoopRotation.h"
#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUROTATEOUTPUTCHAIN
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using namespace mlir::ttt;

namespace {

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

/// The chunk loop's output chain: an insert_slice into an iteration
/// argument that the loop yields at the same position, and the ops whose
/// results reach only that insert (never reading the loop's arguments).
/// With `tailOnly`, the chain is cut to the ops after its last op that
/// reads a step value from outside it.
std::optional<RotatedTail> outputChainOf(scf::ForOp loop, bool tailOnly) {
  Block *body = loop.getBody();
  auto yield = cast<scf::YieldOp>(body->getTerminator());
  tensor::InsertSliceOp insert;
  std::optional<RotatedTail> found;
  for (auto [i, v] : llvm::enumerate(yield.getOperands())) {
    auto candidate = v.getDefiningOp<tensor::InsertSliceOp>();
    if (!candidate || candidate->getBlock() != body ||
        !candidate->hasOneUse() ||
        candidate.getDest() != loop.getRegionIterArg(i) ||
        !candidate.getSourceType().hasStaticShape())
      continue;
    if (found)
      return std::nullopt; // one output chain per loop
    insert = candidate;
    found = RotatedTail{};
    found->produced.push_back(i);
  }
  if (!found)
    return std::nullopt;
  // Backwards: an op joins when every user is in the chain.
  DenseSet<Operation *> inChain = {insert};
  for (Operation &op : llvm::reverse(body->without_terminator())) {
    if (&op == insert.getOperation() || op.use_empty() ||
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
  found->carried =
      stepValuesRead(found->ops.getArrayRef(), body, inChain).takeVector();
  if (!carriable(found->carried))
    return std::nullopt;
  return found;
}

struct TTTGPURotateOutputChainPass
    : ttt::impl::TTTGPURotateOutputChainBase<TTTGPURotateOutputChainPass> {
  using Base::Base;

  void runOnOperation() override {
    rewriteChunkLoops(
        getOperation(),
        [&](scf::ForOp loop) { return outputChainOf(loop, tailOnly); },
        [](scf::ForOp loop, const RotatedTail &chain) {
          rotateTail(loop, chain, kOutputEpilogueAttr);
        });
  }
};

} // namespace
