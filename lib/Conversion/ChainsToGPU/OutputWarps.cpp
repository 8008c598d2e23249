//===- OutputWarps.cpp - The output chain on warps of its own ------------===//
//
// A chunk step of a TTT layer is a recurrence (the fast weights' update,
// which the next step waits for) and an output chain that nothing later
// needs (TTT-Linear: Q W, the attention term, the output LayerNorm). On
// one group of warps the output chain adds its phases to every step's
// critical path; on warps of its own it runs beside the next phases of
// the recurrence, which are latency bound (row statistics, short mma
// chains) and leave the SM's issue slots half empty.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "AccumulatorInit.h"
#include "AsyncCopy.h"
#include "BufferRoot.h"
#include "FoldNextInit.h"
#include "KernelLoops.h"
#include "WeightHalves.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUOUTPUTWARPS
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

/// The buffers (roots) a body op reads and writes.
struct Touches {
  linalg::LinalgOp op;
  SmallVector<Value> reads, writes;
};

/// The roots `v` may be: its own, or for a loop-carried buffer those of
/// its initial and yielded values.
SmallVector<Value> rootsOf(Value v) {
  SmallVector<Value> roots;
  for (Value s : ttt::carriedSources(v))
    roots.push_back(ttt::rootOf(s));
  return roots;
}

Touches touchesOf(linalg::LinalgOp op) {
  Touches t{op, {}, {}};
  for (OpOperand *in : op.getDpsInputOperands())
    if (isa<MemRefType>(in->get().getType()))
      llvm::append_range(t.reads, rootsOf(in->get()));
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  for (OpOperand &out : op.getDpsInitsMutable()) {
    llvm::append_range(t.writes, rootsOf(out.get()));
    // An accumulation started from zero or an input
    // (ttt-gpu-fold-zero-fills, ttt-gpu-fold-init-copies) does not read
    // the old value.
    int64_t index = out.getOperandNumber() - op.getNumDpsInputs();
    if (op.payloadUsesValueFromOperand(&out) &&
        !(generic && ttt::startsElsewhere(generic, index)))
      llvm::append_range(t.reads, rootsOf(out.get()));
  }
  return t;
}

/// The linalg ops of `body` (prefetch copies aside), or none where a
/// linalg op other than a prefetch copy is nested deeper.
std::optional<SmallVector<Touches>> bodyOps(Block &body) {
  SmallVector<Touches> ops;
  for (Operation &op : body) {
    if (auto l = dyn_cast<linalg::LinalgOp>(op)) {
      if (ttt::asyncCopyWidth(&op) == 0)
        ops.push_back(touchesOf(l));
      continue;
    }
    bool nested = false;
    op.walk([&](linalg::LinalgOp l) {
      nested |= ttt::asyncCopyWidth(l.getOperation()) == 0;
    });
    if (nested)
      return std::nullopt;
  }
  return ops;
}

/// Whether each op reads only what `readable(i, r, marked)` allows
/// (`marked`: the answers for the ops before it) and writes nothing
/// carried or read by an earlier op of the iteration.
SmallVector<bool>
markOps(ArrayRef<Touches> ops, const DenseSet<Value> &yielded,
        llvm::function_ref<bool(size_t, Value, ArrayRef<bool>)> readable) {
  SmallVector<bool> marked(ops.size(), false);
  DenseSet<Value> readSoFar;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Touches &t = ops[i];
    bool reads =
        llvm::all_of(t.reads, [&](Value r) { return readable(i, r, marked); });
    bool writesFree = llvm::none_of(t.writes, [&](Value r) {
      return yielded.contains(r) || readSoFar.contains(r);
    });
    marked[i] = reads && writesFree;
    readSoFar.insert(t.reads.begin(), t.reads.end());
  }
  return marked;
}

/// Recurrence ops the output group can run instead (offload-inputs):
/// not contractions, reading only values no earlier op of this iteration
/// wrote (the chunk's staged inputs, the previous iteration's state),
/// writing nothing carried and nothing an earlier op of the iteration
/// reads. They have no input from this step's recurrence, so the output
/// group, which waits for the recurrence's first contraction anyway, runs
/// them at the top of the step, and the recurrence waits for them (a
/// named barrier long passed) only where it reads what they wrote.
SmallVector<bool>
offloadable(ArrayRef<Touches> ops, ArrayRef<bool> recurrence,
            const DenseSet<Value> &yielded,
            llvm::function_ref<std::optional<size_t>(size_t, Value)> writerOf) {
  SmallVector<bool> offload =
      markOps(ops, yielded, [&](size_t i, Value r, ArrayRef<bool>) {
        std::optional<size_t> j = writerOf(i, r);
        return !j || *j > i;
      });
  for (size_t i = 0; i < ops.size(); ++i) {
    linalg::LinalgOp op = ops[i].op;
    offload[i] = offload[i] && recurrence[i] && op.getNumReductionLoops() == 0;
  }
  return offload;
}

/// Whether `a` and `b` touch a buffer one of them writes.
bool conflict(const Touches &a, const Touches &b) {
  auto meets = [](ArrayRef<Value> x, ArrayRef<Value> y) {
    return llvm::any_of(x, [&](Value r) { return llvm::is_contained(y, r); });
  };
  return meets(a.writes, b.reads) || meets(a.writes, b.writes) ||
         meets(a.reads, b.writes);
}

/// Whether every value `op` uses (its body's captures too) that is defined
/// in `point`'s block is defined before `point`.
bool usesOnlyValuesBefore(Operation *op, Operation *point) {
  WalkResult r = op->walk([&](Operation *nested) {
    for (Value v : nested->getOperands()) {
      Operation *def = v.getDefiningOp();
      if (def && def->getBlock() == point->getBlock() &&
          !def->isBeforeInBlock(point))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return !r.wasInterrupted();
}

/// The output group's ops after its deferred contraction `ops[deferred]`,
/// contractions aside (deferred so as not to share issue slots with the
/// other group's first one), that touch nothing the ops from it on write
/// or read (a rotated output tail, which reads only what the previous
/// iteration carried) move before it: they run while the group waits for
/// the other one.
void fillDeferredWait(ArrayRef<Touches> ops, ArrayRef<bool> recurrence,
                      ArrayRef<bool> offload, size_t deferred) {
  Operation *wait = ops[deferred].op;
  SmallVector<const Touches *> stay = {&ops[deferred]};
  for (size_t i = deferred + 1; i < ops.size(); ++i) {
    const Touches &t = ops[i];
    bool output = !recurrence[i] || offload[i];
    bool defined = usesOnlyValuesBefore(t.op, wait);
    if (output && !ttt::isContraction(t.op) && defined &&
        llvm::none_of(stay, [&](const Touches *s) { return conflict(t, *s); }))
      t.op->moveBefore(wait);
    else
      stay.push_back(&t);
  }
}

/// The recurrence's weight ops (weight-warps): a contraction that
/// accumulates into a buffer from outside the loop (the fast weights,
/// W += A B) and the recurrence's other contractions reading that buffer
/// (K W), where there is one. None where the loop has no such pair.
SmallVector<bool> weightOps(scf::ForOp loop, ArrayRef<Touches> ops,
                            ArrayRef<bool> recurrence) {
  SmallVector<bool> weights(ops.size(), false);
  auto outside = [&](Value r) {
    if (Operation *def = r.getDefiningOp())
      return !loop->isAncestor(def);
    return !loop->isAncestor(cast<BlockArgument>(r).getOwner()->getParentOp());
  };
  for (auto [u, t] : llvm::enumerate(ops)) {
    if (!recurrence[u] || !ttt::isContraction(t.op))
      continue;
    for (Value w : t.writes) {
      if (!outside(w) || !llvm::is_contained(t.reads, w))
        continue;
      SmallVector<size_t> readers;
      for (auto [i, o] : llvm::enumerate(ops))
        if (i != u && recurrence[i] && ttt::isContraction(o.op) &&
            llvm::is_contained(o.reads, w) && !llvm::is_contained(o.writes, w))
          readers.push_back(i);
      if (readers.empty())
        continue;
      weights[u] = true;
      for (size_t i : readers)
        weights[i] = true;
    }
  }
  return weights;
}

/// The weight group's share of the recurrence's ops on the chunk's inputs
/// alone (`inputsOnly`: reading nothing the iteration's other ops write,
/// transitively): those a weight op reads (the conversions of K) and
/// contractions (K' K^T), so that the recurrence's own group starts its
/// step with the LayerNorm chain.
void addInputOps(ArrayRef<Touches> ops, ArrayRef<bool> recurrence,
                 ArrayRef<bool> inputsOnly, MutableArrayRef<bool> weights) {
  for (size_t i = ops.size(); i-- > 0;) {
    if (!recurrence[i] || !inputsOnly[i] || weights[i])
      continue;
    bool feedsWeights = false;
    for (auto [j, o] : llvm::enumerate(ops))
      if (j > i && weights[j] && conflict(ops[i], o))
        feedsWeights = true;
    weights[i] = feedsWeights || ttt::isContraction(ops[i].op);
  }
}

/// Copies into a buffer an earlier weight op reads (the carried K and
/// learning rates of ttt-gpu-rotate-weight-update, refilled at the step's
/// end): on the weight group, after its read in that group's order, rather
/// than on a group that would wait for the weight op.
void addRefills(ArrayRef<Touches> ops, ArrayRef<bool> recurrence,
                MutableArrayRef<bool> weights) {
  for (auto [i, t] : llvm::enumerate(ops)) {
    if (!recurrence[i] || weights[i] || !isa<linalg::CopyOp>(t.op))
      continue;
    for (size_t j = 0; j < i && !weights[i]; ++j)
      weights[i] = weights[j] && llvm::any_of(t.writes, [&](Value w) {
                     return llvm::is_contained(ops[j].reads, w);
                   });
  }
}

/// With a lookahead correction (ttt-gpu-lookahead-products marks it): the
/// recurrence's ops off the cycle through the carried value it writes (the
/// ops from the top of the step that depend on that value and feed the
/// correction; none without a correction). On their own group the cycle's
/// ops no longer wait behind the bias's update, its broadcasts and the
/// correction's coefficients.
SmallVector<bool> offCycleOps(ArrayRef<Touches> ops,
                              ArrayRef<bool> recurrence) {
  SmallVector<bool> offCycle(ops.size(), false);
  auto marked = llvm::find_if(ops, [](const Touches &t) {
    return t.op->hasAttr(ttt::lookahead::kCorrectionAttr);
  });
  if (marked == ops.end())
    return offCycle;
  size_t c = marked - ops.begin();
  auto readsAny = [&](size_t i, const DenseSet<Value> &values) {
    return llvm::any_of(ops[i].reads,
                        [&](Value r) { return values.contains(r); });
  };
  SmallVector<bool> onCycle(ops.size(), false);
  // Depending on the previous step's value...
  DenseSet<Value> fromCarried(ops[c].writes.begin(), ops[c].writes.end());
  for (size_t i = 0; i < c; ++i)
    if (readsAny(i, fromCarried)) {
      onCycle[i] = true;
      fromCarried.insert(ops[i].writes.begin(), ops[i].writes.end());
    }
  // ... and feeding this step's correction.
  DenseSet<Value> feedsCorrection(ops[c].reads.begin(), ops[c].reads.end());
  for (size_t i = c; i-- > 0;) {
    bool feeds = llvm::any_of(
        ops[i].writes, [&](Value w) { return feedsCorrection.contains(w); });
    onCycle[i] = onCycle[i] && feeds;
    if (feeds)
      feedsCorrection.insert(ops[i].reads.begin(), ops[i].reads.end());
  }
  onCycle[c] = true;
  for (size_t i = 0; i < ops.size(); ++i)
    offCycle[i] = recurrence[i] && !onCycle[i];
  return offCycle;
}

/// The body op (index into `ops`) whose write op `j`'s input `v` reads:
/// for the loop's own iteration argument (through casts), the body's last
/// writer of what the previous iteration yielded; else the nearest writer
/// before `j` (`writerOf`).
std::optional<size_t> writerOfInput(
    ArrayRef<Touches> ops, scf::ForOp loop, size_t j, Value v,
    llvm::function_ref<std::optional<size_t>(size_t, Value)> writerOf) {
  auto arg = dyn_cast<BlockArgument>(ttt::throughCasts(v));
  bool carried =
      arg && arg.getOwner() == loop.getBody() && arg != loop.getInductionVar();
  std::optional<size_t> found;
  for (Value r : rootsOf(v)) {
    std::optional<size_t> w = writerOf(carried ? ops.size() : j, r);
    if (w && (!found || *w > *found))
      found = w;
  }
  return found;
}

/// lean-weights: the recurrence's ops off the correction's cycle
/// (`offCycle`) that are not contractions and whose results a weight op
/// reads, transitively: the conversions of K, the refills the rotated
/// update reads, the carried bias's copy. The weight group then runs only
/// the update, the products reading W and what feeds them.
void addWeightFeeders(
    ArrayRef<Touches> ops, scf::ForOp loop, ArrayRef<bool> offCycle,
    llvm::function_ref<std::optional<size_t>(size_t, Value)> writerOf,
    MutableArrayRef<bool> weights) {
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t j = 0; j < ops.size(); ++j) {
      if (!weights[j])
        continue;
      linalg::LinalgOp op = ops[j].op;
      for (OpOperand *in : op.getDpsInputOperands()) {
        if (!isa<MemRefType>(in->get().getType()))
          continue;
        std::optional<size_t> i =
            writerOfInput(ops, loop, j, in->get(), writerOf);
        if (!i || *i == j || weights[*i] || !offCycle[*i] ||
            ttt::isContraction(ops[*i].op))
          continue;
        weights[*i] = true;
        changed = true;
      }
    }
  }
}

/// lean-weights: the output chain's contraction that reads the fast
/// weights (what a weight contraction accumulates into) and starts from
/// zero (Q W), where the output chain's next op on its result only adds
/// to it (the attention term), writes a buffer of its own instead, which
/// that op starts from (ttt.init_from): on the weight group, it hands the
/// output group Q W (4 KB) instead of the weights (16 KB). Returns its
/// index, or none.
std::optional<size_t> handOffWeightProduct(MutableArrayRef<Touches> ops,
                                           ArrayRef<bool> recurrence,
                                           ArrayRef<bool> weights) {
  DenseSet<Value> weightBuffers;
  for (auto [t, weight] : llvm::zip(ops, weights))
    if (weight && ttt::isContraction(t.op))
      for (Value w : t.writes)
        if (llvm::is_contained(t.reads, w))
          weightBuffers.insert(w);
  for (size_t i = 0; i < ops.size(); ++i) {
    auto product = dyn_cast<linalg::GenericOp>(ops[i].op.getOperation());
    if (recurrence[i] || !product || !ttt::isContraction(ops[i].op) ||
        product.getNumDpsInits() != 1 || !ttt::startsElsewhere(product, 0) ||
        ttt::initInputOf(product, 0) ||
        llvm::none_of(ops[i].reads,
                      [&](Value r) { return weightBuffers.contains(r); }))
      continue;
    Value result = product.getDpsInitOperand(0)->get();
    auto alloc = result.getDefiningOp<memref::AllocOp>();
    if (!alloc || ops[i].writes.size() != 1)
      continue;
    // The next op touching the result adds to it, in the output chain.
    for (size_t k = i + 1; k < ops.size(); ++k) {
      if (!llvm::is_contained(ops[k].reads, ops[i].writes[0]) &&
          !llvm::is_contained(ops[k].writes, ops[i].writes[0]))
        continue;
      auto sum = dyn_cast<linalg::GenericOp>(ops[k].op.getOperation());
      std::optional<unsigned> index =
          sum ? ttt::accumulatingOutput(sum, result) : std::nullopt;
      if (recurrence[k] || !index || ttt::startsElsewhere(sum, *index))
        return std::nullopt;
      OpBuilder b(alloc);
      b.setInsertionPointAfter(alloc);
      Value own = memref::AllocOp::create(b, alloc.getLoc(), alloc.getType(),
                                          alloc.getDynamicSizes(),
                                          alloc.getSymbolOperands(),
                                          alloc.getAlignmentAttr())
                      .getResult();
      product.getDpsInitOperand(0)->set(own);
      AffineMap outMap =
          sum.getMatchingIndexingMap(sum.getDpsInitOperand(*index));
      ttt::appendPairedInput(sum, own, outMap, ttt::kInitFromAttr, *index);
      ops[i] = touchesOf(ops[i].op);
      ops[k] = touchesOf(ops[k].op);
      return i;
    }
  }
  return std::nullopt;
}

/// The output chain's tail (tail-warps): its ops after the last one that
/// reads a buffer the recurrence writes (fla: the output LayerNorm, the
/// residual and the store, after Z meets G and the per-token bias). On a
/// group of their own they take one value a step from the output group
/// and run beside its next step. None where the chain ends with such a
/// reader or an op after it is a contraction (a tail worth no group).
SmallVector<bool> tailOps(ArrayRef<Touches> ops, ArrayRef<bool> recurrence) {
  DenseSet<Value> fromRecurrence;
  for (auto [t, inRecurrence] : llvm::zip(ops, recurrence))
    if (inRecurrence)
      fromRecurrence.insert(t.writes.begin(), t.writes.end());
  std::optional<size_t> lastReader;
  for (auto [i, t] : llvm::enumerate(ops))
    if (!recurrence[i] && llvm::any_of(t.reads, [&](Value r) {
          return fromRecurrence.contains(r);
        }))
      lastReader = i;
  SmallVector<bool> tail(ops.size(), false);
  if (!lastReader)
    return tail;
  for (size_t i = *lastReader + 1; i < ops.size(); ++i) {
    if (recurrence[i])
      continue;
    if (ttt::isContraction(ops[i].op))
      return SmallVector<bool>(ops.size(), false);
    tail[i] = true;
  }
  return tail;
}

/// Whether each op reads only what no op of the iteration writes, or what
/// earlier such ops wrote, and writes nothing carried or read before it.
SmallVector<bool> inputsOnlyOps(
    ArrayRef<Touches> ops, const DenseSet<Value> &yielded,
    llvm::function_ref<std::optional<size_t>(size_t, Value)> writerOf) {
  return markOps(ops, yielded,
                 [&](size_t i, Value r, ArrayRef<bool> inputsOnly) {
                   std::optional<size_t> j = writerOf(i, r);
                   return !j || (*j < i && inputsOnly[*j]);
                 });
}

/// The linalg ops of `loop`'s body other than `t`'s that read what it
/// writes.
SmallVector<Operation *> readersOf(scf::ForOp loop, const Touches &t) {
  SmallVector<Operation *> readers;
  for (Operation &other : *loop.getBody()) {
    auto l = dyn_cast<linalg::LinalgOp>(other);
    if (!l || l == t.op)
      continue;
    Touches o = touchesOf(l);
    if (llvm::any_of(t.writes,
                     [&](Value r) { return llvm::is_contained(o.reads, r); }))
      readers.push_back(&other);
  }
  return readers;
}

/// The warp group a body op is marked with (unmarked: 0, the recurrence).
int64_t markedGroup(Operation *op) {
  auto g = op->getAttrOfType<IntegerAttr>(ttt::kWarpGroupAttr);
  return g ? g.getInt() : 0;
}

/// split-weights: the weight group's other ops on the chunk's inputs alone
/// (the correction's coefficients) go to group 3 where no op left on group
/// 2 reads what they write: group 2 keeps the ops its halves of the update
/// read (the learning rates' row, the conversions of K), group 3 the rest,
/// so the two blocks' steps weigh about the same (fp32: 3.76 against 4.06
/// ms at 1 x 32768 with them on group 2); those only the recurrence reads
/// go to it, except, with `coefficientsOnWeights`, contractions and what
/// reads their results (the correction's coefficients).
void moveInputOpsToSecondHalf(scf::ForOp loop, ArrayRef<Touches> ops,
                              ArrayRef<bool> weights, ArrayRef<bool> inputsOnly,
                              Value w, bool coefficientsOnWeights) {
  // The weight group's input ops that are contractions or read one's.
  SmallVector<bool> fromProducts(ops.size(), false);
  DenseSet<Value> products;
  for (auto [i, t] : llvm::enumerate(ops)) {
    if (!weights[i] || !inputsOnly[i])
      continue;
    fromProducts[i] =
        ttt::isContraction(t.op) ||
        llvm::any_of(t.reads, [&](Value r) { return products.contains(r); });
    if (fromProducts[i])
      products.insert(t.writes.begin(), t.writes.end());
  }
  for (size_t i = ops.size(); i-- > 0;) {
    const Touches &t = ops[i];
    Operation *op = linalg::LinalgOp(t.op).getOperation();
    if (!weights[i] || !inputsOnly[i] || llvm::is_contained(t.reads, w) ||
        llvm::is_contained(t.writes, w))
      continue;
    SmallVector<Operation *> readers = readersOf(loop, t);
    if (llvm::any_of(readers, [](Operation *r) { return markedGroup(r) == 2; }))
      continue;
    // Read by the recurrence alone (v - k; the correction's coefficients,
    // once the correction is their only reader): its own ops, with no
    // channel from a weight block (fp32 3.698 against 3.764 ms at
    // 1 x 32768).
    if (!readers.empty() && !(coefficientsOnWeights && fromProducts[i]) &&
        llvm::all_of(readers, [](Operation *r) { return markedGroup(r) == 0; }))
      op->removeAttr(ttt::kWarpGroupAttr);
    else
      op->setAttr(ttt::kWarpGroupAttr, OpBuilder(op).getI64IntegerAttr(3));
  }
}

/// split-weights: the weight group's contractions on W (the buffer its
/// update accumulates into) over groups 2 and 3 (WeightHalves.h).
void splitWeightOps(scf::ForOp loop, ArrayRef<Touches> ops,
                    ArrayRef<bool> weights, ArrayRef<bool> inputsOnly,
                    bool coefficientsOnWeights) {
  SmallVector<linalg::GenericOp> contractions;
  Value w;
  for (auto [t, weight] : llvm::zip(ops, weights)) {
    auto generic =
        dyn_cast<linalg::GenericOp>(linalg::LinalgOp(t.op).getOperation());
    if (!weight || !generic || !ttt::isContraction(t.op))
      continue;
    contractions.push_back(generic);
    for (Value r : t.writes)
      if (!w && llvm::is_contained(t.reads, r))
        w = r;
  }
  if (!w)
    return;
  moveInputOpsToSecondHalf(loop, ops, weights, inputsOnly, w,
                           coefficientsOnWeights);
  ttt::splitWeightHalves(loop, contractions, w, /*secondGroup=*/3);
}

/// Which ops group 2 takes, if any.
enum class ThirdGroup { None, Weights, Tail };

/// Marks the output chain of `loop` (with `offloadInputs`, also the
/// recurrence's ops on the chunk's inputs alone; group 2: the weight ops
/// or the output chain's tail) and moves the buffers the marked ops touch
/// before the loop. Returns whether it marked output and group-2 ops.
std::pair<bool, bool> splitLoop(scf::ForOp loop, bool deferOutput,
                                bool offloadInputs, ThirdGroup third,
                                bool leanWeights, bool splitWeights,
                                bool coefficientsOnWeights) {
  Block &body = *loop.getBody();
  std::optional<SmallVector<Touches>> ops = bodyOps(body);
  if (!ops || ops->empty())
    return {false, false};
  size_t n = ops->size();
  DenseSet<Value> written;
  for (const Touches &t : *ops)
    written.insert(t.writes.begin(), t.writes.end());
  // What the loop leaves for later: the buffers read after it by ops that
  // write nothing the body writes (the final weights, not the output's
  // last chunk, even when a rotated output chain finishes after it) and
  // that do not finish the last output slice from carried values.
  DenseSet<Value> kept;
  for (Operation *it = loop->getNextNode(); it; it = it->getNextNode())
    it->walk([&](linalg::LinalgOp l) {
      if (l->hasAttr(ttt::kOutputEpilogueAttr))
        return;
      Touches t = touchesOf(l);
      if (llvm::none_of(t.writes, [&](Value r) { return written.contains(r); }))
        kept.insert(t.reads.begin(), t.reads.end());
    });
  // The recurrence: the last writers of what is kept (else, with nothing
  // kept, of what an iteration reads before writing it), and the writers
  // of what they read: the nearest before the reader, or for a value from
  // the previous iteration the last of the body. A buffer reused for
  // unrelated values (a row statistic of the update, later one of the
  // output) ties nothing.
  auto writes = [&](size_t j, Value r) {
    return llvm::is_contained((*ops)[j].writes, r);
  };
  auto writerOf = [&](size_t i, Value r) -> std::optional<size_t> {
    for (size_t j = i; j-- > 0;)
      if (writes(j, r))
        return j;
    for (size_t j = n; j-- > i;)
      if (writes(j, r))
        return j;
    return std::nullopt;
  };
  SmallVector<bool> recurrence(n, false);
  SmallVector<size_t> work;
  auto add = [&](std::optional<size_t> j) {
    if (j && !recurrence[*j]) {
      recurrence[*j] = true;
      work.push_back(*j);
    }
  };
  for (Value r : kept)
    add(writerOf(n, r));
  if (work.empty()) {
    DenseSet<Value> writtenSoFar;
    for (auto [i, t] : llvm::enumerate(*ops)) {
      for (Value r : t.reads)
        if (written.contains(r) && !writtenSoFar.contains(r))
          add(writerOf(i, r));
      writtenSoFar.insert(t.writes.begin(), t.writes.end());
    }
  }
  while (!work.empty()) {
    size_t i = work.pop_back_val();
    for (Value r : (*ops)[i].reads)
      add(writerOf(i, r));
  }
  // Worth its warps: the output chain holds a contraction (TTT-Linear's
  // official form keeps all but its last op in the recurrence: a group
  // for that alone would idle).
  bool outputContracts = false;
  for (auto [t, inRecurrence] : llvm::zip(*ops, recurrence))
    outputContracts |= !inRecurrence && t.op.getNumReductionLoops() > 0;
  if (!outputContracts || llvm::none_of(recurrence, [](bool r) { return r; }))
    return {false, false};
  OpBuilder b(loop);
  // A buffer the loop yields a view of is carried: ttt-gpu-private-buffers
  // copies it out at the end of the body, which a buffer allocated
  // before the loop would not get.
  DenseSet<Value> yielded;
  for (Value v : body.getTerminator()->getOperands())
    yielded.insert(ttt::rootOf(v));
  SmallVector<bool> offload(n, false);
  if (offloadInputs)
    offload = offloadable(*ops, recurrence, yielded, writerOf);
  SmallVector<bool> weights(n, false);
  if (third == ThirdGroup::Tail)
    weights = tailOps(*ops, recurrence);
  if (third == ThirdGroup::Weights) {
    weights = weightOps(loop, *ops, recurrence);
    if (llvm::is_contained(weights, true) && leanWeights) {
      // The weight group: the weight ops, Q W, what they read and the
      // off-cycle ops on the chunk's inputs alone (the correction's
      // coefficients); the output group the others (the per-token bias).
      if (std::optional<size_t> product =
              handOffWeightProduct(*ops, recurrence, weights))
        weights[*product] = true;
      SmallVector<bool> offCycle = offCycleOps(*ops, recurrence);
      SmallVector<bool> inputsOnly = inputsOnlyOps(*ops, yielded, writerOf);
      for (size_t i = 0; i < n; ++i)
        weights[i] = weights[i] || (offCycle[i] && inputsOnly[i]);
      addWeightFeeders(*ops, loop, offCycle, writerOf, weights);
      for (auto [i, off] : llvm::enumerate(offCycle))
        offload[i] = offload[i] || (off && !weights[i]);
    } else if (llvm::is_contained(weights, true)) {
      addInputOps(*ops, recurrence, inputsOnlyOps(*ops, yielded, writerOf),
                  weights);
      addRefills(*ops, recurrence, weights);
      for (auto [i, off] : llvm::enumerate(offCycleOps(*ops, recurrence)))
        weights[i] = weights[i] || off;
    }
  }
  DenseSet<Operation *> hoisted;
  std::optional<size_t> deferred;
  for (auto [i, t, inRecurrence, offloaded, weight] :
       llvm::enumerate(*ops, recurrence, offload, weights)) {
    if (inRecurrence && !offloaded && !weight)
      continue;
    bool output = !weight;
    t.op->setAttr(ttt::kWarpGroupAttr, b.getI64IntegerAttr(output ? 1 : 2));
    // A contraction, not a row statistic (a rotated output tail's, at the
    // top of the body, has nothing before it to wait for).
    if (output && deferOutput && !deferred && ttt::isContraction(t.op)) {
      t.op->setAttr(ttt::kWaitOtherGroupAttr, b.getUnitAttr());
      deferred = i;
    }
    // Its buffers live over the whole loop: the groups run side by side.
    for (Value r : llvm::concat<Value>(t.reads, t.writes)) {
      auto alloc = r.getDefiningOp<memref::AllocOp>();
      if (alloc && alloc->getBlock() == &body && alloc->getNumOperands() == 0 &&
          !yielded.contains(r) && hoisted.insert(alloc).second)
        alloc->moveBefore(loop);
    }
  }
  if (deferred)
    fillDeferredWait(*ops, recurrence, offload, *deferred);
  if (splitWeights && leanWeights && third == ThirdGroup::Weights)
    splitWeightOps(loop, *ops, weights, inputsOnlyOps(*ops, yielded, writerOf),
                   coefficientsOnWeights);
  return {true, llvm::is_contained(weights, true)};
}

struct TTTGPUOutputWarpsPass
    : ttt::impl::TTTGPUOutputWarpsBase<TTTGPUOutputWarpsPass> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUFuncOp kernel = getOperation();
    if (warps < 1 || warps > 31) {
      kernel.emitError("ttt-gpu-output-warps: warps must be in [1, 31]");
      return signalPassFailure();
    }
    if (weightWarps < 0 || warps + weightWarps > 31) {
      kernel.emitError("ttt-gpu-output-warps: weight-warps must be in "
                       "[0, 31 - warps]");
      return signalPassFailure();
    }
    if (tailWarps < 0 || warps + tailWarps > 31 ||
        (tailWarps > 0 && weightWarps > 0)) {
      kernel.emitError("ttt-gpu-output-warps: tail-warps must be in "
                       "[0, 31 - warps], and 0 with weight-warps");
      return signalPassFailure();
    }
    if (splitWeights &&
        (!leanWeights || weightWarps < 2 || weightWarps % 2 != 0)) {
      kernel.emitError("ttt-gpu-output-warps: split-weights needs "
                       "lean-weights and an even weight-warps");
      return signalPassFailure();
    }
    if (coefficientsOnWeights && !splitWeights) {
      kernel.emitError("ttt-gpu-output-warps: coefficients-on-weights needs "
                       "split-weights");
      return signalPassFailure();
    }
    ThirdGroup third = weightWarps > 0 ? ThirdGroup::Weights
                       : tailWarps > 0 ? ThirdGroup::Tail
                                       : ThirdGroup::None;
    SmallVector<scf::ForOp> loops;
    kernel.walk([&](scf::ForOp loop) {
      if (ttt::leadingBarrier(*loop.getBody()))
        loops.push_back(loop);
    });
    bool split = false, weighted = false;
    for (scf::ForOp loop : loops) {
      auto [s, w] = splitLoop(loop, deferOutput, offloadInputs, third,
                              leanWeights, splitWeights, coefficientsOnWeights);
      split |= s;
      weighted |= w;
    }
    OpBuilder b(kernel);
    if (split)
      kernel->setAttr(ttt::kOutputThreadsAttr, b.getI64IntegerAttr(32 * warps));
    // The third group's threads (ttt.weight_threads names the first use).
    if (weighted)
      kernel->setAttr(ttt::kWeightThreadsAttr,
                      b.getI64IntegerAttr(32 * (weightWarps + tailWarps)));
    bool halves = false;
    kernel.walk([&](linalg::GenericOp op) {
      auto g = op->getAttrOfType<IntegerAttr>(ttt::kWarpGroupAttr);
      halves |= g && g.getInt() == 3;
    });
    if (halves)
      kernel->setAttr(ttt::kSplitWeightsAttr, b.getUnitAttr());
  }
};

} // namespace
