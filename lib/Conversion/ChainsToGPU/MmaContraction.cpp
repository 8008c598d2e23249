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
// fragment coordinates (ContractionSides.h: loads through the operands'
// indexing maps, index ops replaced by the coordinates), so masks and
// scalings of one operand (tril(QK^T) * eta, -eta_k x_k) need no
// materialized operand.
//
//===----------------------------------------------------------------------===//

#include "MmaContraction.h"

#include "AsyncCopy.h"
#include "ContractionSides.h"

#include "FastMath.h"
#include "KernelLoops.h"
#include "MmaFragments.h"
#include "PairedAccess.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::ttt;
using namespace mlir::ttt::contraction;

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
/// that still gives every warp a tile, or with `minColumnTiles` > 1
/// every one of warps / minColumnTiles warps.
static int64_t columnTilesPerWarpTile(int64_t mTiles, int64_t nTiles,
                                      int64_t warps, int64_t minColumnTiles) {
  warps = std::max<int64_t>(1, warps / std::max<int64_t>(1, minColumnTiles));
  int64_t per = nTiles;
  while (per > 1 && (nTiles % per != 0 || mTiles * (nTiles / per) < warps))
    --per;
  return per;
}

int64_t mlir::ttt::mmaWarpTiles(linalg::GenericOp op, unsigned threads,
                                int64_t minColumnTiles) {
  Dims dims = *dimsOf(op);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t mTiles = ranges[dims.m] / 16, nTiles = ranges[dims.n] / 8;
  return mTiles * (nTiles / columnTilesPerWarpTile(mTiles, nTiles, threads / 32,
                                                   minColumnTiles));
}

int64_t mlir::ttt::mmaTilesSharingA(linalg::GenericOp op, unsigned threads,
                                    int64_t minColumnTiles) {
  Dims dims = *dimsOf(op);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t mTiles = ranges[dims.m] / 16, nTiles = ranges[dims.n] / 8;
  return nTiles /
         columnTilesPerWarpTile(mTiles, nTiles, threads / 32, minColumnTiles);
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

/// The same with the rest of each element given (`lows`, read from the
/// buffer ttt-gpu-split-tf32-operands wrote): only the tf32 part is made.
static SmallVector<Value> tf32FragmentsWithRest(OpBuilder &b, Location loc,
                                                ArrayRef<int64_t> shape,
                                                ArrayRef<Value> elems,
                                                ArrayRef<Value> lows) {
  SmallVector<Value> big;
  for (Value x : elems)
    big.push_back(splitTF32(b, loc, x).first);
  return {vectorOf(b, loc, shape, big), vectorOf(b, loc, shape, lows)};
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
                                   int64_t kUnroll, int64_t kChains,
                                   bool pairAccesses, int64_t minColumnTiles,
                                   bool ldmatrix) {
  Location loc = op.getLoc();
  Dims dims = *dimsOf(op);
  Factors f = *factorsOf(op, dims);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t mTiles = ranges[dims.m] / 16, nTiles = ranges[dims.n] / 8;
  bool bf16 = precision == MmaPrecision::BF16;
  int64_t kStep = bf16 ? 16 : 8;
  int64_t kSteps = ranges[dims.k] / kStep;
  int64_t warps = threads / 32;
  int64_t per = columnTilesPerWarpTile(mTiles, nTiles, warps, minColumnTiles);
  int64_t warpTiles = mTiles * (nTiles / per);

  auto cst = [&](OpBuilder &nb, int64_t v) {
    return arith::ConstantIndexOp::create(nb, loc, v).getResult();
  };
  auto add = [&](OpBuilder &nb, Value x, int64_t c) {
    return arith::AddIOp::create(nb, loc, x, cst(nb, c)).getResult();
  };
  // Tile i on warp (firstWarp + i) mod warps.
  Value warp =
      rotatedIndex(b, loc, arith::DivUIOp::create(b, loc, tid, cst(b, 32)),
                   firstWarp, warps);
  Value lane = arith::RemUIOp::create(b, loc, tid, cst(b, 32));
  Value g = arith::DivUIOp::create(b, loc, lane, cst(b, 4));
  Value t = arith::RemUIOp::create(b, loc, lane, cst(b, 4));
  Value twoT = arith::MulIOp::create(b, loc, t, cst(b, 2));
  OpOperand &out = *op.getDpsInitOperand(0);
  auto point = [&](Value row, Value col) {
    SmallVector<Value> ivs(3, row); // k: not read by the output's map
    ivs[dims.m] = row;
    ivs[dims.n] = col;
    return ivs;
  };

  // Paired accesses (PairedAccess.h): the mma sums a k-step's eight k in
  // any order, and which rows and columns a lane's slots stand for is free
  // as long as A, B and C agree. Where a side's operand is contiguous
  // along k, slots t and t + 4 take k = 2t and 2t + 1 (one 8-byte load
  // for both); else where A's is along m, slots g and g + 8 take rows 2g
  // and 2g + 1; where B's is along n (two or more column tiles), tiles 2i
  // and 2i + 1 share 16 columns, slot g of tile j at column
  // 16 (j / 2) + 2g + j % 2: one load for both tiles, and a warp's lanes
  // still on distinct banks. C pairs its two columns, or (with B's
  // pairing) tiles j and j + 1.
  // Each side pairs along the dim that saves the most.
  bool tf32 = !bf16 && pairAccesses;
  // The rest of A's elements, split before the op
  // (ttt-gpu-split-tf32-operands), where A is one operand read as is.
  bool aFactorNegated = false;
  OpOperand *aPlain = plainSideOperand(op, f.a, f.aMasks, aFactorNegated);
  OpOperand *aRest = precision == MmaPrecision::TF32x3 && aPlain
                         ? tf32LowOf(op, *aPlain)
                         : nullptr;
  // The rest of -x is -(x - tf32(x)): tf32(x) only clears mantissa bits.
  bool negateRest = f.negate != aFactorNegated;
  int64_t aKWeight = tf32 ? sidePairWeight(op, f.a, f.aMasks, dims.k) : 0;
  int64_t aMWeight = tf32 ? sidePairWeight(op, f.a, f.aMasks, dims.m) : 0;
  int64_t bKWeight = tf32 ? sidePairWeight(op, f.b, f.bMasks, dims.k) : 0;
  int64_t bNWeight =
      tf32 && per % 2 == 0 ? sidePairWeight(op, f.b, f.bMasks, dims.n) : 0;
  // With `ldmatrix`, an A that is one f32 shared-memory operand read as
  // is, in 16-byte runs along k, comes in one ldmatrix.x4 per k-step (its
  // four 8 x 4 word matrices are a0..a3) instead of two paired loads; its
  // slots then stand for k = t and t + 4, so no side pairs along k.
  bool aLdmatrix =
      ldmatrix && !bf16 && aPlain && !aRest &&
      cast<MemRefType>(aPlain->get().getType()).getElementType().isF32() &&
      ttt::runsAlong(op, *aPlain, dims.k, 4) &&
      op.getMatchingIndexingMap(aPlain).getNumResults() == 2 &&
      op.getMatchingIndexingMap(aPlain).getResult(0) ==
          getAffineDimExpr(dims.m, op.getContext());
  // ldmatrix reads the workgroup address space (a view of the slot).
  Value aShared =
      aLdmatrix ? ttt::workgroupView(b, loc, aPlain->get()) : Value();
  aLdmatrix = aLdmatrix && aShared;
  // Lane l gives the address of row l mod 16 at k0 + 4 (l / 16): matrix i
  // (lanes 8i..8i+7) is a_i's 8 rows by 4 words.
  Value ldmRow, ldmK;
  if (aLdmatrix) {
    ldmRow = arith::RemUIOp::create(b, loc, lane, cst(b, 16));
    ldmK = arith::MulIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, lane, cst(b, 16)), cst(b, 4));
  }
  bool aK = !aLdmatrix && aKWeight > 0 && aKWeight >= aMWeight;
  bool aM = !aLdmatrix && !aK && aMWeight > 0;
  bool bK = !aLdmatrix && bKWeight > 0 && bKWeight >= bNWeight;
  bool bN = !bK && bNWeight > 0;
  bool permK = aK || bK;

  // Warp tiles w, w + warps, ...: the guard of a partial last round is
  // warp-uniform, as mma.sync needs.
  forEachPoint(
      b, loc, warp, cst(b, warpTiles), warps,
      [&](OpBuilder &tb, Location, Value tile) {
        Value mt = arith::DivUIOp::create(tb, loc, tile, cst(tb, nTiles / per));
        Value nq = arith::RemUIOp::create(tb, loc, tile, cst(tb, nTiles / per));
        Value rowBase = arith::MulIOp::create(tb, loc, mt, cst(tb, 16));
        Value row0 = arith::AddIOp::create(
            tb, loc, rowBase,
            aM ? arith::MulIOp::create(tb, loc, g, cst(tb, 2)).getResult() : g);
        Value row1 = add(tb, row0, aM ? 1 : 8);
        Value col0 = arith::MulIOp::create(tb, loc, nq, cst(tb, 8 * per));
        // C's columns: tile j's slots 2t and 2t + 1.
        SmallVector<std::array<Value, 2>> cols;
        for (int64_t j = 0; j < per; ++j) {
          if (bN) {
            // Slots 2t and 2t + 1 at 2 * slot past the tile's first column.
            Value c = arith::AddIOp::create(
                tb, loc, add(tb, col0, 16 * (j / 2) + j % 2),
                arith::MulIOp::create(tb, loc, twoT, cst(tb, 2)));
            cols.push_back({c, add(tb, c, 2)});
          } else {
            Value c =
                arith::AddIOp::create(tb, loc, add(tb, col0, 8 * j), twoT);
            cols.push_back({c, add(tb, c, 1)});
          }
        }
        // C's elements of tile j, in fragment order c0..c3 (rows row0,
        // row1; slots 2t, 2t + 1), in pairs along n: `fn(j, e, j2, e2,
        // row, col)` for each pair (element e of tile j with element e2 of
        // tile j2, at column col and col + 1).
        auto forEachCPair = [&](function_ref<void(int64_t, int64_t, int64_t,
                                                  int64_t, Value, Value)>
                                    fn) {
          for (int64_t j = 0; j < per; j += bN ? 2 : 1)
            for (int64_t r = 0; r < 2; ++r) {
              Value row = r == 0 ? row0 : row1;
              if (bN)
                for (int64_t s = 0; s < 2; ++s)
                  fn(j, 2 * r + s, j + 1, 2 * r + s, row, cols[j][s]);
              else
                fn(j, 2 * r, j, 2 * r + 1, row, cols[j][0]);
            }
        };
        // Accumulators: the output's current values (zero where
        // ttt-gpu-fold-zero-fills dropped its fill, an input's where
        // ttt-gpu-fold-init-copies dropped a copy).
        bool zeroInit = !zeroInitOutputs(op).empty();
        OpOperand *initFrom = initInputOf(op, 0);
        OpOperand &init = initFrom ? *initFrom : out;
        SmallVector<SmallVector<Value>> cInit(per, SmallVector<Value>(4));
        if (!zeroInit)
          forEachCPair([&](int64_t j, int64_t e, int64_t j2, int64_t e2,
                           Value row, Value col) {
            auto [x0, x1] = readPair(tb, loc, op, init, point(row, col), dims.n,
                                     pairAccesses);
            // A partial product of split-weights adds to it.
            if (OpOperand *plus = initFrom ? initPlusOf(op, 0) : nullptr) {
              auto [y0, y1] = readPair(tb, loc, op, *plus, point(row, col),
                                       dims.n, pairAccesses);
              x0 = arith::AddFOp::create(tb, loc, x0, y0);
              x1 = arith::AddFOp::create(tb, loc, x1, y1);
            }
            cInit[j][e] = x0;
            cInit[j2][e2] = x1;
          });
        SmallVector<Value> accs;
        for (int64_t j = 0; j < per; ++j)
          accs.push_back(vectorOf(tb, loc, {2, 2},
                                  zeroInit ? ArrayRef<Value>{} : cInit[j]));
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
        // A k-step's two k of a lane (tf32): slots t and t + 4.
        auto kPair = [&](OpBuilder &kb, Value k0) -> std::array<Value, 2> {
          Value ka = arith::AddIOp::create(kb, loc, k0, permK ? twoT : t);
          return {ka, add(kb, ka, permK ? 1 : 4)};
        };
        auto aAt = [&](OpBuilder &kb, Value r, Value k) {
          return aSide(kb, loc, op, dims, f, r, k);
        };
        // A k-step's fragments: A's (tf32: one, or big and small parts
        // with 3xtf32; bf16: four packed registers) and column tile j's B.
        auto aFrags = [&](OpBuilder &kb, Value k0) -> SmallVector<Value> {
          if (bf16)
            return bf16AFragment(kb, loc, op, dims, f, k0, twoT, row0, row1);
          if (aLdmatrix) {
            SmallVector<Value> ivs(3, cst(kb, 0));
            ivs[dims.m] = arith::AddIOp::create(kb, loc, rowBase, ldmRow);
            ivs[dims.k] = arith::AddIOp::create(kb, loc, k0, ldmK);
            Value frag = nvgpu::LdMatrixOp::create(
                kb, loc, VectorType::get({4, 1}, kb.getF32Type()), aShared,
                ttt::indicesAt(kb, loc, op.getMatchingIndexingMap(aPlain), ivs),
                /*transpose=*/false, /*numTiles=*/4);
            // The side's sign relative to the operand, as for the rest.
            SmallVector<Value> elems;
            for (int64_t i = 0; i < 4; ++i) {
              Value e = vector::ExtractOp::create(kb, loc, frag,
                                                  ArrayRef<int64_t>{i, 0});
              elems.push_back(negateRest ? arith::NegFOp::create(kb, loc, e)
                                         : e);
            }
            return tf32Fragments(kb, loc, {4, 1}, elems, split);
          }
          // Plain values: lambdas below capture them.
          std::array<Value, 2> ks = kPair(kb, k0);
          Value ka = ks[0], kc = ks[1];
          auto ivsAt = [&](Value r, Value k) {
            SmallVector<Value> ivs(3, cst(kb, 0));
            ivs[dims.m] = r;
            ivs[dims.k] = k;
            return ivs;
          };
          // Fragment order a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3,
          // read in A's pairing by `pairOf(row, k, dim)` (two adjacent
          // elements) or unpaired by `oneOf(row, k)`.
          auto fragment = [&](auto pairOf, auto oneOf) {
            SmallVector<Value> e(4);
            if (aK) {
              std::tie(e[0], e[2]) = pairOf(row0, ka, dims.k);
              std::tie(e[1], e[3]) = pairOf(row1, ka, dims.k);
            } else if (aM) {
              std::tie(e[0], e[1]) = pairOf(row0, ka, dims.m);
              std::tie(e[2], e[3]) = pairOf(row0, kc, dims.m);
            } else {
              e = {oneOf(row0, ka), oneOf(row1, ka), oneOf(row0, kc),
                   oneOf(row1, kc)};
            }
            return e;
          };
          SmallVector<Value> elems = fragment(
              [&](Value r, Value k, unsigned dim) {
                return sidePair(kb, loc, op, ivsAt(r, k), dim, f.a, f.aMasks,
                                f.negate);
              },
              [&](Value r, Value k) { return aAt(kb, r, k); });
          if (!aRest)
            return tf32Fragments(kb, loc, {4, 1}, elems, split);
          // The rests split before the op (negated with the side).
          auto withSign = [&](Value x) -> Value {
            return negateRest ? arith::NegFOp::create(kb, loc, x) : x;
          };
          SmallVector<Value> lows = fragment(
              [&](Value r, Value k, unsigned dim) {
                auto [x0, x1] = readPair(kb, loc, op, *aRest, ivsAt(r, k), dim,
                                         pairAccesses);
                Value n0 = withSign(x0);
                return std::pair<Value, Value>(n0, withSign(x1));
              },
              [&](Value r, Value k) {
                return withSign(readAt(kb, loc, op, *aRest, ivsAt(r, k)));
              });
          return tf32FragmentsWithRest(kb, loc, {4, 1}, elems, lows);
        };
        // Column tile j's B fragment column (slot g).
        auto bColumn = [&](OpBuilder &kb, int64_t j) -> Value {
          if (bN)
            return arith::AddIOp::create(
                kb, loc, add(kb, col0, 16 * (j / 2) + j % 2),
                arith::MulIOp::create(kb, loc, g, cst(kb, 2)));
          return arith::AddIOp::create(kb, loc, add(kb, col0, 8 * j), g);
        };
        auto bPairAt = [&](OpBuilder &kb, Value k, Value col, unsigned dim) {
          SmallVector<Value> ivs(3, cst(kb, 0));
          ivs[dims.k] = k;
          ivs[dims.n] = col;
          return sidePair(kb, loc, op, ivs, dim, f.b, f.bMasks, false);
        };
        auto bFrags = [&](OpBuilder &kb, Value k0,
                          int64_t j) -> SmallVector<Value> {
          Value col = bColumn(kb, j);
          if (bf16)
            return bf16BFragment(kb, loc, op, dims, f, k0, twoT, col);
          auto [ka, kc] = kPair(kb, k0);
          Value b0, b1;
          if (bK)
            std::tie(b0, b1) = bPairAt(kb, ka, col, dims.k);
          else
            b0 = bSide(kb, loc, op, dims, f, ka, col),
            b1 = bSide(kb, loc, op, dims, f, kc, col);
          return tf32Fragments(kb, loc, {2, 1}, {b0, b1}, split);
        };
        // Every column tile's B fragments of a k-step; tiles j and j + 1
        // in pairs along n.
        auto bAllFrags = [&](OpBuilder &kb,
                             Value k0) -> SmallVector<SmallVector<Value>> {
          SmallVector<SmallVector<Value>> all;
          if (!bN) {
            for (int64_t j = 0; j < per; ++j)
              all.push_back(bFrags(kb, k0, j));
            return all;
          }
          auto [ka, kc] = kPair(kb, k0);
          all.resize(per);
          for (int64_t j = 0; j < per; j += 2) {
            Value col = bColumn(kb, j);
            auto [b0, b0n] = bPairAt(kb, ka, col, dims.n);
            auto [b1, b1n] = bPairAt(kb, kc, col, dims.n);
            all[j] = tf32Fragments(kb, loc, {2, 1}, {b0, b1}, split);
            all[j + 1] = tf32Fragments(kb, loc, {2, 1}, {b0n, b1n}, split);
          }
          return all;
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
            acc[j] = mmaTF32(kb, loc, a[0], bv[0], acc[j]);
          } else if (chains == 3) {
            acc[j] = mmaTF32(kb, loc, a[0], bv[0], acc[j]);
            acc[per + 2 * j] = mmaTF32(kb, loc, a[1], bv[0], acc[per + 2 * j]);
            acc[per + 2 * j + 1] =
                mmaTF32(kb, loc, a[0], bv[1], acc[per + 2 * j + 1]);
          } else {
            // Small products first: they are the smallest terms.
            Value c = mmaTF32(kb, loc, a[1], bv[0], acc[j]);
            c = mmaTF32(kb, loc, a[0], bv[1], c);
            acc[j] = mmaTF32(kb, loc, a[0], bv[0], c);
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
        // B fragments of all column tiles first where unrolled or paired
        // across tiles; else each just before its products (fewer live
        // registers).
        bool bFirst = unroll > 1 || bN;
        auto kLoop = scf::ForOp::create(
            tb, loc, cst(tb, 0), cst(tb, kSteps * kStep),
            cst(tb, kStep * unroll), accs,
            [&](OpBuilder &kb, Location, Value k0, ValueRange acc) {
              SmallVector<Value> ks;
              SmallVector<SmallVector<Value>> as;
              SmallVector<SmallVector<SmallVector<Value>>> bs(unroll);
              for (int64_t u = 0; u < unroll; ++u) {
                ks.push_back(add(kb, k0, u * kStep));
                as.push_back(aFrags(kb, ks[u]));
                if (bFirst)
                  bs[u] = bAllFrags(kb, ks[u]);
              }
              SmallVector<Value> next(acc.begin(), acc.end());
              for (int64_t u = 0; u < unroll; ++u)
                for (int64_t j = 0; j < per; ++j)
                  tileMmas(kb, as[u], bFirst ? bs[u][j] : bFrags(kb, ks[u], j),
                           j, (u % sets) * setSize, next);
              scf::YieldOp::create(kb, loc, next);
            });
        auto sum = [&](Value x, Value y) -> Value {
          return x ? arith::AddFOp::create(tb, loc, x, y).getResult() : y;
        };
        SmallVector<Value> results;
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
          results.push_back(c);
        }
        auto element = [&](int64_t j, int64_t e) -> Value {
          return vector::ExtractOp::create(tb, loc, results[j],
                                           ArrayRef<int64_t>{e / 2, e % 2});
        };
        forEachCPair([&](int64_t j, int64_t e, int64_t j2, int64_t e2,
                         Value row, Value col) {
          storePair(tb, loc, op, out, point(row, col), dims.n, element(j, e),
                    element(j2, e2), pairAccesses);
        });
      });
}
