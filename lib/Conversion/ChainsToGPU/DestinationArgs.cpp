//===- DestinationArgs.cpp - Results of the chain loops as out-arguments --===//
//
// A kernel writes its results into caller buffers. Making them writable
// function arguments that the chain loop nest writes into lets one-shot
// bufferization produce a function without result buffers or copies.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUDESTINATIONARGS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// True when `iterArg` of a chain loop is only ever written into (inserted
/// into, passed on to an inner loop, or yielded): then its initial contents
/// never reach a result and may be replaced by an uninitialized buffer.
LogicalResult checkDestinationOnly(Value iterArg) {
  for (OpOperand &use : iterArg.getUses()) {
    Operation *user = use.getOwner();
    if (auto ins = dyn_cast<tensor::InsertSliceOp>(user))
      if (use.get() == ins.getDest() && ins.getSource() != iterArg)
        continue;
    if (isa<scf::YieldOp>(user))
      continue;
    if (auto inner = dyn_cast<scf::ForOp>(user)) {
      BlockArgument arg = inner.getTiedLoopRegionIterArg(&use);
      if (arg && succeeded(checkDestinationOnly(arg)))
        continue;
    }
    return user->emitError("ttt-gpu-destination-args: a chain loop reads "
                           "its result while it writes it");
  }
  return success();
}

LogicalResult rewriteFunction(func::FuncOp func) {
  auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  if (ret.getNumOperands() == 0)
    return success();
  auto loop = ret.getOperand(0).getDefiningOp<scf::ForOp>();
  if (!loop || loop->getParentOp() != func)
    return func.emitError("ttt-gpu-destination-args: the results are not "
                          "those of a top-level chain loop");
  for (Value v : ret.getOperands())
    if (v.getDefiningOp() != loop.getOperation())
      return func.emitError("ttt-gpu-destination-args: every result must "
                            "come from the same top-level chain loop");
  for (BlockArgument arg : loop.getRegionIterArgs())
    if (failed(checkDestinationOnly(arg)))
      return failure();

  MLIRContext *ctx = func.getContext();
  unsigned first = func.getNumArguments();
  SmallVector<Type> resultTypes(func.getResultTypes());
  for (auto [i, type] : llvm::enumerate(resultTypes)) {
    SmallVector<NamedAttribute> attrs;
    if (DictionaryAttr resAttrs = func.getResultAttrDict(i))
      llvm::append_range(attrs, resAttrs.getValue());
    attrs.push_back(NamedAttribute(
        StringAttr::get(ctx, "bufferization.writable"),
        BoolAttr::get(ctx, true)));
    if (failed(func.insertArgument(first + i, type,
                                   DictionaryAttr::get(ctx, attrs),
                                   func.getLoc())))
      return failure();
  }
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    unsigned idx = cast<OpResult>(v).getResultNumber();
    loop.getInitsMutable()[idx].set(func.getArgument(first + i));
  }
  return success();
}

struct TTTGPUDestinationArgsPass
    : ttt::impl::TTTGPUDestinationArgsBase<TTTGPUDestinationArgsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isDeclaration() && failed(rewriteFunction(func)))
        return signalPassFailure();
  }
};

} // namespace
