//===- VJPUtils.h - Map helpers shared by the VJP rules ---------*- C++ -*-===//
//
// A cotangent is *compact* (the value's own shape) or *extended* (one more
// leading dimension, the example, for a shared value in per-example mode).
// Rules iterate over the op's loops, plus a leading example loop `n` when
// the result's cotangent is extended; these helpers build those maps.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_LIB_TRANSFORMS_AUTODIFF_VJPUTILS_H
#define TTT_LIB_TRANSFORMS_AUTODIFF_VJPUTILS_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Operation.h"
#include "ttt/Dialect/TTT/IR/TTTInterfaces.h"

namespace mlir::ttt::vjp {

/// `map` with its loops shifted right by `shift` (an example loop first).
inline AffineMap shifted(AffineMap map, unsigned shift) {
  return shift ? map.shiftDims(shift) : map;
}

/// `map` (already shifted) with loop `dim` prepended to its results.
inline AffineMap withLeadingDim(AffineMap map, unsigned dim) {
  SmallVector<AffineExpr> exprs{getAffineDimExpr(dim, map.getContext())};
  llvm::append_range(exprs, map.getResults());
  return AffineMap::get(map.getNumDims(), 0, exprs, map.getContext());
}

/// The output map for an operand's cotangent, given the operand's map over
/// the rule's loops (already shifted when the result cotangent is extended):
/// extended results give extended operands (loop 0 first); a shared operand
/// of a row-indexed result keeps the result's row loop `rowLoop` first.
inline FailureOr<AffineMap>
operandCotangentMap(Operation *op, VJPState &state, Value operand,
                    AffineMap operandMap, bool resultExtended,
                    std::optional<unsigned> rowLoop) {
  if (resultExtended)
    return withLeadingDim(operandMap, 0);
  if (!state.needsExampleDim(operand))
    return operandMap;
  if (!rowLoop)
    return op->emitOpError()
           << "per-example gradient of a shared operand needs the result's "
              "leading dimension to index the examples";
  return withLeadingDim(operandMap, *rowLoop);
}

} // namespace mlir::ttt::vjp

#endif // TTT_LIB_TRANSFORMS_AUTODIFF_VJPUTILS_H
