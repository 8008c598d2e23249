//===- Prefill.cpp - Streaming prefill and decode -------------------------===//
//
// The entry counts positions inside a mini-batch from the start of the span
// it is given, so a span must start at a mini-batch boundary. The state
// therefore keeps the weights at the last boundary plus the m < chunk tokens
// seen since. A call with n new tokens runs the entry over the m + n tokens:
// full mini-batches commit new boundary weights; a trailing partial batch is
// run from those weights, its tokens stay buffered and its weights become
// the "current" ones. Only the outputs of the n new tokens are returned.
// Repeating the buffered tokens costs at most chunk - 1 tokens per call.
//
//===----------------------------------------------------------------------===//

#include "Objects.h"

#include <algorithm>
#include <cstring>
#include <new>

using namespace ttt::rt;

namespace {

struct Call {
  ttt_state &s;
  const Manifest &m;
  int64_t n;                              // new tokens
  int64_t mBuf;                           // tokens buffered before this call
  std::vector<const ttt_tensor *> input;  // per arg (sequence only)
  std::vector<const ttt_tensor *> output; // per result (outputs only)
};

uint8_t *at(Bytes &b, int64_t elem, size_t es) { return b.data() + elem * es; }
uint8_t *at(void *p, int64_t elem, size_t es) {
  return static_cast<uint8_t *>(p) + elem * es;
}

/// Runs the entry over virtual tokens [v0, v0 + len) (buffered tokens
/// first, then the new ones) for task `task`: one chain, or all of them.
/// The backend sees one Span of contiguous host buffers; this function
/// alone decides what is buffered, committed and handed back.
Error runPiece(Call &c, int64_t v0, int64_t len, bool commit, int64_t task) {
  ttt_state &s = c.s;
  const Manifest &m = c.m;
  const size_t cr = m.chainRank;
  const int64_t C = m.chunkSize;
  const int64_t c0 = s.perChain ? task : 0;
  const int64_t k = s.perChain ? 1 : s.numChains;
  const std::vector<int64_t> chainSizes =
      s.perChain ? std::vector<int64_t>(cr, 1) : s.chainDims;
  const int64_t vNew = std::max(v0, c.mBuf); // first new token in the piece

  // New tokens only, and contiguous in the caller's arrays (one chain, or
  // the whole call as one span): the entry reads the inputs and writes the
  // outputs in place.
  const bool direct = v0 >= c.mBuf && (k == 1 || len == c.n);
  // Chains split over the pool get their own buffers; one span over all
  // chains reuses the state's.
  std::vector<Bytes> local;
  std::vector<Bytes> &scratch = s.perChain ? local : s.spanScratch;
  scratch.resize(m.args.size() + m.results.size());
  Span span;
  span.tokens = len;
  span.chains = k;
  span.params.resize(m.args.size() + m.results.size());
  std::vector<int64_t> sizes;
  auto sized = [&](const std::vector<int64_t> &full, size_t skip, bool withT) {
    sizes = chainSizes;
    if (withT)
      sizes.push_back(len);
    sizes.insert(sizes.end(), full.begin() + skip, full.end());
  };
  auto set = [&](size_t i, void *data, int64_t elems, size_t es,
                 Slot slot = Slot::Host, size_t arg = 0) {
    SpanParam &p = span.params[i];
    p.data = data;
    p.bytes = elems * es;
    p.sizes = sizes;
    p.slot = slot;
    p.arg = arg;
  };

  for (size_t i = 0; i < m.args.size(); ++i) {
    const ParamSpec &p = m.args[i];
    const size_t es = ttt_dtype_size(p.dtype);
    const int64_t pce = s.perChainElems[i];
    switch (p.role) {
    case TTT_ROLE_SEQUENCE: {
      sized(p.shape, cr + 1, true);
      if (direct) {
        set(i, at(c.input[i]->data, (c0 * c.n + v0 - c.mBuf) * pce, es),
            k * len * pce, es);
        break;
      }
      Bytes &buf = scratch[i];
      buf.resize(k * len * pce * es);
      for (int64_t ch = 0; ch < k; ++ch) {
        int64_t chain = c0 + ch;
        uint8_t *dst = at(buf, ch * len * pce, es);
        int64_t fromBuf = std::max<int64_t>(0, std::min(v0 + len, c.mBuf) - v0);
        if (fromBuf > 0)
          std::memcpy(dst, at(s.buffer[i], (chain * C + v0) * pce, es),
                      fromBuf * pce * es);
        int64_t fromNew = len - fromBuf;
        if (fromNew > 0)
          std::memcpy(
              dst + fromBuf * pce * es,
              at(c.input[i]->data, (chain * c.n + vNew - c.mBuf) * pce, es),
              fromNew * pce * es);
      }
      set(i, buf.data(), k * len * pce, es);
      break;
    }
    case TTT_ROLE_STATE:
      sized(s.shapes[i], cr, false);
      set(i, at(s.boundary[i], c0 * pce, es), k * pce, es, Slot::Boundary, i);
      break;
    case TTT_ROLE_PARAM:
      sized(s.shapes[i], cr, false);
      set(i, at(s.constant[i], c0 * pce, es), k * pce, es, Slot::Constant, i);
      break;
    case TTT_ROLE_SHARED:
      sizes = s.shapes[i];
      set(i, s.constant[i].data(), pce, es, Slot::Constant, i);
      break;
    case TTT_ROLE_OUTPUT:
      break;
    }
  }
  for (size_t j = 0; j < m.results.size(); ++j) {
    const ParamSpec &r = m.results[j];
    const size_t es = ttt_dtype_size(r.dtype);
    const size_t at_ = m.args.size() + j;
    if (r.role == TTT_ROLE_OUTPUT && direct) {
      sized(r.shape, cr + 1, true);
      set(at_,
          at(c.output[j]->data, (c0 * c.n + v0 - c.mBuf) * s.resultElems[j],
             es),
          k * len * s.resultElems[j], es);
    } else if (r.role == TTT_ROLE_OUTPUT) {
      Bytes &buf = scratch[at_];
      buf.resize(k * len * s.resultElems[j] * es);
      sized(r.shape, cr + 1, true);
      set(at_, buf.data(), k * len * s.resultElems[j], es);
    } else {
      size_t a = r.pair;
      Bytes &dst = commit ? s.next[a] : s.current[a];
      sized(s.shapes[a], cr, false);
      set(at_, at(dst, c0 * s.perChainElems[a], es), k * s.perChainElems[a],
          es, commit ? Slot::Next : Slot::Current, a);
    }
  }

  if (Error e = s.art->backend->run(s.device.get(), span))
    return e;

  // Hand back the outputs of new tokens only.
  const int64_t newInPiece = v0 + len - vNew;
  for (size_t j = 0; j < m.results.size(); ++j) {
    const ParamSpec &r = m.results[j];
    if (r.role != TTT_ROLE_OUTPUT || newInPiece <= 0 || direct)
      continue;
    const size_t es = ttt_dtype_size(r.dtype);
    const int64_t f = s.resultElems[j];
    for (int64_t ch = 0; ch < k; ++ch) {
      int64_t chain = c0 + ch;
      std::memcpy(
          at(c.output[j]->data, (chain * c.n + vNew - c.mBuf) * f, es),
          at(scratch[m.args.size() + j], (ch * len + vNew - v0) * f, es),
          newInPiece * f * es);
    }
  }
  if (commit && !s.art->backend->keepsState())
    for (size_t i = 0; i < m.args.size(); ++i)
      if (m.args[i].role == TTT_ROLE_STATE) {
        const size_t es = ttt_dtype_size(m.args[i].dtype);
        const int64_t pce = s.perChainElems[i];
        std::memcpy(at(s.boundary[i], c0 * pce, es),
                    at(s.next[i], c0 * pce, es), k * pce * es);
      }
  return Error::ok();
}

/// Runs one piece over every task, turning task failures into an Error.
Error runPieceAll(Call &c, int64_t v0, int64_t len, bool commit) {
  int64_t tasks = c.s.perChain ? c.s.numChains : 1;
  if (tasks == 1) // no pool: a backend may rely on the calling thread
    return runPiece(c, v0, len, commit, 0);
  std::vector<Error> failed(tasks);
  c.s.pool->parallelFor(tasks, [&](int64_t t) {
    try {
      failed[t] = runPiece(c, v0, len, commit, t);
    } catch (...) { // bad_alloc: must not escape a worker thread
      failed[t] = makeError(TTT_ERROR_OUT_OF_MEMORY,
                            "prefill: out of memory (the state must be "
                            "reset)");
    }
  });
  for (const Error &e : failed)
    if (e)
      return e;
  return Error::ok();
}

Error validate(ttt_state &s, int64_t n, const ttt_tensor *inputs,
               size_t numInputs, const ttt_tensor *outputs, size_t numOutputs,
               Call &c) {
  const ttt_artifact &a = *s.art;
  if (n < 1)
    return makeError(TTT_ERROR_ARGUMENT, "prefill: n is " + std::to_string(n) +
                                             "; at least one token is needed");
  const auto &seq = a.byRole[TTT_ROLE_SEQUENCE];
  const auto &outs = a.byRole[TTT_ROLE_OUTPUT];
  if (numInputs != seq.size() || (numInputs && !inputs))
    return makeError(TTT_ERROR_ARGUMENT,
                     "prefill: expected " + std::to_string(seq.size()) +
                         " sequence inputs, got " + std::to_string(numInputs) +
                         (numInputs && !inputs ? " (null list)" : ""));
  if (numOutputs != outs.size() || (numOutputs && !outputs))
    return makeError(TTT_ERROR_ARGUMENT,
                     "prefill: expected " + std::to_string(outs.size()) +
                         " outputs, got " + std::to_string(numOutputs) +
                         (numOutputs && !outputs ? " (null list)" : ""));
  const Manifest &m = a.manifest;
  c.input.assign(m.args.size(), nullptr);
  c.output.assign(m.results.size(), nullptr);
  std::vector<int64_t> shape;
  for (size_t k = 0; k < seq.size(); ++k) {
    const ParamSpec &p = m.args[seq[k]];
    shape = s.shapes[seq[k]];
    shape[m.chainRank] = n;
    if (Error e = checkTensor(&inputs[k], p.dtype, shape,
                              "prefill: input \"" + p.name + "\""))
      return e;
    c.input[seq[k]] = &inputs[k];
  }
  for (size_t k = 0; k < outs.size(); ++k) {
    const ParamSpec &r = m.results[outs[k]];
    shape = s.chainDims;
    shape.push_back(n);
    shape.insert(shape.end(), r.shape.begin() + m.chainRank + 1, r.shape.end());
    if (Error e = checkTensor(&outputs[k], r.dtype, shape,
                              "prefill: output \"" + r.name + "\""))
      return e;
    c.output[outs[k]] = &outputs[k];
  }
  if (mulChecked(n, 1) < 0 || n > INT64_MAX - s.tokensSeen - m.chunkSize)
    return makeError(TTT_ERROR_ARGUMENT, "prefill: token count overflows");
  return Error::ok();
}

/// Keeps the tokens after the last full mini-batch for the next call.
void updateBuffer(Call &c, int64_t full, int64_t rem) {
  ttt_state &s = c.s;
  const int64_t C = c.m.chunkSize;
  for (size_t i = 0; i < c.m.args.size(); ++i) {
    if (c.m.args[i].role != TTT_ROLE_SEQUENCE)
      continue;
    const size_t es = ttt_dtype_size(c.m.args[i].dtype);
    const int64_t f = s.perChainElems[i];
    for (int64_t ch = 0; ch < s.numChains; ++ch) {
      if (full == 0) // append the n new tokens after the m buffered ones
        std::memcpy(at(s.buffer[i], (ch * C + c.mBuf) * f, es),
                    at(c.input[i]->data, ch * c.n * f, es), c.n * f * es);
      else if (rem > 0) // all leftovers are new tokens
        std::memcpy(at(s.buffer[i], ch * C * f, es),
                    at(c.input[i]->data, (ch * c.n + c.n - rem) * f, es),
                    rem * f * es);
    }
  }
}

Error prefill(ttt_state &s, int64_t n, const ttt_tensor *inputs,
              size_t numInputs, const ttt_tensor *outputs, size_t numOutputs) {
  Call c{s, s.art->manifest, n, s.buffered, {}, {}};
  if (Error e = validate(s, n, inputs, numInputs, outputs, numOutputs, c))
    return e;
  const int64_t C = c.m.chunkSize;
  const int64_t total = c.mBuf + n;
  const int64_t full = total / C * C;
  const int64_t rem = total - full;
  // Spans of the backend's piece size over full mini-batches, so that
  // scratch memory does not grow with n; rounded down to the chunk size.
  const int64_t piece =
      std::max<int64_t>(C, s.art->backend->pieceTokens() / C * C);
  for (int64_t v0 = 0; v0 < full; v0 += piece)
    if (Error e = runPieceAll(c, v0, std::min(piece, full - v0), true))
      return e;
  if (rem > 0)
    if (Error e = runPieceAll(c, full, rem, false))
      return e;
  if (s.device)
    if (Error e = s.device->finish())
      return e;
  updateBuffer(c, full, rem);
  s.buffered = rem;
  s.currentIsBoundary = rem == 0;
  s.tokensSeen += n;
  return Error::ok();
}

} // namespace

extern "C" {

ttt_status ttt_prefill(ttt_state *s, int64_t n, const ttt_tensor *inputs,
                       size_t num_inputs, const ttt_tensor *outputs,
                       size_t num_outputs, ttt_error *err) {
  if (!s)
    return report(makeError(TTT_ERROR_ARGUMENT, "prefill: state is null"), err);
  try {
    return reportOn(s, prefill(*s, n, inputs, num_inputs, outputs, num_outputs),
                    err);
  } catch (const std::bad_alloc &) {
    return reportOn(
        s, makeError(TTT_ERROR_OUT_OF_MEMORY, "prefill: out of memory"), err);
  } catch (const std::exception &ex) {
    return reportOn(
        s, makeError(TTT_ERROR_INTERNAL, std::string("prefill: ") + ex.what()),
        err);
  }
}

ttt_status ttt_decode(ttt_state *s, const ttt_tensor *inputs, size_t num_inputs,
                      const ttt_tensor *outputs, size_t num_outputs,
                      ttt_error *err) {
  return ttt_prefill(s, 1, inputs, num_inputs, outputs, num_outputs, err);
}

} // extern "C"
