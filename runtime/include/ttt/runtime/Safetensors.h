//===- Safetensors.h - Read .safetensors files ------------------*- C++ -*-===//
//
// Model weights saved from PyTorch come as .safetensors: an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape,
// data_offsets}}, then the raw data. The reader is strict: every bad length,
// offset or dtype is an error with a message, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_SAFETENSORS_H
#define TTT_RUNTIME_SAFETENSORS_H

#include "ttt/runtime/Npy.h"

#include <string>
#include <utility>
#include <vector>

namespace ttt::rt {

/// Named tensors, sorted by name (not file order).
using TensorList = std::vector<std::pair<std::string, Array>>;

/// Parses a whole file image. Dtypes F32, F64, BF16, I32, I64.
bool parseSafetensors(const uint8_t *bytes, size_t size, TensorList &out,
                      std::string &error);
/// Reads `path`; error messages start with the path.
bool readSafetensors(const std::string &path, TensorList &out,
                     std::string &error);

} // namespace ttt::rt

#endif // TTT_RUNTIME_SAFETENSORS_H
