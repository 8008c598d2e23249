//===- Objects.h - The C API's opaque objects -------------------*- C++ -*-===//

#ifndef TTT_RUNTIME_LIB_OBJECTS_H
#define TTT_RUNTIME_LIB_OBJECTS_H

#include "Backend.h"
#include "EntryCall.h"
#include "Error.h"
#include "Manifest.h"
#include "ThreadPool.h"

#include <memory>

struct ttt_artifact {
  ttt::rt::Manifest manifest;
  /// Runs the entry: the CPU library or the CUDA kernel (by target).
  std::unique_ptr<ttt::rt::Backend> backend;
  /// For each ttt_role, the indices of its entries in manifest.args
  /// (manifest.results for TTT_ROLE_OUTPUT), in manifest order.
  std::vector<size_t> byRole[5];
};

/// Bytes of one buffer; kept as raw bytes since only the dtype size
/// matters to the runtime.
using Bytes = std::vector<uint8_t>;

struct ttt_state {
  const ttt_artifact *art = nullptr;
  std::vector<int64_t> chainDims;
  int64_t numChains = 1;
  /// One entry call per chain (all chain dims dynamic) or one for all.
  bool perChain = false;
  /// Per manifest arg: elements per chain (state/param: the non-chain
  /// dims; sequence: the feature dims of one token; shared: all) and the
  /// full resolved shape (sequence: with T = 0).
  std::vector<int64_t> perChainElems;
  std::vector<std::vector<int64_t>> shapes;
  /// Per manifest result: elements of one token (outputs) or per chain.
  std::vector<int64_t> resultElems;

  /// Per manifest arg; only the entries for the arg's role are used.
  std::vector<Bytes> initial;  // state: the weights given at create
  std::vector<Bytes> boundary; // state: weights at the last batch boundary
  std::vector<Bytes> current;  // state: weights after the last token
  std::vector<Bytes> next;     // state: scratch for a committed piece
  std::vector<Bytes> constant; // param, shared
  std::vector<Bytes> buffer;   // sequence: [chains][chunk][features]
  int64_t buffered = 0;        // tokens held in `buffer`, < chunk size
  // Gather buffers of a span over all chains, kept between spans and calls
  // (fresh ones page-fault every time: 12 s instead of 5 s for 1M tokens).
  std::vector<Bytes> spanScratch;
  bool currentIsBoundary = true;
  int64_t tokensSeen = 0;

  std::unique_ptr<ttt::rt::ThreadPool> pool;
  /// The backend's per-state resources (CUDA: device buffers, a stream).
  std::unique_ptr<ttt::rt::BackendState> device;
  ttt_error last{};
};

namespace ttt::rt {

/// Records `e` as the state's last error and copies it to `err`.
ttt_status reportOn(ttt_state *s, const Error &e, ttt_error *err);

/// Checks a caller's tensor against an expected dtype and shape.
Error checkTensor(const ttt_tensor *t, ttt_dtype dtype,
                  const std::vector<int64_t> &shape, const std::string &what);

/// a * b, or -1 when either is negative or the product overflows.
int64_t mulChecked(int64_t a, int64_t b);
/// Product of dims, or -1 on overflow or a negative dim.
int64_t product(const std::vector<int64_t> &dims, size_t from = 0,
                size_t to = SIZE_MAX);
std::string shapeStr(const int64_t *dims, size_t rank);

} // namespace ttt::rt

#endif // TTT_RUNTIME_LIB_OBJECTS_H
