//===- GroupSections.cpp - Each group's code as one run -------------------===//

#include "GroupSections.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {

struct Guard {
  scf::IfOp op;
  SmallVector<int64_t> groups;
};

/// Resolves the rank guards nested in `guard`, which runs on `group` alone:
/// their code inlined where they run on it, else erased.
void resolveRankGuards(scf::IfOp guard, int64_t group) {
  SmallVector<scf::IfOp> nested; // inner ones first (post-order)
  guard.getThenRegion().walk([&](scf::IfOp inner) {
    if (inner->hasAttr(ttt::kRankGuardAttr))
      nested.push_back(inner);
  });
  for (scf::IfOp inner : nested) {
    auto ranks = inner->getAttrOfType<DenseI64ArrayAttr>(ttt::kRankGuardAttr);
    if (inner.getNumResults() == 0 && !inner.elseBlock() &&
        llvm::is_contained(ranks.asArrayRef(), group)) {
      Block *then = inner.thenBlock();
      then->getTerminator()->erase();
      inner->getBlock()->getOperations().splice(Block::iterator(inner),
                                                then->getOperations());
    }
    inner.erase();
  }
}

/// Moves `run`'s guards before `boundary`, group after group.
void reorder(MutableArrayRef<Guard> run, Operation *boundary, int64_t groups,
             function_ref<Value(OpBuilder &, Location, int64_t)> inGroup) {
  if (run.size() < 2)
    return;
  OpBuilder b(boundary);
  for (int64_t g = 0; g < groups; ++g)
    for (Guard &guard : run) {
      if (!llvm::is_contained(guard.groups, g))
        continue;
      if (guard.groups.size() == 1) {
        guard.op->moveBefore(boundary);
        resolveRankGuards(guard.op, g);
        continue;
      }
      Value here = inGroup(b, guard.op.getLoc(), g);
      auto copy = cast<scf::IfOp>(b.clone(*guard.op.getOperation()));
      copy.getConditionMutable().assign(here);
      resolveRankGuards(copy, g);
    }
  for (Guard &guard : run)
    if (guard.groups.size() > 1)
      guard.op.erase();
}

void sectionBlock(Block &block, int64_t groups,
                  function_ref<Value(OpBuilder &, Location, int64_t)> inGroup) {
  SmallVector<Guard> run;
  SmallVector<Operation *> pure;
  for (Operation &op : llvm::make_early_inc_range(block)) {
    auto marks = op.getAttrOfType<DenseI64ArrayAttr>(ttt::kGroupGuardAttr);
    auto guard = dyn_cast<scf::IfOp>(op);
    if (marks && guard && guard.getNumResults() == 0) {
      run.push_back({guard, llvm::to_vector(marks.asArrayRef())});
      continue;
    }
    if (!run.empty() && op.getNumRegions() == 0 && isMemoryEffectFree(&op) &&
        !op.hasTrait<OpTrait::IsTerminator>()) {
      pure.push_back(&op); // reads nothing a guard defines (none has results)
      continue;
    }
    for (Operation *p : pure)
      p->moveBefore(run.front().op);
    reorder(run, &op, groups, inGroup);
    run.clear();
    pure.clear();
  }
}

} // namespace

void ttt::sectionByGroup(
    Operation *root, int64_t groups,
    function_ref<Value(OpBuilder &, Location, int64_t)> inGroup) {
  SetVector<Block *> blocks;
  root->walk([&](scf::IfOp guard) {
    if (guard->hasAttr(kGroupGuardAttr))
      blocks.insert(guard->getBlock());
  });
  for (Block *block : blocks)
    sectionBlock(*block, groups, inGroup);
  root->walk([](scf::IfOp guard) {
    guard->removeAttr(kGroupGuardAttr);
    guard->removeAttr(kRankGuardAttr);
  });
}
