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

/// One tensor as the header describes it, without its data.
struct TensorInfo {
  std::string name;
  std::string dtype; // as written: "F32", "F16", "I32", "BF16", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0; // byte range in the file
};
using TensorIndex = std::vector<TensorInfo>;

/// Bytes per element of a safetensors dtype name (BOOL, U8, I8, F8_E4M3,
/// F8_E5M2, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64); 0 if
/// unknown.
size_t safetensorsDTypeSize(const std::string &dtype);

/// Parses a whole file image. Dtypes F32, F64, BF16, I32, I64.
bool parseSafetensors(const uint8_t *bytes, size_t size, TensorList &out,
                      std::string &error);
/// Reads `path`; error messages start with the path.
bool readSafetensors(const std::string &path, TensorList &out,
                     std::string &error);
/// Reads only the header of `path` (any dtype above) and checks every
/// entry's byte range against the file size, so that the caller can read
/// each tensor straight into its own buffer. Sorted by name.
bool readSafetensorsIndex(const std::string &path, TensorIndex &out,
                          std::string &error);

} // namespace ttt::rt

#endif // TTT_RUNTIME_SAFETENSORS_H
