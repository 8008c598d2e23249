//===- CPUVectorize.cpp - Tile and vectorize static linalg ops ------------===//
//
// Every linalg op with a static iteration space (the full mini-batches) is
// tiled to one vector along its contiguous loop (the last index of the most
// data, see CPULoopOrder.cpp) with all its other loops tiled by 1 and the
// reductions innermost, then vectorized. After
// `loop-invariant-subset-hoisting`, the accumulator of a contraction stays
// in vector registers across its reduction loop (one FMA per k and output
// vector), and a row reduction becomes a vector reduction. Ops the upstream
// vectorizer cannot handle are left as they are.
//
//===----------------------------------------------------------------------===//

#include "CPULoops.h"
#include "ttt/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTCPUVECTORIZE
#include "ttt/Transforms/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

constexpr int64_t kRows = 4;

/// Tiles `op` (all loops by 1 but the contiguous one; parallel loops
/// outermost) and vectorizes the tile; false if the op stays as it is.
bool tileAndVectorize(IRRewriter &rewriter, linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic) ||
      failed(linalg::vectorizeOpPrecondition(op)))
    return false;
  unsigned inner = ttt::contiguousLoop(op);
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  // A contraction keeps a block of kRows output vectors in registers, so
  // that each vector of the other operand it loads feeds kRows FMAs.
  bool blockRows = op.getNumReductionLoops() > 0;
  SmallVector<OpFoldResult> sizes;
  for (unsigned l = 0; l < ranges.size(); ++l) {
    int64_t size = l == inner ? 0 : 1;
    if (l != inner && iters[l] == utils::IteratorType::parallel && blockRows &&
        ranges[l] % kRows == 0) {
      size = kRows;
      blockRows = false;
    }
    sizes.push_back(rewriter.getIndexAttr(size));
  }
  // Parallel loops outermost, so the reductions run inside a tile.
  SmallVector<int64_t> order = llvm::to_vector_of<int64_t>(
      ttt::loopsWithInnermost(op, inner, utils::IteratorType::parallel));

  Operation *toVectorize = op;
  if (ranges.size() > 1) {
    scf::SCFTilingOptions options;
    options.setTileSizes(sizes).setInterchange(order);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled) || tiled->tiledOps.size() != 1)
      return false;
    rewriter.replaceOp(op, tiled->replacements);
    toVectorize = tiled->tiledOps.front();
  }
  rewriter.setInsertionPoint(toVectorize);
  FailureOr<linalg::VectorizationResult> vectorized =
      linalg::vectorize(rewriter, toVectorize);
  if (failed(vectorized))
    return false; // the tiled op is still correct, only not vectorized
  rewriter.replaceOp(toVectorize, vectorized->replacements);
  return true;
}

struct CPUVectorizePass : ttt::impl::TTTCPUVectorizeBase<CPUVectorizePass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics())
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops)
      tileAndVectorize(rewriter, op);
  }
};

} // namespace
