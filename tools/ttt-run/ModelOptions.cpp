//===- ModelOptions.cpp - ttt-run's model commands ------------------------===//

#include "ModelOptions.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ttt::run {

const char *modelUsage() {
  return R"(usage: ttt-run generate MODEL.json --weights W.safetensors --prompt 1,2,3
                [--batch B] [--max-new-tokens N] [--threads N] [--json]
                [--quiet]
       ttt-run prefill-model MODEL.json --weights W.safetensors
                --random-tokens T [--seed S] [--piece N] [--batch B]
                [--threads N] [--json] [--quiet]

Runs a compiled whole model (a manifest with "kind": "model", see
docs/MODEL.md) with its weights, on the manifest's target: the cpu, or
with "target": "cuda" CUDA device 0 (the report names the device).

generate: prefills the prompt (the same for every sequence), then decodes
greedily (argmax): the first new token comes from the prompt's logits,
each further one from decoding the previous. Prints the generated ids per
sequence, the prefill time and tokens/s (prompt tokens x batch per
second), decode ms per token (median over the decode calls) and peak RSS.

prefill-model: feeds T seeded random token ids to every sequence in calls
of N tokens, so memory does not grow with T; prints time, tokens/s
(T x batch per second) and peak RSS.

  --weights FILE.safetensors  the model's weights (required)
  --prompt IDS                generate: comma-separated token ids
  --max-new-tokens N          generate: tokens to generate (default 16)
  --random-tokens T           prefill-model: tokens per sequence
  --seed S                    prefill-model: seed of the token ids (0)
  --piece N                   prefill-model: tokens per call (4096)
  --batch B                   sequences (default 1)
  --threads N                 cpu: worker threads (default: all cores)
  --json                      print one JSON line of measurements
  --quiet                     no progress on stderr
  --help                      this text

Bad usage exits with status 2, a runtime error with status 1.
)";
}

bool isModelCommand(const char *arg) {
  return arg && (std::strcmp(arg, "generate") == 0 ||
                 std::strcmp(arg, "prefill-model") == 0);
}

namespace {

bool parseInt(const char *s, int64_t lo, int64_t hi, int64_t &out) {
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s, &end, 10);
  if (errno || !*s || *end || v < lo || v > hi)
    return false;
  out = v;
  return true;
}

bool parsePrompt(const std::string &s, std::vector<int32_t> &out) {
  size_t at = 0;
  for (;;) {
    size_t comma = s.find(',', at);
    std::string item = s.substr(
        at, comma == std::string::npos ? std::string::npos : comma - at);
    int64_t v;
    if (!parseInt(item.c_str(), 0, INT32_MAX, v))
      return false;
    out.push_back(static_cast<int32_t>(v));
    if (comma == std::string::npos)
      return true;
    at = comma + 1;
  }
}

} // namespace

bool parseModelOptions(int argc, char **argv, ModelOptions &o,
                       std::string &error) {
  o.command = argv[1];
  const bool generate = o.command == "generate";
  bool havePrompt = false, haveMaxNew = false, haveSeed = false,
       havePiece = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    const char *v = nullptr;
    auto value = [&]() {
      if (i + 1 >= argc) {
        error = a + " needs a value";
        return false;
      }
      v = argv[++i];
      return true;
    };
    auto intValue = [&](int64_t lo, int64_t hi, int64_t &out) {
      if (!value())
        return false;
      if (!parseInt(v, lo, hi, out)) {
        error = a + ": expected an integer in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "], got \"" + v + "\"";
        return false;
      }
      return true;
    };
    int64_t n = 0;
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--weights") {
      if (!value())
        return false;
      o.weights = v;
    } else if (a == "--prompt") {
      if (!value())
        return false;
      o.prompt.clear();
      if (!parsePrompt(v, o.prompt))
        return error = "--prompt expects comma-separated token ids >= 0, "
                       "got \"" +
                       std::string(v) + "\"",
               false;
      havePrompt = true;
    } else if (a == "--max-new-tokens") {
      if (!intValue(0, int64_t(1) << 30, o.maxNewTokens))
        return false;
      haveMaxNew = true;
    } else if (a == "--random-tokens") {
      if (!intValue(1, int64_t(1) << 40, o.randomTokens))
        return false;
    } else if (a == "--seed") {
      if (!intValue(0, INT64_MAX, n))
        return false;
      o.seed = static_cast<uint64_t>(n);
      haveSeed = true;
    } else if (a == "--piece") {
      if (!intValue(1, int64_t(1) << 30, o.piece))
        return false;
      havePiece = true;
    } else if (a == "--batch") {
      if (!intValue(1, 1 << 20, o.batch))
        return false;
    } else if (a == "--threads") {
      if (!intValue(0, 4096, n))
        return false;
      o.threads = static_cast<int>(n);
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (a.size() > 1 && a[0] == '-') {
      error = "unknown option " + a + " (see ttt-run " + o.command + " --help)";
      return false;
    } else if (o.model.empty()) {
      o.model = a;
    } else {
      error = "more than one model given: " + o.model + " and " + a;
      return false;
    }
  }
  if (o.help)
    return true;
  if (o.model.empty())
    return error =
               "no model manifest given (see ttt-run " + o.command + " --help)",
           false;
  if (o.weights.empty())
    return error = "--weights FILE.safetensors is required", false;
  if (generate) {
    if (!havePrompt)
      return error = "generate needs --prompt IDS", false;
    if (o.randomTokens != -1 || haveSeed || havePiece)
      return error = "--random-tokens, --seed and --piece are options of "
                     "prefill-model, not generate",
             false;
  } else {
    if (o.randomTokens == -1)
      return error = "prefill-model needs --random-tokens T", false;
    if (havePrompt || haveMaxNew)
      return error = "--prompt and --max-new-tokens are options of "
                     "generate, not prefill-model",
             false;
  }
  return true;
}

} // namespace ttt::run
