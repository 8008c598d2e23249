//===- EntryCall.h - Call an entry through MLIR's C interface ---*- C++ -*-===//
//
// After buffer-results-to-out-params, the entry takes one pointer per
// parameter to a ranked memref descriptor
//   { T *allocated; T *aligned; int64_t offset; int64_t sizes[R];
//     int64_t strides[R]; }
// and returns nothing. Ranks differ per parameter, so descriptors are laid
// out by hand in 8-byte words.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_LIB_ENTRYCALL_H
#define TTT_RUNTIME_LIB_ENTRYCALL_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ttt::rt {

/// A ranked memref descriptor over a contiguous row-major buffer.
class MemRefDesc {
public:
  MemRefDesc() = default;
  /// `data` is both the allocated and the aligned pointer, offset 0.
  void set(void *data, const int64_t *sizes, size_t rank);
  void *ptr() { return words.data(); }

private:
  std::vector<int64_t> words;
};

using EntryFn = void (*)();

/// Calls `fn` with params.size() descriptor pointers (at most
/// kMaxEntryParams, checked when the manifest is loaded).
void callEntry(EntryFn fn, std::vector<MemRefDesc> &params);

} // namespace ttt::rt

#endif // TTT_RUNTIME_LIB_ENTRYCALL_H
