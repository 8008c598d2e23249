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

/// Element types of runtime arrays. BF16 has no NumPy dtype, so .npy files
/// cannot hold it; it exists for buffers the compiled code uses.
enum class DType { F32, F64, BF16, I32, I64 };

/// Bytes per element.
size_t dtypeSize(DType t);
/// Short name for messages, e.g. "f32", "bf16".
const char *dtypeName(DType t);
/// NumPy's descriptor, e.g. "<f4"; nullptr for BF16.
const char *dtypeDescr(DType t);

/// A dense, C-ordered array.
struct Array {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
  /// Product of the dims (1 for 0-d); -1 if a dim is negative or the product
  /// overflows int64, so that a hand-built shape cannot cause UB.
  int64_t numElements() const;
};

/// Parses a whole .npy file image: versions 1.0, 2.0 and 3.0, little-endian
/// <f4, <f8, <i4, <i8, C order. On failure returns false and sets `error`.
bool parseNpy(const uint8_t *bytes, size_t size, Array &out,
              std::string &error);
/// Reads `path`; error messages start with the path.
bool readNpy(const std::string &path, Array &out, std::string &error);
/// Writes `a` as version 1.0 (2.0 if the header needs more than 64 KiB).
bool writeNpy(const std::string &path, const Array &a, std::string &error);

} // namespace ttt::rt

#endif // TTT_RUNTIME_NPY_H
