//===- CPULoops.cpp - Loop choices shared by the CPU passes ---------------===//

#include "CPULoops.h"

using namespace mlir;

unsigned mlir::ttt::contiguousLoop(linalg::LinalgOp op) {
  // Each operand votes for the loop of its last index with its size in
  // elements (a dynamic dim counted as 16, a mini-batch): the big inputs of
  // a reduction win over its small output.
  unsigned numLoops = op.getNumLoops();
  SmallVector<int64_t> score(numLoops, 0);
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    auto type = dyn_cast<ShapedType>(operand.get().getType());
    if (!type || map.getNumResults() == 0)
      continue;
    int64_t elements = 1;
    for (int64_t d : type.getShape())
      elements *= ShapedType::isDynamic(d) ? 16 : d;
    if (auto d = dyn_cast<AffineDimExpr>(map.getResults().back()))
      score[d.getPosition()] += elements;
  }
  unsigned best = numLoops - 1;
  for (unsigned l = 0; l < numLoops; ++l)
    if (score[l] > score[best])
      best = l;
  return best;
}

SmallVector<unsigned> mlir::ttt::loopsWithInnermost(linalg::LinalgOp op,
                                                    unsigned inner,
                                                    utils::IteratorType first) {
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<unsigned> order;
  for (bool firstKind : {true, false})
    for (unsigned l = 0; l < iters.size(); ++l)
      if (l != inner && (iters[l] == first) == firstKind)
        order.push_back(l);
  order.push_back(inner);
  return order;
}
