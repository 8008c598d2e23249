//===- ModelOptions.h - ttt-run's model commands ----------------*- C++ -*-===//
//
// `ttt-run generate` and `ttt-run prefill-model` run whole models
// (docs/MODEL.md); their command line is parsed here.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUN_MODELOPTIONS_H
#define TTT_RUN_MODELOPTIONS_H

#include <cstdint>
#include <string>
#include <vector>

namespace ttt::run {

struct ModelOptions {
  std::string command; // "generate" or "prefill-model"
  std::string model, weights;
  std::vector<int32_t> prompt; // generate
  int64_t maxNewTokens = 16;   // generate
  int64_t randomTokens = -1;   // prefill-model: T
  int64_t piece = 4096;        // prefill-model: tokens per call
  uint64_t seed = 0;           // prefill-model
  int64_t batch = 1;
  int threads = 0;
  bool json = false, quiet = false, help = false;
};

/// Whether argv[1] names a model command.
bool isModelCommand(const char *arg);
/// Parses argv (argv[1] is the command); false with `error` set on a bad
/// command line.
bool parseModelOptions(int argc, char **argv, ModelOptions &o,
                       std::string &error);
const char *modelUsage();

/// Runs the command; throws on runtime errors (exit status 1).
int runModelCommand(const ModelOptions &o);

} // namespace ttt::run

#endif // TTT_RUN_MODELOPTIONS_H
