//===- RegisterWeights.cpp - Fast weights kept in registers ---------------===//
//
// Owner warp w (of the group) holds columns 16w .. 16w + 15 of W, every
// row. With g = lane / 4 and t = lane % 4, register 4j + e of a lane is
//   e = 0: W(8j + 2t, 16w + 2g)      e = 1: W(8j + 2t + 1, 16w + 2g)
//   e = 2: W(8j + 2t, 16w + 2g + 1)  e = 3: W(8j + 2t + 1, 16w + 2g + 1)
// which is both
// - the accumulator (c0, c1, c2, c3) of tile j of the update run as
//   W^T += B^T A^T (mma rows: W's columns, row g standing for 16w + 2g and
//   g + 8 for 16w + 2g + 1; mma columns: W's rows 8j .. 8j + 7 in order),
// - and, as (e0, e2, e1, e3), the A fragment of k-step j of a product
//   Z^T = W^T K^T (the same rows; slots t and t + 4 standing for W's rows
//   8j + 2t and 8j + 2t + 1, so the B fragment reads K's two adjacent
//   columns 8j + 2t, 8j + 2t + 1 with one 8-byte load).
// The fragment layouts are those of MmaContraction.cpp (m16n8k8 tf32).
//
//===----------------------------------------------------------------------===//

#include "RegisterWeights.h"

#include "ContractionSides.h"
#include "DistributeMapping.h"
#include "KernelLoops.h"
#include "MmaFragments.h"
#include "PairedAccess.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::ttt;
using namespace mlir::ttt::contraction;

namespace {

/// A lane's place: its warp in the group, g = lane / 4, t = lane % 4.
struct LaneCoords {
  Value warp, g, t;
};

Value cst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value plus(OpBuilder &b, Location loc, Value x, int64_t c) {
  return arith::AddIOp::create(b, loc, x, cst(b, loc, c));
}

/// c * x + d.
Value affine(OpBuilder &b, Location loc, int64_t c, Value x, int64_t d) {
  Value m = arith::MulIOp::create(b, loc, x, cst(b, loc, c));
  return plus(b, loc, m, d);
}

LaneCoords laneCoords(OpBuilder &b, Location loc, Value tid) {
  Value lane = arith::RemUIOp::create(b, loc, tid, cst(b, loc, 32));
  return {arith::DivUIOp::create(b, loc, tid, cst(b, loc, 32)),
          arith::DivUIOp::create(b, loc, lane, cst(b, loc, 4)),
          arith::RemUIOp::create(b, loc, lane, cst(b, loc, 4))};
}

/// The loop dims' values at (m, n, k); k at 0 where not given (an
/// operand that does not read it).
SmallVector<Value> pointAt(OpBuilder &b, Location loc, const Dims &dims,
                           Value m, Value n, Value k = Value()) {
  SmallVector<Value> ivs(3);
  ivs[dims.m] = m;
  ivs[dims.n] = n;
  ivs[dims.k] = k ? k : cst(b, loc, 0);
  return ivs;
}

Value loadCache(OpBuilder &b, Location loc, Value cache, int64_t i) {
  return memref::LoadOp::create(b, loc, cache, ValueRange{cst(b, loc, i)});
}

void storeCache(OpBuilder &b, Location loc, Value cache, int64_t i, Value v) {
  memref::StoreOp::create(b, loc, v, cache, ValueRange{cst(b, loc, i)});
}

/// Runs `body` on the lanes of the owner warps of a W with `cols`
/// columns (warp < cols / 16 of the group's `tid`; uniform per warp, as
/// mma.sync needs), with the lane's coordinates and the first of its two
/// columns, 16 warp + 2g.
void onOwnerLanes(
    OpBuilder &b, Location loc, Value tid, int64_t cols,
    function_ref<void(OpBuilder &, const LaneCoords &, Value)> body) {
  LaneCoords lc = laneCoords(b, loc, tid);
  Value owner = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                      lc.warp, cst(b, loc, cols / 16));
  auto guard = scf::IfOp::create(b, loc, owner, /*withElseRegion=*/false);
  OpBuilder tb = guard.getThenBodyBuilder();
  Value col = arith::AddIOp::create(tb, loc, affine(tb, loc, 16, lc.warp, 0),
                                    affine(tb, loc, 2, lc.g, 0));
  body(tb, lc, col);
}

Value element(OpBuilder &b, Location loc, Value acc, int64_t e) {
  return vector::ExtractOp::create(b, loc, acc,
                                   ArrayRef<int64_t>{e / 2, e % 2});
}

bool isIdentityOf(AffineMap map, unsigned first, unsigned second) {
  return map.getNumResults() == 2 &&
         map.getResult(0) == getAffineDimExpr(first, map.getContext()) &&
         map.getResult(1) == getAffineDimExpr(second, map.getContext());
}

} // namespace

bool mlir::ttt::canKeepInRegisters(linalg::GenericOp update, unsigned threads,
                                   MmaPrecision precision) {
  if ((precision != MmaPrecision::TF32 && precision != MmaPrecision::TF32x3) ||
      update.getNumDpsInits() != 1 || !canUseMma(update, threads, precision) ||
      startsElsewhere(update, 0) || update->hasAttr(kTF32LowAttr))
    return false;
  Dims dims = *dimsOf(update);
  OpOperand &out = *update.getDpsInitOperand(0);
  if (!isIdentityOf(update.getMatchingIndexingMap(&out), dims.m, dims.n))
    return false;
  SmallVector<int64_t> ranges = update.getStaticLoopRanges();
  int64_t rows = ranges[dims.m], cols = ranges[dims.n];
  return rows % 8 == 0 && rows / 2 <= kMaxWeightRegisters && cols % 16 == 0 &&
         cols / 16 <= static_cast<int64_t>(threads / 32);
}

bool mlir::ttt::readsWeightsAsB(linalg::GenericOp op,
                                linalg::GenericOp update) {
  std::optional<Dims> dims = dimsOf(op);
  if (!dims || op->hasAttr(kTF32LowAttr))
    return false;
  std::optional<Factors> f = factorsOf(op, *dims);
  if (!f || f->b.size() != 1 || !f->bMasks.empty())
    return false;
  bool negated = false;
  OpOperand *w = plainSideOperand(op, f->b, f->bMasks, negated);
  Value weights = update.getDpsInitOperand(0)->get();
  if (!w || negated || w->get() != weights ||
      !isIdentityOf(op.getMatchingIndexingMap(w), dims->k, dims->n))
    return false;
  Dims u = *dimsOf(update);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<int64_t> uRanges = update.getStaticLoopRanges();
  return ranges[dims->k] == uRanges[u.m] && ranges[dims->n] == uRanges[u.n] &&
         ranges[dims->m] % 8 == 0;
}

Value mlir::ttt::emitWeightCache(OpBuilder &b, gpu::GPUFuncOp kernel,
                                 Operation *loop, linalg::GenericOp update,
                                 function_ref<Value(OpBuilder &)> groupTid) {
  Location loc = update.getLoc();
  Dims dims = *dimsOf(update);
  SmallVector<int64_t> ranges = update.getStaticLoopRanges();
  int64_t rows = ranges[dims.m], cols = ranges[dims.n];
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&kernel.getBody().front());
  Value cache = memref::AllocaOp::create(
      b, loc, MemRefType::get({rows / 2}, b.getF32Type()));
  // W's first value is written before the loop by other threads.
  b.setInsertionPoint(loop);
  gpu::BarrierOp::create(b, loc);
  OpBuilder gb = b;
  Value local = groupTid(gb);
  OpOperand &out = *update.getDpsInitOperand(0);
  onOwnerLanes(gb, loc, local, cols,
               [&](OpBuilder &ob, const LaneCoords &lc, Value col) {
                 for (int64_t j = 0; j < rows / 8; ++j)
                   for (int64_t r = 0; r < 2; ++r) {
                     Value row = affine(ob, loc, 2, lc.t, 8 * j + r);
                     auto [x0, x1] = readPair(ob, loc, update, out,
                                              pointAt(ob, loc, dims, row, col),
                                              dims.n, /*vector=*/true);
                     storeCache(ob, loc, cache, 4 * j + r, x0);
                     storeCache(ob, loc, cache, 4 * j + 2 + r, x1);
                   }
               });
  return cache;
}

void mlir::ttt::emitRegisterUpdate(OpBuilder &b, linalg::GenericOp op,
                                   Value tid, MmaPrecision precision,
                                   Value cache, bool pairAccesses) {
  Location loc = op.getLoc();
  Dims dims = *dimsOf(op);
  Factors f = *factorsOf(op, dims);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t rows = ranges[dims.m], cols = ranges[dims.n], depth = ranges[dims.k];
  bool split = precision == MmaPrecision::TF32x3;
  OpOperand &out = *op.getDpsInitOperand(0);
  onOwnerLanes(
      b, loc, tid, cols, [&](OpBuilder &ob, const LaneCoords &lc, Value col) {
        SmallVector<Value> accs;
        for (int64_t j = 0; j < rows / 8; ++j) {
          SmallVector<Value> c;
          for (int64_t e = 0; e < 4; ++e)
            c.push_back(loadCache(ob, loc, cache, 4 * j + e));
          accs.push_back(vectorOf(ob, loc, {2, 2}, c));
        }
        for (int64_t s = 0; s < depth / 8; ++s) {
          // A = B^T: W's columns 2g, 2g + 1 (a pair along n) at k 8s + t, + 4.
          SmallVector<Value> a(4);
          for (int64_t h = 0; h < 2; ++h) {
            Value k = affine(ob, loc, 1, lc.t, 8 * s + 4 * h);
            std::tie(a[2 * h], a[2 * h + 1]) = sidePair(
                ob, loc, op, pointAt(ob, loc, dims, cst(ob, loc, 0), col, k),
                dims.n, f.b, f.bMasks, /*negate=*/false);
          }
          SmallVector<Value> aFrag = tf32Fragments(ob, loc, {4, 1}, a, split);
          for (int64_t j = 0; j < rows / 8; ++j) {
            // B = A^T: W's row 8j + g at k 8s + t and 8s + t + 4.
            Value row = affine(ob, loc, 1, lc.g, 8 * j);
            Value b0 = aSide(ob, loc, op, dims, f, row,
                             affine(ob, loc, 1, lc.t, 8 * s));
            Value b1 = aSide(ob, loc, op, dims, f, row,
                             affine(ob, loc, 1, lc.t, 8 * s + 4));
            SmallVector<Value> bFrag =
                tf32Fragments(ob, loc, {2, 1}, {b0, b1}, split);
            if (split) {
              // The small products first: they are the smallest terms.
              accs[j] = mmaTF32(ob, loc, aFrag[1], bFrag[0], accs[j]);
              accs[j] = mmaTF32(ob, loc, aFrag[0], bFrag[1], accs[j]);
            }
            accs[j] = mmaTF32(ob, loc, aFrag[0], bFrag[0], accs[j]);
          }
        }
        for (int64_t j = 0; j < rows / 8; ++j) {
          for (int64_t e = 0; e < 4; ++e)
            storeCache(ob, loc, cache, 4 * j + e, element(ob, loc, accs[j], e));
          for (int64_t r = 0; r < 2; ++r)
            storePair(ob, loc, op, out,
                      pointAt(ob, loc, dims,
                              affine(ob, loc, 2, lc.t, 8 * j + r), col),
                      dims.n, element(ob, loc, accs[j], r),
                      element(ob, loc, accs[j], 2 + r), pairAccesses);
        }
      });
}

void mlir::ttt::emitRegisterProduct(OpBuilder &b, linalg::GenericOp op,
                                    Value tid, MmaPrecision precision,
                                    Value cache, bool pairAccesses) {
  Location loc = op.getLoc();
  Dims dims = *dimsOf(op);
  Factors f = *factorsOf(op, dims);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t tokens = ranges[dims.m], cols = ranges[dims.n], rows = ranges[dims.k];
  bool split = precision == MmaPrecision::TF32x3;
  OpOperand &out = *op.getDpsInitOperand(0);
  bool zeroInit = !zeroInitOutputs(op).empty();
  OpOperand *initFrom = initInputOf(op, 0);
  OpOperand &init = initFrom ? *initFrom : out;
  onOwnerLanes(
      b, loc, tid, cols, [&](OpBuilder &ob, const LaneCoords &lc, Value col) {
        // Tile q: tokens 8q .. 8q + 7; c0 (col, 8q + 2t), c1 (col, + 1),
        // c2 (col + 1, 8q + 2t), c3 (col + 1, + 1).
        auto tokenOf = [&](OpBuilder &kb, int64_t q, int64_t r) {
          return affine(kb, loc, 2, lc.t, 8 * q + r);
        };
        int64_t tiles = tokens / 8;
        // With 3xtf32, the two small products of a tile accumulate apart
        // (three chains instead of one three times as long).
        SmallVector<Value> main, small0, small1;
        for (int64_t q = 0; q < tiles; ++q) {
          SmallVector<Value> c(4);
          if (!zeroInit)
            for (int64_t r = 0; r < 2; ++r)
              std::tie(c[r], c[2 + r]) =
                  readPair(ob, loc, op, init,
                           pointAt(ob, loc, dims, tokenOf(ob, q, r), col),
                           dims.n, pairAccesses);
          main.push_back(
              vectorOf(ob, loc, {2, 2}, zeroInit ? ArrayRef<Value>{} : c));
          small0.push_back(vectorOf(ob, loc, {2, 2}, {}));
          small1.push_back(vectorOf(ob, loc, {2, 2}, {}));
        }
        for (int64_t j = 0; j < rows / 8; ++j) {
          SmallVector<Value> a;
          for (int64_t e : {0, 2, 1, 3})
            a.push_back(loadCache(ob, loc, cache, 4 * j + e));
          SmallVector<Value> aFrag = tf32Fragments(ob, loc, {4, 1}, a, split);
          for (int64_t q = 0; q < tiles; ++q) {
            // B = A^T: token 8q + g at W's rows 8j + 2t and 8j + 2t + 1.
            Value token = affine(ob, loc, 1, lc.g, 8 * q);
            Value k = affine(ob, loc, 2, lc.t, 8 * j);
            auto [b0, b1] = sidePair(
                ob, loc, op, pointAt(ob, loc, dims, token, cst(ob, loc, 0), k),
                dims.k, f.a, f.aMasks, f.negate);
            SmallVector<Value> bFrag =
                tf32Fragments(ob, loc, {2, 1}, {b0, b1}, split);
            if (split) {
              small0[q] = mmaTF32(ob, loc, aFrag[1], bFrag[0], small0[q]);
              small1[q] = mmaTF32(ob, loc, aFrag[0], bFrag[1], small1[q]);
            }
            main[q] = mmaTF32(ob, loc, aFrag[0], bFrag[0], main[q]);
          }
        }
        for (int64_t q = 0; q < tiles; ++q) {
          Value c = main[q];
          if (split)
            c = arith::AddFOp::create(
                ob, loc, c,
                arith::AddFOp::create(ob, loc, small0[q], small1[q]));
          for (int64_t r = 0; r < 2; ++r)
            storePair(ob, loc, op, out,
                      pointAt(ob, loc, dims, tokenOf(ob, q, r), col), dims.n,
                      element(ob, loc, c, r), element(ob, loc, c, 2 + r),
                      pairAccesses);
        }
      });
}

namespace mlir::ttt::distribution {

/// Whether an op of `generics` or `copies` in `loop` other than `update`
/// may write a byte of `update`'s output.
static bool writtenByOthers(scf::ForOp loop, linalg::GenericOp update,
                            ArrayRef<linalg::GenericOp> generics,
                            ArrayRef<linalg::CopyOp> copies, Block *entry,
                            bool distinctArgs) {
  Value weights = update.getDpsInitOperand(0)->get();
  Access readsW;
  readsW.reads = ttt::accessOf(update, entry, planFor(update).parallel, false,
                               false, distinctArgs)
                     .writes;
  for (linalg::GenericOp op : generics) {
    if (op == update || !loop->isAncestor(op))
      continue;
    Access writes;
    writes.writes = ttt::accessOf(op, entry, planFor(op).parallel, false, false,
                                  distinctArgs)
                        .writes;
    if (ttt::conflictAfter(writes, readsW) != Conflict::None)
      return true;
  }
  // The prefetch copies write their staging slots, never state; a copy
  // into a view of W's buffer is refused all the same.
  return llvm::any_of(copies, [&](linalg::CopyOp copy) {
    return loop->isAncestor(copy) &&
           allocationOf(copy.getOutputs()[0]) == allocationOf(weights);
  });
}

llvm::DenseMap<Operation *, ttt::RegisterUse> planRegisterWeights(
    gpu::GPUFuncOp kernel, OpBuilder &b, ArrayRef<linalg::GenericOp> generics,
    ArrayRef<linalg::CopyOp> copies, Value tid, const Mapping &mapping,
    const WarpGroups &groups, bool distinctArgs, bool withProducts) {
  llvm::DenseMap<Operation *, ttt::RegisterUse> planned;
  Block *entry = &kernel.getBody().front();
  for (linalg::GenericOp update : generics) {
    auto loop = dyn_cast<scf::ForOp>(update->getParentOp());
    int64_t group = groupOf(update);
    if (!loop || planned.contains(update) || group < 0)
      continue;
    Mapping groupMapping = mapping;
    if (groups.size() > 0) {
      if (static_cast<size_t>(group) >= groups.size())
        continue;
      groupMapping.threads = groups.threads[group];
    }
    if (!groupMapping.onMma(update, planFor(update)) ||
        !canKeepInRegisters(update, groupMapping.threads, mapping.precision))
      continue;
    // W's value must be the same buffer in every iteration.
    Value weights = update.getDpsInitOperand(0)->get();
    Operation *def = weights.getDefiningOp();
    Region *home = def ? def->getParentRegion()
                       : cast<BlockArgument>(weights).getParentRegion();
    if (loop->isAncestor(home->getParentOp()))
      continue;
    SmallVector<linalg::GenericOp> products;
    for (linalg::GenericOp op : generics)
      if (op != update && op->getParentOp() == loop && groupOf(op) == group &&
          groupMapping.onMma(op, planFor(op)) && readsWeightsAsB(op, update))
        products.push_back(op);
    // W is a weight: products read it. Without `withProducts` they read
    // it from memory, and only the update is spared its loads of W.
    if (products.empty() ||
        writtenByOthers(loop, update, generics, copies, entry, distinctArgs))
      continue;
    if (!withProducts)
      products.clear();
    Value cache = emitWeightCache(b, kernel, loop, update, [&](OpBuilder &gb) {
      if (groups.size() == 0)
        return tid;
      Location loc = update.getLoc();
      auto inGroup = scf::IfOp::create(
          gb, loc, groups.contains(gb, loc, tid, group, mapping.threads),
          /*withElseRegion=*/false);
      gb.setInsertionPoint(inGroup.thenBlock()->getTerminator());
      return groups.localTid(gb, loc, tid, group);
    });
    planned[update] = {cache, true};
    for (linalg::GenericOp op : products)
      planned[op] = {cache, false};
  }
  return planned;
}

} // namespace mlir::ttt::distribution
