//===- ModelRun.cpp - ttt-run generate / prefill-model --------------------===//
//
// Whole models through the runtime's session API: greedy generation from a
// prompt, and a streamed prefill of seeded random tokens for throughput.
// The manifest's target says where it runs (cpu or cuda); the report names
// the device. Runtime errors are thrown as ttt::RuntimeError (exit status
// 1).
//
//===----------------------------------------------------------------------===//

#include "ModelOptions.h"

#include "ttt/runtime/ttt_runtime.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace ttt::run {
namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double peakRssMb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0; // KiB on Linux
}

/// Index of the largest logit (the first on ties; NaNs never win).
int32_t argmax(const float *v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best] || (v[best] != v[best] && v[i] == v[i]))
      best = i;
  return static_cast<int32_t>(best);
}

uint64_t mix(uint64_t x) { // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// Token t of sequence b: a hash of (seed, b, t), so the ids do not
/// depend on the piece size.
int32_t randomToken(uint64_t seed, int64_t b, int64_t t, int64_t vocab) {
  uint64_t h = mix(mix(seed) ^ mix(static_cast<uint64_t>(b) + 0x51ed27u) ^
                   static_cast<uint64_t>(t));
  return static_cast<int32_t>(h % static_cast<uint64_t>(vocab));
}

/// `s` as a JSON string literal.
std::string jsonString(const std::string &s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      r += '\\';
    if (static_cast<unsigned char>(c) < 0x20)
      c = ' ';
    r += c;
  }
  return r + "\"";
}

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Loaded {
  ttt::Model model;
  ttt::Session session;
  Loaded(const ModelOptions &o)
      : model(o.model), session(loadWeights(model, o.weights), o.batch) {
    session.setThreads(o.threads);
  }
  static const ttt::Model &loadWeights(ttt::Model &m, const std::string &w) {
    m.loadWeights(w);
    return m;
  }
};

int generate(const ModelOptions &o) {
  Loaded l(o);
  const int64_t B = o.batch, P = static_cast<int64_t>(o.prompt.size()),
                V = l.model.vocabSize();
  std::vector<int32_t> tokens;
  for (int64_t b = 0; b < B; ++b)
    tokens.insert(tokens.end(), o.prompt.begin(), o.prompt.end());
  std::vector<float> logits(B * V);
  auto start = Clock::now();
  l.session.prefill(P, tokens.data(), logits.data());
  const double prefillSec = seconds(start);

  std::vector<std::vector<int32_t>> generated(B);
  std::vector<int32_t> next(B);
  std::vector<double> decodeSec;
  auto lastReport = Clock::now();
  for (int64_t i = 0; i < o.maxNewTokens; ++i) {
    if (i > 0) {
      start = Clock::now();
      l.session.prefill(1, next.data(), logits.data());
      decodeSec.push_back(seconds(start));
    }
    for (int64_t b = 0; b < B; ++b) {
      next[b] = argmax(logits.data() + b * V, V);
      generated[b].push_back(next[b]);
    }
    if (!o.quiet && seconds(lastReport) > 3) {
      lastReport = Clock::now();
      std::fprintf(stderr, "ttt-run: generated %lld/%lld tokens\n",
                   static_cast<long long>(i + 1),
                   static_cast<long long>(o.maxNewTokens));
    }
  }

  const double decodeMs = median(decodeSec) * 1e3;
  const double prefillTps = prefillSec > 0 ? double(P) * B / prefillSec : 0;
  if (o.json) {
    std::string ids = "[";
    for (int64_t b = 0; b < B; ++b) {
      ids += b ? ", [" : "[";
      for (size_t i = 0; i < generated[b].size(); ++i)
        ids += (i ? ", " : "") + std::to_string(generated[b][i]);
      ids += "]";
    }
    ids += "]";
    std::printf("{\"generated\": %s, \"prompt_tokens\": %lld, \"batch\": "
                "%lld, \"prefill_ms\": %.3f, \"prefill_tokens_per_s\": %.1f, "
                "\"decode_ms_per_token\": %.4f, \"decode_steps\": %zu, "
                "\"peak_rss_mb\": %.1f, \"device\": %s}\n",
                ids.c_str(), static_cast<long long>(P),
                static_cast<long long>(B), prefillSec * 1e3, prefillTps,
                decodeMs, decodeSec.size(), peakRssMb(),
                jsonString(l.model.device()).c_str());
    return 0;
  }
  for (int64_t b = 0; b < B; ++b) {
    std::printf("generated[%lld]:", static_cast<long long>(b));
    for (int32_t t : generated[b])
      std::printf(" %d", t);
    std::printf("\n");
  }
  std::printf("prompt: %lld tokens x %lld sequences\n"
              "prefill: %.3f ms, %.1f tokens/s\n",
              static_cast<long long>(P), static_cast<long long>(B),
              prefillSec * 1e3, prefillTps);
  if (decodeSec.empty())
    std::printf("decode: no decode steps\n");
  else
    std::printf("decode: %.4f ms per token (median of %zu steps)\n", decodeMs,
                decodeSec.size());
  std::printf("peak RSS: %.1f MB\ndevice: %s\n", peakRssMb(),
              l.model.device().c_str());
  return 0;
}

int prefillModel(const ModelOptions &o) {
  Loaded l(o);
  const int64_t B = o.batch, T = o.randomTokens, V = l.model.vocabSize();
  const int64_t piece = std::min(o.piece, T);
  std::vector<int32_t> tokens(B * piece);
  std::vector<float> logits(B * V);
  double sec = 0;
  auto lastReport = Clock::now();
  for (int64_t t0 = 0; t0 < T; t0 += piece) {
    const int64_t n = std::min(piece, T - t0);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t i = 0; i < n; ++i)
        tokens[b * n + i] = randomToken(o.seed, b, t0 + i, V);
    auto start = Clock::now();
    l.session.prefill(n, tokens.data(), logits.data());
    sec += seconds(start);
    if (!o.quiet && seconds(lastReport) > 3) {
      lastReport = Clock::now();
      std::fprintf(stderr, "ttt-run: %lld/%lld tokens (%.0f%%)\n",
                   static_cast<long long>(t0 + n), static_cast<long long>(T),
                   100.0 * (t0 + n) / T);
    }
  }
  std::string last;
  for (int64_t b = 0; b < B; ++b)
    last += (b ? ", " : "") + std::to_string(argmax(&logits[b * V], V));
  const double tps = sec > 0 ? double(T) * B / sec : 0;
  if (o.json)
    std::printf("{\"time_ms\": %.3f, \"tokens_per_s\": %.1f, \"peak_rss_mb\": "
                "%.1f, \"tokens\": %lld, \"batch\": %lld, \"piece\": %lld, "
                "\"last_argmax\": [%s], \"device\": %s}\n",
                sec * 1e3, tps, peakRssMb(), static_cast<long long>(T),
                static_cast<long long>(B), static_cast<long long>(piece),
                last.c_str(), jsonString(l.model.device()).c_str());
  else
    std::printf("tokens: %lld per sequence, sequences: %lld, piece: %lld\n"
                "time: %.3f ms\ntokens/s: %.1f\npeak RSS: %.1f MB\n"
                "last argmax: %s\ndevice: %s\n",
                static_cast<long long>(T), static_cast<long long>(B),
                static_cast<long long>(piece), sec * 1e3, tps, peakRssMb(),
                last.c_str(), l.model.device().c_str());
  return 0;
}

} // namespace

int runModelCommand(const ModelOptions &o) {
  return o.command == "generate" ? generate(o) : prefillModel(o);
}

} // namespace ttt::run
