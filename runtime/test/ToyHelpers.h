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

} // namespace toy

#endif // TTT_RUNTIME_TEST_TOYHELPERS_H
