//===- FastMath.h - FMA contraction for cloned kernel arithmetic -*- C++
//-*-===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_FASTMATH_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_FASTMATH_H

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::ttt {

/// Lets the backend fuse a multiply and an add into one FMA (`contract`,
/// as the CPU pipeline does): fewer instructions, and each fused result is
/// rounded once, so never less accurate.
inline void allowContraction(Operation *op) {
  auto fm = dyn_cast<arith::ArithFastMathInterface>(op);
  if (!fm || isa<arith::ExtFOp, arith::TruncFOp>(op))
    return;
  arith::FastMathFlags flags = arith::FastMathFlags::contract;
  if (auto old = fm.getFastMathFlagsAttr())
    flags = flags | old.getValue();
  op->setAttr(fm.getFastMathAttrName(),
              arith::FastMathFlagsAttr::get(op->getContext(), flags));
}

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_FASTMATH_H
