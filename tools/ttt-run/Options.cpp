//===- Options.cpp - ttt-run command line ---------------------------------===//

#include "Options.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ttt::run {

const char *usage() {
  return R"(usage: ttt-run ARTIFACT.json [options]

Runs a compiled TTT artifact (see docs/RUNTIME.md) over T tokens of every
chain and reports time, tokens/s and peak RSS.

  --input NAME=FILE.npy         input NAME (a manifest arg name) from .npy
  --input NAME=FILE.safetensors:TENSOR   ... from one tensor of a safetensors
  --input FILE.safetensors      every tensor named like a manifest arg
  --random SEED                 fill inputs not given with seeded random
                                values (the same for any --stream split)
  --batch B  --heads H          chain dims 0 and 1 (default: from the input
                                files, the manifest, or 1)
  --tokens T                    tokens per chain (default: from the inputs)
  --stream N                    feed N tokens per prefill call; random inputs
                                are made per piece, so memory stays bounded
  --threads N                   worker threads (default: all cores)
  --repeat N                    run N times from the initial state, report
                                the median
  --output NAME=FILE.npy        write result NAME (a sequence output or a
                                state, as its result or arg name)
  --out-dir DIR                 write every result as DIR/NAME.npy
  --json                        print one JSON line of measurements
  --quiet                       no progress on stderr
  --device cpu|cuda             where the artifact runs (default cpu); it
                                must match the artifact's target
  --help                        this text

Files and random values are f32. Where the artifact takes a sequence or
gives an output in bf16 (fast mode), ttt-run rounds the f32 values to bf16
(nearest, ties to even) for the call and writes the bf16 outputs widened
to f32.

Whole models (docs/MODEL.md; see ttt-run generate --help):
  ttt-run generate MODEL.json --weights W.safetensors --prompt 1,2,3
          [--batch B] [--max-new-tokens N] [--threads N] [--json]
                                greedy generation: generated ids, prefill
                                tokens/s and ms, decode ms per token
  ttt-run prefill-model MODEL.json --weights W.safetensors
          --random-tokens T [--seed S] [--piece N] [--batch B]
                                T random tokens streamed in calls of N:
                                tokens/s, peak RSS
)";
}

namespace {

bool parseInt(const char *s, int64_t lo, int64_t &out) {
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s, &end, 10);
  if (errno || !*s || *end || v < lo)
    return false;
  out = v;
  return true;
}

bool splitPair(const std::string &s, std::pair<std::string, std::string> &p) {
  size_t eq = s.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
    return false;
  p = {s.substr(0, eq), s.substr(eq + 1)};
  return true;
}

} // namespace

bool parseOptions(int argc, char **argv, Options &o, std::string &error) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *&v) {
      if (i + 1 >= argc) {
        error = a + " needs a value";
        return false;
      }
      v = argv[++i];
      return true;
    };
    auto intValue = [&](int64_t lo, int64_t &out) {
      const char *v;
      if (!value(v))
        return false;
      if (!parseInt(v, lo, out)) {
        error = a + ": expected an integer >= " + std::to_string(lo) +
                ", got \"" + v + "\"";
        return false;
      }
      return true;
    };
    const char *v = nullptr;
    int64_t n = 0;
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--input") {
      if (!value(v))
        return false;
      std::pair<std::string, std::string> p;
      if (splitPair(v, p))
        o.inputs.push_back(p);
      else if (std::strstr(v, ".safetensors"))
        o.inputs.push_back({"", v});
      else
        return error =
                   "--input expects NAME=FILE, got \"" + std::string(v) + "\"",
               false;
    } else if (a == "--output") {
      if (!value(v))
        return false;
      std::pair<std::string, std::string> p;
      if (!splitPair(v, p))
        return error = "--output expects NAME=FILE.npy, got \"" +
                       std::string(v) + "\"",
               false;
      o.outputs.push_back(p);
    } else if (a == "--random") {
      if (!intValue(0, n))
        return false;
      o.random = true;
      o.seed = static_cast<uint64_t>(n);
    } else if (a == "--batch") {
      if (!intValue(1, o.batch))
        return false;
    } else if (a == "--heads") {
      if (!intValue(1, o.heads))
        return false;
    } else if (a == "--tokens") {
      if (!intValue(1, o.tokens))
        return false;
    } else if (a == "--stream") {
      if (!intValue(1, o.stream))
        return false;
    } else if (a == "--threads") {
      if (!intValue(0, n) || n > 4096)
        return error = "--threads: expected an integer in [0, 4096]", false;
      o.threads = static_cast<int>(n);
    } else if (a == "--repeat") {
      if (!intValue(1, n) || n > 100000)
        return error = "--repeat: expected an integer in [1, 100000]", false;
      o.repeat = static_cast<int>(n);
    } else if (a == "--out-dir") {
      if (!value(v))
        return false;
      o.outDir = v;
    } else if (a == "--device") {
      if (!value(v))
        return false;
      o.device = v;
      if (std::string(v) != "cpu" && std::string(v) != "cuda") {
        error = std::string("unknown device \"") + v + "\" (cpu or cuda)";
        return false;
      }
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (a.size() > 1 && a[0] == '-') {
      error = "unknown option " + a + " (see --help)";
      return false;
    } else if (o.artifact.empty()) {
      o.artifact = a;
    } else {
      error = "more than one artifact given: " + o.artifact + " and " + a;
      return false;
    }
  }
  if (!o.help && o.artifact.empty()) {
    error = "no artifact given (see --help)";
    return false;
  }
  return true;
}

} // namespace ttt::run
