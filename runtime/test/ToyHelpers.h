//===- ToyHelpers.h - Shared helpers for tests on the toy kernel -*- C++
//-*-===//
//
// The toy kernel (kernels/ToyKernel.cpp) is a test double with an exactly
// known recurrence; `toyReference` below is its plain C++ oracle.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_TEST_TOYHELPERS_H
#define TTT_RUNTIME_TEST_TOYHELPERS_H

#include "ttt/runtime/ttt_runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace toy {

constexpr int64_t kD = 3, kC = 16;

inline std::string readText(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void writeText(const std::string &path, const std::string &text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

inline std::string replaced(std::string s, const std::string &from,
                            const std::string &to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos)
    s.replace(at, from.size(), to);
  return s;
}

/// The toy manifest with an absolute library path, to write anywhere.
inline std::string manifestText() {
  return replaced(readText(TTT_TOY_MANIFEST), "\"libttt_toy.so\"",
                  "\"" + std::string(TTT_TOY_LIBRARY) + "\"");
}

inline std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "/ttt_rt_" + name;
}

/// Writes `text` as a manifest in the temp dir; returns its path.
inline std::string writeManifest(const std::string &name,
                                 const std::string &text) {
  std::string p = tempPath(name + ".json");
  writeText(p, text);
  return p;
}

/// A float array with its shape, viewable as a ttt_tensor.
struct Buf {
  std::vector<int64_t> shape;
  std::vector<float> v;
  Buf() = default;
  explicit Buf(std::vector<int64_t> s) : shape(std::move(s)) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    v.assign(n, 0.f);
  }
  ttt_tensor t() {
    return {TTT_DTYPE_F32, static_cast<int32_t>(shape.size()), shape.data(),
            v.data(), v.size() * sizeof(float)};
  }
};

/// Inputs and constants of a toy run over B x H chains and T tokens.
struct Data {
  int64_t B, H, T;
  Buf x, eta, s0, g, tok;
  Data(int64_t b, int64_t h, int64_t t, unsigned seed = 1)
      : B(b), H(h), T(t), x({b, h, t, kD}), eta({b, h, t}), s0({b, h, kD}),
        g({b, h, kD}), tok({kC}) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (Buf *p : {&x, &eta, &s0, &g, &tok})
      for (float &f : p->v)
        f = u(rng);
  }
  /// Tokens [t0, t0 + n) of a sequence buffer with `f` floats per token.
  Buf slice(const Buf &src, int64_t t0, int64_t n, int64_t f) const {
    std::vector<int64_t> s = src.shape;
    s[2] = n;
    Buf out(s);
    for (int64_t c = 0; c < B * H; ++c)
      for (int64_t i = 0; i < n * f; ++i)
        out.v[c * n * f + i] = src.v[(c * T + t0) * f + i];
    return out;
  }
};

/// The oracle: outputs [B,H,T,D] and final weights [B,H,D].
inline void reference(const Data &d, std::vector<float> &o,
                      std::vector<float> &s) {
  o.assign(d.B * d.H * d.T * kD, 0.f);
  s = d.s0.v;
  for (int64_t c = 0; c < d.B * d.H; ++c)
    for (int64_t b = 0; b < d.T; b += kC)
      for (int64_t k = 0; k < kD; ++k) {
        float acc = 0;
        for (int64_t r = b; r < d.T && r < b + kC; ++r) {
          acc += d.eta.v[c * d.T + r] * d.x.v[(c * d.T + r) * kD + k];
          float w = d.tok.v[r - b] + float(r - b + 1);
          o[(c * d.T + r) * kD + k] =
              d.g.v[c * kD + k] * s[c * kD + k] + w * acc;
        }
        s[c * kD + k] += acc;
      }
}

/// Feeds `d` in pieces of the given sizes (the last repeats until T is
/// covered); returns outputs [B,H,T,D] and final weights.
inline void stream(ttt_state *s, Data &d, const std::vector<int64_t> &pieces,
                   std::vector<float> &o, std::vector<float> &w) {
  o.assign(d.B * d.H * d.T * kD, 0.f);
  int64_t t = 0;
  for (size_t i = 0; t < d.T; ++i) {
    int64_t n = std::min(pieces[std::min(i, pieces.size() - 1)], d.T - t);
    Buf x = d.slice(d.x, t, n, kD), e = d.slice(d.eta, t, n, 1);
    Buf out({d.B, d.H, n, kD});
    ttt_tensor in[2] = {x.t(), e.t()}, outs[1] = {out.t()};
    ttt_error err{};
    ASSERT_EQ(ttt_prefill(s, n, in, 2, outs, 1, &err), TTT_OK) << err.message;
    for (int64_t c = 0; c < d.B * d.H; ++c)
      std::copy_n(&out.v[c * n * kD], n * kD, &o[(c * d.T + t) * kD]);
    t += n;
    EXPECT_EQ(ttt_state_tokens_seen(s), t);
  }
  Buf wb({d.B, d.H, kD});
  ttt_tensor wt = wb.t();
  ASSERT_EQ(ttt_state_read_weights(s, 0, &wt), TTT_OK)
      << ttt_state_last_error(s)->message;
  w = wb.v;
}

} // namespace toy

#endif // TTT_RUNTIME_TEST_TOYHELPERS_H
