//===- ttt-run.cpp - Run a compiled TTT artifact from the command line ----===//
//
// Loads an artifact, binds inputs from .npy/.safetensors files or seeded
// random values, runs prefill over all tokens (or --stream pieces), writes
// results and reports time, tokens/s and peak RSS. Every failure prints
// "ttt-run: error: ..." and exits with status 1. `ttt-run generate` and
// `ttt-run prefill-model` run whole models (ModelRun.cpp); their usage
// errors exit with status 2.
//
//===----------------------------------------------------------------------===//

#include "Inputs.h"
#include "ModelOptions.h"
#include "Options.h"

#include "ttt/runtime/Npy.h"
#include "ttt/runtime/ttt_runtime.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>

using namespace ttt;
using namespace ttt::run;
using Clock = std::chrono::steady_clock;

namespace {

struct Failure {
  std::string message;
};

[[noreturn]] void fail(const std::string &msg) { throw Failure{msg}; }

std::string shapeStr(const std::vector<int64_t> &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

int64_t product(const std::vector<int64_t> &s, size_t from = 0) {
  int64_t p = 1;
  for (size_t i = from; i < s.size(); ++i)
    p *= s[i];
  return p;
}

ttt_tensor view(rt::Array &a) {
  return {TTT_DTYPE_F32, static_cast<int32_t>(a.shape.size()), a.shape.data(),
          a.data.data(), a.data.size()};
}

/// bf16 sequences and outputs: ttt-run keeps every host array in f32 and
/// converts at the call (rounded to nearest even on the way in, widened
/// on the way out), so .npy files stay f32.
uint16_t toBf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) // NaN stays a (quiet) NaN
    return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

float fromBf16(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

/// A bf16 buffer `bf` of `f32`'s shape (resized), viewed with the bf16
/// dtype: where an output goes before widenInto.
ttt_tensor bf16Buffer(rt::Array &f32, std::vector<uint16_t> &bf) {
  bf.resize(product(f32.shape));
  return {TTT_DTYPE_BF16, static_cast<int32_t>(f32.shape.size()),
          f32.shape.data(), bf.data(), bf.size() * sizeof(uint16_t)};
}

/// `f32` rounded into the bf16 buffer `bf`, viewed with the bf16 dtype.
ttt_tensor bf16View(rt::Array &f32, std::vector<uint16_t> &bf) {
  ttt_tensor t = bf16Buffer(f32, bf);
  const float *src = reinterpret_cast<const float *>(f32.data.data());
  for (size_t i = 0; i < bf.size(); ++i)
    bf[i] = toBf16(src[i]);
  return t;
}

void widenInto(const std::vector<uint16_t> &bf, rt::Array &f32) {
  float *dst = reinterpret_cast<float *>(f32.data.data());
  for (size_t i = 0; i < bf.size(); ++i)
    dst[i] = fromBf16(bf[i]);
}

rt::Array zeros(std::vector<int64_t> shape) {
  rt::Array a;
  a.dtype = rt::DType::F32;
  a.shape = std::move(shape);
  a.data.assign(product(a.shape) * sizeof(float), 0);
  return a;
}

double peakRssMb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0; // KiB on Linux
}

struct Artifact {
  ttt_artifact *a = nullptr;
  ~Artifact() { ttt_artifact_free(a); }
};
struct State {
  ttt_state *s = nullptr;
  ~State() { ttt_state_free(s); }
};

/// Everything one run needs, resolved from the options and the manifest.
struct Plan {
  const ttt_artifact *art;
  int32_t chainRank;
  std::vector<int64_t> chains;
  int64_t numChains = 1, T = -1;
  std::vector<ttt_arg_info> seq, states, params, shared, outputs;
  std::map<std::string, rt::Array> given;
};

std::vector<ttt_arg_info> infos(const ttt_artifact *a, ttt_role r) {
  std::vector<ttt_arg_info> v(ttt_artifact_count(a, r));
  for (size_t i = 0; i < v.size(); ++i)
    ttt_artifact_info(a, r, i, &v[i]);
  return v;
}

/// A stable index per manifest arg for the random keys.
uint64_t argKey(const ttt_arg_info &i) {
  uint64_t h = 1469598103934665603ull;
  for (const char *p = i.name; *p; ++p)
    h = (h ^ static_cast<unsigned char>(*p)) * 1099511628211ull;
  return h;
}

/// Chain dims from the options, the given files and the manifest.
void resolveChains(const Options &o, Plan &p) {
  p.chains.assign(p.chainRank, -1);
  auto set = [&](int32_t d, int64_t v, const std::string &from) {
    if (d >= p.chainRank)
      fail(from + " sets chain dim " + std::to_string(d) +
           " but the artifact has chain_rank " + std::to_string(p.chainRank));
    if (p.chains[d] != -1 && p.chains[d] != v)
      fail(from + " gives chain dim " + std::to_string(d) + " = " +
           std::to_string(v) + ", but it is " + std::to_string(p.chains[d]) +
           " elsewhere");
    p.chains[d] = v;
  };
  if (o.batch > 0)
    set(0, o.batch, "--batch");
  if (o.heads > 0)
    set(1, o.heads, "--heads");
  for (auto *list : {&p.seq, &p.states, &p.params})
    for (const ttt_arg_info &i : *list) {
      auto it = p.given.find(i.name);
      if (it == p.given.end())
        continue;
      if (it->second.shape.size() != static_cast<size_t>(i.rank))
        fail("input \"" + std::string(i.name) + "\" has shape " +
             shapeStr(it->second.shape) + "; expected rank " +
             std::to_string(i.rank));
      for (int32_t d = 0; d < p.chainRank; ++d)
        set(d, it->second.shape[d], "input \"" + std::string(i.name) + "\"");
    }
  for (const ttt_arg_info &i : p.seq)
    for (int32_t d = 0; d < p.chainRank; ++d)
      if (p.chains[d] == -1 && i.shape[d] != -1)
        p.chains[d] = i.shape[d];
  for (int64_t &c : p.chains)
    if (c == -1)
      c = 1;
  p.numChains = product(p.chains);
}

/// T from --tokens or the sequence files; checks their shapes.
void resolveTokens(const Options &o, Plan &p) {
  p.T = o.tokens;
  for (const ttt_arg_info &i : p.seq) {
    auto it = p.given.find(i.name);
    if (it == p.given.end())
      continue;
    int64_t t = it->second.shape[p.chainRank];
    if (p.T != -1 && p.T != t)
      fail("input \"" + std::string(i.name) + "\" has " + std::to_string(t) +
           " tokens, but " + std::to_string(p.T) + " are used elsewhere");
    p.T = t;
  }
  if (p.T < 1)
    fail("the number of tokens is unknown: give --tokens T or sequence input "
         "files");
  for (const ttt_arg_info &i : p.seq) {
    auto it = p.given.find(i.name);
    if (it == p.given.end())
      continue;
    std::vector<int64_t> want = p.chains;
    want.push_back(p.T);
    want.insert(want.end(), i.shape + p.chainRank + 1, i.shape + i.rank);
    if (it->second.shape != want)
      fail("input \"" + std::string(i.name) + "\" has shape " +
           shapeStr(it->second.shape) + "; expected " + shapeStr(want));
  }
}

/// The state/param/shared arrays: given, or random.
std::vector<rt::Array> constants(const Options &o, Plan &p,
                                 const std::vector<ttt_arg_info> &list) {
  std::vector<rt::Array> out;
  for (const ttt_arg_info &i : list) {
    auto it = p.given.find(i.name);
    if (it != p.given.end()) {
      out.push_back(it->second);
      continue;
    }
    if (!o.random)
      fail("missing input \"" + std::string(i.name) + "\" (give --input " +
           i.name + "=FILE.npy, or --random SEED)");
    std::vector<int64_t> shape(i.shape, i.shape + i.rank);
    size_t cr = i.role == TTT_ROLE_SHARED ? 0 : p.chainRank;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (d < cr)
        shape[d] = p.chains[d];
      else if (shape[d] == -1)
        fail("input \"" + std::string(i.name) +
             "\" has a dynamic dim; give it as a file");
    }
    rt::Array a = zeros(shape);
    fillRandom(reinterpret_cast<float *>(a.data.data()), product(shape), o.seed,
               argKey(i), 0, distFor(i, p.chainRank));
    out.push_back(std::move(a));
  }
  return out;
}

/// Tokens [t0, t0 + n) of sequence input i, from its file or random.
void sequencePiece(const Options &o, const Plan &p, const ttt_arg_info &i,
                   int64_t t0, int64_t n, rt::Array &dst) {
  std::vector<int64_t> shape = p.chains;
  shape.push_back(n);
  shape.insert(shape.end(), i.shape + p.chainRank + 1, i.shape + i.rank);
  const int64_t f = product(shape, p.chainRank + 1);
  if (dst.shape != shape)
    dst = zeros(shape);
  float *d = reinterpret_cast<float *>(dst.data.data());
  auto it = p.given.find(i.name);
  for (int64_t c = 0; c < p.numChains; ++c) {
    if (it != p.given.end()) {
      const float *src =
          reinterpret_cast<const float *>(it->second.data.data());
      std::memcpy(d + c * n * f, src + (c * p.T + t0) * f,
                  n * f * sizeof(float));
    } else {
      // Keyed by (chain, token, feature): independent of the split.
      fillRandom(d + c * n * f, n * f, o.seed, argKey(i),
                 static_cast<uint64_t>(c) * (uint64_t(1) << 40) + t0 * f,
                 distFor(i, p.chainRank));
    }
  }
}

/// Where each requested result goes: file per result name.
struct OutputPlan {
  std::map<std::string, std::string> files;
};

OutputPlan planOutputs(const Options &o, const Plan &p) {
  OutputPlan out;
  std::vector<std::string> names;
  for (const ttt_arg_info &i : p.outputs)
    names.push_back(i.name);
  for (const ttt_arg_info &i : p.states)
    names.push_back(i.result_name);
  auto known = [&](const std::string &n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  for (auto [name, file] : o.outputs) {
    for (const ttt_arg_info &i : p.states) // a state by its arg name too
      if (name == i.name)
        name = i.result_name;
    if (!known(name)) {
      std::string all;
      for (size_t i = 0; i < names.size(); ++i)
        all += (i ? ", " : "") + names[i];
      fail("unknown output \"" + name + "\" (the artifact's results: " + all +
           ")");
    }
    out.files[name] = file;
  }
  if (!o.outDir.empty())
    for (const std::string &n : names)
      if (!out.files.count(n))
        out.files[n] = o.outDir + "/" + n + ".npy";
  // Fail before the run, not after it.
  for (const auto &[name, file] : out.files) {
    FILE *f = std::fopen(file.c_str(), "wb");
    if (!f)
      fail("cannot write output \"" + name + "\" to " + file + ": " +
           std::strerror(errno));
    std::fclose(f);
  }
  return out;
}

void check(ttt_status s, const ttt_error &e) {
  if (s != TTT_OK)
    fail(e.message);
}

int runMain(const Options &o) {
  ttt_error err{};
  char deviceInfo[256];
  check(
      ttt_device_probe(o.device.c_str(), deviceInfo, sizeof(deviceInfo), &err),
      err);
  Artifact art;
  check(ttt_artifact_load(o.artifact.c_str(), &art.a, &err), err);
  if (o.device != ttt_artifact_target(art.a))
    fail(o.artifact + ": compiled for target \"" + ttt_artifact_target(art.a) +
         "\"; run it with --device " + ttt_artifact_target(art.a));
  if (!o.quiet && o.device != "cpu")
    std::fprintf(stderr, "ttt-run: %s\n", deviceInfo);
  Plan p;
  p.art = art.a;
  p.chainRank = ttt_artifact_chain_rank(art.a);
  p.seq = infos(art.a, TTT_ROLE_SEQUENCE);
  p.states = infos(art.a, TTT_ROLE_STATE);
  p.params = infos(art.a, TTT_ROLE_PARAM);
  p.shared = infos(art.a, TTT_ROLE_SHARED);
  p.outputs = infos(art.a, TTT_ROLE_OUTPUT);
  std::vector<std::string> names;
  for (auto *list : {&p.seq, &p.states, &p.params, &p.shared, &p.outputs})
    for (const ttt_arg_info &i : *list) {
      bool seqOrOut = list == &p.seq || list == &p.outputs;
      if (i.dtype != TTT_DTYPE_F32 && !(seqOrOut && i.dtype == TTT_DTYPE_BF16))
        fail(std::string("\"") + i.name + "\" is " + ttt_dtype_name(i.dtype) +
             "; ttt-run handles f32 arrays, and bf16 sequences and outputs");
      if (list != &p.outputs)
        names.push_back(i.name);
    }
  std::string error;
  if (!loadInputs(o, names, p.given, error))
    fail(error);
  for (const auto &[name, a] : p.given)
    if (a.dtype != rt::DType::F32)
      fail("input \"" + name + "\" is " + rt::dtypeName(a.dtype) +
           "; the artifact expects f32");
  resolveChains(o, p);
  resolveTokens(o, p);
  for (const ttt_arg_info &i : p.seq)
    if (!p.given.count(i.name) && !o.random)
      fail("missing input \"" + std::string(i.name) + "\" (give --input " +
           i.name + "=FILE.npy, or --random SEED)");
  OutputPlan outPlan = planOutputs(o, p);

  std::vector<rt::Array> st = constants(o, p, p.states),
                         pa = constants(o, p, p.params),
                         sh = constants(o, p, p.shared);
  auto views = [](std::vector<rt::Array> &v) {
    std::vector<ttt_tensor> t;
    for (rt::Array &a : v)
      t.push_back(view(a));
    return t;
  };
  std::vector<ttt_tensor> stT = views(st), paT = views(pa), shT = views(sh);
  ttt_state_config cfg{p.chains.data(), stT.data(), stT.size(), paT.data(),
                       paT.size(),      shT.data(), shT.size(), o.threads};
  State state;
  check(ttt_state_create(art.a, &cfg, &state.s, &err), err);

  // Full-length result arrays, only for results that are written.
  std::vector<rt::Array> fullOut(p.outputs.size());
  for (size_t k = 0; k < p.outputs.size(); ++k)
    if (outPlan.files.count(p.outputs[k].name)) {
      std::vector<int64_t> s = p.chains;
      s.push_back(p.T);
      s.insert(s.end(), p.outputs[k].shape + p.chainRank + 1,
               p.outputs[k].shape + p.outputs[k].rank);
      fullOut[k] = zeros(s);
    }

  const int64_t piece = o.stream > 0 ? std::min(o.stream, p.T) : p.T;
  std::vector<rt::Array> in(p.seq.size()), out(p.outputs.size());
  std::vector<std::vector<uint16_t>> inBf(p.seq.size()),
      outBf(p.outputs.size());
  std::vector<double> times;
  auto lastReport = Clock::now();
  for (int rep = 0; rep < o.repeat; ++rep) {
    check(ttt_state_reset(state.s), *ttt_state_last_error(state.s));
    double seconds = 0;
    for (int64_t t0 = 0; t0 < p.T; t0 += piece) {
      int64_t n = std::min(piece, p.T - t0);
      std::vector<ttt_tensor> inT, outT;
      for (size_t k = 0; k < p.seq.size(); ++k) {
        sequencePiece(o, p, p.seq[k], t0, n, in[k]);
        inT.push_back(p.seq[k].dtype == TTT_DTYPE_BF16
                          ? bf16View(in[k], inBf[k])
                          : view(in[k]));
      }
      for (size_t k = 0; k < p.outputs.size(); ++k) {
        std::vector<int64_t> s = p.chains;
        s.push_back(n);
        s.insert(s.end(), p.outputs[k].shape + p.chainRank + 1,
                 p.outputs[k].shape + p.outputs[k].rank);
        if (out[k].shape != s)
          out[k] = zeros(s);
        outT.push_back(p.outputs[k].dtype == TTT_DTYPE_BF16
                           ? bf16Buffer(out[k], outBf[k])
                           : view(out[k]));
      }
      auto start = Clock::now();
      check(ttt_prefill(state.s, n, inT.data(), inT.size(), outT.data(),
                        outT.size(), &err),
            err);
      seconds += std::chrono::duration<double>(Clock::now() - start).count();
      for (size_t k = 0; k < p.outputs.size(); ++k)
        if (p.outputs[k].dtype == TTT_DTYPE_BF16)
          widenInto(outBf[k], out[k]);
      for (size_t k = 0; k < p.outputs.size(); ++k) {
        if (fullOut[k].data.empty())
          continue;
        int64_t f = product(out[k].shape, p.chainRank + 1) * sizeof(float);
        for (int64_t c = 0; c < p.numChains; ++c)
          std::memcpy(fullOut[k].data.data() + (c * p.T + t0) * f,
                      out[k].data.data() + c * n * f, n * f);
      }
      if (!o.quiet && Clock::now() - lastReport > std::chrono::seconds(3)) {
        lastReport = Clock::now();
        std::fprintf(stderr, "ttt-run: run %d/%d: %lld/%lld tokens (%.0f%%)\n",
                     rep + 1, o.repeat, static_cast<long long>(t0 + n),
                     static_cast<long long>(p.T), 100.0 * (t0 + n) / p.T);
      }
    }
    times.push_back(seconds);
  }

  for (size_t k = 0; k < p.outputs.size(); ++k)
    if (!fullOut[k].data.empty() &&
        !rt::writeNpy(outPlan.files[p.outputs[k].name], fullOut[k], error))
      fail(error);
  for (size_t k = 0; k < p.states.size(); ++k) {
    auto it = outPlan.files.find(p.states[k].result_name);
    if (it == outPlan.files.end())
      continue;
    rt::Array w = st[k];
    ttt_tensor wt = view(w);
    check(ttt_state_read_weights(state.s, k, &wt),
          *ttt_state_last_error(state.s));
    if (!rt::writeNpy(it->second, w, error))
      fail(error);
  }

  std::sort(times.begin(), times.end());
  double sec = times[times.size() / 2];
  double ms = sec * 1e3;
  double tps = sec > 0 ? double(p.T) * p.numChains / sec : 0;
  if (o.json)
    std::printf("{\"time_ms\": %.3f, \"tokens_per_s\": %.1f, \"peak_rss_mb\": "
                "%.1f, \"tokens\": %lld, \"chains\": %lld}\n",
                ms, tps, peakRssMb(), static_cast<long long>(p.T),
                static_cast<long long>(p.numChains));
  else
    std::printf("tokens: %lld per chain, chains: %lld, runs: %d\n"
                "time: %.3f ms (median)\ntokens/s: %.1f\npeak RSS: %.1f MB\n",
                static_cast<long long>(p.T),
                static_cast<long long>(p.numChains), o.repeat, ms, tps,
                peakRssMb());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string error;
  ModelOptions mo;
  const bool model = argc > 1 && isModelCommand(argv[1]);
  if (model && !parseModelOptions(argc, argv, mo, error)) {
    std::fprintf(stderr, "ttt-run: error: %s\n", error.c_str());
    return 2;
  }
  if (model && mo.help) {
    std::fputs(modelUsage(), stdout);
    return 0;
  }
  Options o;
  if (!model && !parseOptions(argc, argv, o, error)) {
    std::fprintf(stderr, "ttt-run: error: %s\n", error.c_str());
    return 1;
  }
  if (!model && o.help) {
    std::fputs(usage(), stdout);
    return 0;
  }
  try {
    return model ? runModelCommand(mo) : runMain(o);
  } catch (const Failure &f) {
    std::fprintf(stderr, "ttt-run: error: %s\n", f.message.c_str());
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "ttt-run: error: out of memory\n");
  } catch (const std::exception &e) {
    std::fprintf(stderr, "ttt-run: error: %s\n", e.what());
  }
  return 1;
}
