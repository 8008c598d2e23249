//===- ModelHelpers.h - Helpers for tests on the toy model ------*- C++ -*-===//
//
// The toy model (kernels/ToyModel.cpp) is a test double with an exactly
// known recurrence; `Oracle` below is its plain C++ reference, and
// `safetensors` writes weight files byte by byte.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_TEST_MODELHELPERS_H
#define TTT_RUNTIME_TEST_MODELHELPERS_H

#include "ToyHelpers.h"

#include <dlfcn.h>

#include <cstring>

namespace toymodel {

using toy::readText;
using toy::replaced;
using toy::tempPath;
using toy::writeManifest;
using toy::writeText;

constexpr int64_t kV = 11, kD = 4, kBT = 16;

/// The toy model manifest with an absolute library path, to write anywhere.
inline std::string manifestText() {
  return replaced(readText(TTT_TOY_MODEL_MANIFEST), "\"libttt_toy_model.so\"",
                  "\"" + std::string(TTT_TOY_MODEL_LIBRARY) + "\"");
}

/// One tensor of a weight file: raw little-endian bytes.
struct STensor {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

inline STensor f32(const std::string &name, std::vector<int64_t> shape,
                   const std::vector<float> &v) {
  STensor t{name, "F32", std::move(shape), {}};
  t.bytes.resize(v.size() * 4);
  std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  return t;
}

/// A .safetensors image: 8-byte header length, JSON header, data.
inline std::string safetensors(const std::vector<STensor> &ts) {
  std::string header = "{\"__metadata__\": {\"format\": \"pt\"}", data;
  for (const STensor &t : ts) {
    header +=
        ", \"" + t.name + "\": {\"dtype\": \"" + t.dtype + "\", \"shape\": [";
    for (size_t i = 0; i < t.shape.size(); ++i)
      header += (i ? ", " : "") + std::to_string(t.shape[i]);
    header += "], \"data_offsets\": [" + std::to_string(data.size()) + ", " +
              std::to_string(data.size() + t.bytes.size()) + "]}";
    data.append(t.bytes.begin(), t.bytes.end());
  }
  header += "}";
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

/// The toy model's weights, seeded.
struct Weights {
  std::vector<float> embed, h0, norm, decay;
  explicit Weights(unsigned seed = 7) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (auto [v, n] : {std::pair<std::vector<float> *, int>{&embed, 44},
                        {&h0, 4},
                        {&norm, 4}})
      for (int i = 0; i < n; ++i)
        v->push_back(u(rng));
    decay = {0.5f};
  }
  std::vector<STensor> tensors(bool withTied = true) const {
    std::vector<STensor> t = {f32("model.embed_tokens.weight", {11, 4}, embed),
                              f32("model.h0", {2, 2}, h0),
                              f32("model.norm.weight", {4}, norm),
                              f32("model.decay", {1}, decay)};
    if (withTied)
      t.push_back(f32("lm_head.weight", {11, 4}, std::vector<float>(44, 9.f)));
    return t;
  }
};

/// Writes a weight file in the temp dir; returns its path.
inline std::string writeWeights(const std::string &name,
                                const std::vector<STensor> &ts) {
  std::string p = tempPath(name + ".safetensors");
  writeText(p, safetensors(ts));
  return p;
}

/// The plain C++ reference of one sequence (see kernels/ToyModel.cpp).
struct Oracle {
  const Weights &w;
  int64_t pos = 0, hash = 0;
  float h[4], grad[4] = {0, 0, 0, 0};
  explicit Oracle(const Weights &w) : w(w) { std::copy_n(w.h0.begin(), 4, h); }
  void step(int32_t x) {
    const int64_t r = pos % kBT;
    hash = (31 * hash + 7 * x + pos + 1) % 65521;
    for (int64_t d = 0; d < kD; ++d) {
      const float e = w.embed[x * kD + d];
      h[d] = w.decay[0] * h[d] + e * w.norm[d];
      grad[d] += e * static_cast<float>(r + 1);
    }
    if (r == kBT - 1)
      for (int64_t d = 0; d < kD; ++d) {
        h[d] += 0.001f * grad[d];
        grad[d] = 0.f;
      }
    ++pos;
  }
  std::vector<float> logits() const {
    std::vector<float> out(kV);
    for (int64_t v = 0; v < kV; ++v) {
      float acc = 0.f;
      for (int64_t d = 0; d < kD; ++d)
        acc += w.embed[v * kD + d] * h[d];
      out[v] = acc + 0.001f * static_cast<float>((hash * (v + 1)) % 101);
    }
    return out;
  }
};

/// Seeded token ids in [0, V).
inline std::vector<int32_t> randomTokens(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> t(n);
  for (int32_t &x : t)
    x = static_cast<int32_t>(rng() % kV);
  return t;
}

/// The toy model library's call log: one (entry, position, tokens) per
/// call; entry 0 = prefill_32, 1 = prefill_16, 2 = decode.
struct CallLog {
  void (*enable)(int) = nullptr;
  int64_t (*read)(int64_t *, int64_t) = nullptr;
  CallLog() {
    // Same library as the model's: dlopen returns the loaded copy.
    void *h = dlopen(TTT_TOY_MODEL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    EXPECT_NE(h, nullptr) << dlerror();
    enable =
        reinterpret_cast<void (*)(int)>(dlsym(h, "ttt_toy_model_log_enable"));
    read = reinterpret_cast<int64_t (*)(int64_t *, int64_t)>(
        dlsym(h, "ttt_toy_model_log"));
    enable(1);
  }
  ~CallLog() { enable(0); }
  /// "P32@16 P16@48 D64..66": prefill entries and runs of decode
  /// positions, in call order; then the log is cleared.
  std::string take() {
    std::vector<int64_t> r(3 * read(nullptr, 0));
    read(r.data(), static_cast<int64_t>(r.size() / 3));
    enable(1);
    std::string s;
    for (size_t i = 0; i < r.size(); i += 3) {
      if (!s.empty())
        s += " ";
      if (r[i] != 2) {
        s += (r[i] == 0 ? "P32@" : "P16@") + std::to_string(r[i + 1]);
        continue;
      }
      size_t j = i;
      while (j + 3 < r.size() && r[j + 3] == 2 && r[j + 4] == r[j + 1] + 1)
        j += 3;
      s += "D" + std::to_string(r[i + 1]);
      if (j > i)
        s += ".." + std::to_string(r[j + 1]);
      i = j;
    }
    return s;
  }
};

} // namespace toymodel

#endif // TTT_RUNTIME_TEST_MODELHELPERS_H
