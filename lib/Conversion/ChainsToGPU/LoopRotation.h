//===- LoopRotation.h - Ops of a step moved to the next iteration -*- C++
//-*-===//
//
// ttt-gpu-rotate-output-chain and ttt-gpu-rotate-weight-update move the
// last ops of a chunk loop's step (the output chain, the weight update) to
// the start of the next iteration: the step values they read are carried
// (starting at zero), and a loop of zero or one iteration after the chunk
// loop runs them for the last step. rewriteChunkLoops also serves
// ttt-gpu-lookahead-products.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_LOOPROTATION_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_LOOPROTATION_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"

#include <optional>
#include <type_traits>

namespace mlir::ttt {

/// The ops of a loop body that move to the start of the next iteration.
struct RotatedTail {
  SetVector<Operation *> ops; // in body order
  // Iteration arguments whose yielded value the ops produce: the moved
  // ops' value is what the rest of the step reads as that argument.
  SmallVector<unsigned> produced;
  // Step values the ops read (carried; float tensors of static shape).
  SmallVector<Value> carried;
  // Whether the moved ops re-read the previous step's input slices (a
  // slice at the previous induction variable) rather than carry them.
  bool rereadInputs = true;
  // Whether a carried value that depends on no iteration argument (one
  // computed early in the step from its inputs, K's conversion) is copied
  // into its argument by a copy at the step's end instead of written there
  // in place: in place, its producer would wait for the moved ops' reads
  // of the previous value.
  bool copyEarlyValues = false;
};

/// Rewrites the chunk loops under `root` (an scf.for with a constant step:
/// full mini-batches, static slices) for which `find(loop)` gives a plan,
/// by `rewrite(loop, plan)`; all are found before any is rewritten (a
/// rewrite erases its loop).
template <typename Find, typename Rewrite>
void rewriteChunkLoops(Operation *root, Find find, Rewrite rewrite) {
  using Plan = typename std::invoke_result_t<Find, scf::ForOp>::value_type;
  SmallVector<std::pair<scf::ForOp, Plan>> work;
  root->walk([&](scf::ForOp loop) {
    if (!matchPattern(loop.getStep(), m_Constant()))
      return;
    if (std::optional<Plan> plan = find(loop))
      work.push_back({loop, std::move(*plan)});
  });
  for (auto &[loop, plan] : work)
    rewrite(loop, plan);
}

/// A slice of a value from outside the loop (the step's inputs).
bool isStepInputSlice(Operation *op);

/// Ops that are cheaper to clone than to carry: constants, empty tensors
/// and, with `inputs`, the step's input slices (re-read at the previous
/// induction variable). Their operands must be the induction variable or
/// values from outside the loop `body`.
bool isRematerializable(Operation *op, Block *body, bool inputs = true);

/// The values of the loop `body` from outside `moved`, not cheaper to
/// clone, that `ops` (or ops nested in them) read: what moved ops must be
/// carried.
SetVector<Value> stepValuesRead(ArrayRef<Operation *> ops, Block *body,
                                const DenseSet<Operation *> &moved,
                                bool inputs = true);

/// Whether every carried value is a float tensor of static shape.
bool carriable(ArrayRef<Value> values);

/// Rewrites `loop` so that `tail` runs at the start of the next iteration
/// (the first iteration: on zeros) and once more after the loop where it
/// ran; the after-loop copies of linalg ops get the unit attribute
/// `epilogueAttr` where it is not empty. Erases `loop`.
void rotateTail(scf::ForOp loop, const RotatedTail &tail,
                StringRef epilogueAttr);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_LOOPROTATION_H
