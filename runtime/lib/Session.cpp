//===- Session.cpp - Model sessions: states, prefill and decode -----------===//
//
// A request span of n tokens is split per sequence (docs/MODEL.md): decode
// steps up to the next mini-batch boundary, then the largest prefill
// entries that fit, then decode steps for the rest. Prefill entries thus
// always start at a boundary (position p mod BT == 0, grads zero). Every
// entry reads the state blob and writes the other one of the pair. A cuda
// model's sequences live on the device (DeviceSession, cuda/CudaModel.cpp)
// and run one after the other; a cpu model's run on the session's pool.
//
//===----------------------------------------------------------------------===//

#include "Model.h"
#include "Objects.h"

#include <algorithm>
#include <cstring>
#include <new>

using namespace ttt::rt;

namespace ttt::rt {

ttt_status reportOnSession(ttt_session *s, const Error &e, ttt_error *err) {
  if (s)
    report(e, &s->last);
  return report(e, err);
}

Error resetSession(ttt_session &s) {
  const ModelManifest &m = s.model->manifest;
  s.tokensSeen = 0;
  if (s.device)
    return s.device->reset();
  for (SessionSeq &q : s.seqs) {
    std::vector<float> &b = q.blob[0];
    std::fill(b.begin(), b.end(), 0.f);
    for (const BlobTensor &t : m.states)
      if (t.init >= 0)
        std::copy_n(s.model->weights.begin() + m.weights[t.init].offset,
                    t.elems, b.begin() + t.offset);
    // Both halves: an element no entry writes keeps its init value.
    q.blob[1] = b;
    q.cur = 0;
    q.lastRow = 0;
  }
  return Error::ok();
}

} // namespace ttt::rt

namespace {

using Step = ModelStep;

std::vector<Step> splitSpan(const ModelManifest &m, int64_t p, int64_t n) {
  std::vector<Step> steps;
  int64_t off = 0;
  if (int64_t r = p % m.miniBatch) {
    off = std::min(n, m.miniBatch - r);
    steps.push_back({-1, 0, off});
  }
  while (off < n) {
    size_t i = 0;
    while (i < m.prefills.size() && m.prefills[i].tokens > n - off)
      ++i;
    if (i == m.prefills.size()) {
      steps.push_back({-1, off, n - off});
      break;
    }
    steps.push_back({static_cast<int>(i), off, m.prefills[i].tokens});
    off += m.prefills[i].tokens;
  }
  return steps;
}

/// Runs the steps of one sequence over its n tokens `tok`, starting at
/// position p.
void runSequence(const ttt_model &model, SessionSeq &q, const int32_t *tok,
                 int64_t p, const std::vector<Step> &steps) {
  const ModelManifest &m = model.manifest;
  const int64_t V = m.vocabSize, S = m.statesSize, W = m.weightsSize;
  float *weights = const_cast<float *>(model.weights.data());
  std::vector<MemRefDesc> d(6);
  int64_t one = 1, sizes[2];
  auto logitsDesc = [&](MemRefDesc &desc, const ModelEntry &e) {
    sizes[0] = e.tokens;
    sizes[1] = V;
    if (e.allLogits)
      desc.set(q.logits.data(), sizes, 2);
    else
      desc.set(q.logits.data(), &V, 1);
    q.lastRow = e.allLogits ? (e.tokens - 1) * V : 0;
  };
  for (const Step &st : steps) {
    if (st.entry >= 0) {
      const ModelEntry &e = m.prefills[st.entry];
      d.resize(5);
      d[0].set(const_cast<int32_t *>(tok + st.offset), &e.tokens, 1);
      d[1].set(weights, &W, 1);
      d[2].set(q.blob[q.cur].data(), &S, 1);
      logitsDesc(d[3], e);
      d[4].set(q.blob[1 - q.cur].data(), &S, 1);
      callEntry(model.prefill[st.entry], d);
      q.cur ^= 1;
      continue;
    }
    d.resize(6);
    for (int64_t i = st.offset; i < st.offset + st.tokens; ++i) {
      int32_t token = tok[i];
      int32_t pos = static_cast<int32_t>((p + i) % m.miniBatch);
      d[0].set(&token, &one, 1);
      d[1].set(&pos, &one, 1);
      d[2].set(weights, &W, 1);
      d[3].set(q.blob[q.cur].data(), &S, 1);
      logitsDesc(d[4], m.decode);
      d[5].set(q.blob[1 - q.cur].data(), &S, 1);
      callEntry(model.decode, d);
      q.cur ^= 1;
    }
  }
}

Error checkTokens(const ttt_session &s, int64_t n, const int32_t *tokens) {
  if (n < 1)
    return makeError(TTT_ERROR_ARGUMENT, "prefill: n is " + std::to_string(n) +
                                             "; at least one token is needed");
  if (!tokens)
    return makeError(TTT_ERROR_ARGUMENT, "prefill: tokens is null");
  if (n > INT64_MAX / s.batch || n > INT64_MAX - s.tokensSeen)
    return makeError(TTT_ERROR_ARGUMENT, "prefill: token count overflows");
  const int64_t V = s.model->manifest.vocabSize;
  for (int64_t i = 0; i < s.batch * n; ++i)
    if (tokens[i] < 0 || tokens[i] >= V)
      return makeError(
          TTT_ERROR_ARGUMENT,
          "prefill: token id " + std::to_string(tokens[i]) + " (sequence " +
              std::to_string(i / n) + ", token " + std::to_string(i % n) +
              " of this call) is out of range [0, " + std::to_string(V) + ")");
  if (!s.model->hasWeights())
    return makeError(TTT_ERROR_ARGUMENT, "prefill: the model has no weights");
  return Error::ok();
}

Error prefill(ttt_session &s, int64_t n, const int32_t *tokens, float *logits) {
  if (Error e = checkTokens(s, n, tokens))
    return e;
  const std::vector<Step> steps = splitSpan(s.model->manifest, s.tokensSeen, n);
  const int64_t V = s.model->manifest.vocabSize;
  if (s.device) {
    for (int64_t b = 0; b < s.batch; ++b)
      if (Error e = s.device->run(b, tokens + b * n, s.tokensSeen, steps,
                                  logits ? logits + b * V : nullptr))
        return e;
    s.tokensSeen += n;
    return Error::ok();
  }
  std::vector<Error> failed(s.batch);
  auto run = [&](int64_t b) {
    try {
      runSequence(*s.model, s.seqs[b], tokens + b * n, s.tokensSeen, steps);
    } catch (...) { // bad_alloc: must not escape a worker thread
      failed[b] = makeError(TTT_ERROR_OUT_OF_MEMORY,
                            "prefill: out of memory (the session must be "
                            "reset)");
    }
  };
  if (s.batch == 1)
    run(0);
  else
    s.pool->parallelFor(s.batch, run);
  for (const Error &e : failed)
    if (e)
      return e;
  if (logits)
    for (int64_t b = 0; b < s.batch; ++b)
      std::memcpy(logits + b * V, s.seqs[b].logits.data() + s.seqs[b].lastRow,
                  V * sizeof(float));
  s.tokensSeen += n;
  return Error::ok();
}

Error create(const ttt_model *m, int64_t batch, ttt_session &s) {
  if (!m)
    return makeError(TTT_ERROR_ARGUMENT, "ttt_session_create: model is null");
  if (batch < 1)
    return makeError(TTT_ERROR_ARGUMENT, "ttt_session_create: batch is " +
                                             std::to_string(batch) +
                                             "; it must be >= 1");
  if (!m->hasWeights())
    return makeError(TTT_ERROR_ARGUMENT,
                     m->manifest.path +
                         ": no weights loaded (call ttt_model_load_weights "
                         "before ttt_session_create)");
  const ModelManifest &mm = m->manifest;
  const int64_t logitsElems = mm.logitsElems();
  int64_t perSeq = mulChecked(2, mm.statesSize);
  if (perSeq < 0 || mulChecked(batch, perSeq + logitsElems) < 0 ||
      mulChecked(mulChecked(batch, perSeq + logitsElems), 4) < 0)
    return makeError(TTT_ERROR_ARGUMENT, "ttt_session_create: batch " +
                                             std::to_string(batch) +
                                             " is too large");
  s.model = m;
  s.batch = batch;
  // A device session runs its sequences on the calling thread.
  s.pool = std::make_unique<ThreadPool>(m->device ? 1 : 0);
  if (m->device)
    return m->device->createSession(batch, s.device);
  s.seqs.resize(batch);
  for (SessionSeq &q : s.seqs) {
    q.blob[0].assign(mm.statesSize, 0.f);
    q.logits.assign(logitsElems, 0.f);
  }
  return resetSession(s);
}

} // namespace

extern "C" {

ttt_status ttt_session_create(const ttt_model *m, int64_t batch,
                              ttt_session **out, ttt_error *err) {
  if (!out)
    return report(
        makeError(TTT_ERROR_ARGUMENT, "ttt_session_create: out is null"), err);
  *out = nullptr;
  try {
    auto s = std::make_unique<ttt_session>();
    if (Error e = create(m, batch, *s))
      return report(e, err);
    *out = s.release();
    return report(Error::ok(), err);
  } catch (const std::bad_alloc &) {
    return report(
        makeError(TTT_ERROR_OUT_OF_MEMORY, "ttt_session_create: out of memory"),
        err);
  } catch (const std::exception &ex) {
    return report(makeError(TTT_ERROR_INTERNAL,
                            std::string("ttt_session_create: ") + ex.what()),
                  err);
  }
}

void ttt_session_free(ttt_session *s) { delete s; }

ttt_status ttt_session_reset(ttt_session *s) {
  if (!s)
    return TTT_ERROR_ARGUMENT;
  return reportOnSession(s, resetSession(*s), nullptr);
}

ttt_status ttt_session_set_threads(ttt_session *s, int32_t num_threads) {
  if (!s)
    return TTT_ERROR_ARGUMENT;
  try {
    if (!s->device) // else unused: sequences run on the calling thread
      s->pool = std::make_unique<ThreadPool>(num_threads);
  } catch (const std::exception &ex) {
    return reportOnSession(s, makeError(TTT_ERROR_INTERNAL, ex.what()),
                           nullptr);
  }
  return reportOnSession(s, Error::ok(), nullptr);
}

ttt_status ttt_session_prefill(ttt_session *s, int64_t n, const int32_t *tokens,
                               float *logits, ttt_error *err) {
  if (!s)
    return report(makeError(TTT_ERROR_ARGUMENT, "prefill: session is null"),
                  err);
  try {
    return reportOnSession(s, prefill(*s, n, tokens, logits), err);
  } catch (const std::exception &ex) {
    return reportOnSession(
        s, makeError(TTT_ERROR_INTERNAL, std::string("prefill: ") + ex.what()),
        err);
  }
}

ttt_status ttt_session_decode(ttt_session *s, const int32_t *tokens,
                              float *logits, ttt_error *err) {
  return ttt_session_prefill(s, 1, tokens, logits, err);
}

int64_t ttt_session_batch(const ttt_session *s) { return s ? s->batch : 0; }

int64_t ttt_session_tokens_seen(const ttt_session *s) {
  return s ? s->tokensSeen : 0;
}

ttt_status ttt_session_read_state(ttt_session *s, int64_t seq, const char *name,
                                  float *out, size_t count, ttt_error *err) {
  if (!s)
    return report(makeError(TTT_ERROR_ARGUMENT,
                            "ttt_session_read_state: session is "
                            "null"),
                  err);
  const ModelManifest &m = s->model->manifest;
  int i = name ? m.findState(name) : -1;
  Error e;
  if (seq < 0 || seq >= s->batch)
    e = makeError(TTT_ERROR_ARGUMENT, "read_state: no sequence " +
                                          std::to_string(seq) + " (batch " +
                                          std::to_string(s->batch) + ")");
  else if (i < 0)
    e = makeError(TTT_ERROR_ARGUMENT, std::string("read_state: no state \"") +
                                          (name ? name : "(null)") + "\"");
  else if (!out || count < static_cast<size_t>(m.states[i].elems))
    e = makeError(TTT_ERROR_ARGUMENT,
                  "read_state: state \"" + m.states[i].name + "\" has " +
                      std::to_string(m.states[i].elems) +
                      " elements; `out` holds " + std::to_string(count) +
                      (out ? "" : " (null)"));
  else if (s->device)
    e = s->device->readState(seq, m.states[i].offset, m.states[i].elems, out);
  else {
    const SessionSeq &q = s->seqs[seq];
    std::copy_n(q.blob[q.cur].begin() + m.states[i].offset, m.states[i].elems,
                out);
  }
  return reportOnSession(s, e, err);
}

size_t ttt_session_memory_bytes(const ttt_session *s) {
  if (!s)
    return 0;
  size_t n = 0;
  for (const SessionSeq &q : s->seqs)
    n += (q.blob[0].capacity() + q.blob[1].capacity() + q.logits.capacity()) *
         sizeof(float);
  return n;
}

size_t ttt_session_device_bytes(const ttt_session *s) {
  return s && s->device ? s->device->deviceBytes() : 0;
}

const ttt_error *ttt_session_last_error(const ttt_session *s) {
  return s ? &s->last : nullptr;
}

} // extern "C"
