//===- ModelWeights.cpp - A model's weights from a .safetensors file ------===//
//
// Only the header is parsed in memory; each weight is then read straight
// from the file into its place in the weight blob, so loading needs the
// blob and nothing of the file's size besides.
//
//===----------------------------------------------------------------------===//

#include "Model.h"

#include "ttt/runtime/Safetensors.h"

#include <fstream>
#include <map>

namespace ttt::rt {
namespace {

std::string shapeText(const std::vector<int64_t> &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

/// A file tensor that must be f32 with the shape `want`.
Error checkTensor(const std::string &path, const TensorInfo &t,
                  const std::string &what, const std::vector<int64_t> &want) {
  if (t.dtype != "F32")
    return makeError(TTT_ERROR_DTYPE, path + ": " + what + ": dtype " +
                                          t.dtype + ", expected F32");
  if (t.shape != want)
    return makeError(TTT_ERROR_SHAPE, path + ": " + what + ": shape " +
                                          shapeText(t.shape) + ", expected " +
                                          shapeText(want));
  return Error::ok();
}

} // namespace

Error readModelWeights(const ModelManifest &m, const std::string &path,
                       std::vector<float> &blob) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return makeError(TTT_ERROR_IO, path + ": cannot open the weight file");
  TensorIndex index;
  std::string error;
  if (!readSafetensorsIndex(path, index, error))
    return makeError(TTT_ERROR_FORMAT, error);
  std::map<std::string, const TensorInfo *> byName;
  for (const TensorInfo &t : index)
    byName[t.name] = &t;

  for (const BlobTensor &w : m.weights) {
    auto it = byName.find(w.name);
    if (it == byName.end())
      return makeError(TTT_ERROR_FORMAT, path + ": missing tensor \"" + w.name +
                                             "\" (F32 " + shapeText(w.shape) +
                                             ")");
    if (Error e = checkTensor(path, *it->second, "tensor \"" + w.name + "\"",
                              w.shape))
      return e;
  }
  for (const TensorInfo &t : index) {
    if (m.findWeight(t.name) >= 0)
      continue;
    auto tied = m.tied.find(t.name);
    if (tied == m.tied.end())
      return makeError(TTT_ERROR_FORMAT,
                       path + ": unexpected tensor \"" + t.name +
                           "\" (not a weight of the model, nor a tied name)");
    const BlobTensor &target = m.weights[tied->second];
    if (Error e = checkTensor(path, t,
                              "tensor \"" + t.name + "\" (tied to \"" +
                                  target.name + "\")",
                              target.shape))
      return e;
  }

  blob.assign(static_cast<size_t>(m.weightsSize), 0.f);
  for (const BlobTensor &w : m.weights) {
    const TensorInfo &t = *byName[w.name];
    f.seekg(static_cast<std::streamoff>(t.begin));
    if (!f.read(reinterpret_cast<char *>(blob.data() + w.offset),
                static_cast<std::streamsize>(t.end - t.begin)))
      return makeError(TTT_ERROR_IO,
                       path + ": cannot read tensor \"" + w.name + "\"");
  }
  return Error::ok();
}

} // namespace ttt::rt
