//===- ParallelLoopsToLaunch.cpp - scf.parallel as flat GPU launches ------===//
//
// A whole model on the GPU is a host function that runs each linalg op as
// a kernel. Flattening an op's parallel dims into one index spread over
// blocks of `threads` threads keeps every launch full whatever the op's
// shape, and the last dim fastest keeps memory accesses coalesced.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUPARALLELLOOPSTOLAUNCH
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

struct TTTGPUParallelLoopsToLaunchPass
    : ttt::impl::TTTGPUParallelLoopsToLaunchBase<
          TTTGPUParallelLoopsToLaunchPass> {
  using Base::Base;

  static bool isZeroOrOne(Value v, int64_t expected) {
    APInt value;
    return matchPattern(v, m_ConstantInt(&value)) && value == expected;
  }

  LogicalResult convert(scf::ParallelOp loop) {
    for (auto [lb, step] : llvm::zip(loop.getLowerBound(), loop.getStep()))
      if (!isZeroOrOne(lb, 0) || !isZeroOrOne(step, 1))
        return loop.emitError("needs lower bounds 0 and steps 1 to run as a "
                              "GPU launch");
    if (loop.getNumResults() != 0)
      return loop.emitError("a parallel loop with reductions cannot run as a "
                            "GPU launch");
    Location loc = loop.getLoc();
    OpBuilder b(loop);
    Value total = arith::ConstantIndexOp::create(b, loc, 1);
    for (Value ub : loop.getUpperBound())
      total = arith::MulIOp::create(b, loc, total, ub);
    Value perBlock = arith::ConstantIndexOp::create(b, loc, threads);
    Value blocks = arith::CeilDivUIOp::create(b, loc, total, perBlock);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto launch = gpu::LaunchOp::create(b, loc, blocks, one, one, perBlock,
                                        one, one);
    Block &body = launch.getBody().front();
    b.setInsertionPointToStart(&body);
    Value linear = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, launch.getBlockIds().x, perBlock),
        launch.getThreadIds().x);
    Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                          linear, total);
    auto guard = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
    b.setInsertionPointToStart(&guard.getThenRegion().front());
    // Row-major delinearization: the last dim varies fastest.
    IRMapping map;
    Value rest = linear;
    auto ivs = loop.getInductionVars();
    auto ubs = loop.getUpperBound();
    for (int i = static_cast<int>(ivs.size()) - 1; i >= 0; --i) {
      if (i == 0) {
        map.map(ivs[i], rest);
        break;
      }
      map.map(ivs[i], arith::RemUIOp::create(b, loc, rest, ubs[i]));
      rest = arith::DivUIOp::create(b, loc, rest, ubs[i]);
    }
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, map);
    b.setInsertionPointToEnd(&body);
    gpu::TerminatorOp::create(b, loc);
    loop.erase();
    return success();
  }

  void runOnOperation() override {
    if (threads < 1 || threads > 1024) {
      getOperation().emitError("threads must be in [1, 1024]");
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>() &&
          !loop->getParentOfType<gpu::LaunchOp>())
        outermost.push_back(loop);
    });
    for (scf::ParallelOp loop : outermost)
      if (failed(convert(loop)))
        return signalPassFailure();
  }
};

} // namespace
