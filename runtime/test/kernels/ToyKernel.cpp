//===- ToyKernel.cpp - Test double of a compiled TTT artifact -------------===//
//
// NOT a TTT layer: a tiny "chunked" recurrence with the compiled entry's ABI
// (MLIR C interface, results as out-params) so the runtime's streaming logic
// is exercised exactly. Per chain, with positions counted from the span
// start in mini-batches of C = size(tok) tokens, weights S at batch start:
//   acc_r = sum_{s<=r in batch} eta_s * x_s
//   o_r   = g * S + (tok[r mod C] + (r mod C) + 1) * acc_r
//   S    <- S + acc_last   at the end of each (possibly partial) batch.
// Any descriptor that is not contiguous row-major, or whose sizes disagree,
// turns every output into NaN, so the tests see layout bugs.
//
//===----------------------------------------------------------------------===//

#include <atomic>
#include <cmath>
#include <cstdint>

namespace {

// Call statistics the tests read through ttt_toy_stats.
std::atomic<int64_t> gCalls{0}, gMaxTokens{0}, gMaxChains{0};

void noteMax(std::atomic<int64_t> &m, int64_t v) {
  int64_t cur = m.load();
  while (v > cur && !m.compare_exchange_weak(cur, v)) {
  }
}

template <int R> struct Desc {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[R];
  int64_t strides[R];
};

template <int R> bool contiguous(const Desc<R> *d) {
  int64_t s = 1;
  for (int i = R - 1; i >= 0; --i) {
    if (d->strides[i] != s || d->sizes[i] < 1)
      return false;
    s *= d->sizes[i];
  }
  return d->allocated == d->aligned && d->offset == 0;
}

} // namespace

extern "C" __attribute__((visibility("default"))) void
_mlir_ciface_ttt_toy(void *xp, void *etap, void *s0p, void *gp, void *tokp,
                     void *op, void *sp) {
  auto *x = static_cast<Desc<4> *>(xp);
  auto *eta = static_cast<Desc<3> *>(etap);
  auto *s0 = static_cast<Desc<3> *>(s0p);
  auto *g = static_cast<Desc<3> *>(gp);
  auto *tok = static_cast<Desc<1> *>(tokp);
  auto *o = static_cast<Desc<4> *>(op);
  auto *s = static_cast<Desc<3> *>(sp);
  const int64_t B = x->sizes[0], H = x->sizes[1], T = x->sizes[2],
                D = x->sizes[3], C = tok->sizes[0];
  ++gCalls;
  noteMax(gMaxTokens, T);
  noteMax(gMaxChains, B * H);
  bool ok = contiguous(x) && contiguous(eta) && contiguous(s0) &&
            contiguous(g) && contiguous(tok) && contiguous(o) && contiguous(s);
  for (int i = 0; i < 3; ++i)
    ok = ok && eta->sizes[i] == x->sizes[i] && o->sizes[i] == x->sizes[i];
  for (int i = 0; i < 2; ++i)
    ok = ok && s0->sizes[i] == x->sizes[i] && g->sizes[i] == x->sizes[i] &&
         s->sizes[i] == x->sizes[i];
  ok = ok && o->sizes[3] == D && s0->sizes[2] == D && g->sizes[2] == D &&
       s->sizes[2] == D;
  for (int64_t c = 0; ok && c < B * H; ++c) {
    const float *xc = x->aligned + c * T * D, *ec = eta->aligned + c * T;
    const float *gc = g->aligned + c * D;
    float *oc = o->aligned + c * T * D, *sc = s->aligned + c * D;
    for (int64_t d = 0; d < D; ++d)
      sc[d] = s0->aligned[c * D + d];
    for (int64_t b = 0; b < T; b += C) {
      for (int64_t d = 0; d < D; ++d) {
        float acc = 0;
        for (int64_t r = b; r < T && r < b + C; ++r) {
          acc += ec[r] * xc[r * D + d];
          float w = tok->aligned[r - b] + float(r - b + 1);
          oc[r * D + d] = gc[d] * sc[d] + w * acc;
        }
        sc[d] += acc;
      }
    }
  }
  if (!ok)
    for (int64_t i = 0;
         i < o->sizes[0] * o->sizes[1] * o->sizes[2] * o->sizes[3]; ++i)
      o->aligned[i] = NAN;
}

/// Calls since the last reset, most tokens and chains seen in one call.
extern "C" __attribute__((visibility("default"))) void
ttt_toy_stats(int64_t *calls, int64_t *maxTokens, int64_t *maxChains,
              int reset) {
  *calls = gCalls;
  *maxTokens = gMaxTokens;
  *maxChains = gMaxChains;
  if (reset)
    gCalls = gMaxTokens = gMaxChains = 0;
}
