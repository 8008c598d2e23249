//===- BufferRoot.h - The buffer a view is taken from -----------*- C++ -*-===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_BUFFERROOT_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_BUFFERROOT_H

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

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_BUFFERROOT_H
