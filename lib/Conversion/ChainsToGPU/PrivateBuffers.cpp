//===- PrivateBuffers.cpp - Kernel temporaries at fixed places ------------===//
//
// A chain's temporaries (one mini-batch's activations and gradients, the
// working weights) are small and bounded by the chunk size, so each gets a
// fixed slot made at the kernel's entry: no device allocator, and no
// growth inside the mini-batch loop. Slots are stack buffers of one
// thread, or (workgroup=true) disjoint slices of the block's dynamic
// shared memory that all its threads see.
//
//===----------------------------------------------------------------------===//

#include "KernelLoops.h"
#include "LinalgViews.h"
#include "RowMajor.h"
#include "ttt/Conversion/Passes.h"

#include <functional>

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUPRIVATEBUFFERS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// A constant upper bound of a buffer size: the chunk loops clamp the last
/// chunk with `min(rest, chunk)`.
std::optional<int64_t> upperBound(Value size) {
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return c;
  Operation *def = size.getDefiningOp();
  if (isa_and_nonnull<arith::MinUIOp, arith::MinSIOp>(def)) {
    std::optional<int64_t> lhs = upperBound(def->getOperand(0));
    std::optional<int64_t> rhs = upperBound(def->getOperand(1));
    if (lhs && rhs)
      return std::min(*lhs, *rhs);
    return lhs ? lhs : rhs;
  }
  if (auto sel = dyn_cast_or_null<arith::SelectOp>(def)) {
    std::optional<int64_t> t = upperBound(sel.getTrueValue());
    std::optional<int64_t> f = upperBound(sel.getFalseValue());
    if (t && f)
      return std::max(*t, *f);
    return std::nullopt;
  }
  FailureOr<int64_t> ub = ValueBoundsConstraintSet::computeConstantBound(
      presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(size),
      /*stopCondition=*/nullptr, /*closedUB=*/true);
  if (succeeded(ub))
    return *ub;
  return std::nullopt;
}

/// The allocation a view chain starts from, if any.
memref::AllocOp rootAlloc(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto alloc = dyn_cast<memref::AllocOp>(def))
      return alloc;
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return {};
    v = view.getViewSource();
  }
  return {};
}

/// The warp group of the last op of `loop`'s body that writes a view of
/// `alloc`, if it has one.
Attribute lastWriterGroup(scf::ForOp loop, memref::AllocOp alloc) {
  for (Operation &op : llvm::reverse(loop.getBody()->without_terminator())) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(op);
    if (dps && llvm::any_of(dps.getDpsInits(), [&](Value init) {
          return rootAlloc(init) == alloc;
        }))
      return op.getAttr(ttt::kWarpGroupAttr);
  }
  return {};
}

/// A hoisted buffer is the same memory in every iteration: a loop that
/// yields one of its own buffers would read and write one buffer at once
/// in the next iteration. Copy the yielded value into a carry buffer.
LogicalResult separateYieldedBuffers(gpu::GPUFuncOp kernel) {
  WalkResult result = kernel.walk([&](scf::ForOp loop) {
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    for (OpOperand &operand : yield->getOpOperands()) {
      auto type = dyn_cast<MemRefType>(operand.get().getType());
      memref::AllocOp alloc = type ? rootAlloc(operand.get()) : nullptr;
      if (!alloc || !loop->isProperAncestor(alloc))
        continue;
      if (!type.hasStaticShape()) {
        yield.emitError("ttt-gpu-private-buffers: a loop yields a buffer "
                        "of dynamic shape");
        return WalkResult::interrupt();
      }
      OpBuilder b(loop);
      auto carry = memref::AllocOp::create(
          b, loop.getLoc(),
          MemRefType::get(type.getShape(), type.getElementType()));
      b.setInsertionPoint(yield);
      auto copy = linalg::CopyOp::create(b, yield.getLoc(), operand.get(),
                                         carry.getResult());
      // On the warp group that wrote the value (ttt-gpu-output-warps).
      if (Attribute group = lastWriterGroup(loop, alloc))
        copy->setAttr(ttt::kWarpGroupAttr, group);
      operand.set(
          memref::CastOp::create(b, yield.getLoc(), type, carry).getResult());
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// The memory of one buffer: a stack slot, or (workgroup) a slice of the
/// block's dynamic shared memory at `offset`, cast to the generic address
/// space so that every view and loop of the kernel keeps its type.
Value makeSlot(OpBuilder &b, Location loc, MemRefType slotType,
               IntegerAttr alignment, Value shared, int64_t offset) {
  if (!shared)
    return memref::AllocaOp::create(b, loc, slotType, alignment).getResult();
  Attribute wg = cast<MemRefType>(shared.getType()).getMemorySpace();
  auto viewType = MemRefType::get(slotType.getShape(),
                                  slotType.getElementType(), nullptr, wg);
  Value at = arith::ConstantIndexOp::create(b, loc, offset);
  auto view =
      memref::ViewOp::create(b, loc, viewType, shared, at, ValueRange{});
  return memref::MemorySpaceCastOp::create(b, loc, slotType, view).getResult();
}

int64_t slotBytes(MemRefType type) {
  return type.getNumElements() *
         ((type.getElementType().getIntOrFloatBitWidth() + 7) / 8);
}

/// Program points of a kernel: ops numbered in pre-order; `last[op]` is
/// the last number inside op's regions (op's own number without regions).
struct Points {
  DenseMap<Operation *, int64_t> first, last;
  explicit Points(Operation *root) {
    int64_t n = 0;
    std::function<void(Operation *)> visit = [&](Operation *op) {
      first[op] = n++;
      for (Region &r : op->getRegions())
        for (Block &blk : r)
          for (Operation &inner : blk)
            visit(&inner);
      last[op] = n - 1;
    };
    visit(root);
  }
};

/// The program points during which `alloc`'s memory holds live data: from
/// the allocation to the last use of any value aliasing it (views, casts,
/// loop-carried values, results of ops taking it), where a use inside a
/// loop that does not hold the allocation keeps it live over the whole
/// loop (every iteration reads what the previous left).
std::pair<int64_t, int64_t> liveRange(memref::AllocOp alloc,
                                      const Points &points, Operation *kernel) {
  int64_t lo = points.first.lookup(alloc), hi = lo;
  SmallVector<Value> work{alloc.getResult()};
  DenseSet<Value> seen{alloc.getResult()};
  auto push = [&](Value v) {
    if (v && seen.insert(v).second)
      work.push_back(v);
  };
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::DeallocOp>(user))
        continue;
      int64_t from = points.first.lookup(user), to = points.last.lookup(user);
      for (Operation *p = user->getParentOp(); p && p != kernel;
           p = p->getParentOp()) {
        if (p->isAncestor(alloc))
          break;
        if (isa<LoopLikeOpInterface>(p)) {
          from = std::min(from, points.first.lookup(p));
          to = std::max(to, points.last.lookup(p));
        }
      }
      lo = std::min(lo, from);
      hi = std::max(hi, to);
      if (auto loop = dyn_cast<scf::ForOp>(user)) {
        if (BlockArgument arg = loop.getTiedLoopRegionIterArg(&use)) {
          push(arg);
          push(loop.getTiedLoopResult(&use));
        }
        continue;
      }
      if (auto yield = dyn_cast<scf::YieldOp>(user)) {
        Operation *parent = yield->getParentOp();
        unsigned i = use.getOperandNumber();
        if (auto loop = dyn_cast<scf::ForOp>(parent))
          push(loop.getRegionIterArgs()[i]);
        if (i < parent->getNumResults())
          push(parent->getResult(i));
        continue;
      }
      for (Value r : user->getResults())
        if (isa<MemRefType>(r.getType()))
          push(r);
    }
  }
  return {lo, hi};
}

/// Offsets in the block's shared memory: buffers whose live ranges overlap
/// get disjoint bytes, others may share (largest first, each at the lowest
/// aligned offset free of every overlapping buffer already placed).
SmallVector<int64_t> assignOffsets(ArrayRef<int64_t> bytes,
                                   ArrayRef<int64_t> aligns,
                                   ArrayRef<std::pair<int64_t, int64_t>> live,
                                   int64_t &total) {
  size_t n = bytes.size();
  SmallVector<size_t> order(n);
  for (size_t i = 0; i < n; ++i)
    order[i] = i;
  llvm::stable_sort(order, [&](size_t a, size_t b) {
    return bytes[a] != bytes[b] ? bytes[a] > bytes[b]
                                : live[a].first < live[b].first;
  });
  SmallVector<int64_t> offsets(n, -1);
  SmallVector<size_t> placed;
  total = 0;
  for (size_t i : order) {
    SmallVector<std::pair<int64_t, int64_t>> busy;
    for (size_t j : placed)
      if (live[i].first <= live[j].second && live[j].first <= live[i].second)
        busy.push_back({offsets[j], offsets[j] + bytes[j]});
    llvm::sort(busy);
    int64_t at = 0;
    for (auto [b, e] : busy) {
      if (static_cast<int64_t>(llvm::alignTo(at, aligns[i])) + bytes[i] <= b)
        break;
      at = std::max(at, e);
    }
    offsets[i] = llvm::alignTo(at, aligns[i]);
    total = std::max(total, offsets[i] + bytes[i]);
    placed.push_back(i);
  }
  return offsets;
}

/// Rows of 32 or more 4-byte words would put the lanes of a tensor-core
/// fragment read (rows g = 0..7 at one column) in one bank, rows of 16 in
/// two: the rows of such a buffer get `pad` more elements where its users
/// take the padded view (linalg ops, views of it, casts of those to a
/// dynamic offset).
int64_t rowPadding(memref::AllocOp alloc, int64_t pad) {
  MemRefType type = alloc.getType();
  if (pad <= 0 || !type.hasStaticShape() || type.getRank() < 2 ||
      !type.getLayout().isIdentity() ||
      type.getShape().back() * ((type.getElementTypeBitWidth() + 7) / 8) % 64 !=
          0)
    return 0;
  // The padded view: the buffer's shape with the strides of a row-major
  // slot whose rows are `pad` elements longer.
  SmallVector<int64_t> slotShape = llvm::to_vector(type.getShape());
  slotShape.back() += pad;
  auto strides = MemRefType::get(slotShape, type.getElementType())
                     .getStridesAndOffset()
                     .first;
  auto padded = MemRefType::get(
      type.getShape(), type.getElementType(),
      StridedLayoutAttr::get(type.getContext(), /*offset=*/0, strides));
  return ttt::viewsAccept(alloc.getResult(), padded) ? pad : 0;
}

LogicalResult hoist(gpu::GPUFuncOp kernel, bool workgroup, int64_t pad,
                    int64_t maxBytes) {
  SmallVector<memref::AllocOp> allocs;
  kernel.walk([&](memref::AllocOp op) { allocs.push_back(op); });
  Block &entry = kernel.getBody().front();
  Value shared;
  if (workgroup && !allocs.empty()) {
    OpBuilder b(&entry, entry.begin());
    auto wg = gpu::AddressSpaceAttr::get(kernel.getContext(),
                                         gpu::AddressSpace::Workgroup);
    shared = gpu::DynamicSharedMemoryOp::create(
        b, kernel.getLoc(),
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr, wg));
  }
  // Each buffer's slot type: its static shape, or as many elements as its
  // dynamic sizes' bounds allow.
  SmallVector<MemRefType> slotTypes;
  SmallVector<int64_t> bytes, aligns, pads;
  for (memref::AllocOp alloc : allocs) {
    pads.push_back(workgroup ? rowPadding(alloc, pad) : 0);
    if (workgroup && !alloc.getType().getElementType().isIntOrFloat())
      return alloc.emitError("ttt-gpu-private-buffers: workgroup buffers "
                             "need integer or float elements");
    MemRefType type = alloc.getType();
    int64_t elements = 1;
    for (int64_t d : type.getShape())
      if (!ShapedType::isDynamic(d))
        elements *= d;
    for (Value size : alloc.getDynamicSizes()) {
      std::optional<int64_t> ub = upperBound(size);
      if (!ub)
        return alloc.emitError("ttt-gpu-private-buffers: no constant upper "
                               "bound for a buffer size");
      elements *= std::max<int64_t>(*ub, 1);
    }
    SmallVector<int64_t> slotShape = type.hasStaticShape()
                                         ? llvm::to_vector(type.getShape())
                                         : SmallVector<int64_t>{elements};
    slotShape.back() += pads.back();
    slotTypes.push_back(MemRefType::get(slotShape, type.getElementType()));
    bytes.push_back(workgroup ? slotBytes(slotTypes.back()) : 0);
    IntegerAttr alignment = alloc.getAlignmentAttr();
    aligns.push_back(std::max<int64_t>(alignment ? alignment.getInt() : 0, 16));
  }
  SmallVector<int64_t> offsets(allocs.size(), 0);
  int64_t total = 0;
  if (shared) {
    Points points(kernel);
    SmallVector<std::pair<int64_t, int64_t>> live;
    for (memref::AllocOp alloc : allocs)
      live.push_back(liveRange(alloc, points, kernel));
    offsets = assignOffsets(bytes, aligns, live, total);
    // Padding is worth less than a launch: without it where the padded
    // buffers would not fit in `maxBytes`.
    if (maxBytes > 0 && total > maxBytes &&
        llvm::any_of(pads, [](int64_t p) { return p > 0; })) {
      for (auto [i, slotType] : llvm::enumerate(slotTypes)) {
        if (pads[i] == 0)
          continue;
        SmallVector<int64_t> shape = llvm::to_vector(slotType.getShape());
        shape.back() -= pads[i];
        slotType = MemRefType::get(shape, slotType.getElementType());
        bytes[i] = slotBytes(slotType);
        pads[i] = 0;
      }
      offsets = assignOffsets(bytes, aligns, live, total);
    }
  }
  for (auto [i, alloc] : llvm::enumerate(allocs)) {
    MemRefType type = alloc.getType();
    OpBuilder b(&entry, entry.begin());
    if (shared)
      b.setInsertionPointAfterValue(shared);
    Value slot = makeSlot(b, alloc.getLoc(), slotTypes[i],
                          alloc.getAlignmentAttr(), shared, offsets[i]);
    if (pads[i] > 0) {
      // The buffer's elements in the slot's padded rows: a subview of
      // the shared slot (marked, so ttt-gpu-distribute still sees the
      // whole buffer), cast to the generic space like the slot.
      auto spaceCast = slot.getDefiningOp<memref::MemorySpaceCastOp>();
      Value wgSlot = spaceCast.getSource();
      int64_t rank = type.getRank();
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
          strides(rank, b.getIndexAttr(1)), sizes;
      for (int64_t d : type.getShape())
        sizes.push_back(b.getIndexAttr(d));
      auto rows = memref::SubViewOp::create(b, alloc.getLoc(), wgSlot, offsets,
                                            sizes, strides);
      rows->setAttr("ttt.padded_rows", b.getUnitAttr());
      MemRefType rowsType = rows.getType();
      auto generic = MemRefType::get(
          rowsType.getShape(), rowsType.getElementType(), rowsType.getLayout());
      Value padded =
          memref::MemorySpaceCastOp::create(b, alloc.getLoc(), generic, rows);
      spaceCast.erase();
      ttt::replaceInLinalgViews(alloc.getResult(), padded);
      alloc.erase();
      continue;
    }
    if (type.hasStaticShape()) {
      alloc.replaceAllUsesWith(slot);
      alloc.erase();
      continue;
    }
    // The dynamic shape as a row-major view of the slot's first elements.
    b.setInsertionPoint(alloc);
    SmallVector<OpFoldResult> sizes = alloc.getMixedSizes();
    SmallVector<OpFoldResult> strides =
        ttt::rowMajorStrides(b, alloc.getLoc(), sizes);
    auto view = memref::ReinterpretCastOp::create(
        b, alloc.getLoc(), type, slot, b.getIndexAttr(0), sizes, strides);
    alloc.replaceAllUsesWith(view.getResult());
    alloc.erase();
  }
  SmallVector<memref::DeallocOp> deallocs;
  kernel.walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
  for (memref::DeallocOp op : deallocs)
    op.erase();
  if (workgroup)
    kernel->setAttr("ttt.shared_bytes",
                    IntegerAttr::get(IntegerType::get(kernel.getContext(), 64),
                                     llvm::alignTo(total, 16)));
  return success();
}

struct TTTGPUPrivateBuffersPass
    : ttt::impl::TTTGPUPrivateBuffersBase<TTTGPUPrivateBuffersPass> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUFuncOp kernel = getOperation();
    if (!kernel.isKernel())
      return;
    if (failed(separateYieldedBuffers(kernel)) ||
        failed(hoist(kernel, workgroup, rowPad, maxBytes)))
      signalPassFailure();
  }
};

} // namespace
