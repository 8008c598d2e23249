//===- ToyModel.cpp - Test double of a compiled model artifact ------------===//
//
// NOT a language model: prefill_32 / prefill_16 / decode entries with the
// model entry ABI of docs/MODEL.md over a tiny per-sequence recurrence, so
// the runtime's session logic (splitting, double-buffered states, logits
// rows) is exercised exactly. Vocab V = 11, D = 4, mini-batch BT = 16.
//
// Weight blob [60]: embed [11, 4] @0, h0 [2, 2] @44, norm [4] @48,
// decay [1] @52 (56..59 unused). State blob [12]: pos @0, hash @1, h [4]
// @2 (init h0), grad [4] @6, the rest unused. Per token x at position
// p = pos, r = p mod BT:
//   hash  = (31 hash + 7 x + p + 1) mod 65521            (exact in f32)
//   h[d]  = decay h[d] + embed[x][d] norm[d]
//   grad[d] += embed[x][d] (r + 1);  at r = BT - 1: h += 0.001 grad, grad = 0
//   pos   = p + 1
// logits[v] = sum_d embed[v][d] h[d] + 0.001 ((hash (v + 1)) mod 101).
//
// The entries check their contract and turn every logit and state into
// NaN when it is broken: descriptors contiguous with the manifest's sizes,
// states_out not aliasing states, prefill only at a boundary (p mod BT = 0,
// grads zero), decode's position argument = p mod BT. With logging on
// (ttt_toy_model_log_enable) every call is recorded as (entry, p, tokens);
// entry 0 = prefill_32, 1 = prefill_16, 2 = decode.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <vector>

namespace {

constexpr int64_t kV = 11, kD = 4, kBT = 16, kW = 60, kS = 12;
constexpr int64_t kEmbed = 0, kH0 = 44, kNorm = 48, kDecay = 52;
constexpr int64_t kPos = 0, kHash = 1, kH = 2, kGrad = 6;

template <typename T, int R> struct Desc {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[R];
  int64_t strides[R];
};

template <typename T, int R>
bool dense(const void *p, const int64_t (&sizes)[R]) {
  auto *d = static_cast<const Desc<T, R> *>(p);
  int64_t s = 1;
  for (int i = R - 1; i >= 0; --i) {
    if (d->sizes[i] != sizes[i] || d->strides[i] != s)
      return false;
    s *= sizes[i];
  }
  return d->allocated == d->aligned && d->offset == 0 && d->aligned;
}

template <typename T, int R> T *data(void *p) {
  return static_cast<Desc<T, R> *>(p)->aligned;
}

std::mutex gMu;
bool gLogging = false;
std::vector<int64_t> gLog;

void record(int64_t entry, int64_t pos, int64_t tokens) {
  std::lock_guard<std::mutex> lock(gMu);
  if (!gLogging)
    return;
  gLog.insert(gLog.end(), {entry, pos, tokens});
}

void step(const float *w, float *s, int32_t x) {
  const int64_t p = static_cast<int64_t>(s[kPos]), r = p % kBT;
  const int64_t hash = static_cast<int64_t>(s[kHash]);
  s[kHash] = static_cast<float>((31 * hash + 7 * x + p + 1) % 65521);
  const float decay = w[kDecay];
  for (int64_t d = 0; d < kD; ++d) {
    const float e = w[kEmbed + x * kD + d];
    s[kH + d] = decay * s[kH + d] + e * w[kNorm + d];
    s[kGrad + d] += e * static_cast<float>(r + 1);
  }
  if (r == kBT - 1)
    for (int64_t d = 0; d < kD; ++d) {
      s[kH + d] += 0.001f * s[kGrad + d];
      s[kGrad + d] = 0.f;
    }
  s[kPos] = static_cast<float>(p + 1);
}

void logitsOf(const float *w, const float *s, float *out) {
  const int64_t hash = static_cast<int64_t>(s[kHash]);
  for (int64_t v = 0; v < kV; ++v) {
    float acc = 0.f;
    for (int64_t d = 0; d < kD; ++d)
      acc += w[kEmbed + v * kD + d] * s[kH + d];
    out[v] = acc + 0.001f * static_cast<float>((hash * (v + 1)) % 101);
  }
}

void poison(float *p, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    p[i] = NAN;
}

/// One sequence over `n` tokens; `allLogits`: logits [n, V], else [V].
void run(int64_t entry, int64_t n, bool allLogits, void *tokp, void *wp,
         void *sp, void *lp, void *op, int32_t position = -1) {
  const float *w = data<float, 1>(wp);
  const float *in = data<float, 1>(sp);
  float *out = data<float, 1>(op);
  float *logits = allLogits ? data<float, 2>(lp) : data<float, 1>(lp);
  const int64_t logitsElems = (allLogits ? n : 1) * kV;
  const int64_t p = in ? static_cast<int64_t>(in[kPos]) : -1;
  record(entry, p, n);
  bool ok =
      dense<int32_t, 1>(tokp, {n}) && dense<float, 1>(wp, {kW}) &&
      dense<float, 1>(sp, {kS}) && dense<float, 1>(op, {kS}) &&
      (allLogits ? dense<float, 2>(lp, {n, kV}) : dense<float, 1>(lp, {kV})) &&
      in != out;
  if (ok && position >= 0) // decode: r given
    ok = position == p % kBT;
  else if (ok) // prefill: at a boundary, grads zero
    for (int64_t d = 0; d < kD; ++d)
      ok = ok && p % kBT == 0 && in[kGrad + d] == 0.f;
  if (!ok) {
    if (out)
      poison(out, kS);
    if (logits)
      poison(logits, logitsElems);
    return;
  }
  const int32_t *tok = data<int32_t, 1>(tokp);
  for (int64_t i = 0; i < kS; ++i)
    out[i] = in[i];
  for (int64_t i = 0; i < n; ++i) {
    if (tok[i] < 0 || tok[i] >= kV) {
      poison(out, kS);
      poison(logits, logitsElems);
      return;
    }
    step(w, out, tok[i]);
    if (allLogits || i == n - 1)
      logitsOf(w, out, logits + (allLogits ? i * kV : 0));
  }
}

} // namespace

#define TOY_EXPORT extern "C" __attribute__((visibility("default")))

// ToyModelCuda.cpp includes this file for run() and defines its own entries.
#ifndef TOY_MODEL_NO_ENTRIES

/// [V] logits.
TOY_EXPORT void _mlir_ciface_prefill_32(void *tok, void *w, void *s, void *l,
                                        void *o) {
  run(0, 32, false, tok, w, s, l, o);
}

/// [16, V] logits (every position's).
TOY_EXPORT void _mlir_ciface_prefill_16(void *tok, void *w, void *s, void *l,
                                        void *o) {
  run(1, 16, true, tok, w, s, l, o);
}

TOY_EXPORT void _mlir_ciface_decode(void *tok, void *pos, void *w, void *s,
                                    void *l, void *o) {
  int64_t one[1] = {1};
  int32_t r = dense<int32_t, 1>(pos, one) ? *data<int32_t, 1>(pos) : -2;
  run(2, 1, false, tok, w, s, l, o, r < 0 ? kBT : r);
}

#endif // TOY_MODEL_NO_ENTRIES

TOY_EXPORT void ttt_toy_model_log_enable(int on) {
  std::lock_guard<std::mutex> lock(gMu);
  gLogging = on != 0;
  gLog.clear();
}

/// Copies up to `max` records (3 int64 each) to `out`; returns how many
/// there are.
TOY_EXPORT int64_t ttt_toy_model_log(int64_t *out, int64_t max) {
  std::lock_guard<std::mutex> lock(gMu);
  int64_t n = static_cast<int64_t>(gLog.size() / 3);
  for (int64_t i = 0; i < 3 * std::min(n, max); ++i)
    out[i] = gLog[i];
  return n;
}
