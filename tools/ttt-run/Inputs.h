//===- Inputs.h - ttt-run's input files and random inputs -------*- C++ -*-===//

#ifndef TTT_RUN_INPUTS_H
#define TTT_RUN_INPUTS_H

#include "Options.h"

#include "ttt/runtime/Npy.h"
#include "ttt/runtime/ttt_runtime.h"

#include <map>
#include <string>
#include <vector>

namespace ttt::run {

/// How a missing input is drawn with --random (see docs/RUNTIME.md).
enum class Dist {
  Normal,     // sequences: N(0, 1)
  Rate,       // per-token scalars (rank chain_rank + 1): U[0, 0.1)
  State,      // fast weights: 0.05 N(0, 1)
  NormWeight, // params named like gamma / ln_w / norm_weight: 1 + 0.1 N
  Small       // other params and shared arrays: 0.1 N(0, 1)
};

Dist distFor(const ttt_arg_info &info, int32_t chainRank);

/// Fills `count` values: element i gets the value keyed by (seed, arg,
/// key0 + i), so a value does not depend on how a run is split.
void fillRandom(float *dst, int64_t count, uint64_t seed, uint64_t arg,
                uint64_t key0, Dist d);

/// Reads every --input into name -> array. Names must be among `known`.
bool loadInputs(const Options &o, const std::vector<std::string> &known,
                std::map<std::string, rt::Array> &out, std::string &error);

} // namespace ttt::run

#endif // TTT_RUN_INPUTS_H
