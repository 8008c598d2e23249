//===- State.cpp - Create, reset and query streaming states ---------------===//

#include "Objects.h"

#include <cstring>
#include <new>

using namespace ttt::rt;

namespace ttt::rt {

ttt_status reportOn(ttt_state *s, const Error &e, ttt_error *err) {
  if (s)
    report(e, &s->last);
  return report(e, err);
}

int64_t mulChecked(int64_t a, int64_t b) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r))
    return -1;
  return r;
}

int64_t product(const std::vector<int64_t> &dims, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < dims.size() && i < to; ++i)
    p = mulChecked(p, dims[i]);
  return p;
}

std::string shapeStr(const int64_t *dims, size_t rank) {
  std::string s = "[";
  for (size_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

Error checkTensor(const ttt_tensor *t, ttt_dtype dtype,
                  const std::vector<int64_t> &shape, const std::string &what) {
  if (!t)
    return makeError(TTT_ERROR_ARGUMENT, what + ": tensor is null");
  if (t->dtype != dtype)
    return makeError(TTT_ERROR_DTYPE,
                     what + ": dtype " + ttt_dtype_name(t->dtype) +
                         ", expected " + ttt_dtype_name(dtype));
  if (t->rank < 0 || (t->rank > 0 && !t->shape))
    return makeError(TTT_ERROR_ARGUMENT, what + ": bad rank or null shape");
  std::string expected = shapeStr(shape.data(), shape.size());
  if (static_cast<size_t>(t->rank) != shape.size() ||
      !std::equal(shape.begin(), shape.end(), t->shape))
    return makeError(TTT_ERROR_SHAPE,
                     what + ": shape " +
                         shapeStr(t->shape, static_cast<size_t>(t->rank)) +
                         ", expected " + expected);
  int64_t bytes = mulChecked(product(shape), ttt_dtype_size(dtype));
  if (bytes < 0)
    return makeError(TTT_ERROR_SHAPE, what + ": size overflows");
  if (bytes > 0 && !t->data)
    return makeError(TTT_ERROR_ARGUMENT, what + ": data is null");
  if (t->size_bytes < static_cast<uint64_t>(bytes))
    return makeError(TTT_ERROR_ARGUMENT,
                     what + ": size_bytes " + std::to_string(t->size_bytes) +
                         " is less than the " + std::to_string(bytes) +
                         " bytes its shape needs");
  return Error::ok();
}

} // namespace ttt::rt

namespace {

const char *roleName(ttt_role r) {
  switch (r) {
  case TTT_ROLE_SEQUENCE:
    return "sequence";
  case TTT_ROLE_STATE:
    return "state";
  case TTT_ROLE_PARAM:
    return "param";
  case TTT_ROLE_SHARED:
    return "shared";
  case TTT_ROLE_OUTPUT:
    return "output";
  }
  return "?";
}

/// Resolves the shape of arg `spec` for the given chain dims from the
/// caller's tensor, checking everything the manifest fixes.
Error resolveShape(const ParamSpec &spec, const std::vector<int64_t> &chain,
                   const ttt_tensor *t, const std::string &what,
                   std::vector<int64_t> &shape) {
  if (!t)
    return makeError(TTT_ERROR_ARGUMENT, what + ": tensor is null");
  if (t->rank != static_cast<int32_t>(spec.shape.size()) ||
      (t->rank > 0 && !t->shape))
    return makeError(TTT_ERROR_SHAPE,
                     what + ": rank " + std::to_string(t->rank) +
                         ", expected " + std::to_string(spec.shape.size()));
  shape.assign(spec.shape.begin(), spec.shape.end());
  size_t cr = spec.role == TTT_ROLE_SHARED ? 0 : chain.size();
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < cr)
      shape[i] = chain[i];
    else if (shape[i] == -1)
      shape[i] = t->shape[i] >= 1 ? t->shape[i] : -1;
    if (shape[i] < 1)
      return makeError(TTT_ERROR_SHAPE,
                       what + ": dim " + std::to_string(i) + " must be >= 1");
  }
  return checkTensor(t, spec.dtype, shape, what);
}

Error create(const ttt_artifact *a, const ttt_state_config *c, ttt_state &s) {
  if (!a || !c)
    return makeError(TTT_ERROR_ARGUMENT,
                     "ttt_state_create: artifact or config is null");
  const Manifest &m = a->manifest;
  s.art = a;
  if (m.chainRank > 0 && !c->chain_dims)
    return makeError(TTT_ERROR_ARGUMENT, "chain_dims is null");
  for (int32_t i = 0; i < m.chainRank; ++i) {
    int64_t d = c->chain_dims[i];
    if (d < 1)
      return makeError(TTT_ERROR_ARGUMENT, "chain dim " + std::to_string(i) +
                                               " is " + std::to_string(d) +
                                               "; it must be >= 1");
    if (m.chainDims[i] != -1 && m.chainDims[i] != d)
      return makeError(TTT_ERROR_SHAPE, "chain dim " + std::to_string(i) +
                                            " is " + std::to_string(d) +
                                            " but the artifact is "
                                            "compiled for " +
                                            std::to_string(m.chainDims[i]));
    s.chainDims.push_back(d);
  }
  s.numChains = product(s.chainDims);
  if (s.numChains < 1)
    return makeError(TTT_ERROR_SHAPE, "too many chains");
  s.perChain = s.numChains > 1 && a->backend->splitsChains();
  for (int64_t d : m.chainDims)
    s.perChain = s.perChain && d == -1;

  const ttt_tensor *lists[] = {nullptr, c->states, c->params, c->shared};
  size_t counts[] = {0, c->num_states, c->num_params, c->num_shared};
  for (int r = TTT_ROLE_STATE; r <= TTT_ROLE_SHARED; ++r)
    if (counts[r] != a->byRole[r].size() || (counts[r] && !lists[r]))
      return makeError(TTT_ERROR_ARGUMENT,
                       "expected " + std::to_string(a->byRole[r].size()) + " " +
                           roleName(ttt_role(r)) + " tensors, got " +
                           std::to_string(counts[r]) +
                           (counts[r] && !lists[r] ? " (null list)" : ""));

  size_t n = m.args.size();
  s.perChainElems.assign(n, 0);
  s.shapes.assign(n, {});
  for (auto *v :
       {&s.initial, &s.boundary, &s.current, &s.next, &s.constant, &s.buffer})
    v->assign(n, {});
  std::vector<size_t> pos(5, 0);
  for (size_t i = 0; i < n; ++i) {
    const ParamSpec &p = m.args[i];
    size_t k = pos[p.role]++;
    std::string what = std::string(roleName(p.role)) + " \"" + p.name + "\"";
    if (p.role == TTT_ROLE_SEQUENCE) {
      s.shapes[i] = p.shape;
      for (int32_t d = 0; d < m.chainRank; ++d)
        s.shapes[i][d] = s.chainDims[d];
      s.shapes[i][m.chainRank] = 0;
      s.perChainElems[i] = product(p.shape, m.chainRank + 1);
      int64_t bytes = mulChecked(
          mulChecked(mulChecked(s.numChains, m.chunkSize), s.perChainElems[i]),
          ttt_dtype_size(p.dtype));
      if (bytes < 0)
        return makeError(TTT_ERROR_SHAPE, what + ": buffer size overflows");
      s.buffer[i].resize(bytes);
      continue;
    }
    const ttt_tensor *t = &lists[p.role][k];
    if (Error e = resolveShape(p, s.chainDims, t, what, s.shapes[i]))
      return e;
    size_t cr = p.role == TTT_ROLE_SHARED ? 0 : m.chainRank;
    s.perChainElems[i] = product(s.shapes[i], cr);
    Bytes copy(static_cast<const uint8_t *>(t->data),
               static_cast<const uint8_t *>(t->data) +
                   product(s.shapes[i]) * ttt_dtype_size(p.dtype));
    if (p.role == TTT_ROLE_STATE) {
      s.initial[i] = copy;
      s.boundary[i] = copy;
      s.next[i].resize(copy.size());
      s.current[i] = std::move(copy);
    } else {
      s.constant[i] = std::move(copy);
    }
  }
  s.resultElems.assign(m.results.size(), 0);
  for (size_t i = 0; i < m.results.size(); ++i) {
    const ParamSpec &r = m.results[i];
    s.resultElems[i] = r.role == TTT_ROLE_OUTPUT
                           ? product(r.shape, m.chainRank + 1)
                           : s.perChainElems[r.pair];
  }
  s.pool = std::make_unique<ThreadPool>(c->num_threads);
  return a->backend->attach(s, s.device);
}

} // namespace

extern "C" {

ttt_status ttt_state_create(const ttt_artifact *a, const ttt_state_config *c,
                            ttt_state **out, ttt_error *err) {
  if (!out)
    return report(makeError(TTT_ERROR_ARGUMENT, "ttt_state_create: out is "
                                                "null"),
                  err);
  *out = nullptr;
  try {
    auto s = std::make_unique<ttt_state>();
    if (Error e = create(a, c, *s))
      return report(e, err);
    *out = s.release();
    return report(Error::ok(), err);
  } catch (const std::bad_alloc &) {
    return report(
        makeError(TTT_ERROR_OUT_OF_MEMORY, "ttt_state_create: out of memory"),
        err);
  } catch (const std::exception &ex) {
    return report(makeError(TTT_ERROR_INTERNAL,
                            std::string("ttt_state_create: ") + ex.what()),
                  err);
  }
}

void ttt_state_free(ttt_state *s) { delete s; }

ttt_status ttt_state_reset(ttt_state *s) {
  if (!s)
    return TTT_ERROR_ARGUMENT;
  if (s->art->backend->keepsState() && s->device)
    if (Error e = s->device->reset(*s))
      return reportOn(s, e, nullptr);
  for (size_t i = 0; i < s->initial.size(); ++i)
    if (!s->initial[i].empty()) {
      s->boundary[i] = s->initial[i];
      s->current[i] = s->initial[i];
    }
  s->buffered = 0;
  s->currentIsBoundary = true;
  s->tokensSeen = 0;
  return reportOn(s, Error::ok(), nullptr);
}

ttt_status ttt_state_set_threads(ttt_state *s, int32_t num_threads) {
  if (!s)
    return TTT_ERROR_ARGUMENT;
  try {
    s->pool = std::make_unique<ThreadPool>(num_threads);
  } catch (const std::exception &ex) {
    return reportOn(s, makeError(TTT_ERROR_INTERNAL, ex.what()), nullptr);
  }
  return reportOn(s, Error::ok(), nullptr);
}

const int64_t *ttt_state_chain_dims(const ttt_state *s) {
  return s ? s->chainDims.data() : nullptr;
}

int64_t ttt_state_tokens_seen(const ttt_state *s) {
  return s ? s->tokensSeen : 0;
}

ttt_status ttt_state_read_weights(ttt_state *s, size_t i,
                                  const ttt_tensor *dst) {
  if (!s)
    return TTT_ERROR_ARGUMENT;
  const auto &states = s->art->byRole[TTT_ROLE_STATE];
  if (i >= states.size())
    return reportOn(
        s,
        makeError(TTT_ERROR_ARGUMENT,
                  "ttt_state_read_weights: no state " + std::to_string(i)),
        nullptr);
  size_t a = states[i];
  const ParamSpec &p = s->art->manifest.args[a];
  if (Error e =
          checkTensor(dst, p.dtype, s->shapes[a], "weights \"" + p.name + "\""))
    return reportOn(s, e, nullptr);
  if (s->art->backend->keepsState() && s->device)
    return reportOn(s,
                    s->device->readWeights(a, s->currentIsBoundary, dst->data,
                                           s->initial[a].size()),
                    nullptr);
  const Bytes &src = s->currentIsBoundary ? s->boundary[a] : s->current[a];
  if (!src.empty())
    std::memcpy(dst->data, src.data(), src.size());
  return reportOn(s, Error::ok(), nullptr);
}

size_t ttt_state_memory_bytes(const ttt_state *s) {
  if (!s)
    return 0;
  size_t n = 0;
  for (auto *v : {&s->initial, &s->boundary, &s->current, &s->next,
                  &s->constant, &s->buffer})
    for (const Bytes &b : *v)
      n += b.capacity();
  return n;
}

const ttt_error *ttt_state_last_error(const ttt_state *s) {
  return s ? &s->last : nullptr;
}

} // extern "C"
