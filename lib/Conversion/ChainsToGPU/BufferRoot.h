//===- BufferRoot.h - The buffer a view is taken from -----------*- C++ -*-===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_BUFFERROOT_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_BUFFERROOT_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::ttt {

/// The buffer a view is taken from: an allocation, a kernel argument's
/// array (rebuilt from its pointer), or the first value no view op made.
/// Distinct roots are distinct memory: allocations are, and the kernel ABI
/// passes distinct arrays.
inline Value rootOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return v;
    v = view.getViewSource();
  }
  return v;
}

/// `v` before any memref.cast.
inline Value throughCasts(Value v) {
  while (auto c = v.getDefiningOp<memref::CastOp>())
    v = c.getSource();
  return v;
}

/// The buffers `v` may be: a loop-carried buffer (an scf.for iter_arg, or
/// a loop's result, through casts) is its initial or its yielded value
/// (those in turn expanded, within `depth`); else `v`.
inline SmallVector<Value> carriedSources(Value v, int depth = 4) {
  Value root = throughCasts(v);
  scf::ForOp loop;
  unsigned index = 0;
  if (auto arg = dyn_cast<BlockArgument>(root)) {
    loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
    if (loop && arg == loop.getInductionVar())
      loop = nullptr;
    if (loop)
      index = arg.getArgNumber() - loop.getNumInductionVars();
  } else if (auto res = dyn_cast<OpResult>(root)) {
    loop = dyn_cast<scf::ForOp>(res.getOwner());
    index = res.getResultNumber();
  }
  if (!loop || depth == 0)
    return {v};
  SmallVector<Value> sources;
  Value arg = loop.getRegionIterArgs()[index];
  for (Value s : {loop.getInits()[index], loop.getYieldedValues()[index]}) {
    // A value yielded unchanged is the initial one.
    if (throughCasts(s) == arg)
      continue;
    for (Value x : carriedSources(s, depth - 1))
      if (!llvm::is_contained(sources, x))
        sources.push_back(x);
  }
  return sources;
}

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_BUFFERROOT_H
