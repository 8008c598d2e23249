//===- RowWarps.cpp - Rows of a linalg op over the warps ------------------===//

#include "RowWarps.h"

#include "KernelLoops.h"
#include "PairedAccess.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

static constexpr int64_t kWarp = 32;

bool ttt::mapsRowsToWarps(linalg::GenericOp op, ArrayRef<unsigned> parallel,
                          ArrayRef<unsigned> sequential, unsigned threads) {
  if (threads % kWarp != 0 || parallel.empty())
    return false;
  int64_t warps = threads / kWarp;
  int64_t rows = op.getStaticLoopRanges()[parallel[0]];
  bool staticRows = !ShapedType::isDynamic(rows);
  if (staticRows && rows * 2 < warps)
    return false;
  if (!sequential.empty())
    return parallel.size() == 1 && ttt::addCombined(op);
  if (parallel.size() == 1)
    return staticRows && rows <= 4 * warps;
  return true;
}

int64_t ttt::lanesPerRow(linalg::GenericOp op, ArrayRef<unsigned> parallel,
                         unsigned threads, int64_t minLanes) {
  int64_t warps = threads / kWarp;
  int64_t rows = op.getStaticLoopRanges()[parallel[0]];
  for (int64_t k : {2, 4})
    if (rows == k * warps && kWarp / k >= minLanes)
      return kWarp / k;
  return kWarp;
}

ttt::RowLanes ttt::rowLanesOf(linalg::GenericOp op, ArrayRef<unsigned> parallel,
                              OpOperand &operand) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  auto type = dyn_cast<MemRefType>(operand.get().getType());
  if (!type || map.getNumResults() == 0 ||
      map.getResult(0) != getAffineDimExpr(parallel[0], op.getContext()))
    return RowLanes::Some;
  if (map.getNumResults() == 1)
    return RowLanes::Every;
  // The dims the lanes share: the rest of the row, or the reduction.
  SmallVector<unsigned> lanesOver;
  if (op.getNumReductionLoops() != 0)
    op.getReductionDims(lanesOver);
  else
    lanesOver.assign(parallel.begin() + 1, parallel.end());
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (map.getNumResults() != lanesOver.size() + 1)
    return RowLanes::Some;
  for (auto [k, d] : llvm::enumerate(lanesOver)) {
    if (map.getResult(k + 1) != getAffineDimExpr(d, op.getContext()) ||
        ShapedType::isDynamic(ranges[d]) || type.getDimSize(k + 1) != ranges[d])
      return RowLanes::Some;
  }
  return RowLanes::Linear;
}

/// Whether `op` reads what it writes: an output's old value (unless it
/// starts from zero or an input), or, with `inputsMeetOutputs`, an input
/// overlapping an output. Every lane then reads before any lane stores.
static bool readsOutputs(linalg::GenericOp op, bool inputsMeetOutputs) {
  if (inputsMeetOutputs)
    return true;
  return llvm::any_of(op.getDpsInitsMutable(), [&](OpOperand &out) {
    return op.payloadUsesValueFromOperand(&out) &&
           !ttt::startsElsewhere(op,
                                 out.getOperandNumber() - op.getNumDpsInputs());
  });
}

/// The rounds r in which the lanes take the row's points over `dims` in
/// adjacent pairs (lane l points 64r + 2l and 64r + 2l + 1, linearized),
/// where that mapping applies: a static total that is a multiple of 64 and
/// an even innermost size.
static std::optional<int64_t>
pairedRounds(linalg::GenericOp op, ArrayRef<unsigned> dims, int64_t lanes) {
  if (dims.empty())
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t total = 1;
  for (unsigned d : dims) {
    if (ShapedType::isDynamic(ranges[d]))
      return std::nullopt;
    total *= ranges[d];
  }
  if (total % (2 * lanes) != 0 || ranges[dims.back()] % 2 != 0)
    return std::nullopt;
  return total / (2 * lanes);
}

/// The inputs of `op` at `ivs` and at `ivs` with `dim` one more: one load
/// for both where an input holds them side by side (PairedAccess.h).
static std::pair<SmallVector<Value>, SmallVector<Value>>
readInputPairs(OpBuilder &b, Location loc, linalg::GenericOp op,
               ArrayRef<Value> ivs, unsigned dim) {
  SmallVector<Value> first, second;
  for (OpOperand *in : op.getDpsInputOperands()) {
    auto [x0, x1] = ttt::readPair(b, loc, op, *in, ivs, dim);
    first.push_back(x0);
    second.push_back(x1);
  }
  return {first, second};
}

/// The linear point of lane `lane` in round `round` of a paired mapping
/// over `lanes` lanes: 2 lanes round + 2 lane.
static Value pairedPoint(OpBuilder &b, Location loc, Value round, Value lane,
                         int64_t lanes) {
  Value two = arith::ConstantIndexOp::create(b, loc, 2);
  Value span = arith::ConstantIndexOp::create(b, loc, 2 * lanes);
  return arith::AddIOp::create(b, loc,
                               arith::MulIOp::create(b, loc, round, span),
                               arith::MulIOp::create(b, loc, lane, two));
}

/// The row's reduction: each lane sums the points lane, lane + 32, ... of
/// the flattened reduction dims from zero (a constant trip count where the
/// size is a static multiple of 32), then a butterfly of shuffles gives
/// every lane the row's sums.
static SmallVector<Value>
reduceRow(OpBuilder &b, Location loc, linalg::GenericOp op,
          ArrayRef<unsigned> sequential, ArrayRef<Value> sizes, Value lane,
          int64_t lanes, SmallVector<Value> ivs, bool pairs) {
  Value total = ttt::productOf(b, loc, sequential, sizes);
  SmallVector<Value> zeros;
  for (OpOperand &out : op.getDpsInitsMutable())
    zeros.push_back(arith::ConstantOp::create(
        b, loc, b.getZeroAttr(op.getMatchingBlockArgument(&out).getType())));
  Value warpV = arith::ConstantIndexOp::create(b, loc, lanes);
  auto step = [&](OpBuilder &nb, Location nl, Value r, ValueRange acc) {
    ttt::delinearize(nb, nl, r, sequential, sizes, ivs);
    scf::YieldOp::create(nb, nl, ttt::emitBody(nb, nl, op, ivs, acc));
  };
  std::optional<int64_t> n = getConstantIntValue(total);
  scf::ForOp loop;
  std::optional<int64_t> pairRounds =
      pairs ? pairedRounds(op, sequential, lanes) : std::nullopt;
  if (pairRounds) {
    // Lane l sums points 64r + 2l and 64r + 2l + 1, read together.
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value rounds = arith::ConstantIndexOp::create(b, loc, *pairRounds);
    loop = scf::ForOp::create(
        b, loc, zero, rounds, one, zeros,
        [&](OpBuilder &nb, Location nl, Value round, ValueRange acc) {
          ttt::delinearize(nb, nl, pairedPoint(nb, nl, round, lane, lanes),
                           sequential, sizes, ivs);
          auto [ins0, ins1] =
              readInputPairs(nb, nl, op, ivs, sequential.back());
          SmallVector<Value> mid =
              ttt::emitBodyWith(nb, nl, op, ivs, ins0, acc);
          SmallVector<Value> next =
              ttt::nextAlong(nb, nl, ivs, sequential.back());
          scf::YieldOp::create(nb, nl,
                               ttt::emitBodyWith(nb, nl, op, next, ins1, mid));
        });
  } else if (n && *n % lanes == 0) {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value rounds = arith::ConstantIndexOp::create(b, loc, *n / lanes);
    loop = scf::ForOp::create(
        b, loc, zero, rounds, one, zeros,
        [&](OpBuilder &nb, Location nl, Value round, ValueRange acc) {
          Value r = arith::AddIOp::create(
              nb, nl, lane, arith::MulIOp::create(nb, nl, round, warpV));
          step(nb, nl, r, acc);
        });
  } else {
    loop = scf::ForOp::create(b, loc, lane, total, warpV, zeros, step);
  }
  SmallVector<Value> sums(loop.getResults());
  ttt::butterflySum(b, loc, sums, lanes);
  return sums;
}

void ttt::emitRowWarps(OpBuilder &b, linalg::GenericOp op,
                       ArrayRef<unsigned> parallel,
                       ArrayRef<unsigned> sequential, Value tid,
                       unsigned threads, bool inputsMeetOutputs, bool pairs,
                       int64_t minLanes) {
  Location loc = op.getLoc();
  SmallVector<Value> sizes = loopSizes(b, loc, op);
  Value warpV = arith::ConstantIndexOp::create(b, loc, kWarp);
  Value warp = arith::DivUIOp::create(b, loc, tid, warpV);
  Value lane = arith::RemUIOp::create(b, loc, tid, warpV);
  // k times as many rows as warps: each k-th of a warp takes one (rows w,
  // w + warps, ... on warp w, as the one-row mapping has them).
  int64_t lanes = lanesPerRow(op, parallel, threads, minLanes);
  int64_t warps = threads / kWarp;
  Value firstRow = warp;
  if (lanes < kWarp) {
    Value lanesV = arith::ConstantIndexOp::create(b, loc, lanes);
    Value half = arith::DivUIOp::create(b, loc, lane, lanesV);
    firstRow = arith::AddIOp::create(
        b, loc, warp,
        arith::MulIOp::create(b, loc, half,
                              arith::ConstantIndexOp::create(b, loc, warps)));
    lane = arith::RemUIOp::create(b, loc, lane, lanesV);
  }
  // Loads the outputs at `ivs`, runs the body, stores its results (after
  // a warp barrier with `sync`).
  auto update = [&](OpBuilder &nb, Location nl, ArrayRef<Value> ivs,
                    bool sync) {
    SmallVector<Value> outs;
    for (OpOperand &out : op.getDpsInitsMutable())
      outs.push_back(initialValue(nb, nl, op, out, ivs));
    SmallVector<Value> fin = emitBody(nb, nl, op, ivs, outs);
    if (sync)
      emitWarpSync(nb, nl);
    storeAt(nb, nl, op, ivs, fin);
  };
  forEachPoint(
      b, loc, firstRow, sizes[parallel[0]], warps * (kWarp / lanes),
      [&](OpBuilder &rb, Location rl, Value row) {
        SmallVector<Value> ivs(op.getNumLoops());
        ivs[parallel[0]] = row;
        if (!sequential.empty()) {
          // Every lane holds the same sums and stores them (RowLanes).
          SmallVector<Value> sums =
              reduceRow(rb, rl, op, sequential, sizes, lane, lanes, ivs, pairs);
          SmallVector<Value> fin;
          for (auto [out, v] : llvm::zip(op.getDpsInitsMutable(), sums))
            fin.push_back(addToInitial(rb, rl, op, out, ivs, v));
          // No lane stores before every lane has read the old value.
          if (readsOutputs(op, inputsMeetOutputs))
            ttt::emitWarpSync(rb, rl);
          storeAt(rb, rl, op, ivs, fin);
          return;
        }
        ArrayRef<unsigned> rest = parallel.drop_front();
        if (rest.empty()) {
          // A row value: every lane computes and stores it (RowLanes),
          // after every lane has read what it reads of the outputs.
          update(rb, rl, ivs, readsOutputs(op, inputsMeetOutputs));
          return;
        }
        std::optional<int64_t> pairRounds =
            pairs ? pairedRounds(op, rest, lanes) : std::nullopt;
        if (pairRounds) {
          // Lane l takes points 64r + 2l and 64r + 2l + 1: one access for
          // both where an operand holds them side by side.
          unsigned dim = rest.back();
          forEachPoint(
              rb, rl, arith::ConstantIndexOp::create(rb, rl, 0),
              arith::ConstantIndexOp::create(rb, rl, *pairRounds), 1,
              [&](OpBuilder &lb, Location ll, Value round) {
                SmallVector<Value> at(ivs);
                delinearize(lb, ll, pairedPoint(lb, ll, round, lane, lanes),
                            rest, sizes, at);
                SmallVector<Value> next = nextAlong(lb, ll, at, dim);
                auto [ins0, ins1] = readInputPairs(lb, ll, op, at, dim);
                SmallVector<Value> outs0, outs1;
                for (OpOperand &out : op.getDpsInitsMutable()) {
                  outs0.push_back(initialValue(lb, ll, op, out, at));
                  outs1.push_back(initialValue(lb, ll, op, out, next));
                }
                SmallVector<Value> fin0 =
                    emitBodyWith(lb, ll, op, at, ins0, outs0);
                SmallVector<Value> fin1 =
                    emitBodyWith(lb, ll, op, next, ins1, outs1);
                for (auto [i, out] : llvm::enumerate(op.getDpsInitsMutable()))
                  storePair(lb, ll, op, out, at, dim, fin0[i], fin1[i]);
              });
          return;
        }
        forEachPoint(rb, rl, lane, productOf(rb, rl, rest, sizes), lanes,
                     [&](OpBuilder &lb, Location ll, Value linear) {
                       SmallVector<Value> at(ivs);
                       delinearize(lb, ll, linear, rest, sizes, at);
                       update(lb, ll, at, false);
                     });
      });
}
