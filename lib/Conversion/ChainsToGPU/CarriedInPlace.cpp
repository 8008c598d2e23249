//===- CarriedInPlace.cpp - Loop-carried tensors written in place ---------===//

#include "CarriedInPlace.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

void ttt::produceInto(Value value, Value arg) {
  auto result = dyn_cast<OpResult>(value);
  auto dps = result ? dyn_cast<DestinationStyleOpInterface>(result.getOwner())
                    : nullptr;
  if (!dps || value.getType() != arg.getType())
    return;
  OpOperand *init = dps.getTiedOpOperand(result);
  Operation *def = init->get().getDefiningOp();
  if (!def)
    return;
  if (isa<tensor::EmptyOp>(def)) {
    init->set(arg);
    return;
  }
  auto writer = dyn_cast<linalg::LinalgOp>(def);
  if (!writer || writer->getNumResults() != 1 || writer.getNumDpsInits() != 1 ||
      !writer.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>() ||
      writer.payloadUsesValueFromOperand(writer.getDpsInitOperand(0)))
    return;
  OpBuilder b(dps);
  IRMapping map;
  map.map(writer.getDpsInits()[0], arg);
  init->set(b.clone(*writer, map)->getResult(0));
  if (writer->use_empty())
    writer->erase();
}
