//===- MmaContraction.cpp - Contractions on the tensor cores --------------===//
//
// The fragments of an m16n8k8 tf32 mma (PTX ISA, "Matrix Fragments for
// mma.m16n8k8", .tf32): with g = lane / 4 and t = lane % 4,
//   A (16 x 8, row-major): a0 (g, t), a1 (g + 8, t), a2 (g, t + 4),
//                          a3 (g + 8, t + 4)
//   B (8 x 8, column):     b0 (t, g), b1 (t + 4, g)
//   C (16 x 8):            c0 (g, 2t), c1 (g, 2t + 1), c2 (g + 8, 2t),
//                          c3 (g + 8, 2t + 1)
// nvgpu.mma.sync takes them as vector<4x1xf32>, vector<2x1xf32> and
// vector<2x2xf32> in that order. With bf16 operands (m16n8k16, "Matrix
// Fragments for mma.m16n8k16", .bf16), two elements per 32-bit register,
// the lower k in the low half:
//   A (16 x 16): a0,a1 (g, 2t..2t+1), a2,a3 (g + 8, 2t..2t+1),
//                a4,a5 (g, 2t+8..2t+9), a6,a7 (g + 8, 2t+8..2t+9)
//   B (16 x 8):  b0,b1 (2t..2t+1, g), b2,b3 (2t+8..2t+9, g)
// and C as above; nvgpu does not lower bf16 mma, so nvvm.mma.sync takes
// the packed registers.
//
// Each lane evaluates the A-side and B-side parts of the body at its
// fragment coordinates (loads through the operands' indexing maps, index
// ops replaced by the coordinates), so masks and scalings of one operand
// (tril(QK^T) * eta, -eta_k x_k) need no materialized operand.
//
//===----------------------------------------------------------------------===//

#include "MmaContraction.h"

#include "FastMath.h"
#include "KernelLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::ttt;

std::optional<MmaPrecision> mlir::ttt::parseMmaPrecision(StringRef name) {
  if (name == "none")
    return MmaPrecision::None;
  if (name == "tf32")
    return MmaPrecision::TF32;
  if (name == "3xtf32")
    return MmaPrecision::TF32x3;
  if (name == "bf16")
    return MmaPrecision::BF16;
  return std::nullopt;
}

namespace {

/// The roles of a contraction's three loop dims.
struct Dims {
  unsigned m, n, k;
  unsigned mask(unsigned d) const { return 1u << d; }
  unsigned aDims() const { return mask(m) | mask(k); }
  unsigned bDims() const { return mask(k) | mask(n); }
};

std::optional<Dims> dimsOf(linalg::GenericOp op) {
  if (op.getNumLoops() != 3 || op.getNumDpsInits() != 1)
    return std::nullopt;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() != 2)
    return std::nullopt;
  auto m = dyn_cast<AffineDimExpr>(out.getResult(0));
  auto n = dyn_cast<AffineDimExpr>(out.getResult(1));
  if (!m || !n || m.getPosition() == n.getPosition())
    return std::nullopt;
  unsigned k = 3 - m.getPosition() - n.getPosition();
  if (iters[m.getPosition()] != utils::IteratorType::parallel ||
      iters[n.getPosition()] != utils::IteratorType::parallel ||
      iters[k] != utils::IteratorType::reduction)
    return std::nullopt;
  return Dims{m.getPosition(), n.getPosition(), k};
}

/// The loop dims (bits) a value of the body depends on; ~0u for a value
/// the analysis cannot follow.
unsigned dependence(linalg::GenericOp op, Value v,
                    llvm::DenseMap<Value, unsigned> &memo) {
  auto it = memo.find(v);
  if (it != memo.end())
    return it->second;
  unsigned bits = 0;
  Block *body = op.getBody();
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (arg.getOwner() == body) {
      AffineMap map =
          op.getMatchingIndexingMap(&op->getOpOperand(arg.getArgNumber()));
      for (unsigned d = 0; d < map.getNumDims(); ++d)
        if (map.isFunctionOfDim(d))
          bits |= 1u << d;
    }
  } else if (Operation *def = v.getDefiningOp();
             def && def->getBlock() == body) {
    if (auto index = dyn_cast<linalg::IndexOp>(def))
      bits = 1u << index.getDim();
    else if (def->getNumRegions() != 0 || !isMemoryEffectFree(def))
      bits = ~0u;
    else
      for (Value operand : def->getOperands())
        bits |= dependence(op, operand, memo);
  }
  memo[v] = bits;
  return bits;
}

/// x = (-1)^negate * prod(A factors) * prod(B factors), with the selects
/// against zero applied on the side whose dims their condition reads.
struct Factors {
  SmallVector<Value> a, b, aMasks, bMasks;
  bool negate = false;
};

bool factor(linalg::GenericOp op, const Dims &dims, Value v,
            llvm::DenseMap<Value, unsigned> &memo, Factors &f) {
  unsigned dep = dependence(op, v, memo);
  if ((dep & ~dims.aDims()) == 0) {
    f.a.push_back(v);
    return true;
  }
  if ((dep & ~dims.bDims()) == 0) {
    f.b.push_back(v);
    return true;
  }
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != op.getBody())
    return false;
  if (auto mul = dyn_cast<arith::MulFOp>(def))
    return factor(op, dims, mul.getLhs(), memo, f) &&
           factor(op, dims, mul.getRhs(), memo, f);
  if (auto neg = dyn_cast<arith::NegFOp>(def)) {
    f.negate = !f.negate;
    return factor(op, dims, neg.getOperand(), memo, f);
  }
  if (auto sel = dyn_cast<arith::SelectOp>(def)) {
    if (!matchPattern(sel.getFalseValue(), m_AnyZeroFloat()))
      return false;
    unsigned c = dependence(op, sel.getCondition(), memo);
    if ((c & ~dims.aDims()) == 0)
      f.aMasks.push_back(sel.getCondition());
    else if ((c & ~dims.bDims()) == 0)
      f.bMasks.push_back(sel.getCondition());
    else
      return false;
    return factor(op, dims, sel.getTrueValue(), memo, f);
  }
  return false;
}

/// The addend x of a body that yields `out + x`, or null.
Value addendOf(linalg::GenericOp op) {
  Block *body = op.getBody();
  BlockArgument out = body->getArgument(op.getNumDpsInputs());
  auto add =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || !out.hasOneUse())
    return nullptr;
  if (add.getLhs() == out && add.getRhs() != out)
    return add.getRhs();
  if (add.getRhs() == out && add.getLhs() != out)
    return add.getLhs();
  return nullptr;
}

std::optional<Factors> factorsOf(linalg::GenericOp op, const Dims &dims) {
  Value x = addendOf(op);
  if (!x || !isa<Float32Type>(x.getType()))
    return std::nullopt;
  llvm::DenseMap<Value, unsigned> memo;
  Factors f;
  if (!factor(op, dims, x, memo, f))
    return std::nullopt;
  return f;
}

/// Body values at one coordinate of the loop dims: loads through the
/// operands' maps, index ops replaced, everything else cloned (once per
/// value and coordinate).
class Evaluator {
public:
  Evaluator(OpBuilder &b, Location loc, linalg::GenericOp op,
            ArrayRef<Value> ivs)
      : b(b), loc(loc), op(op), ivs(ivs) {}

  Value get(Value v) {
    if (Value known = map.lookupOrNull(v))
      return known;
    Block *body = op.getBody();
    Value result;
    if (auto arg = dyn_cast<BlockArgument>(v); arg && arg.getOwner() == body) {
      result = readAt(b, loc, op, op->getOpOperand(arg.getArgNumber()), ivs);
    } else if (Operation *def = v.getDefiningOp();
               def && def->getBlock() == body) {
      if (auto index = dyn_cast<linalg::IndexOp>(def)) {
        result = ivs[index.getDim()];
      } else {
        for (Value operand : def->getOperands())
          get(operand);
        Operation *copy = b.clone(*def, map);
        allowContraction(copy);
        result = copy->getResult(cast<OpResult>(v).getResultNumber());
      }
    } else {
      return v; // defined above the op
    }
    map.map(v, result);
    return result;
  }

private:
  OpBuilder &b;
  Location loc;
  linalg::GenericOp op;
  ArrayRef<Value> ivs;
  IRMapping map;
};

/// One side's element: the product of its factors, its masks applied.
Value sideValue(OpBuilder &b, Location loc, linalg::GenericOp op,
                ArrayRef<Value> ivs, ArrayRef<Value> factors,
                ArrayRef<Value> masks, bool negate) {
  Evaluator eval(b, loc, op, ivs);
  Value v;
  for (Value f : factors) {
    Value x = eval.get(f);
    v = v ? arith::MulFOp::create(b, loc, v, x).getResult() : x;
  }
  if (!v)
    v = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f));
  if (negate)
    v = arith::NegFOp::create(b, loc, v);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  for (Value m : masks)
    v = arith::SelectOp::create(b, loc, eval.get(m), v, zero);
  return v;
}

/// The A side at (row, k) and the B side at (k, col): the factors of the
/// body evaluated there, the other loop dim at 0 (not read).
Value aSide(OpBuilder &b, Location loc, linalg::GenericOp op, const Dims &dims,
            const Factors &f, Value row, Value k) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> ivs(3, zero);
  ivs[dims.m] = row;
  ivs[dims.k] = k;
  return sideValue(b, loc, op, ivs, f.a, f.aMasks, f.negate);
}

Value bSide(OpBuilder &b, Location loc, linalg::GenericOp op, const Dims &dims,
            const Factors &f, Value k, Value col) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> ivs(3, zero);
  ivs[dims.k] = k;
  ivs[dims.n] = col;
  return sideValue(b, loc, op, ivs, f.b, f.bMasks, false);
}

/// The tf32 part of x (the bits the tensor cores read) and the rest.
std::pair<Value, Value> splitTF32(OpBuilder &b, Location loc, Value x) {
  Type i32 = b.getI32Type();
  Value bits = arith::BitcastOp::create(b, loc, i32, x);
  Value mask = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(0xffffe000u)));
  Value big = arith::BitcastOp::create(
      b, loc, b.getF32Type(), arith::AndIOp::create(b, loc, bits, mask));
  Value small = arith::SubFOp::create(b, loc, x, big);
  return {big, small};
}

Value vectorOf(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
               ArrayRef<Value> elements) {
  auto type = VectorType::get(shape, b.getF32Type());
  Value v = arith::ConstantOp::create(b, loc, type,
                                      DenseElementsAttr::get(type, 0.0f));
  for (auto [i, e] : llvm::enumerate(elements)) {
    int64_t row = static_cast<int64_t>(i) / shape[1];
    int64_t col = static_cast<int64_t>(i) % shape[1];
    v = vector::InsertOp::create(b, loc, e, v, ArrayRef<int64_t>{row, col});
  }
  return v;
}

Value mma(OpBuilder &b, Location loc, Value a, Value bv, Value c) {
  return nvgpu::MmaSyncOp::create(b, loc, a, bv, c, ArrayRef<int64_t>{16, 8, 8},
                                  /*tf32Enabled=*/true)
      .getResult();
}

/// Two f32 rounded to bf16 and packed in an i32, `lo` in the low half.
Value packBF16(OpBuilder &b, Location loc, Value lo, Value hi) {
  Type i16 = b.getI16Type(), i32 = b.getI32Type(), bf16 = b.getBF16Type();
  auto half = [&](Value x) {
    Value r = arith::TruncFOp::create(b, loc, bf16, x);
    return arith::ExtUIOp::create(b, loc, i32,
                                  arith::BitcastOp::create(b, loc, i16, r));
  };
  Value high = arith::ShLIOp::create(
      b, loc, half(hi), arith::ConstantIntOp::create(b, loc, i32, 16));
  return arith::OrIOp::create(b, loc, half(lo), high);
}

/// c + a * b for one m16n8k16 bf16 tile: `a` 4 and `b` 2 packed registers,
/// `c` the vector<2x2xf32> accumulator.
Value mmaBF16(OpBuilder &b, Location loc, ArrayRef<Value> a, ArrayRef<Value> bv,
              Value c) {
  SmallVector<Value> cs;
  for (int64_t i = 0; i < 4; ++i)
    cs.push_back(
        vector::ExtractOp::create(b, loc, c, ArrayRef<int64_t>{i / 2, i % 2}));
  Type f32 = b.getF32Type();
  auto resultType = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                     SmallVector<Type>(4, f32));
  auto op = NVVM::MmaOp::create(
      b, loc, resultType, a, bv, cs, ArrayRef<int64_t>{16, 8, 16}, std::nullopt,
      std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16, NVVM::MMATypes::bf16},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> d;
  for (int64_t i = 0; i < 4; ++i)
    d.push_back(LLVM::ExtractValueOp::create(b, loc, op.getRes(), i));
  return vectorOf(b, loc, {2, 2}, d);
}

} // namespace

bool mlir::ttt::canUseMma(linalg::GenericOp op, unsigned threads,
                          MmaPrecision precision) {
  if (threads % 32 != 0)
    return false;
  std::optional<Dims> dims = dimsOf(op);
  if (!dims)
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ShapedType::isDynamic(ranges[dims->m]) ||
      ShapedType::isDynamic(ranges[dims->n]) ||
      ShapedType::isDynamic(ranges[dims->k]) || ranges[dims->m] % 16 != 0 ||
      ranges[dims->n] % 8 != 0 ||
      ranges[dims->k] % (precision == MmaPrecision::BF16 ? 16 : 8) != 0)
    return false;
  for (OpOperand &o : op->getOpOperands())
    if (isa<ShapedType>(o.get().getType()) &&
        !isa<MemRefType>(o.get().getType()))
      return false;
  if (!isa<Float32Type>(
          cast<MemRefType>(op.getDpsInitOperand(0)->get().getType())
              .getElementType()))
    return false;
  return factorsOf(op, *dims).has_value();
}

/// The 8-column tiles of a warp tile: the widest (sharing A fragments)
/// that still gives every warp a tile.
static int64_t columnTilesPerWarpTile(int64_t mTiles, int64_t nTiles,
                                      int64_t warps) {
  int64_t per = nTiles;
  while (per > 1 && (nTiles % per != 0 || mTiles * (nTiles / per) < warps))
    --per;
  return per;
}

int64_t mlir::ttt::mmaWarpTiles(linalg::GenericOp op, unsigned threads) {
  Dims dims = *dimsOf(op);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t mTiles = ranges[dims.m] / 16, nTiles = ranges[dims.n] / 8;
  return mTiles *
         (nTiles / columnTilesPerWarpTile(mTiles, nTiles, threads / 32));
}

/// The k indices of a bf16 k-step's lane: k0 + 2t + {0, 1, 8, 9}.
static SmallVector<Value> bf16Ks(OpBuilder &b, Location loc, Value k0,
                                 Value twoT) {
  Value k = arith::AddIOp::create(b, loc, k0, twoT);
  SmallVector<Value> ks = {k};
  for (int64_t d : {1, 8, 9})
    ks.push_back(arith::AddIOp::create(
        b, loc, k, arith::ConstantIndexOp::create(b, loc, d)));
  return ks;
}

/// A bf16 k-step's A fragment: the lane's elements at rows row0, row1 and
/// its four k, packed in four registers.
static SmallVector<Value> bf16AFragment(OpBuilder &b, Location loc,
                                        linalg::GenericOp op, const Dims &dims,
                                        const Factors &f, Value k0, Value twoT,
                                        Value row0, Value row1) {
  SmallVector<Value> ks = bf16Ks(b, loc, k0, twoT);
  auto aAt = [&](Value r, Value kk) {
    return aSide(b, loc, op, dims, f, r, kk);
  };
  return {packBF16(b, loc, aAt(row0, ks[0]), aAt(row0, ks[1])),
          packBF16(b, loc, aAt(row1, ks[0]), aAt(row1, ks[1])),
          packBF16(b, loc, aAt(row0, ks[2]), aAt(row0, ks[3])),
          packBF16(b, loc, aAt(row1, ks[2]), aAt(row1, ks[3]))};
}

/// A bf16 k-step's B fragment for column `col`: two packed registers.
static SmallVector<Value> bf16BFragment(OpBuilder &b, Location loc,
                                        linalg::GenericOp op, const Dims &dims,
                                        const Factors &f, Value k0, Value twoT,
                                        Value col) {
  SmallVector<Value> ks = bf16Ks(b, loc, k0, twoT);
  auto bAt = [&](Value kk) { return bSide(b, loc, op, dims, f, kk, col); };
  return {packBF16(b, loc, bAt(ks[0]), bAt(ks[1])),
          packBF16(b, loc, bAt(ks[2]), bAt(ks[3]))};
}

/// A tf32 fragment of `elems` (vector of `shape`); with `split` (3xtf32)
/// its tf32 part and the rest, in that order.
static SmallVector<Value> tf32Fragments(OpBuilder &b, Location loc,
                                        ArrayRef<int64_t> shape,
                                        ArrayRef<Value> elems, bool split) {
  if (!split)
    return {vectorOf(b, loc, shape, elems)};
  SmallVector<Value> big, small;
  for (Value x : elems) {
    auto [hi, lo] = splitTF32(b, loc, x);
    big.push_back(hi);
    small.push_back(lo);
  }
  return {vectorOf(b, loc, shape, big), vectorOf(b, loc, shape, small)};
}

/// The k-steps in one iteration of a tile's k loop: every step's operand
/// loads come before the first product, so their latencies overlap (the
/// loads of a global-memory operand most: TTT-MLP's weights). `requested`
/// 0 picks as many as keep about 16 operand registers per column tile in
/// flight; always a divisor of `kSteps`.
static int64_t kStepsPerIteration(int64_t requested, int64_t kSteps,
                                  int64_t per) {
  int64_t want = requested > 0 ? requested : std::max<int64_t>(1, 4 / per);
  int64_t u = std::min(want, kSteps);
  while (kSteps % u != 0)
    --u;
  return u;
}

/// The accumulator sets a tile's k-steps alternate between: at most
/// `requested` and the k-steps, a divisor of the k-steps.
static int64_t kChainCount(int64_t requested, int64_t kSteps) {
  int64_t c = std::clamp<int64_t>(requested, 1, kSteps);
  while (kSteps % c != 0)
    --c;
  return c;
}

void mlir::ttt::emitMmaContraction(OpBuilder &b, linalg::GenericOp op,
                                   Value tid, unsigned threads,
                                   MmaPrecision precision, int64_t firstWarp,
                                   int64_t kUnroll, int64_t kChains) {
  Location loc = op.getLoc();
  Dims dims = *dimsOf(op);
  Factors f = *factorsOf(op, dims);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t mTiles = ranges[dims.m] / 16, nTiles = ranges[dims.n] / 8;
  bool bf16 = precision == MmaPrecision::BF16;
  int64_t kStep = bf16 ? 16 : 8;
  int64_t kSteps = ranges[dims.k] / kStep;
  int64_t warps = threads / 32;
  int64_t per = columnTilesPerWarpTile(mTiles, nTiles, warps);
  int64_t warpTiles = mTiles * (nTiles / per);

  auto cst = [&](OpBuilder &nb, int64_t v) {
    return arith::ConstantIndexOp::create(nb, loc, v).getResult();
  };
  auto add = [&](OpBuilder &nb, Value x, int64_t c) {
    return arith::AddIOp::create(nb, loc, x, cst(nb, c)).getResult();
  };
  // Tile i on warp (firstWarp + i) mod warps.
  Value warp = arith::DivUIOp::create(b, loc, tid, cst(b, 32));
  if (firstWarp % warps != 0)
    warp = arith::RemUIOp::create(
        b, loc, add(b, warp, warps - firstWarp % warps), cst(b, warps));
  Value lane = arith::RemUIOp::create(b, loc, tid, cst(b, 32));
  Value g = arith::DivUIOp::create(b, loc, lane, cst(b, 4));
  Value t = arith::RemUIOp::create(b, loc, lane, cst(b, 4));
  Value twoT = arith::MulIOp::create(b, loc, t, cst(b, 2));
  Value outBuf = op.getDpsInitOperand(0)->get();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  auto outIndices = [&](OpBuilder &nb, Value row, Value col) {
    SmallVector<Value> ivs(3);
    ivs[dims.m] = row;
    ivs[dims.n] = col;
    ivs[dims.k] = row; // not read by the output map
    return indicesAt(nb, loc, outMap, ivs);
  };

  // Warp tiles w, w + warps, ...: the guard of a partial last round is
  // warp-uniform, as mma.sync needs.
  forEachPoint(
      b, loc, warp, cst(b, warpTiles), warps,
      [&](OpBuilder &tb, Location, Value tile) {
        Value mt = arith::DivUIOp::create(tb, loc, tile, cst(tb, nTiles / per));
        Value nq = arith::RemUIOp::create(tb, loc, tile, cst(tb, nTiles / per));
        Value row0 = arith::AddIOp::create(
            tb, loc, arith::MulIOp::create(tb, loc, mt, cst(tb, 16)), g);
        Value row1 = add(tb, row0, 8);
        Value col0 = arith::MulIOp::create(tb, loc, nq, cst(tb, 8 * per));
        // Accumulators: the output's current values (zero where
        // ttt-gpu-fold-zero-fills dropped its fill, an input's where
        // ttt-gpu-fold-init-copies dropped a copy).
        bool zeroInit = !zeroInitOutputs(op).empty();
        OpOperand *initInput = initInputOf(op, 0);
        SmallVector<Value> accs;
        SmallVector<std::array<Value, 2>> cols;
        for (int64_t j = 0; j < per; ++j) {
          Value c = arith::AddIOp::create(tb, loc, add(tb, col0, 8 * j), twoT);
          Value c1 = add(tb, c, 1);
          cols.push_back({c, c1});
          SmallVector<Value> e;
          for (Value r : {row0, row1})
            for (Value cc : {c, c1}) {
              if (zeroInit)
                continue;
              if (initInput) {
                SmallVector<Value> ivs(3, r);
                ivs[dims.n] = cc;
                e.push_back(readAt(tb, loc, op, *initInput, ivs));
                continue;
              }
              e.push_back(memref::LoadOp::create(tb, loc, outBuf,
                                                 outIndices(tb, r, cc)));
            }
          accs.push_back(vectorOf(tb, loc, {2, 2}, e));
        }
        // 3xtf32: with few tiles per warp (little independent work), the
        // two correction products of a tile accumulate apart from the main
        // one (three mma chains instead of one three times as long),
        // summed after the k loop; more tiles would spill the registers.
        bool split = precision == MmaPrecision::TF32x3;
        int64_t chains = split && per <= 2 ? 3 : 1;
        if (chains == 3)
          for (int64_t j = 0; j < 2 * per; ++j)
            accs.push_back(vectorOf(tb, loc, {2, 2}, {}));
        // With k-chains, k-step u adds to accumulator set u mod sets (each
        // laid out as the first, starting at zero): shorter dependent mma
        // chains, summed after the k loop.
        int64_t setSize = static_cast<int64_t>(accs.size());
        int64_t sets = kChainCount(kChains, kSteps);
        for (int64_t i = setSize; i < sets * setSize; ++i)
          accs.push_back(vectorOf(tb, loc, {2, 2}, {}));
        // A k-step's fragments: A's (tf32: one, or big and small parts
        // with 3xtf32; bf16: four packed registers) and column tile j's B.
        auto aFrags = [&](OpBuilder &kb, Value k0) -> SmallVector<Value> {
          if (bf16)
            return bf16AFragment(kb, loc, op, dims, f, k0, twoT, row0, row1);
          Value ka = arith::AddIOp::create(kb, loc, k0, t);
          Value kc = add(kb, ka, 4);
          SmallVector<Value> elems;
          for (Value k : {ka, kc})
            for (Value r : {row0, row1})
              elems.push_back(aSide(kb, loc, op, dims, f, r, k));
          // Fragment order a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3.
          return tf32Fragments(kb, loc, {4, 1}, elems, split);
        };
        auto bFrags = [&](OpBuilder &kb, Value k0,
                          int64_t j) -> SmallVector<Value> {
          Value col = arith::AddIOp::create(kb, loc, add(kb, col0, 8 * j), g);
          if (bf16)
            return bf16BFragment(kb, loc, op, dims, f, k0, twoT, col);
          Value ka = arith::AddIOp::create(kb, loc, k0, t);
          Value kc = add(kb, ka, 4);
          return tf32Fragments(kb, loc, {2, 1},
                               {bSide(kb, loc, op, dims, f, ka, col),
                                bSide(kb, loc, op, dims, f, kc, col)},
                               split);
        };
        // Column tile j's products of one k-step added to its accumulators
        // in the set at `base` (`next`: per main accumulators, then 2 per
        // corrections).
        auto tileMmas = [&](OpBuilder &kb, ArrayRef<Value> a,
                            ArrayRef<Value> bv, int64_t j, int64_t base,
                            SmallVector<Value> &next) {
          Value *acc = next.data() + base;
          if (bf16) {
            acc[j] = mmaBF16(kb, loc, a, bv, acc[j]);
          } else if (!split) {
            acc[j] = mma(kb, loc, a[0], bv[0], acc[j]);
          } else if (chains == 3) {
            acc[j] = mma(kb, loc, a[0], bv[0], acc[j]);
            acc[per + 2 * j] = mma(kb, loc, a[1], bv[0], acc[per + 2 * j]);
            acc[per + 2 * j + 1] =
                mma(kb, loc, a[0], bv[1], acc[per + 2 * j + 1]);
          } else {
            // Small products first: they are the smallest terms.
            Value c = mma(kb, loc, a[1], bv[0], acc[j]);
            c = mma(kb, loc, a[0], bv[1], c);
            acc[j] = mma(kb, loc, a[0], bv[0], c);
          }
        };
        // Every set once per iteration: a multiple of the sets that
        // divides the k-steps.
        int64_t unroll = kStepsPerIteration(kUnroll, kSteps, per);
        if (unroll % sets != 0) {
          unroll = (unroll / sets + 1) * sets;
          while (kSteps % unroll != 0)
            unroll += sets;
        }
        auto kLoop = scf::ForOp::create(
            tb, loc, cst(tb, 0), cst(tb, kSteps * kStep),
            cst(tb, kStep * unroll), accs,
            [&](OpBuilder &kb, Location, Value k0, ValueRange acc) {
              // Unrolled: every step's fragments first. One step: each
              // column tile's B fragment just before its products (fewer
              // live registers).
              SmallVector<Value> ks;
              SmallVector<SmallVector<Value>> as;
              SmallVector<SmallVector<SmallVector<Value>>> bs(unroll);
              for (int64_t u = 0; u < unroll; ++u) {
                ks.push_back(add(kb, k0, u * kStep));
                as.push_back(aFrags(kb, ks[u]));
                for (int64_t j = 0; unroll > 1 && j < per; ++j)
                  bs[u].push_back(bFrags(kb, ks[u], j));
              }
              SmallVector<Value> next(acc.begin(), acc.end());
              for (int64_t u = 0; u < unroll; ++u)
                for (int64_t j = 0; j < per; ++j)
                  tileMmas(kb, as[u],
                           unroll > 1 ? bs[u][j] : bFrags(kb, ks[u], j), j,
                           (u % sets) * setSize, next);
              scf::YieldOp::create(kb, loc, next);
            });
        auto sum = [&](Value x, Value y) -> Value {
          return x ? arith::AddFOp::create(tb, loc, x, y).getResult() : y;
        };
        for (int64_t j = 0; j < per; ++j) {
          Value c, small;
          for (int64_t s = 0; s < sets; ++s) {
            int64_t base = s * setSize;
            c = sum(c, kLoop.getResult(base + j));
            if (chains == 3)
              small = sum(small, sum(kLoop.getResult(base + per + 2 * j),
                                     kLoop.getResult(base + per + 2 * j + 1)));
          }
          // The small terms summed first, then added to the main product.
          if (small)
            c = arith::AddFOp::create(tb, loc, c, small);
          int64_t i = 0;
          for (Value r : {row0, row1})
            for (Value cc : cols[j]) {
              Value e = vector::ExtractOp::create(
                  tb, loc, c, ArrayRef<int64_t>{i / 2, i % 2});
              memref::StoreOp::create(tb, loc, e, outBuf,
                                      outIndices(tb, r, cc));
              ++i;
            }
        }
      });
}
