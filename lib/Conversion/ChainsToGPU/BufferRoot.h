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

/// The buffers `v` may be: a loop-carried buffer (an scf.for iter_arg,
/// through casts) is its initial or its yielded value; else `v`.
inline SmallVector<Value> carriedSources(Value v) {
  Value root = v;
  while (auto c = root.getDefiningOp<memref::CastOp>())
    root = c.getSource();
  auto arg = dyn_cast<BlockArgument>(root);
  auto loop =
      arg ? dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp()) : nullptr;
  if (!loop || arg == loop.getInductionVar())
    return {v};
  return {loop.getTiedLoopInit(arg)->get(),
          loop.getTiedLoopYieldedValue(arg)->get()};
}

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_BUFFERROOT_H
