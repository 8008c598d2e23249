//===- StageInputs.cpp - Prefetch each mini-batch's inputs ----------------===//
//
// A chain kernel's chunk loop reads its mini-batch of q, k, v and eta from
// global memory in many ops (every tensor-core fragment, every elementwise
// op), and each of those reads waits on global latency inside the
// dependent chain of mini-batch steps. Here each such slice gets a double
// buffer (two slots, rows padded against shared-memory bank conflicts) and
// the next mini-batch is copied into the other slot with asynchronous
// copies (cp.async) while the current one computes:
//
//   if (lb < ub) async copy slice(lb) -> slot 0
//   for iv = lb to ub step s:
//     wait for this thread's async copies; barrier
//     if (iv + s < ub) async copy slice(iv + s) -> slot ((iv - lb) / s + 1) % 2
//     ... the body, reading slot ((iv - lb) / s) % 2 ...
//
// The prefetch reads only what the next iteration would have read. A slice
// read one chunk ahead too (ttt-gpu-lookahead-products: at
// min(iv + s, ub - s), beside the same slice at iv) gets three slots: the
// chunk after next is copied while the next one is read ahead. The
// copies are `linalg.copy` ops marked `ttt.async_copy = W` (elements per
// cp.async: 16 bytes' worth where both sides are provably 16-byte aligned,
// else 4 bytes'; 32- and 16-bit elements), which
// ttt-gpu-distribute spreads over the threads; the wait and the barrier
// order them, so no other barrier is needed for them.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "BufferRoot.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUSTAGEINPUTS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// Whether the index value `v` is provably a multiple of `m`.
bool multipleOf(OpFoldResult v, int64_t m) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return *c % m == 0;
  Operation *def = cast<Value>(v).getDefiningOp();
  if (auto mul = dyn_cast_or_null<arith::MulIOp>(def))
    return multipleOf(mul.getLhs(), m) || multipleOf(mul.getRhs(), m);
  if (auto add = dyn_cast_or_null<arith::AddIOp>(def))
    return multipleOf(add.getLhs(), m) && multipleOf(add.getRhs(), m);
  return false;
}

/// A kernel argument's array, rebuilt from its bare pointer (the ABI's
/// device pointers are at least 16-byte aligned).
memref::ReinterpretCastOp argumentArray(Value v, Block *entry) {
  auto rc = v.getDefiningOp<memref::ReinterpretCastOp>();
  if (!rc)
    return nullptr;
  auto arg = dyn_cast<BlockArgument>(rc.getSource());
  return arg && arg.getOwner() == entry ? rc : nullptr;
}

/// Whether every `width`-element chunk of the innermost rows of
/// `view` (a subview of `array`) starts 16-byte aligned.
bool chunksAligned(memref::SubViewOp view, memref::ReinterpretCastOp array,
                   int64_t width) {
  MemRefType type = view.getType();
  auto [strides, offset] = type.getStridesAndOffset();
  if (strides.empty() || strides.back() != 1 ||
      type.getShape().back() % width != 0)
    return false;
  for (int64_t s : ArrayRef<int64_t>(strides).drop_back())
    if (ShapedType::isDynamic(s) || s % width != 0)
      return false;
  // The view's first element: the array's offset plus offset_i * stride_i.
  if (!multipleOf(array.getMixedOffsets().front(), width))
    return false;
  SmallVector<OpFoldResult> arrayStrides = array.getMixedStrides();
  for (auto [off, stride] : llvm::zip(view.getMixedOffsets(), arrayStrides))
    if (!multipleOf(off, width) && !multipleOf(stride, width))
      return false;
  return true;
}

/// Whether `v` is min(iv + step, ub - step) of `loop`: the next chunk's
/// offset, clamped to the last chunk (ttt-gpu-lookahead-products).
bool isNextOffset(Value v, scf::ForOp loop) {
  auto min = v.getDefiningOp<arith::MinSIOp>();
  if (!min)
    return false;
  auto sameStep = [&](Value x) {
    return x == loop.getStep() ||
           (getConstantIntValue(x) &&
            getConstantIntValue(x) == getConstantIntValue(loop.getStep()));
  };
  auto isAhead = [&](Value x) {
    auto add = x.getDefiningOp<arith::AddIOp>();
    return add && add.getLhs() == loop.getInductionVar() &&
           sameStep(add.getRhs());
  };
  auto isLast = [&](Value x) {
    auto sub = x.getDefiningOp<arith::SubIOp>();
    return sub && sub.getLhs() == loop.getUpperBound() &&
           sameStep(sub.getRhs());
  };
  return (isAhead(min.getLhs()) && isLast(min.getRhs())) ||
         (isAhead(min.getRhs()) && isLast(min.getLhs()));
}

/// How far ahead a stageable slice reads: 0 for a slice the loop reads
/// each iteration from a kernel argument (a subview in the loop body of an
/// array defined outside, with static sizes, unit strides, offsets that
/// are the induction variable or defined outside, read (never written) by
/// linalg ops only), 1 for the same at the next chunk's offset
/// (isNextOffset); none where it cannot be staged.
std::optional<unsigned> stageableLead(memref::SubViewOp view, scf::ForOp loop,
                                      Block *entry) {
  if (!argumentArray(view.getSource(), entry))
    return std::nullopt;
  MemRefType type = view.getType();
  if (!type.hasStaticShape() || type.getRank() < 1 ||
      !type.getElementType().isIntOrFloat() ||
      (type.getElementTypeBitWidth() != 32 &&
       type.getElementTypeBitWidth() != 16))
    return std::nullopt;
  // cp.async moves 4, 8 or 16 bytes: 16-bit elements go in pairs at least.
  if (type.getElementTypeBitWidth() == 16 &&
      !chunksAligned(view, argumentArray(view.getSource(), entry), 2))
    return std::nullopt;
  if (!llvm::all_of(view.getStaticStrides(), [](int64_t s) { return s == 1; }))
    return std::nullopt;
  std::optional<unsigned> lead;
  for (Value off : view.getOffsets()) {
    std::optional<unsigned> offLead;
    if (off == loop.getInductionVar())
      offLead = 0;
    else if (isNextOffset(off, loop))
      offLead = 1;
    else if (!loop.isDefinedOutsideOfLoop(off))
      return std::nullopt;
    if (offLead && lead)
      return std::nullopt; // one offset moves with the loop
    lead = offLead ? offLead : lead;
  }
  if (!lead)
    return std::nullopt;
  for (OpOperand &use : view->getUses()) {
    auto op = dyn_cast<linalg::LinalgOp>(use.getOwner());
    if (!op || !op.isDpsInput(&use) || op->hasAttr("ttt.async_copy"))
      return std::nullopt;
  }
  // Nothing in the loop may write the array the copies read ahead.
  Value array = ttt::rootOf(view.getSource());
  WalkResult writes = loop.getBody()->walk([&](linalg::LinalgOp op) {
    for (OpOperand &init : op.getDpsInitsMutable())
      if (ttt::rootOf(init.get()) == array)
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (writes.wasInterrupted())
    return std::nullopt;
  return lead;
}

/// Whether `ahead` is `view` one chunk later: same array, sizes, and
/// offsets but the moving one.
bool isAheadOf(memref::SubViewOp ahead, memref::SubViewOp view,
               scf::ForOp loop) {
  if (ahead.getSource() != view.getSource() ||
      ahead.getType() != view.getType() ||
      ahead.getStaticOffsets() != view.getStaticOffsets() ||
      ahead.getOffsets().size() != view.getOffsets().size())
    return false;
  for (auto [a, v] : llvm::zip(ahead.getOffsets(), view.getOffsets()))
    if (a != v && !(v == loop.getInductionVar() && isNextOffset(a, loop)))
      return false;
  return true;
}

/// A slice staged in shared memory: its slots (2, or 3 where it is also
/// read a chunk ahead, by the views in `ahead`).
struct Staged {
  memref::SubViewOp view;
  SmallVector<memref::SubViewOp> ahead;
  int64_t slots() const { return ahead.empty() ? 2 : 3; }
};

struct TTTGPUStageInputsPass
    : ttt::impl::TTTGPUStageInputsBase<TTTGPUStageInputsPass> {
  using Base::Base;

  void stage(scf::ForOp loop, MutableArrayRef<Staged> staged, Block *entry) {
    Location loc = loop.getLoc();
    OpBuilder b(loop);
    auto cst = [&](OpBuilder &ob, int64_t v) {
      return arith::ConstantIndexOp::create(ob, loc, v).getResult();
    };
    Value lb = loop.getLowerBound(), ub = loop.getUpperBound(),
          step = loop.getStep();

    // The buffers, and the prologue's copies of the first slices.
    SmallVector<Value> buffers;
    SmallVector<int64_t> widths;
    for (Staged &st : staged) {
      MemRefType type = st.view.getType();
      int64_t bytes = type.getElementTypeBitWidth() / 8;
      SmallVector<int64_t> shape{st.slots()};
      llvm::append_range(shape, type.getShape());
      // Rows of 128 bytes or multiples would put a warp's fragment reads
      // in one bank: `pad` 4-byte words more.
      if (shape.size() > 2 && (shape.back() * bytes) % 128 == 0)
        shape.back() += pad * 4 / bytes;
      buffers.push_back(memref::AllocOp::create(
          b, loc, MemRefType::get(shape, type.getElementType()),
          b.getI64IntegerAttr(16)));
      // 16 bytes per copy where every chunk is aligned, else 4.
      int64_t wide = 16 / bytes;
      bool aligned =
          chunksAligned(st.view, argumentArray(st.view.getSource(), entry),
                        wide) &&
          shape.back() % wide == 0;
      widths.push_back(aligned ? wide : 4 / bytes);
    }
    auto slotView = [&](OpBuilder &ob, unsigned i, OpFoldResult slot) {
      MemRefType type = staged[i].view.getType();
      int64_t rank = type.getRank();
      SmallVector<OpFoldResult> offsets(rank + 1, ob.getIndexAttr(0));
      offsets[0] = slot;
      SmallVector<OpFoldResult> sizes{ob.getIndexAttr(1)};
      for (int64_t d : type.getShape())
        sizes.push_back(ob.getIndexAttr(d));
      SmallVector<OpFoldResult> strides(rank + 1, ob.getIndexAttr(1));
      auto bufType = cast<MemRefType>(buffers[i].getType());
      auto viewType = memref::SubViewOp::inferRankReducedResultType(
          type.getShape(), bufType, offsets, sizes, strides);
      return memref::SubViewOp::create(ob, loc, cast<MemRefType>(viewType),
                                       buffers[i], offsets, sizes, strides)
          .getResult();
    };
    // Copies of the slices with `slots` slots at `iv` into `slot(i)`, where
    // iv < ub.
    auto copyAll = [&](OpBuilder &ob, int64_t slots, Value iv,
                       function_ref<OpFoldResult(unsigned)> slot) {
      Value cond =
          arith::CmpIOp::create(ob, loc, arith::CmpIPredicate::slt, iv, ub);
      auto ifOp = scf::IfOp::create(ob, loc, cond, /*withElseRegion=*/false);
      OpBuilder tb = ifOp.getThenBodyBuilder();
      for (auto [i, st] : llvm::enumerate(staged)) {
        if (st.slots() != slots)
          continue;
        IRMapping map;
        map.map(loop.getInductionVar(), iv);
        Value src = tb.clone(*st.view, map)->getResult(0);
        auto copy =
            linalg::CopyOp::create(tb, loc, src, slotView(tb, i, slot(i)));
        copy->setAttr("ttt.async_copy", tb.getI64IntegerAttr(widths[i]));
      }
    };
    bool anyAhead =
        llvm::any_of(staged, [](const Staged &st) { return st.slots() == 3; });
    auto constSlot = [&](int64_t v) {
      return [&b, v](unsigned) -> OpFoldResult { return b.getIndexAttr(v); };
    };
    copyAll(b, 2, lb, constSlot(0));
    if (anyAhead) {
      copyAll(b, 3, lb, constSlot(0));
      copyAll(b, 3, arith::AddIOp::create(b, loc, lb, step), constSlot(1));
    }

    // The body: wait, barrier, prefetch the next slices (the one after
    // next for three slots), read this iteration's slot (and the next).
    Block *body = loop.getBody();
    OpBuilder bb(body, body->begin());
    Value iv = loop.getInductionVar();
    Value index = arith::DivUIOp::create(
        bb, loc, arith::SubIOp::create(bb, loc, iv, lb), step);
    // (index + ahead) mod slots.
    auto slotOf = [&](int64_t ahead, int64_t slots) -> Value {
      Value i = ahead ? arith::AddIOp::create(bb, loc, index, cst(bb, ahead))
                            .getResult()
                      : index;
      return arith::RemUIOp::create(bb, loc, i, cst(bb, slots));
    };
    // readSlot[n - 2][a]: the slot a slice of n slots is read from a
    // chunks ahead.
    Value readSlot[2][2] = {{slotOf(0, 2), nullptr}, {nullptr, nullptr}};
    Value nextSlot = slotOf(1, 2), afterNextSlot;
    if (anyAhead) {
      readSlot[1][0] = slotOf(0, 3);
      readSlot[1][1] = slotOf(1, 3);
      afterNextSlot = slotOf(2, 3);
    }
    NVVM::CpAsyncWaitGroupOp::create(bb, loc, 0);
    gpu::BarrierOp::create(bb, loc);
    Value next = arith::AddIOp::create(bb, loc, iv, step);
    copyAll(bb, 2, next, [&](unsigned) -> OpFoldResult { return nextSlot; });
    if (anyAhead)
      copyAll(bb, 3, arith::AddIOp::create(bb, loc, next, step),
              [&](unsigned) -> OpFoldResult { return afterNextSlot; });
    // (slotView reads the slices' types: erased after the last.)
    SmallVector<Operation *> replaced;
    for (auto [i, st] : llvm::enumerate(staged)) {
      Value *own = readSlot[st.slots() - 2];
      for (auto [ahead, views] : llvm::enumerate(
               SmallVector<ArrayRef<memref::SubViewOp>>{st.view, st.ahead})) {
        for (memref::SubViewOp view : views) {
          OpBuilder vb(view.getOperation());
          view.getResult().replaceAllUsesWith(slotView(vb, i, own[ahead]));
          replaced.push_back(view);
        }
      }
    }
    for (Operation *view : replaced)
      view->erase();
  }

  void runOnOperation() override {
    gpu::GPUFuncOp kernel = getOperation();
    if (!kernel.isKernel())
      return;
    if (pad < 0 || pad > 32) {
      kernel.emitError("ttt-gpu-stage-inputs: pad must be in [0, 32]");
      return signalPassFailure();
    }
    Block *entry = &kernel.getBody().front();
    SmallVector<std::pair<scf::ForOp, SmallVector<Staged>>> work;
    kernel.walk([&](scf::ForOp loop) {
      SmallVector<Staged> staged;
      SmallVector<memref::SubViewOp> ahead;
      for (auto view : loop.getBody()->getOps<memref::SubViewOp>()) {
        std::optional<unsigned> lead = stageableLead(view, loop, entry);
        if (lead == 0u)
          staged.push_back({view, {}});
        else if (lead == 1u)
          ahead.push_back(view);
      }
      // A slice read ahead shares the slots of the same slice read now;
      // alone, it stays where it is.
      for (memref::SubViewOp view : ahead)
        for (Staged &st : staged)
          if (isAheadOf(view, st.view, loop)) {
            st.ahead.push_back(view);
            break;
          }
      if (!staged.empty())
        work.push_back({loop, staged});
    });
    for (auto &[loop, staged] : work)
      stage(loop, staged, entry);
  }
};

} // namespace
