//===- SplitTF32Operands.cpp - 3xtf32 A operands split once --------------===//
//
// A 3xtf32 product reads each operand element x as its tf32 part and the
// rest, x - tf32(x). The A fragment of a k-step is read by every warp tile
// along n (K W of TTT-Linear: 8 column tiles on 8 warps; TTT-MLP's X W1:
// 16), and each of them computed the rest again: two instructions per
// element and warp, the commonest instructions of the chain kernel after
// the loads. Computed once into a buffer by all threads, each warp loads
// it instead (one paired load per two elements).
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "AccumulatorInit.h"
#include "BufferRoot.h"
#include "ContractionSides.h"
#include "KernelLoops.h"
#include "MmaContraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUSPLITTF32OPERANDS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using namespace mlir::ttt::contraction;

namespace {

/// A buffer holding the rest of `source`'s elements, written by `split`.
struct Split {
  Value source;
  Operation *split;
  Value rest;
};

/// Writes x - tf32(x) of every element of `source` into a new buffer of
/// its shape, before `before`.
Split emitSplit(OpBuilder &b, Operation *before, Value source) {
  b.setInsertionPoint(before);
  Location loc = before->getLoc();
  auto type = cast<MemRefType>(source.getType());
  auto restType = MemRefType::get(type.getShape(), type.getElementType());
  Value rest = memref::AllocOp::create(b, loc, restType);
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  auto op = linalg::GenericOp::create(
      b, loc, ValueRange{source}, ValueRange{rest}, ArrayRef<AffineMap>{id, id},
      iterators, [](OpBuilder &nb, Location l, ValueRange args) {
        Value x = args[0];
        Value bits = arith::BitcastOp::create(nb, l, nb.getI32Type(), x);
        // The tf32 part: sign, exponent and the 10 high mantissa bits.
        Value mask = arith::ConstantOp::create(
            nb, l, nb.getI32IntegerAttr(static_cast<int32_t>(0xffffe000u)));
        Value big = arith::BitcastOp::create(
            nb, l, nb.getF32Type(), arith::AndIOp::create(nb, l, bits, mask));
        linalg::YieldOp::create(
            nb, l, ValueRange{arith::SubFOp::create(nb, l, x, big)});
      });
  return {source, op, rest};
}

struct TTTGPUSplitTF32OperandsPass
    : ttt::impl::TTTGPUSplitTF32OperandsBase<TTTGPUSplitTF32OperandsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.hasPureBufferSemantics() &&
          ttt::canUseMma(op, threads, ttt::MmaPrecision::TF32x3))
        ops.push_back(op);
    });
    OpBuilder b(&getContext());
    SmallVector<Split> splits;
    for (linalg::GenericOp op : ops) {
      Dims dims = *dimsOf(op);
      Factors f = *factorsOf(op, dims);
      bool negated = false;
      OpOperand *a = plainSideOperand(op, f.a, f.aMasks, negated);
      if (!a || ttt::tf32LowOf(op, *a) ||
          ttt::mmaTilesSharingA(op, threads) < minWarps)
        continue;
      auto type = dyn_cast<MemRefType>(a->get().getType());
      if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
        continue;
      // An earlier split of the same buffer, in this block, unwritten
      // since; else a new one just before the op.
      Value source = a->get();
      const Split *found = nullptr;
      for (const Split &s : splits)
        if (s.source == source && s.split->getBlock() == op->getBlock() &&
            s.split->isBeforeInBlock(op) &&
            !ttt::writtenBetween(s.split->getNextNode(), op,
                                 ttt::rootOf(source)))
          found = &s;
      if (!found) {
        splits.push_back(emitSplit(b, op, source));
        found = &splits.back();
      }
      // The rest as one more input, read as the operand is.
      ttt::appendPairedInput(op, found->rest, op.getMatchingIndexingMap(a),
                             ttt::kTF32LowAttr, a->getOperandNumber());
    }
  }
};

} // namespace
