//===- FoldInitCopies.cpp - Accumulators started from a copy's source ----===//
//
// A contraction that adds to a broadcast (Z = b + X W: bufferized as a
// broadcast of b into a buffer, a copy of it into Z's buffer where the
// broadcast has another user, then the contraction accumulating into Z)
// cannot start before the copy and the broadcast: in the chain kernel
// each is a phase of its own, with a block barrier before the
// contraction, which loads the copied values back. Where the contraction
// is the next op to touch Z, writes every element of Z and only adds to
// its old value, it may as well start from the copy's source: it gets
// that source as one more input (read through the composed indexing map)
// and `ttt.init_from` names it, which ttt-gpu-distribute honours; the
// copy goes. Chains of copies and broadcasts are followed back to the
// first source that nothing writes before the contraction.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "AccumulatorInit.h"
#include "BufferRoot.h"
#include "KernelLoops.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUFOLDINITCOPIES
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using ttt::rootOf;

namespace {

/// An op that writes `dest` with `source` read through `map` (dest's
/// indices to source's): a linalg.copy, or a generic with one input and
/// one output (an identity map) that yields the input (a broadcast).
struct Initializer {
  Value source, dest;
  AffineMap map;
};

std::optional<Initializer> initializerOf(Operation *op) {
  if (auto copy = dyn_cast<linalg::CopyOp>(op)) {
    if (!copy.hasPureBufferSemantics() || copy->hasAttr("ttt.async_copy"))
      return std::nullopt;
    Value dest = copy.getOutputs().front();
    auto rank = cast<MemRefType>(dest.getType()).getRank();
    return Initializer{
        copy.getInputs().front(), dest,
        AffineMap::getMultiDimIdentityMap(rank, op->getContext())};
  }
  auto g = dyn_cast<linalg::GenericOp>(op);
  if (!g || !g.hasPureBufferSemantics() || !ttt::yieldsItsInput(g) ||
      !isa<MemRefType>(g.getDpsInputOperand(0)->get().getType()))
    return std::nullopt;
  return Initializer{g.getDpsInputOperand(0)->get(),
                     g.getDpsInitOperand(0)->get(),
                     g.getMatchingIndexingMap(g.getDpsInputOperand(0))};
}

/// The last op before `op` in its block that may touch `root`'s buffer.
Operation *previousToucher(Operation *op, Value root) {
  for (Operation *it = op->getPrevNode(); it; it = it->getPrevNode())
    if (ttt::mayTouch(it, root))
      return it;
  return nullptr;
}

/// Output `index` (buffer `x`) of `op` starts from what its initializer
/// copied in: returns the initializer to erase, after adding the source
/// as an input of `op` and naming it in ttt.init_from.
Operation *foldInit(linalg::GenericOp op, unsigned index, Value x) {
  Value root = rootOf(x);
  if (ttt::isLoopCarried(root))
    return nullptr;
  Operation *init = previousToucher(op, root);
  std::optional<Initializer> copied = init ? initializerOf(init) : std::nullopt;
  if (!copied || copied->dest != x)
    return nullptr;
  Value source = copied->source;
  AffineMap map = copied->map;
  // Back through the copies and broadcasts that wrote the source.
  for (Operation *from = init;;) {
    Operation *prev = previousToucher(from, rootOf(source));
    std::optional<Initializer> earlier =
        prev ? initializerOf(prev) : std::nullopt;
    if (!earlier || earlier->dest != source ||
        ttt::writtenBetween(prev, op, rootOf(earlier->source)))
      break;
    map = earlier->map.compose(map);
    source = earlier->source;
    from = prev;
  }
  if (ttt::writtenBetween(init, op, rootOf(source)))
    return nullptr;
  for (OpOperand &out : op.getDpsInitsMutable())
    if (ttt::mayBe(source, rootOf(out.get())))
      return nullptr;

  // The source as the last input, read at the output's indices.
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(index));
  ttt::appendPairedInput(op, source, map.compose(outMap), ttt::kInitFromAttr,
                         index);
  return init;
}

struct TTTGPUFoldInitCopiesPass
    : ttt::impl::TTTGPUFoldInitCopiesBase<TTTGPUFoldInitCopiesPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.hasPureBufferSemantics() && op.getNumReductionLoops() > 0)
        ops.push_back(op);
    });
    for (linalg::GenericOp op : ops) {
      // One output at a time: each fold adds an input (operand numbers of
      // earlier folds stay, since inputs are only appended).
      for (unsigned i = 0; i < op.getNumDpsInits(); ++i) {
        if (ttt::startsElsewhere(op, i))
          continue;
        Value x = op.getDpsInitOperand(i)->get();
        if (!ttt::accumulatingOutput(op, x))
          continue;
        if (Operation *init = foldInit(op, i, x))
          init->erase();
      }
    }
  }
};

} // namespace
