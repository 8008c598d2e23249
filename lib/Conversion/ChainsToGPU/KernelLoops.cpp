//===- KernelLoops.cpp - Points of a linalg op inside a kernel ------------===//

#include "KernelLoops.h"
#include "FastMath.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

SmallVector<Value> ttt::indicesAt(OpBuilder &b, Location loc, AffineMap map,
                                  ArrayRef<Value> ivs) {
  SmallVector<Value> idx;
  for (AffineExpr e : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(e)) {
      idx.push_back(ivs[dim.getPosition()]);
      continue;
    }
    if (auto c = dyn_cast<AffineConstantExpr>(e)) {
      idx.push_back(arith::ConstantIndexOp::create(b, loc, c.getValue()));
      continue;
    }
    idx.push_back(affine::AffineApplyOp::create(
        b, loc, AffineMap::get(map.getNumDims(), 0, e), ivs));
  }
  return idx;
}

Value ttt::readAt(OpBuilder &b, Location loc, linalg::GenericOp op,
                  OpOperand &o, ArrayRef<Value> ivs) {
  if (!isa<MemRefType>(o.get().getType()))
    return o.get();
  return memref::LoadOp::create(
      b, loc, o.get(), indicesAt(b, loc, op.getMatchingIndexingMap(&o), ivs));
}

Value ttt::rotatedIndex(OpBuilder &b, Location loc, Value index, int64_t first,
                        int64_t count) {
  if (first % count == 0)
    return index;
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value shifted =
      arith::AddIOp::create(b, loc, index, cst(count - first % count));
  return arith::RemUIOp::create(b, loc, shifted, cst(count));
}

void ttt::forEachPoint(OpBuilder &b, Location loc, Value first, Value total,
                       int64_t step,
                       function_ref<void(OpBuilder &, Location, Value)> body) {
  std::optional<int64_t> n = getConstantIntValue(total);
  Value stepV = arith::ConstantIndexOp::create(b, loc, step);
  if (!n) {
    scf::ForOp::create(b, loc, first, total, stepV, ValueRange{},
                       [&](OpBuilder &nb, Location nl, Value iv, ValueRange) {
                         body(nb, nl, iv);
                         scf::YieldOp::create(nb, nl);
                       });
    return;
  }
  int64_t rounds = (*n + step - 1) / step;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value end = arith::ConstantIndexOp::create(b, loc, rounds);
  scf::ForOp::create(
      b, loc, zero, end, one, ValueRange{},
      [&](OpBuilder &nb, Location nl, Value round, ValueRange) {
        Value linear = arith::AddIOp::create(
            nb, nl, first, arith::MulIOp::create(nb, nl, round, stepV));
        if (*n % step == 0) {
          body(nb, nl, linear);
        } else {
          Value in = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult,
                                           linear, total);
          auto guard = scf::IfOp::create(nb, nl, in, /*withElse=*/false);
          OpBuilder gb = guard.getThenBodyBuilder();
          body(gb, nl, linear);
        }
        scf::YieldOp::create(nb, nl);
      });
}

SmallVector<Value> ttt::emitBody(OpBuilder &b, Location loc,
                                 linalg::GenericOp op, ArrayRef<Value> ivs,
                                 ValueRange outs) {
  SmallVector<Value> ins;
  for (OpOperand *in : op.getDpsInputOperands())
    ins.push_back(readAt(b, loc, op, *in, ivs));
  return emitBodyWith(b, loc, op, ivs, ins, outs);
}

SmallVector<Value> ttt::emitBodyWith(OpBuilder &b, Location loc,
                                     linalg::GenericOp op, ArrayRef<Value> ivs,
                                     ValueRange ins, ValueRange outs) {
  Block *body = op.getBody();
  IRMapping map;
  unsigned numIns = op.getNumDpsInputs();
  for (auto [i, v] : llvm::enumerate(ins))
    map.map(body->getArgument(i), v);
  for (auto [i, v] : llvm::enumerate(outs))
    map.map(body->getArgument(numIns + i), v);
  for (Operation &inner : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      map.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    ttt::allowContraction(b.clone(inner, map));
  }
  SmallVector<Value> results;
  for (Value v : body->getTerminator()->getOperands())
    results.push_back(map.lookupOrDefault(v));
  return results;
}

void ttt::storeAt(OpBuilder &b, Location loc, linalg::GenericOp op,
                  ArrayRef<Value> ivs, ValueRange values) {
  for (auto [out, v] : llvm::zip(op.getDpsInitsMutable(), values))
    memref::StoreOp::create(
        b, loc, v, out.get(),
        indicesAt(b, loc, op.getMatchingIndexingMap(&out), ivs));
}

bool ttt::addCombinedOutput(linalg::GenericOp op, unsigned index) {
  Block *body = op.getBody();
  BlockArgument outArg = body->getArgument(op.getNumDpsInputs() + index);
  if (!isa<FloatType>(outArg.getType()))
    return false;
  auto add =
      body->getTerminator()->getOperand(index).getDefiningOp<arith::AddFOp>();
  return add && add->getBlock() == body && add->hasOneUse() &&
         outArg.hasOneUse() && *outArg.getUsers().begin() == add &&
         add.getLhs() != add.getRhs();
}

bool ttt::addCombined(linalg::GenericOp op) {
  for (unsigned i = 0, e = op.getNumDpsInits(); i < e; ++i)
    if (!addCombinedOutput(op, i))
      return false;
  return true;
}

SmallVector<Value> ttt::loopSizes(OpBuilder &b, Location loc,
                                  linalg::GenericOp op) {
  SmallVector<Value> sizes;
  for (Range r :
       cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  return sizes;
}

Value ttt::productOf(OpBuilder &b, Location loc, ArrayRef<unsigned> dims,
                     ArrayRef<Value> sizes) {
  Value p = arith::ConstantIndexOp::create(b, loc, 1);
  for (unsigned d : dims)
    p = b.createOrFold<arith::MulIOp>(loc, p, sizes[d]);
  return p;
}

void ttt::delinearize(OpBuilder &b, Location loc, Value linear,
                      ArrayRef<unsigned> dims, ArrayRef<Value> sizes,
                      SmallVectorImpl<Value> &ivs) {
  Value rest = linear;
  for (unsigned k = dims.size(); k-- > 0;) {
    if (k == 0) {
      ivs[dims[k]] = rest;
      break;
    }
    ivs[dims[k]] = arith::RemUIOp::create(b, loc, rest, sizes[dims[k]]);
    rest = arith::DivUIOp::create(b, loc, rest, sizes[dims[k]]);
  }
}

void ttt::butterflySum(OpBuilder &b, Location loc,
                       MutableArrayRef<Value> values, int64_t width) {
  for (Value &v : values)
    for (int64_t off = width / 2; off >= 1; off /= 2) {
      Value other =
          gpu::ShuffleOp::create(b, loc, v, off, 32, gpu::ShuffleMode::XOR)
              .getShuffleResult();
      v = arith::AddFOp::create(b, loc, v, other);
    }
}

void ttt::emitWarpSync(OpBuilder &b, Location loc) {
  NVVM::SyncWarpOp::create(
      b, loc, arith::ConstantIntOp::create(b, loc, b.getI32Type(), -1));
}

Operation *ttt::leadingBarrier(Block &block) {
  for (Operation &op : block) {
    if (isa<gpu::BarrierOp>(op))
      return &op;
    if (!isMemoryEffectFree(&op) && !isa<NVVM::CpAsyncWaitGroupOp>(op))
      return nullptr;
  }
  return nullptr;
}

ArrayRef<int64_t> ttt::zeroInitOutputs(linalg::GenericOp op) {
  if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>(kZeroInitAttr))
    return attr.asArrayRef();
  return {};
}

OpOperand *ttt::pairedInput(linalg::GenericOp op, StringRef attr, int64_t key) {
  auto pairs = op->getAttrOfType<DenseI64ArrayAttr>(attr);
  if (!pairs)
    return nullptr;
  ArrayRef<int64_t> p = pairs.asArrayRef();
  for (size_t i = 0; i + 1 < p.size(); i += 2)
    if (p[i] == key && p[i + 1] >= 0 && p[i + 1] < op.getNumDpsInputs())
      return &op->getOpOperand(p[i + 1]);
  return nullptr;
}

void ttt::appendPairedInput(linalg::GenericOp op, Value v, AffineMap map,
                            StringRef attr, int64_t key) {
  unsigned inputs = op.getNumDpsInputs();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  maps.insert(maps.begin() + inputs, map);
  op.getInputsMutable().append(v);
  op.setIndexingMapsAttr(OpBuilder(op).getAffineMapArrayAttr(maps));
  op.getBody()->insertArgument(
      inputs, cast<MemRefType>(v.getType()).getElementType(), op.getLoc());
  SmallVector<int64_t> pairs;
  if (auto old = op->getAttrOfType<DenseI64ArrayAttr>(attr))
    pairs.append(old.asArrayRef().begin(), old.asArrayRef().end());
  pairs.append({key, static_cast<int64_t>(inputs)});
  op->setAttr(attr, DenseI64ArrayAttr::get(op.getContext(), pairs));
}

OpOperand *ttt::initInputOf(linalg::GenericOp op, int64_t index) {
  return pairedInput(op, kInitFromAttr, index);
}

bool ttt::isContraction(linalg::LinalgOp op) {
  return op.getNumReductionLoops() > 0 &&
         llvm::all_of(op.getDpsInits(), [](Value v) {
           return cast<ShapedType>(v.getType()).getRank() >= 2;
         });
}

OpOperand *ttt::initPlusOf(linalg::GenericOp op, int64_t index) {
  return pairedInput(op, kInitPlusAttr, index);
}

OpOperand *ttt::tf32LowOf(linalg::GenericOp op, OpOperand &x) {
  return pairedInput(op, kTF32LowAttr, x.getOperandNumber());
}

bool ttt::startsElsewhere(linalg::GenericOp op, int64_t index) {
  return llvm::is_contained(zeroInitOutputs(op), index) ||
         initInputOf(op, index);
}

Value ttt::initialValue(OpBuilder &b, Location loc, linalg::GenericOp op,
                        OpOperand &out, ArrayRef<Value> ivs) {
  int64_t index = out.getOperandNumber() - op.getNumDpsInputs();
  if (llvm::is_contained(zeroInitOutputs(op), index))
    return arith::ConstantOp::create(
        b, loc, b.getZeroAttr(op.getMatchingBlockArgument(&out).getType()));
  if (OpOperand *in = initInputOf(op, index)) {
    Value init = readAt(b, loc, op, *in, ivs);
    if (OpOperand *plus = initPlusOf(op, index))
      init =
          arith::AddFOp::create(b, loc, init, readAt(b, loc, op, *plus, ivs));
    return init;
  }
  return readAt(b, loc, op, out, ivs);
}

Value ttt::addToInitial(OpBuilder &b, Location loc, linalg::GenericOp op,
                        OpOperand &out, ArrayRef<Value> ivs, Value v) {
  int64_t index = out.getOperandNumber() - op.getNumDpsInputs();
  if (llvm::is_contained(zeroInitOutputs(op), index))
    return v;
  return arith::AddFOp::create(b, loc, initialValue(b, loc, op, out, ivs), v);
}
