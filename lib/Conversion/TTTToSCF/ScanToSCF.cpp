//===- ScanToSCF.cpp - Lower ttt.scan to scf.for loops --------------------===//
//
// One loop nest per scan: scf.for over each batch dimension (the chains are
// independent; a later schedule maps them to threads or thread blocks),
// then scf.for over the chunks carrying the state and the outputs: one loop
// over the full chunks (static shapes), one for a partial last chunk.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "ttt/Dialect/TTT/IR/TTTOps.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_CONVERTTTTSCANTOSCF
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;
using namespace mlir::ttt;

namespace {

/// Offsets/sizes/strides of the slice `[batch..., (pos, len)?, full...]` of
/// `value`: one element in each batch dim, then optionally `len` positions
/// from `pos`, then the whole remaining dims.
struct SliceSpec {
  SmallVector<OpFoldResult> offsets, sizes, strides;
};

SliceSpec sliceOf(OpBuilder &b, Location loc, Value value, ValueRange batchIvs,
                  std::optional<std::pair<Value, OpFoldResult>> seqRange) {
  SliceSpec s;
  SmallVector<OpFoldResult> full = tensor::getMixedSizes(b, loc, value);
  unsigned d = 0;
  for (Value iv : batchIvs) {
    s.offsets.push_back(iv);
    s.sizes.push_back(b.getIndexAttr(1));
    ++d;
  }
  if (seqRange) {
    s.offsets.push_back(seqRange->first);
    s.sizes.push_back(seqRange->second);
    ++d;
  }
  for (; d < full.size(); ++d) {
    s.offsets.push_back(b.getIndexAttr(0));
    s.sizes.push_back(full[d]);
  }
  s.strides.assign(full.size(), b.getIndexAttr(1));
  return s;
}

Value extract(OpBuilder &b, Location loc, Value from, Type resultType,
              const SliceSpec &s) {
  return tensor::ExtractSliceOp::create(b, loc,
                                        cast<RankedTensorType>(resultType),
                                        from, s.offsets, s.sizes, s.strides);
}

Value insert(OpBuilder &b, Location loc, Value src, Value into,
             const SliceSpec &s) {
  return tensor::InsertSliceOp::create(b, loc, src, into, s.offsets, s.sizes,
                                       s.strides);
}

LogicalResult lowerScan(ScanOp scan) {
  if (!scan.getBody().getOps<GradOp>().empty())
    return scan.emitOpError("contains 'ttt.grad'; run ttt-autodiff first");
  OpBuilder b(scan);
  Location loc = scan.getLoc();
  unsigned batchRank = scan.getBatchRank();
  unsigned numInits = scan.getInits().size();
  Value firstSeq = scan.getSequences()[0];
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value chunk = arith::ConstantIndexOp::create(b, loc, scan.getChunkSize());
  Value seqLen = tensor::DimOp::create(b, loc, firstSeq, batchRank);

  // Destinations: the final states start as the inits; the outputs as
  // empty tensors of (batch..., T, per-position dims...).
  SmallVector<Value> dests(scan.getInits());
  auto yield = cast<YieldOp>(scan.getBodyBlock().getTerminator());
  for (Value out : scan.getOutputs()) {
    auto type = cast<RankedTensorType>(out.getType());
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      if (d <= batchRank) {
        dyn.push_back(tensor::DimOp::create(b, loc, firstSeq, d));
        continue;
      }
      // A per-position dim only known inside the body: unsupported for now.
      return scan.emitOpError("output #")
             << cast<OpResult>(out).getResultNumber() - numInits
             << " has a dynamic per-position dimension";
    }
    dests.push_back(tensor::EmptyOp::create(b, loc, type.getShape(),
                                            type.getElementType(), dyn));
  }

  // Loops over the chains.
  SmallVector<Value> batchIvs;
  SmallVector<scf::ForOp> batchLoops;
  SmallVector<Value> carried = dests;
  for (unsigned d = 0; d < batchRank; ++d) {
    Value ub = tensor::DimOp::create(b, loc, firstSeq, d);
    auto loop = scf::ForOp::create(b, loc, c0, ub, c1, carried);
    // Marks the chains for backends that map them onto hardware
    // (ttt-gpu-chain-loops-to-launch).
    if (batchLoops.empty())
      loop->setAttr("ttt.chain", b.getUnitAttr());
    if (!batchLoops.empty())
      scf::YieldOp::create(b, loc, loop.getResults());
    b.setInsertionPointToStart(loop.getBody());
    batchIvs.push_back(loop.getInductionVar());
    carried.assign(loop.getRegionIterArgs().begin(),
                   loop.getRegionIterArgs().end());
    batchLoops.push_back(loop);
  }

  // The chain's initial state and params.
  Block &body = scan.getBodyBlock();
  SmallVector<Value> chunkCarried;
  for (unsigned i = 0; i < numInits; ++i)
    chunkCarried.push_back(
        extract(b, loc, scan.getInits()[i], body.getArgument(i).getType(),
                sliceOf(b, loc, scan.getInits()[i], batchIvs, std::nullopt)));
  IRMapping paramMapping;
  for (auto [i, p] : llvm::enumerate(scan.getParams())) {
    BlockArgument arg = body.getArgument(numInits + i);
    paramMapping.map(arg, extract(b, loc, p, arg.getType(),
                                  sliceOf(b, loc, p, batchIvs, std::nullopt)));
  }
  // Outputs accumulate in the full tensors carried by the batch loops.
  for (unsigned j = numInits; j < carried.size(); ++j)
    chunkCarried.push_back(carried[j]);

  // One loop over the chunks from `lb` to `ub`. With `fullChunks`, every
  // chunk has `chunk_size` positions and its slices are static (cast to the
  // body's dynamic types; canonicalization propagates the static shapes);
  // otherwise a chunk has min(chunk_size, T - t0) positions.
  auto chunkLoopFrom = [&](Value lb, Value ub, ValueRange init,
                           bool fullChunks) {
    // A fresh mapping per clone of the body: cloning regions only maps the
    // block arguments a mapping does not hold yet.
    IRMapping mapping = paramMapping;
    auto loop = scf::ForOp::create(b, loc, lb, ub, chunk, init);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value t0 = loop.getInductionVar();
    Value left = arith::SubIOp::create(b, loc, seqLen, t0);
    Value len = arith::MinUIOp::create(b, loc, left, chunk);
    auto iter = loop.getRegionIterArgs();
    for (unsigned i = 0; i < numInits; ++i)
      mapping.map(body.getArgument(i), iter[i]);
    for (auto [i, s] : llvm::enumerate(scan.getSequences())) {
      BlockArgument arg =
          body.getArgument(numInits + scan.getParams().size() + i);
      auto argType = cast<RankedTensorType>(arg.getType());
      if (!argType.isDynamicDim(0) || !fullChunks) {
        OpFoldResult size =
            argType.isDynamicDim(0)
                ? OpFoldResult(len)
                : OpFoldResult(b.getIndexAttr(argType.getDimSize(0)));
        mapping.map(arg, extract(b, loc, s, argType,
                                 sliceOf(b, loc, s, batchIvs,
                                         std::make_pair(t0, size))));
        continue;
      }
      SmallVector<int64_t> shape(argType.getShape());
      shape[0] = scan.getChunkSize();
      auto staticType = argType.clone(shape);
      Value slice = extract(
          b, loc, s, staticType,
          sliceOf(b, loc, s, batchIvs,
                  std::make_pair(t0, OpFoldResult(b.getIndexAttr(shape[0])))));
      mapping.map(arg, tensor::CastOp::create(b, loc, argType, slice));
    }
    for (Operation &op : body.without_terminator())
      b.clone(op, mapping);
    SmallVector<Value> next;
    for (unsigned i = 0; i < numInits; ++i)
      next.push_back(mapping.lookup(yield.getOperand(i)));
    for (unsigned j = numInits; j < yield.getNumOperands(); ++j) {
      Value chunkOut = mapping.lookup(yield.getOperand(j));
      Value full = iter[j];
      SliceSpec s = sliceOf(
          b, loc, full, batchIvs,
          std::make_pair(t0, tensor::getMixedSize(b, loc, chunkOut, 0)));
      next.push_back(insert(b, loc, chunkOut, full, s));
    }
    scf::YieldOp::create(b, loc, next);
    return loop;
  };

  // Full chunks first, then the partial last chunk (zero or one trip).
  Value rem = arith::RemUIOp::create(b, loc, seqLen, chunk);
  Value fullEnd = arith::SubIOp::create(b, loc, seqLen, rem);
  scf::ForOp mainLoop = chunkLoopFrom(c0, fullEnd, chunkCarried, true);
  scf::ForOp chunkLoop =
      chunkLoopFrom(fullEnd, seqLen, mainLoop.getResults(), false);

  // Write the chain's final state back; pass the outputs through.
  SmallVector<Value> chainResults;
  for (unsigned i = 0; i < numInits; ++i)
    chainResults.push_back(
        insert(b, loc, chunkLoop.getResult(i), carried[i],
               sliceOf(b, loc, carried[i], batchIvs, std::nullopt)));
  for (unsigned j = numInits; j < carried.size(); ++j)
    chainResults.push_back(chunkLoop.getResult(j));

  if (batchLoops.empty()) {
    scan.replaceAllUsesWith(chainResults);
  } else {
    scf::YieldOp::create(b, loc, chainResults);
    scan.replaceAllUsesWith(batchLoops.front().getResults());
  }
  scan.erase();
  return success();
}

struct ConvertTTTScanToSCFPass
    : ttt::impl::ConvertTTTScanToSCFBase<ConvertTTTScanToSCFPass> {
  void runOnOperation() override {
    SmallVector<ScanOp> scans;
    getOperation()->walk([&](ScanOp s) { scans.push_back(s); });
    for (ScanOp s : scans)
      if (failed(lowerScan(s)))
        return signalPassFailure();
  }
};

} // namespace
