//===- ChainLoopsToLaunch.cpp - A model's TTT chains as GPU blocks --------===//
//
// Inside a whole model the inner loop of each TTT layer is one scan whose
// chains (heads) are independent: one block per chain runs the whole
// mini-batch loop with the fast weights on chip, instead of the host
// launching every op of every mini-batch of every head.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUCHAINLOOPSTOLAUNCH
#define GEN_PASS_DEF_TTTGPULAUNCHSHAREDMEMORY
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

struct TTTGPUChainLoopsToLaunchPass
    : ttt::impl::TTTGPUChainLoopsToLaunchBase<TTTGPUChainLoopsToLaunchPass> {
  using Base::Base;

  /// `v`, seen through results of loops that yield that iter arg
  /// unchanged (the mini-batch loop passes the output buffer through).
  static Value throughPassingLoops(Value v) {
    while (auto result = dyn_cast<OpResult>(v)) {
      auto loop = dyn_cast<scf::ForOp>(result.getOwner());
      if (!loop)
        break;
      unsigned i = result.getResultNumber();
      auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
      if (yield.getOperand(i) != loop.getRegionIterArgs()[i])
        break;
      v = loop.getInits()[i];
    }
    return v;
  }

  /// Bufferized, a chain loop still carries its output buffers, each
  /// yielded unchanged (every chain writes its own slice in place).
  static bool carriesBuffersUnchanged(scf::ForOp loop) {
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    for (auto [arg, yielded] :
         llvm::zip(loop.getRegionIterArgs(), yield.getOperands()))
      if (arg != throughPassingLoops(yielded))
        return false;
    return true;
  }

  /// A buffer allocated before the loop and used inside it, other than the
  /// chains' outputs (the loop's inits), is a temporary every chain would
  /// share across blocks: each block gets its own copy (with the contents
  /// it had, where it is also used outside the loop).
  static void privatize(OpBuilder &b, scf::ForOp loop, IRMapping &map) {
    llvm::SetVector<Value> captured;
    loop.getBody()->walk([&](Operation *op) {
      for (Value v : op->getOperands())
        if (auto alloc = v.getDefiningOp<memref::AllocOp>();
            alloc && !loop->isAncestor(alloc))
          captured.insert(v);
    });
    for (Value buffer : captured) {
      if (llvm::is_contained(loop.getInits(), buffer))
        continue;
      auto alloc = buffer.getDefiningOp<memref::AllocOp>();
      auto own = memref::AllocOp::create(b, alloc.getLoc(), alloc.getType(),
                                         alloc.getDynamicSizes(),
                                         alloc.getAlignmentAttr());
      bool usedOutside = llvm::any_of(buffer.getUsers(), [&](Operation *u) {
        return !loop->isAncestor(u) && !isa<memref::DeallocOp>(u);
      });
      if (usedOutside)
        linalg::CopyOp::create(b, alloc.getLoc(), buffer, own.getResult());
      map.map(buffer, own.getResult());
    }
  }

  LogicalResult convert(scf::ForOp loop) {
    if (!matchPattern(loop.getLowerBound(), m_Zero()) ||
        !matchPattern(loop.getStep(), m_One()) ||
        !carriesBuffersUnchanged(loop))
      return loop.emitError("a chain loop must run from 0 in steps of 1, "
                            "its buffers yielded unchanged, to become a GPU "
                            "launch");
    Location loc = loop.getLoc();
    OpBuilder b(loop);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value perBlock = arith::ConstantIndexOp::create(b, loc, threads);
    auto launch = gpu::LaunchOp::create(b, loc, loop.getUpperBound(), one, one,
                                        perBlock, one, one);
    Block &body = launch.getBody().front();
    b.setInsertionPointToStart(&body);
    IRMapping map;
    map.map(loop.getInductionVar(), launch.getBlockIds().x);
    for (auto [arg, init] : llvm::zip(loop.getRegionIterArgs(), loop.getInits()))
      map.map(arg, init);
    privatize(b, loop, map);
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, map);
    gpu::TerminatorOp::create(b, loc);
    loop.replaceAllUsesWith(loop.getInits());
    loop.erase();
    return success();
  }

  void runOnOperation() override {
    if (threads < 1 || threads > 1024) {
      getOperation().emitError("threads must be in [1, 1024]");
      return signalPassFailure();
    }
    SmallVector<scf::ForOp> chains;
    getOperation().walk([&](scf::ForOp loop) {
      if (loop->hasAttr("ttt.chain") &&
          !loop->getParentOfType<gpu::LaunchOp>())
        chains.push_back(loop);
    });
    for (scf::ForOp loop : chains)
      if (failed(convert(loop)))
        return signalPassFailure();
  }
};

struct TTTGPULaunchSharedMemoryPass
    : ttt::impl::TTTGPULaunchSharedMemoryBase<TTTGPULaunchSharedMemoryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
          launch, launch.getKernel());
      if (!kernel)
        return;
      auto bytes = kernel->getAttrOfType<IntegerAttr>("ttt.shared_bytes");
      if (!bytes)
        return;
      OpBuilder b(launch);
      Value size = arith::ConstantIntOp::create(b, launch.getLoc(),
                                                b.getI32Type(), bytes.getInt());
      launch.getDynamicSharedMemorySizeMutable().assign(size);
    });
  }
};

} // namespace
