//===- MmaFragments.cpp - Building tf32 mma fragments ---------------------===//

#include "MmaFragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

std::pair<Value, Value> mlir::ttt::splitTF32(OpBuilder &b, Location loc,
                                             Value x) {
  Type i32 = b.getI32Type();
  Value bits = arith::BitcastOp::create(b, loc, i32, x);
  Value mask = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(0xffffe000u)));
  Value big = arith::BitcastOp::create(
      b, loc, b.getF32Type(), arith::AndIOp::create(b, loc, bits, mask));
  Value small = arith::SubFOp::create(b, loc, x, big);
  return {big, small};
}

Value mlir::ttt::vectorOf(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                          ArrayRef<Value> elements) {
  auto type = VectorType::get(shape, b.getF32Type());
  Value v = arith::ConstantOp::create(b, loc, type,
                                      DenseElementsAttr::get(type, 0.0f));
  for (auto [i, e] : llvm::enumerate(elements)) {
    int64_t row = static_cast<int64_t>(i) / shape[1];
    int64_t col = static_cast<int64_t>(i) % shape[1];
    v = vector::InsertOp::create(b, loc, e, v, ArrayRef<int64_t>{row, col});
  }
  return v;
}

SmallVector<Value> mlir::ttt::tf32Fragments(OpBuilder &b, Location loc,
                                            ArrayRef<int64_t> shape,
                                            ArrayRef<Value> elems, bool split) {
  if (!split)
    return {vectorOf(b, loc, shape, elems)};
  SmallVector<Value> big, small;
  for (Value x : elems) {
    auto [hi, lo] = splitTF32(b, loc, x);
    big.push_back(hi);
    small.push_back(lo);
  }
  return {vectorOf(b, loc, shape, big), vectorOf(b, loc, shape, small)};
}

Value mlir::ttt::mmaTF32(OpBuilder &b, Location loc, Value a, Value bv,
                         Value c) {
  return nvgpu::MmaSyncOp::create(b, loc, a, bv, c, ArrayRef<int64_t>{16, 8, 8},
                                  /*tf32Enabled=*/true)
      .getResult();
}
