//===- PortableMath.cpp - f32 math without libdevice -----------------------===//
//
// The layer kernels need rsqrt (LayerNorm) and tanh (GELU): lowered by
// convert-gpu-to-nvvm they become libdevice calls, which only a CUDA
// toolkit at compile time resolves. These rewrites keep their PTX
// self-contained, so an artifact built without the toolkit (as in CI) still
// loads on a GPU.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUPORTABLEMATH
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// IEEE square root (PTX sqrt.rn.f32).
Value sqrtRn(PatternRewriter &rewriter, Location loc, Value x) {
  return NVVM::InlinePtxOp::create(
             rewriter, loc, TypeRange{x.getType()}, ValueRange{x},
             ValueRange{}, "sqrt.rn.f32 $0, $1;", Value())
      .getResult(0);
}

struct Sqrt : OpRewritePattern<math::SqrtOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::SqrtOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    rewriter.replaceOp(op, sqrtRn(rewriter, op.getLoc(), op.getOperand()));
    return success();
  }
};

struct Rsqrt : OpRewritePattern<math::RsqrtOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::RsqrtOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    Location loc = op.getLoc();
    Value one = arith::ConstantOp::create(rewriter, loc,
                                          rewriter.getF32FloatAttr(1.0f));
    rewriter.replaceOpWithNewOp<arith::DivFOp>(
        op, one, sqrtRn(rewriter, loc, op.getOperand()));
    return success();
  }
};

struct Fma : OpRewritePattern<math::FmaOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::FmaOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    rewriter.replaceOpWithNewOp<LLVM::FMAOp>(op, op.getA(), op.getB(),
                                             op.getC());
    return success();
  }
};

/// |x|: the sign bit cleared.
struct Abs : OpRewritePattern<math::AbsFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::AbsFOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    Location loc = op.getLoc();
    Type i32 = rewriter.getI32Type();
    Value bits = arith::BitcastOp::create(rewriter, loc, i32, op.getOperand());
    Value mask = arith::ConstantOp::create(
        rewriter, loc, rewriter.getI32IntegerAttr(0x7fffffff));
    Value cleared = arith::AndIOp::create(rewriter, loc, bits, mask);
    rewriter.replaceOpWithNewOp<arith::BitcastOp>(op, op.getType(), cleared);
    return success();
  }
};

struct TTTGPUPortableMathPass
    : ttt::impl::TTTGPUPortableMathBase<TTTGPUPortableMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populatePolynomialApproximateTanhPattern(patterns);
    patterns.add<Sqrt, Rsqrt, Fma, Abs>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
