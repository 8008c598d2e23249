//===- TensorBuilders.h - Small builders for linalg on tensors --*- C++ -*-===//
//
// Helpers shared by the lowering and the VJP rules: empty/zero tensors
// shaped like a value, scalar constants, and one generic that contracts or
// maps its inputs into an output indexed by affine maps.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_UTILS_TENSORBUILDERS_H
#define TTT_UTILS_TENSORBUILDERS_H

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace mlir::ttt {

/// `tensor.empty` with the sizes of `like` minus its last `dropBack` dims.
Value emptyLike(OpBuilder &b, Location loc, Value like, unsigned dropBack = 0);

/// `emptyLike` filled with zeros.
Value zerosLike(OpBuilder &b, Location loc, Value like, unsigned dropBack = 0);

/// Zeros of the given sizes and element type.
Value zeros(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Type elt);

/// A scalar float constant of type `elt`.
Value floatConst(OpBuilder &b, Location loc, Type elt, double v);

/// The extent of dimension `dim` of `v` as a float of type `elt`.
Value dimAsFloat(OpBuilder &b, Location loc, Value v, int64_t dim, Type elt);

/// Computes a scalar per iteration from the inputs (indexed by `inMaps`) and
/// the current output element (last argument), yielding the new element.
using ScalarBody = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// One linalg.generic over the loops the maps share: loops that `outMap`
/// does not index are reductions. The output starts at `init`.
Value buildGeneric(OpBuilder &b, Location loc, ValueRange ins,
                   ArrayRef<AffineMap> inMaps, Value init, AffineMap outMap,
                   ScalarBody body);

/// Like `buildGeneric`, with a zero output whose sizes are read off the
/// inputs' dimensions through the maps.
Value buildReduction(OpBuilder &b, Location loc, ValueRange ins,
                     ArrayRef<AffineMap> inMaps, AffineMap outMap, Type elt,
                     ScalarBody body);

/// Map (d0..dn-1) -> (d0..dn-2): the rows of a reduction over the last dim.
AffineMap rowMap(MLIRContext *ctx, unsigned rank);

/// Map (d0..dn-1) -> (dn-1): a vector along the last dim (gamma, beta).
AffineMap lastDimMap(MLIRContext *ctx, unsigned rank);

/// Elementwise sum of two tensors of the same type.
Value addTensors(OpBuilder &b, Location loc, Value lhs, Value rhs);

} // namespace mlir::ttt

#endif // TTT_UTILS_TENSORBUILDERS_H
