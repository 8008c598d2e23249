//===- Npy.h - Read and write NumPy .npy arrays ----------------*- C++ -*-===//
//
// The runtime's tools read inputs and write outputs as .npy files. Parsing
// is strict: every malformed or unsupported file is an error with a message,
// never a crash or an allocation sized by an unchecked header.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_NPY_H
#define TTT_RUNTIME_NPY_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ttt::rt {

enum class DType { F32, F64, I32, I64 };

/// Bytes per element.
size_t dtypeSize(DType t);
/// NumPy's descriptor, e.g. "<f4".
const char *dtypeDescr(DType t);

/// A dense, C-ordered array.
struct Array {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
  int64_t numElements() const;
};

/// Parses a whole .npy file image. On failure returns false and sets `error`.
bool parseNpy(const uint8_t *bytes, size_t size, Array &out,
              std::string &error);
/// Reads `path`; errors name the file.
bool readNpy(const std::string &path, Array &out, std::string &error);
/// Writes `a` as a version 1.0 .npy file.
bool writeNpy(const std::string &path, const Array &a, std::string &error);

} // namespace ttt::rt

#endif // TTT_RUNTIME_NPY_H
