//===- RotateWeightUpdate.cpp - A step's weight update in the next step ---===//
//
// With ttt-gpu-lookahead-products a step's recurrence is the LayerNorm
// chain on the carried Z, then G, then the next Z = P - A G, where
// P = K' W reads the weights the step starts with. The weight update
// W += (eta K)^T G still runs after G in the same step, and the next P
// after it: each step lasts the chain plus the update. Here the update
// moves to the start of the next iteration, fed by carried copies of G,
// K and eta, so that the update and the next P run beside the LayerNorm
// chain instead of after it (on warps of their own with
// ttt-gpu-output-warps{weight-warps}).
//
//===----------------------------------------------------------------------===//

#include "LoopRotation.h"
#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUROTATEWEIGHTUPDATE
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using namespace mlir::ttt;

namespace {

/// Whether `op` is the update of iteration argument `arg` that the loop
/// yields: a contraction accumulating into `arg`, its one result used
/// only by the yield.
bool isWeightUpdate(Operation *op, Value arg, Block *body) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && op->getBlock() == body && op->getNumResults() == 1 &&
         op->getResult(0).hasOneUse() && linalgOp.getNumDpsInits() == 1 &&
         linalgOp.getDpsInits()[0] == arg &&
         linalgOp.getNumReductionLoops() > 0;
}

/// The loop's weight updates and what they read from the step.
std::optional<RotatedTail> weightUpdatesOf(scf::ForOp loop) {
  Block *body = loop.getBody();
  Operation *yield = body->getTerminator();
  DenseSet<Operation *> updates;
  RotatedTail tail;
  tail.rereadInputs = false; // K's slot is refilled by the prefetch
  tail.copyEarlyValues = true;
  for (auto [i, v] : llvm::enumerate(yield->getOperands()))
    if (isWeightUpdate(v.getDefiningOp(), loop.getRegionIterArg(i), body)) {
      updates.insert(v.getDefiningOp());
      tail.produced.push_back(i);
    }
  if (updates.empty())
    return std::nullopt;
  for (Operation &op : body->without_terminator())
    if (updates.contains(&op))
      tail.ops.insert(&op);
  tail.carried = stepValuesRead(tail.ops.getArrayRef(), body, updates,
                                /*inputs=*/false)
                     .takeVector();
  if (!carriable(tail.carried))
    return std::nullopt;
  return tail;
}

struct TTTGPURotateWeightUpdatePass
    : ttt::impl::TTTGPURotateWeightUpdateBase<TTTGPURotateWeightUpdatePass> {
  void runOnOperation() override {
    rewriteChunkLoops(getOperation(), weightUpdatesOf,
                      [](scf::ForOp loop, const RotatedTail &tail) {
                        rotateTail(loop, tail, /*epilogueAttr=*/"");
                      });
  }
};

} // namespace
