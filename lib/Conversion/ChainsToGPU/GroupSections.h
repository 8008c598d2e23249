//===- GroupSections.h - Each group's code as one run -----------*- C++ -*-===//
//
// ttt-gpu-distribute{group-sections}: the ops of a loop body run under
// guards of their warp group (one block: threads; cluster-groups: the
// block's rank), in the body's order, so a group's step is pieces of code
// spread between the other groups' and touches more instruction-cache
// lines than its own code needs. Each group only runs its own guards, in
// order, so moving every group's guards together (group after group,
// between the body's ops with effects, which stay in place) gives each
// thread the same instructions in the same order.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_GROUPSECTIONS_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_GROUPSECTIONS_H

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::ttt {

/// Marks a guard (an scf.if with no results) with the groups it runs on.
inline constexpr llvm::StringLiteral kGroupGuardAttr = "ttt.group_guard";

/// Marks a guard nested in a group guard with the groups it runs on (a
/// condition on the group alone): in a group's copy of the outer guard it
/// is known, so its code stays there unguarded or goes.
inline constexpr llvm::StringLiteral kRankGuardAttr = "ttt.rank_guard";

/// In each block holding marked guards, each run of them (with ops free of
/// memory effects and regions between) reordered group by group; a guard
/// of several groups is copied into each one's run with the condition
/// `inGroup` builds, its nested rank guards resolved for that group. Drops
/// the marks.
void sectionByGroup(
    Operation *root, int64_t groups,
    function_ref<Value(OpBuilder &, Location, int64_t)> inGroup);

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_GROUPSECTIONS_H
