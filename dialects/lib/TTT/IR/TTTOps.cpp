//===- TTTOps.cpp - TTT dialect operations and verifiers ------------------===//

#include "ttt/Dialect/TTT/IR/TTTOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::ttt;

/// Two extents agree when they are equal or either is unknown.
static bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

//===----------------------------------------------------------------------===//
// ScanOp
//===----------------------------------------------------------------------===//

/// The sequence operands' common length (dynamic if none is static).
static int64_t sequenceLength(ScanOp op) {
  int64_t b = op.getBatchRank();
  for (Value s : op.getSequences()) {
    int64_t t = cast<RankedTensorType>(s.getType()).getDimSize(b);
    if (!ShapedType::isDynamic(t))
      return t;
  }
  return ShapedType::kDynamic;
}

LogicalResult ScanOp::verify() {
  int64_t batchRank = getBatchRank();
  if (getSequences().empty())
    return emitOpError("expects at least one 'over' sequence operand");

  SmallVector<int64_t> batchDims(batchRank, ShapedType::kDynamic);
  auto checkBatchDims = [&](RankedTensorType type, StringRef what,
                            unsigned idx) -> LogicalResult {
    for (int64_t d = 0; d < batchRank; ++d) {
      int64_t size = type.getDimSize(d);
      if (!dimsCompatible(size, batchDims[d]))
        return emitOpError() << what << " #" << idx << " has batch dimension "
                             << d << " of size " << dimStr(size)
                             << ", expected " << dimStr(batchDims[d]);
      if (!ShapedType::isDynamic(size))
        batchDims[d] = size;
    }
    return success();
  };

  for (auto [what, values] :
       {std::pair<StringRef, ValueRange>{"init", getInits()},
        {"param", getParams()}}) {
    for (auto [i, v] : llvm::enumerate(values)) {
      auto type = cast<RankedTensorType>(v.getType());
      if (type.getRank() < batchRank)
        return emitOpError()
               << what << " #" << i << " has rank " << type.getRank()
               << ", below the batch rank " << batchRank;
      if (failed(checkBatchDims(type, what, i)))
        return failure();
    }
  }

  int64_t seqLen = ShapedType::kDynamic;
  for (auto [i, v] : llvm::enumerate(getSequences())) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() < batchRank + 1)
      return emitOpError() << "sequence #" << i << " has rank "
                           << type.getRank()
                           << ", needs the batch dimensions and a sequence "
                              "dimension (rank >= "
                           << batchRank + 1 << ")";
    if (failed(checkBatchDims(type, "sequence", i)))
      return failure();
    int64_t t = type.getDimSize(batchRank);
    if (!dimsCompatible(t, seqLen))
      return emitOpError() << "sequence #" << i << " has length " << dimStr(t)
                           << ", expected " << dimStr(seqLen);
    if (!ShapedType::isDynamic(t))
      seqLen = t;
  }

  if (getNumResults() < getInits().size())
    return emitOpError() << "expects at least " << getInits().size()
                         << " results (the final state), got "
                         << getNumResults();
  for (auto [i, pair] :
       llvm::enumerate(llvm::zip(getInits().getTypes(), getResultTypes()))) {
    auto [initType, resultType] = pair;
    if (initType != resultType)
      return emitOpError() << "final state #" << i << " has type " << resultType
                           << ", expected the init type " << initType;
  }
  return success();
}

LogicalResult ScanOp::verifyRegions() {
  int64_t batchRank = getBatchRank();
  int64_t chunk = getChunkSize();
  int64_t seqLen = sequenceLength(*this);
  Block &body = getBodyBlock();
  unsigned numInits = getInits().size();
  unsigned numPerChain = numInits + getParams().size();

  unsigned expectedArgs = numPerChain + getSequences().size();
  if (body.getNumArguments() != expectedArgs)
    return emitOpError() << "body expects " << expectedArgs
                         << " arguments (state, params, then chunks), has "
                         << body.getNumArguments();

  // State and params arrive in the body without their batch dimensions.
  for (unsigned i = 0; i < numPerChain; ++i) {
    Value v = getOperand(i);
    auto type = cast<RankedTensorType>(v.getType());
    auto expected = RankedTensorType::get(type.getShape().drop_front(batchRank),
                                          type.getElementType());
    if (body.getArgument(i).getType() != expected)
      return emitOpError() << "body " << (i < numInits ? "state" : "param")
                           << " argument #" << (i < numInits ? i : i - numInits)
                           << " has type " << body.getArgument(i).getType()
                           << ", expected " << expected;
  }

  std::optional<int64_t> chunkDim;
  for (auto [i, v] : llvm::enumerate(getSequences())) {
    auto type = cast<RankedTensorType>(v.getType());
    auto argType =
        dyn_cast<RankedTensorType>(body.getArgument(numPerChain + i).getType());
    if (!argType || argType.getRank() != type.getRank() - batchRank)
      return emitOpError() << "body chunk argument #" << i
                           << " must be a ranked tensor of rank "
                           << type.getRank() - batchRank;
    int64_t d = argType.getDimSize(0);
    if (!ShapedType::isDynamic(d) && d != chunk)
      return emitOpError() << "body chunk argument #" << i
                           << " has chunk dimension " << d
                           << ", expected ? or the chunk size " << chunk;
    if (!ShapedType::isDynamic(d) &&
        (ShapedType::isDynamic(seqLen) || seqLen % chunk != 0))
      return emitOpError() << "body chunk argument #" << i
                           << " has a static chunk dimension but the "
                              "sequence length "
                           << dimStr(seqLen) << " is not a known multiple of "
                           << chunk << "; use ? for the chunk dimension";
    if (chunkDim && *chunkDim != d)
      return emitOpError() << "body chunk arguments disagree on the chunk "
                              "dimension";
    chunkDim = d;
    auto expected = RankedTensorType::get(
        type.getShape().drop_front(batchRank + 1), type.getElementType());
    auto actual = RankedTensorType::get(argType.getShape().drop_front(),
                                        argType.getElementType());
    if (actual != expected)
      return emitOpError() << "body chunk argument #" << i << " has type "
                           << argType << ", expected " << dimStr(d) << "x"
                           << expected << " (the sequence's slice)";
  }

  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end with 'ttt.yield'");
  if (yield.getNumOperands() != getNumResults())
    return yield.emitOpError()
           << "yields " << yield.getNumOperands() << " values, the scan has "
           << getNumResults() << " results (" << numInits
           << " state, the rest outputs)";
  for (unsigned i = 0; i < numInits; ++i)
    if (yield.getOperand(i).getType() != body.getArgument(i).getType())
      return yield.emitOpError()
             << "yields state #" << i << " of type "
             << yield.getOperand(i).getType() << ", expected "
             << body.getArgument(i).getType();

  SmallVector<int64_t> batchShape;
  auto firstSeq = cast<RankedTensorType>(getSequences()[0].getType());
  llvm::append_range(batchShape, firstSeq.getShape().take_front(batchRank));
  for (unsigned j = numInits; j < getNumResults(); ++j) {
    auto outType = dyn_cast<RankedTensorType>(yield.getOperand(j).getType());
    if (!outType || outType.getRank() < 1)
      return yield.emitOpError()
             << "output #" << j - numInits
             << " must be a ranked tensor with a leading chunk dimension";
    if (outType.getDimSize(0) != *chunkDim)
      return yield.emitOpError()
             << "output #" << j - numInits << " has leading dimension "
             << dimStr(outType.getDimSize(0))
             << ", expected the chunk dimension " << dimStr(*chunkDim);
    SmallVector<int64_t> shape(batchShape);
    shape.push_back(seqLen);
    llvm::append_range(shape, outType.getShape().drop_front());
    auto expected = RankedTensorType::get(shape, outType.getElementType());
    if (getResult(j).getType() != expected)
      return emitOpError() << "result #" << j << " has type "
                           << getResult(j).getType() << ", expected "
                           << expected << " (outputs over the sequence)";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// GradOp
//===----------------------------------------------------------------------===//

Value GradOp::getLoss() {
  return cast<YieldOp>(getBodyBlock().getTerminator()).getOperand(0);
}

bool GradOp::isPerExample() {
  return cast<RankedTensorType>(getLoss().getType()).getRank() == 1;
}

LogicalResult GradOp::verify() {
  if (getWrt().empty())
    return emitOpError("expects at least one 'wrt' value");
  if (getGrads().size() != getWrt().size())
    return emitOpError() << "has " << getGrads().size()
                         << " results, expected one gradient per 'wrt' value ("
                         << getWrt().size() << ")";
  return success();
}

LogicalResult GradOp::verifyRegions() {
  Block &body = getBodyBlock();
  if (body.getNumArguments() != getWrt().size())
    return emitOpError() << "body expects " << getWrt().size()
                         << " arguments (one per 'wrt' value), has "
                         << body.getNumArguments();
  for (auto [i, pair] :
       llvm::enumerate(llvm::zip(getWrt().getTypes(), body.getArgumentTypes())))
    if (std::get<0>(pair) != std::get<1>(pair))
      return emitOpError() << "body argument #" << i << " has type "
                           << std::get<1>(pair) << ", expected "
                           << std::get<0>(pair);

  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end with 'ttt.yield'");
  if (yield.getNumOperands() != 1)
    return yield.emitOpError()
           << "must yield exactly one loss, yields " << yield.getNumOperands();
  auto lossType = dyn_cast<RankedTensorType>(yield.getOperand(0).getType());
  if (!lossType || lossType.getRank() > 1 ||
      !isa<FloatType>(lossType.getElementType()))
    return yield.emitOpError()
           << "loss must be a float tensor of rank 0 (scalar) or 1 "
              "(per-example), got "
           << yield.getOperand(0).getType();

  for (auto [i, pair] :
       llvm::enumerate(llvm::zip(getWrt().getTypes(), getResultTypes()))) {
    auto wrtType = cast<RankedTensorType>(std::get<0>(pair));
    Type expected = wrtType;
    if (lossType.getRank() == 1) {
      SmallVector<int64_t> shape{lossType.getDimSize(0)};
      llvm::append_range(shape, wrtType.getShape());
      expected = RankedTensorType::get(shape, wrtType.getElementType());
    }
    if (std::get<1>(pair) != expected)
      return emitOpError() << "gradient #" << i << " has type "
                           << std::get<1>(pair) << ", expected " << expected
                           << (lossType.getRank() == 1 ? " (per-example loss)"
                                                       : " (scalar loss)");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// UpdateOp
//===----------------------------------------------------------------------===//

LogicalResult UpdateOp::verify() {
  auto wType = getWeight().getType();
  auto gType = getGrads().getType();
  auto lrType = getLr().getType();
  Type elt = wType.getElementType();
  if (gType.getElementType() != elt || lrType.getElementType() != elt)
    return emitOpError("weight, gradients and lr must share an element type");
  if (gType.getRank() != wType.getRank() + 1)
    return emitOpError() << "gradients must be per example (rank "
                         << wType.getRank() + 1 << "), got rank "
                         << gType.getRank();
  for (int64_t d = 0; d < wType.getRank(); ++d)
    if (!dimsCompatible(gType.getDimSize(d + 1), wType.getDimSize(d)))
      return emitOpError() << "gradient dimension " << d + 1 << " is "
                           << dimStr(gType.getDimSize(d + 1))
                           << ", the weight's dimension " << d << " is "
                           << dimStr(wType.getDimSize(d));
  int64_t n = gType.getDimSize(0);
  if (lrType.getRank() != 2 || !dimsCompatible(lrType.getDimSize(0), n) ||
      !dimsCompatible(lrType.getDimSize(1), n))
    return emitOpError() << "lr must be " << dimStr(n) << "x" << dimStr(n)
                         << " (positions x examples), got " << lrType;
  if (getPerPosition().getType() != gType)
    return emitOpError() << "per-position weights must have the gradients' "
                            "type "
                         << gType << ", got " << getPerPosition().getType();

  unsigned numState = 0;
  SmallVector<StringRef> required;
  switch (getRule()) {
  case UpdateRule::sgd:
    break;
  case UpdateRule::momentum:
    numState = 1;
    required = {"beta1"};
    break;
  case UpdateRule::adam:
    numState = 2;
    required = {"beta1", "beta2", "epsilon"};
    break;
  }
  StringRef rule = stringifyUpdateRule(getRule());
  if (getOptState().size() != numState)
    return emitOpError() << "rule '" << rule << "' carries " << numState
                         << " optimizer state tensors, got "
                         << getOptState().size();
  if (getNewOptState().size() != numState)
    return emitOpError() << "rule '" << rule << "' returns " << numState
                         << " new optimizer state tensors, got "
                         << getNewOptState().size();
  for (Value v : llvm::concat<Value>(getOptState(), getNewOptState()))
    if (v.getType() != wType)
      return emitOpError() << "optimizer state must have the weight's type "
                           << wType << ", got " << v.getType();
  for (StringRef name : {"beta1", "beta2", "epsilon"}) {
    bool present = (*this)->hasAttr(name);
    bool needed = llvm::is_contained(required, name);
    if (present != needed)
      return emitOpError() << "rule '" << rule << "' "
                           << (needed ? "requires" : "does not take")
                           << " the '" << name << "' attribute";
  }
  for (FloatAttr beta : {getBeta1Attr(), getBeta2Attr()})
    if (beta &&
        (beta.getValueAsDouble() < 0.0 || beta.getValueAsDouble() >= 1.0))
      return emitOpError("beta1 and beta2 must lie in [0, 1)");
  if (getEpsilonAttr() && getEpsilonAttr().getValueAsDouble() <= 0.0)
    return emitOpError("epsilon must be positive");
  return success();
}

//===----------------------------------------------------------------------===//
// LayerNormOp, L2LossOp
//===----------------------------------------------------------------------===//

LogicalResult LayerNormOp::verify() {
  auto type = getInput().getType();
  if (type.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  int64_t d = type.getDimSize(type.getRank() - 1);
  for (auto [name, v] : {std::pair<StringRef, Value>{"gamma", getGamma()},
                         {"beta", getBeta()}}) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != 1 || !dimsCompatible(t.getDimSize(0), d))
      return emitOpError() << name << " must be a vector of the normalized "
                           << "dimension's size " << dimStr(d) << ", got " << t;
  }
  if (getEpsilon().convertToDouble() <= 0.0)
    return emitOpError("epsilon must be positive");
  return success();
}

LogicalResult L2LossOp::verify() {
  auto type = getPrediction().getType();
  if (type.getRank() < 1)
    return emitOpError("prediction must have rank >= 1");
  auto resultType = getResult().getType();
  if (resultType.getElementType() != type.getElementType())
    return emitOpError("result element type must match the prediction's");
  ArrayRef<int64_t> expected = getReduction() == Reduction::none
                                   ? type.getShape().drop_back()
                                   : ArrayRef<int64_t>();
  if (resultType.getShape() != expected)
    return emitOpError() << "result must have shape ["
                         << llvm::join(llvm::map_range(expected, dimStr), "x")
                         << "] for reduction '"
                         << stringifyReduction(getReduction()) << "', got "
                         << resultType;
  return success();
}

#define GET_OP_CLASSES
#include "ttt/Dialect/TTT/IR/TTTOps.cpp.inc"
