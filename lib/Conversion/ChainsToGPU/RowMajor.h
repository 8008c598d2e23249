//===- RowMajor.h - Strides of a contiguous row-major view ------*- C++ -*-===//

#ifndef TTT_LIB_CONVERSION_CHAINSTOGPU_ROWMAJOR_H
#define TTT_LIB_CONVERSION_CHAINSTOGPU_ROWMAJOR_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace mlir::ttt {

/// Row-major strides of `sizes`, constant where the sizes after a dim are
/// (memref.reinterpret_cast needs the static ones of its result type).
inline SmallVector<OpFoldResult> rowMajorStrides(OpBuilder &b, Location loc,
                                                 ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> strides(sizes.size());
  OpFoldResult stride = b.getIndexAttr(1);
  for (int64_t d = sizes.size() - 1; d >= 0; --d) {
    strides[d] = stride;
    std::optional<int64_t> s = getConstantIntValue(stride);
    std::optional<int64_t> n = getConstantIntValue(sizes[d]);
    if (s && n) {
      stride = b.getIndexAttr(*s * *n);
      continue;
    }
    stride = arith::MulIOp::create(
                 b, loc, getValueOrCreateConstantIndexOp(b, loc, stride),
                 getValueOrCreateConstantIndexOp(b, loc, sizes[d]))
                 .getResult();
  }
  return strides;
}

} // namespace mlir::ttt

#endif // TTT_LIB_CONVERSION_CHAINSTOGPU_ROWMAJOR_H
