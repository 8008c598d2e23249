//===- Options.h - ttt-run command line -------------------------*- C++ -*-===//

#ifndef TTT_RUN_OPTIONS_H
#define TTT_RUN_OPTIONS_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ttt::run {

struct Options {
  std::string artifact;
  /// --input NAME=FILE[.npy|.safetensors:TENSOR], or FILE.safetensors alone
  /// (NAME empty: every tensor named like a manifest entry).
  std::vector<std::pair<std::string, std::string>> inputs;
  bool random = false;
  uint64_t seed = 0;
  int64_t batch = -1, heads = -1, tokens = -1, stream = 0;
  int threads = 0, repeat = 1;
  std::vector<std::pair<std::string, std::string>> outputs;
  std::string outDir;
  bool json = false, quiet = false, help = false;
  std::string device = "cpu";
};

/// Parses argv; false with `error` set on a bad command line.
bool parseOptions(int argc, char **argv, Options &o, std::string &error);
const char *usage();

} // namespace ttt::run

#endif // TTT_RUN_OPTIONS_H
