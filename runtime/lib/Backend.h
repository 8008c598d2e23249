//===- Backend.h - Where an artifact's entry runs ----------------*- C++ -*-===//
//
// The streaming logic (Prefill.cpp) decides which spans of tokens run from
// which weights; a Backend runs the entry once over one span. The CPU
// backend calls the library's entry through memref descriptors; the CUDA
// backend (cuda/CudaBackend.cpp) keeps the state's weights and constants on
// the device (keepsState()), copies the span's sequences in, launches the
// kernel and copies the outputs back.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_LIB_BACKEND_H
#define TTT_RUNTIME_LIB_BACKEND_H

#include "Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct ttt_state;

namespace ttt::rt {

struct Manifest;

/// What a span parameter is. Host: a sequence input or an output, in the
/// host buffer `data`. The others are one of the state's own arrays (of
/// manifest arg `arg`): its weights at the last boundary (state args), the
/// weights after the span (state results: Next when the span commits a new
/// boundary, Current for a trailing partial batch), or a param/shared
/// array. `data` points to the state's host copy of them; a backend that
/// keepsState() uses its own copy instead and ignores `data`.
enum class Slot { Host, Boundary, Current, Next, Constant };

/// One parameter of an entry call: a contiguous row-major host buffer.
struct SpanParam {
  void *data = nullptr;
  size_t bytes = 0;
  std::vector<int64_t> sizes; // chain dims (of this call), [T,] other dims
  Slot slot = Slot::Host;
  size_t arg = 0; // manifest arg (slots other than Host)
};

/// One entry call: manifest args, then manifest results (out-parameters).
struct Span {
  int64_t tokens = 0; // T of this call
  int64_t chains = 0; // chains in this call (their product)
  std::vector<SpanParam> params;
};

/// What a backend keeps per state (device buffers, a stream).
class BackendState {
public:
  virtual ~BackendState() = default;
  /// Device bytes held (not counted by ttt_state_memory_bytes).
  virtual size_t deviceBytes() const { return 0; }
  /// keepsState() backends only. Back to the weights given at create.
  virtual Error reset(const ttt_state &) { return Error::ok(); }
  /// Copies the weights of state arg `arg` (at the last boundary, or after
  /// the last token) to `dst`.
  virtual Error readWeights(size_t /*arg*/, bool /*atBoundary*/,
                            void * /*dst*/, size_t /*bytes*/) {
    return Error::ok();
  }
  /// Waits for the work run() left in flight (end of a prefill call).
  virtual Error finish() { return Error::ok(); }
};

class Backend {
public:
  virtual ~Backend() = default;
  virtual const char *name() const = 0;
  /// Whether a call may be split into one call per chain, run on the
  /// state's thread pool (CPU); else every call covers all chains.
  virtual bool splitsChains() const = 0;
  /// Whether the backend keeps the weights and constants itself (from
  /// attach() on): then a commit swaps its Next and Boundary copies inside
  /// run(), and reset/read_weights go through the BackendState. Else the
  /// state's host buffers are the weights (CPU).
  virtual bool keepsState() const { return false; }
  /// Most tokens of one span: a longer call runs as several spans over
  /// full mini-batches, each gathered into scratch buffers of that size
  /// (a call of one span reads and writes the caller's arrays in place).
  virtual int64_t pieceTokens() const { return 4096; }
  /// Per-state resources; `out` may stay null.
  virtual Error attach(const ttt_state &, std::unique_ptr<BackendState> &out)
      const {
    out.reset();
    return Error::ok();
  }
  /// Runs the entry over `span`. Called concurrently for different chains
  /// of one state when splitsChains(); `bs` is what attach() made. Host
  /// results are complete on return; other work may be left in flight
  /// until BackendState::finish().
  virtual Error run(BackendState *bs, Span &span) const = 0;
};

/// CPU: dlopen the manifest's library and resolve its entry (Artifact.cpp).
Error loadCpuBackend(const Manifest &m, std::unique_ptr<Backend> &out);
/// Checks `library` (it exists, sane ELF headers) and dlopens it; errors
/// name the manifest `path`. On failure `handle` is null.
Error openLibrary(const std::string &path, const std::string &library,
                  void *&handle);
/// dlsym of an entry (TTT_ERROR_ENTRY naming `symbol` if missing).
Error findEntry(const std::string &path, const std::string &library,
                void *handle, const std::string &symbol, void (*&out)());
/// CUDA: driver, module and kernel (cuda/CudaBackend.cpp). `driverLibrary`
/// overrides libcuda.so.1 (tests).
Error loadCudaBackend(const Manifest &m, std::unique_ptr<Backend> &out,
                      const std::string &driverLibrary = "libcuda.so.1");
/// "cpu": always available; "cuda": opens the driver and describes device
/// 0 in `info`. Other names: TTT_ERROR_ARGUMENT.
Error probeDevice(const std::string &device, std::string &info);

} // namespace ttt::rt

#endif // TTT_RUNTIME_LIB_BACKEND_H
