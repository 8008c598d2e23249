//===- ChainsToGPU.cpp - One GPU block per chain --------------------------===//
//
// The chains of a TTT scan are independent, so the chain loop nest maps
// onto the grid: block x computes chain x over the whole span. The kernel
// takes bare device pointers, tokens and chains (docs/RUNTIME.md, "CUDA
// artifacts") and rebuilds every array from them, since the runtime passes
// no memref descriptors.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"
#include "RowMajor.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_CONVERTTTTCHAINSTOGPU
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

constexpr StringLiteral kKernelModule = "ttt_kernels";

bool isZeroToStepOne(scf::ForOp loop) {
  return matchPattern(loop.getLowerBound(), m_Zero()) &&
         matchPattern(loop.getStep(), m_One()) && loop.getNumResults() == 0;
}

/// The perfect nest of unit-step loops from 0 at the top of `func`: the
/// chain loops of convert-ttt-scan-to-scf (the mini-batch loop inside
/// steps by the chunk size, and other ops come before it).
SmallVector<scf::ForOp> chainLoops(func::FuncOp func) {
  SmallVector<scf::ForOp> loops;
  auto fors = func.getBody().getOps<scf::ForOp>();
  if (std::distance(fors.begin(), fors.end()) != 1)
    return loops;
  scf::ForOp loop = *fors.begin();
  while (loop && isZeroToStepOne(loop)) {
    loops.push_back(loop);
    Block *body = loop.getBody();
    loop = body->getOperations().size() == 2
               ? dyn_cast<scf::ForOp>(body->front())
               : scf::ForOp();
  }
  return loops;
}

/// Rebuilds argument `arg` (contiguous, row-major) from its bare pointer:
/// chain dims as [1, ..., 1, chains], the next dynamic dim as tokens.
FailureOr<Value> rebuild(OpBuilder &b, Location loc, MemRefType type,
                         Value ptr, unsigned chainRank, Value tokens,
                         Value chains) {
  int64_t rank = type.getRank();
  bool hasChains = !type.hasStaticShape() && rank >= chainRank;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = type.getDimSize(d);
    if (hasChains && d < chainRank) {
      sizes.push_back(d + 1 == chainRank ? OpFoldResult(chains)
                                         : OpFoldResult(b.getIndexAttr(1)));
      continue;
    }
    if (!ShapedType::isDynamic(dim))
      sizes.push_back(b.getIndexAttr(dim));
    else if (hasChains && d == chainRank)
      sizes.push_back(tokens);
    else
      return failure();
  }
  SmallVector<OpFoldResult> strides = ttt::rowMajorStrides(b, loc, sizes);
  auto view = memref::ReinterpretCastOp::create(
      b, loc, type, ptr, b.getIndexAttr(0), sizes, strides);
  return view.getResult();
}

LogicalResult outline(func::FuncOp func, gpu::GPUModuleOp kernels) {
  // Results must be out-arguments written in place: the kernel returns
  // nothing (drop-equivalent-buffer-results leaves public functions alone).
  for (Value v : func.getBody().front().getTerminator()->getOperands())
    if (!isa<BlockArgument>(v) ||
        cast<BlockArgument>(v).getOwner() != &func.getBody().front())
      return func.emitError("convert-ttt-chains-to-gpu: a result is not an "
                            "argument written in place (run "
                            "ttt-gpu-destination-args before bufferizing)");
  SmallVector<scf::ForOp> loops = chainLoops(func);
  if (loops.empty())
    return func.emitError("convert-ttt-chains-to-gpu: no chain loop nest");
  unsigned chainRank = loops.size();

  Location loc = func.getLoc();
  OpBuilder b(kernels.getBodyRegion());
  b.setInsertionPointToEnd(kernels.getBody());
  SmallVector<Type> params;
  for (Type t : func.getArgumentTypes()) {
    auto type = dyn_cast<MemRefType>(t);
    if (!type || !type.getLayout().isIdentity())
      return func.emitError("convert-ttt-chains-to-gpu: arguments must be "
                            "identity-layout memrefs");
    params.push_back(MemRefType::get({}, type.getElementType()));
  }
  params.push_back(b.getI64Type());
  params.push_back(b.getI64Type());
  auto kernel = gpu::GPUFuncOp::create(
      b, loc, func.getName(), b.getFunctionType(params, {}));
  kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());

  Block &entry = kernel.getBody().front();
  b.setInsertionPointToStart(&entry);
  unsigned n = func.getNumArguments();
  Value tokens = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                            entry.getArgument(n));
  Value chains = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                            entry.getArgument(n + 1));
  IRMapping map;
  for (unsigned i = 0; i < n; ++i) {
    auto type = cast<MemRefType>(func.getArgumentTypes()[i]);
    FailureOr<Value> view = rebuild(b, loc, type, entry.getArgument(i),
                                    chainRank, tokens, chains);
    if (failed(view))
      return func.emitError("convert-ttt-chains-to-gpu: argument ")
             << i << " has a dynamic dim other than the chain and token dims";
    map.map(func.getArgument(i), *view);
  }
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  for (scf::ForOp loop : loops)
    map.map(loop.getInductionVar(), zero);
  map.map(loops.back().getInductionVar(),
          gpu::BlockIdOp::create(b, loc, gpu::Dimension::x).getResult());

  for (Operation &op : func.getBody().front().without_terminator()) {
    if (&op != loops.front().getOperation()) {
      b.clone(op, map);
      continue;
    }
    for (Operation &inner : loops.back().getBody()->without_terminator())
      b.clone(inner, map);
  }
  gpu::ReturnOp::create(b, loc);
  return success();
}

struct ConvertTTTChainsToGPUPass
    : ttt::impl::ConvertTTTChainsToGPUBase<ConvertTTTChainsToGPUPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> funcs;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isDeclaration())
        funcs.push_back(func);
    if (funcs.empty())
      return;
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    auto kernels = gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModule);
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    for (func::FuncOp func : funcs) {
      if (failed(outline(func, kernels)))
        return signalPassFailure();
      func.erase();
    }
  }
};

} // namespace
