//===- Inputs.cpp - ttt-run's input files and random inputs ---------------===//

#include "Inputs.h"

#include "ttt/runtime/Safetensors.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace ttt::run {
namespace {

uint64_t mix(uint64_t x) { // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// Uniform in (0, 1) from a 64-bit hash.
double unit(uint64_t h) {
  return ((h >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

} // namespace

Dist distFor(const ttt_arg_info &info, int32_t chainRank) {
  std::string n = info.name;
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  switch (info.role) {
  case TTT_ROLE_SEQUENCE:
    return info.rank == chainRank + 1 ? Dist::Rate : Dist::Normal;
  case TTT_ROLE_STATE:
    return Dist::State;
  case TTT_ROLE_PARAM:
    for (const char *k : {"gamma", "ln_w", "norm_w", "norm_weight"})
      if (n.find(k) != std::string::npos)
        return Dist::NormWeight;
    return Dist::Small;
  default:
    return Dist::Small;
  }
}

void fillRandom(float *dst, int64_t count, uint64_t seed, uint64_t arg,
                uint64_t key0, Dist d) {
  const uint64_t base = mix(mix(seed) ^ (arg * 0x632be59bd9b4e019ull));
  for (int64_t i = 0; i < count; ++i) {
    uint64_t h = mix(base ^ (key0 + static_cast<uint64_t>(i)));
    if (d == Dist::Rate) {
      dst[i] = static_cast<float>(0.1 * unit(h));
      continue;
    }
    // Box-Muller on two hashes of the same key.
    double z = std::sqrt(-2.0 * std::log(unit(h))) *
               std::cos(6.283185307179586 * unit(mix(h)));
    switch (d) {
    case Dist::Normal:
      dst[i] = static_cast<float>(z);
      break;
    case Dist::State:
      dst[i] = static_cast<float>(0.05 * z);
      break;
    case Dist::NormWeight:
      dst[i] = static_cast<float>(1.0 + 0.1 * z);
      break;
    default:
      dst[i] = static_cast<float>(0.1 * z);
      break;
    }
  }
}

bool loadInputs(const Options &o, const std::vector<std::string> &known,
                std::map<std::string, rt::Array> &out, std::string &error) {
  auto isKnown = [&](const std::string &n) {
    return std::find(known.begin(), known.end(), n) != known.end();
  };
  auto put = [&](const std::string &name, rt::Array a) {
    if (out.count(name)) {
      error = "input \"" + name + "\" given twice";
      return false;
    }
    out.emplace(name, std::move(a));
    return true;
  };
  for (const auto &[name, spec] : o.inputs) {
    if (!name.empty() && !isKnown(name)) {
      error = "unknown input \"" + name + "\" (the artifact's inputs: ";
      for (size_t i = 0; i < known.size(); ++i)
        error += (i ? ", " : "") + known[i];
      error += ")";
      return false;
    }
    size_t st = spec.find(".safetensors");
    if (st == std::string::npos) {
      rt::Array a;
      if (!rt::readNpy(spec, a, error))
        return false;
      if (!put(name, std::move(a)))
        return false;
      continue;
    }
    std::string file = spec.substr(0, st + 12), tensor;
    if (st + 12 < spec.size()) {
      if (spec[st + 12] != ':') {
        error =
            "bad safetensors input \"" + spec + "\" (FILE.safetensors:TENSOR)";
        return false;
      }
      tensor = spec.substr(st + 13);
    }
    rt::TensorList list;
    if (!rt::readSafetensors(file, list, error))
      return false;
    if (name.empty()) { // the whole file, by manifest name
      bool any = false;
      for (auto &[tn, a] : list)
        if (isKnown(tn)) {
          any = true;
          if (!put(tn, std::move(a)))
            return false;
        }
      if (!any) {
        error = file + ": no tensor is named like an input of the artifact";
        return false;
      }
      continue;
    }
    if (tensor.empty() && list.size() == 1)
      tensor = list[0].first;
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const auto &p) { return p.first == tensor; });
    if (it == list.end()) {
      error = file + ": no tensor \"" + tensor + "\"";
      return false;
    }
    if (!put(name, std::move(it->second)))
      return false;
  }
  return true;
}

} // namespace ttt::run
