//===- TileContractions.cpp - A model's GEMMs as shared-memory tiles ------===//
//
// The projections, SwiGLU and LM head of a model on the GPU are GEMMs. One
// thread per output element reading its whole row and column from global
// memory (the flat-grid path) rereads every operand element M or N times;
// a block of tile x tile threads staging tile x tile slices of both
// operands in shared memory rereads them only M/tile or N/tile times.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUTILECONTRACTIONS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// A matmul-like generic: out[m, n] += a[m, k] * b[n, k] up to the order of
/// each operand's dims, with the positions of m, n and k among its loops
/// and which input holds m.
struct Gemm {
  linalg::GenericOp op;
  unsigned m, n, k;
  OpOperand *a, *b; // a indexes m and k, b indexes n and k
};

std::optional<Gemm> matchGemm(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() != 3 ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  SmallVector<unsigned> parallel, reduction;
  for (auto [i, it] : llvm::enumerate(op.getIteratorTypesArray()))
    (it == utils::IteratorType::parallel ? parallel : reduction).push_back(i);
  if (parallel.size() != 2 || reduction.size() != 1)
    return std::nullopt;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() != 2 || !out.isProjectedPermutation())
    return std::nullopt;
  Gemm g{op, out.getDimPosition(0), out.getDimPosition(1), reduction[0],
         nullptr, nullptr};
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (!map.isProjectedPermutation() || map.getNumResults() != 2 ||
        !isa<MemRefType>(in->get().getType()))
      return std::nullopt;
    bool usesM = map.isFunctionOfDim(g.m), usesN = map.isFunctionOfDim(g.n);
    if (usesM && !usesN && !g.a)
      g.a = in;
    else if (usesN && !usesM && !g.b)
      g.b = in;
    else
      return std::nullopt;
  }
  return g;
}

struct TTTGPUTileContractionsPass
    : ttt::impl::TTTGPUTileContractionsBase<TTTGPUTileContractionsPass> {
  using Base::Base;

  /// operand at loop point `ivs` (a projected permutation of the loops).
  static Value load(OpBuilder &b, Location loc, Gemm &g, OpOperand *operand,
                    ArrayRef<Value> ivs) {
    SmallVector<Value> idx;
    for (AffineExpr e :
         g.op.getMatchingIndexingMap(operand).getResults())
      idx.push_back(ivs[cast<AffineDimExpr>(e).getPosition()]);
    return memref::LoadOp::create(b, loc, operand->get(), idx);
  }

  /// `operand` at (row, k) of its tile if inside the bounds, else 0.
  static Value guardedLoad(OpBuilder &b, Location loc, Gemm &g,
                           OpOperand *operand, unsigned rowDim, Value row,
                           Value rows, Value k, Value depth, Value zero) {
    Value inside = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, rows),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, k, depth));
    auto guard = scf::IfOp::create(b, loc, zero.getType(), inside, true);
    {
      OpBuilder::InsertionGuard ig(b);
      b.setInsertionPointToStart(&guard.getThenRegion().front());
      SmallVector<Value> ivs(3, zero);
      Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
      ivs.assign(3, c0);
      ivs[rowDim] = row;
      ivs[g.k] = k;
      scf::YieldOp::create(b, loc, load(b, loc, g, operand, ivs));
      b.setInsertionPointToStart(&guard.getElseRegion().front());
      scf::YieldOp::create(b, loc, zero);
    }
    return guard.getResult(0);
  }

  void convert(Gemm &g) {
    linalg::GenericOp op = g.op;
    Location loc = op.getLoc();
    OpBuilder b(op);
    SmallVector<Value> sizes;
    for (Range r : cast<linalg::LinalgOp>(op.getOperation())
                       .createLoopRanges(b, loc))
      sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
    Value M = sizes[g.m], N = sizes[g.n], K = sizes[g.k];
    Value t = arith::ConstantIndexOp::create(b, loc, tile);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Type elt = cast<MemRefType>(op.getDpsInitOperand(0)->get().getType())
                   .getElementType();
    // One padding column: threads of a warp read a column of the b tile.
    auto wg = gpu::AddressSpaceAttr::get(b.getContext(),
                                         gpu::AddressSpace::Workgroup);
    auto tileType = MemRefType::get({tile, tile + 1}, elt, nullptr, wg);
    auto launch = gpu::LaunchOp::create(
        b, loc, arith::CeilDivUIOp::create(b, loc, N, t),
        arith::CeilDivUIOp::create(b, loc, M, t), one, t, t, one,
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        ValueRange(), TypeRange{tileType, tileType});
    Block &body = launch.getBody().front();
    b.setInsertionPointToStart(&body);
    Value tx = launch.getThreadIds().x, ty = launch.getThreadIds().y;
    Value row0 = arith::MulIOp::create(b, loc, launch.getBlockIds().y, t);
    Value col0 = arith::MulIOp::create(b, loc, launch.getBlockIds().x, t);
    Value m = arith::AddIOp::create(b, loc, row0, ty);
    Value n = arith::AddIOp::create(b, loc, col0, tx);
    Value bRow = arith::AddIOp::create(b, loc, col0, ty);
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value as = launch.getWorkgroupAttributions()[0];
    Value bs = launch.getWorkgroupAttributions()[1];
    auto kLoop = scf::ForOp::create(
        b, loc, c0, K, t, ValueRange{zero},
        [&](OpBuilder &lb, Location ll, Value k0, ValueRange acc) {
          Value k = arith::AddIOp::create(lb, ll, k0, tx);
          memref::StoreOp::create(
              lb, ll, guardedLoad(lb, ll, g, g.a, g.m, m, M, k, K, zero), as,
              ValueRange{ty, tx});
          memref::StoreOp::create(
              lb, ll, guardedLoad(lb, ll, g, g.b, g.n, bRow, N, k, K, zero),
              bs, ValueRange{ty, tx});
          gpu::BarrierOp::create(lb, ll);
          auto inner = scf::ForOp::create(
              lb, ll, c0, t, one, acc,
              [&](OpBuilder &ib, Location il, Value kk, ValueRange sum) {
                Value x = memref::LoadOp::create(ib, il, as, ValueRange{ty, kk});
                Value y = memref::LoadOp::create(ib, il, bs, ValueRange{tx, kk});
                Value p = arith::MulFOp::create(ib, il, x, y);
                scf::YieldOp::create(
                    ib, il, ValueRange{arith::AddFOp::create(ib, il, sum[0], p)});
              });
          gpu::BarrierOp::create(lb, ll);
          scf::YieldOp::create(lb, ll, inner.getResults());
        });
    Value inside = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, m, M),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n, N));
    auto store = scf::IfOp::create(b, loc, inside, false);
    b.setInsertionPointToStart(&store.getThenRegion().front());
    SmallVector<Value> ivs(3, c0);
    ivs[g.m] = m;
    ivs[g.n] = n;
    OpOperand *out = op.getDpsInitOperand(0);
    Value prev = load(b, loc, g, out, ivs);
    Value sum = arith::AddFOp::create(b, loc, prev, kLoop.getResult(0));
    SmallVector<Value> idx;
    for (AffineExpr e : op.getMatchingIndexingMap(out).getResults())
      idx.push_back(ivs[cast<AffineDimExpr>(e).getPosition()]);
    memref::StoreOp::create(b, loc, sum, out->get(), idx);
    b.setInsertionPointToEnd(&body);
    gpu::TerminatorOp::create(b, loc);
    op.erase();
  }

  void runOnOperation() override {
    if (tile < 1 || tile * tile > 1024) {
      getOperation().emitError("tile must be in [1, 32]");
      return signalPassFailure();
    }
    SmallVector<Gemm> gemms;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      if (std::optional<Gemm> g = matchGemm(op))
        gemms.push_back(*g);
    });
    for (Gemm &g : gemms)
      convert(g);
  }
};

} // namespace
