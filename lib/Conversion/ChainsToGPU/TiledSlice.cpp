//===- TiledSlice.cpp - A slice computed by its producer's tiled form -----===//

#include "TiledSlice.h"

#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;

LogicalResult ttt::computeSliceFromProducer(tensor::ExtractSliceOp slice) {
  OpBuilder b(slice);
  FailureOr<TilingResult> tiled = tensor::replaceExtractSliceWithTiledProducer(
      b, slice, cast<OpResult>(slice.getSource()));
  if (failed(tiled))
    return failure();
  slice.replaceAllUsesWith(tiled->tiledValues.front());
  slice.erase();
  return success();
}
