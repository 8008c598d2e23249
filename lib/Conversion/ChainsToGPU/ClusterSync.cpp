//===- ClusterSync.cpp - Blocks of a cluster meeting (sm_90 PTX) ----------===//

#include "ClusterSync.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;

namespace mlir::ttt::cluster {
namespace {

/// Inline PTX with side effects and a memory clobber (so that neither
/// LLVM nor ptxas moves shared-memory accesses across it); operands are
/// i32 registers ("r").
void emitPtx(OpBuilder &b, Location loc, StringRef ptx, ValueRange operands) {
  std::string constraints;
  for (size_t i = 0; i < operands.size(); ++i)
    constraints += "r,";
  constraints += "~{memory}";
  LLVM::InlineAsmOp::create(
      b, loc, TypeRange{}, operands, ptx, constraints,
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::tailcallkind::TailCallKind::None,
      LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT),
      ArrayAttr());
}

Value i32(OpBuilder &b, Location loc, int64_t v) {
  return LLVM::ConstantOp::create(b, loc, b.getI32Type(),
                                  b.getI32IntegerAttr(v));
}

} // namespace

void emitInitBarrier(OpBuilder &b, Location loc, Value bar, int64_t count) {
  emitPtx(b, loc, "mbarrier.init.shared::cta.b64 [$0], $1;",
          {bar, i32(b, loc, count)});
}

void emitFenceBarrierInit(OpBuilder &b, Location loc) {
  emitPtx(b, loc, "fence.mbarrier_init.release.cluster;", {});
}

void emitClusterSync(OpBuilder &b, Location loc) {
  emitPtx(b, loc,
          "barrier.cluster.arrive.release.aligned;\n\t"
          "barrier.cluster.wait.acquire.aligned;",
          {});
}

void emitWaitParity(OpBuilder &b, Location loc, Value bar, Value parity) {
  // Labels are local to the braces.
  emitPtx(b, loc,
          "{\n\t.reg .pred done;\n\tWAIT:\n\t"
          "mbarrier.try_wait.parity.acquire.cluster.shared::cta.b64 done, "
          "[$0], $1;\n\t@!done bra WAIT;\n\t}",
          {bar, parity});
}

void emitArriveLocal(OpBuilder &b, Location loc, Value bar, int64_t count) {
  emitPtx(b, loc, "mbarrier.arrive.shared::cta.b64 _, [$0], $1;",
          {bar, i32(b, loc, count)});
}

void emitExpectBytes(OpBuilder &b, Location loc, Value bar, int64_t bytes) {
  emitPtx(b, loc, "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;",
          {bar, i32(b, loc, bytes)});
}

// The arrival frees a staging area for the writer's next st.async. Its
// reads are done: each loaded value was stored before the block barrier
// that precedes the arrival, and bar.sync completes the block's earlier
// shared accesses. A cluster-scope release would also wait until this
// thread's earlier global stores (the output) are visible cluster-wide:
// ~450 cycles a step on the fp32 output block (docs/BENCHMARKS.md, round
// 19).
void emitArriveRemote(OpBuilder &b, Location loc, Value bar, Value rank) {
  emitPtx(b, loc,
          "{\n\t.reg .b32 remote;\n\t"
          "mapa.shared::cluster.u32 remote, $0, $1;\n\t"
          "mbarrier.arrive.release.cta.shared::cluster.b64 _, "
          "[remote];\n\t}",
          {bar, rank});
}

void emitSendChunk(OpBuilder &b, Location loc, Value at, Value to, Value rank,
                   Value bar) {
  emitPtx(b, loc,
          "{\n\t.reg .b32 a, b, c, d, dst, on;\n\t"
          "ld.shared.v4.b32 {a, b, c, d}, [$0];\n\t"
          "mapa.shared::cluster.u32 dst, $1, $2;\n\t"
          "mapa.shared::cluster.u32 on, $3, $2;\n\t"
          "st.async.shared::cluster.mbarrier::complete_tx::bytes.v4.b32 "
          "[dst], {a, b, c, d}, [on];\n\t}",
          {at, to, rank, bar});
}

void emitMoveChunk(OpBuilder &b, Location loc, Value at, Value to) {
  emitPtx(b, loc,
          "{\n\t.reg .b32 a, b, c, d;\n\t"
          "ld.shared.v4.b32 {a, b, c, d}, [$0];\n\t"
          "st.shared.v4.b32 [$1], {a, b, c, d};\n\t}",
          {at, to});
}

void emitStoreChunk(OpBuilder &b, Location loc, Value at, Value rank) {
  emitPtx(b, loc,
          "{\n\t.reg .b32 a, b, c, d, to;\n\t"
          "ld.shared.v4.b32 {a, b, c, d}, [$0];\n\t"
          "mapa.shared::cluster.u32 to, $0, $1;\n\t"
          "st.shared::cluster.v4.b32 [to], {a, b, c, d};\n\t}",
          {at, rank});
}

} // namespace mlir::ttt::cluster
