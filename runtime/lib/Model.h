//===- Model.h - The C API's model and session objects ----------*- C++ -*-===//

#ifndef TTT_RUNTIME_LIB_MODEL_H
#define TTT_RUNTIME_LIB_MODEL_H

#include "DeviceModel.h"
#include "EntryCall.h"
#include "Error.h"
#include "ModelManifest.h"
#include "ThreadPool.h"

#include <memory>
#include <string>
#include <vector>

struct ttt_model {
  ttt::rt::ModelManifest manifest;
  void *handle = nullptr; // dlopen handle of the library
  /// Parallel to manifest.prefills.
  std::vector<ttt::rt::EntryFn> prefill;
  ttt::rt::EntryFn decode = nullptr;
  /// cpu: the weight blob [weights_size]; empty until weights are loaded
  /// (and always empty for a device model: its blob is on the device).
  std::vector<float> weights;
  /// Target cuda: the driver, the weights on the device; null on the cpu.
  std::unique_ptr<ttt::rt::DeviceModel> device;
  std::string deviceName; // "cpu" or the device's description

  bool hasWeights() const {
    return device ? device->hasWeights() : !weights.empty();
  }

  ttt_model() = default;
  ttt_model(const ttt_model &) = delete;
  ttt_model &operator=(const ttt_model &) = delete;
  ~ttt_model();
};

/// One sequence of a session.
struct SessionSeq {
  /// Double-buffered state blobs [states_size]: an entry reads
  /// blob[cur] and writes blob[1 - cur] (states_out never aliases states).
  std::vector<float> blob[2];
  int cur = 0;
  /// Logits out of the last entry call: [V], or [tokens, V] for an entry
  /// with every position's logits; `lastRow` is where the last one starts.
  std::vector<float> logits;
  int64_t lastRow = 0;
};

struct ttt_session {
  const ttt_model *model = nullptr;
  int64_t batch = 0;
  int64_t tokensSeen = 0;
  std::vector<SessionSeq> seqs; // cpu only
  std::unique_ptr<ttt::rt::ThreadPool> pool;
  /// A device model's sequences (state blobs and logits on the device).
  std::unique_ptr<ttt::rt::DeviceSession> device;
  ttt_error last{};
};

namespace ttt::rt {

/// ttt_model_load: manifest, library, entries; target cuda then opens the
/// driver `driverLibrary` (tests override libcuda.so.1).
Error loadModel(const std::string &path, ttt_model &m,
                const std::string &driverLibrary = "libcuda.so.1");
/// Sets every sequence's states to their init values, position 0.
Error resetSession(ttt_session &s);
/// Records `e` as the session's last error and copies it to `err`.
ttt_status reportOnSession(ttt_session *s, const Error &e, ttt_error *err);
/// Reads and checks the weight file into a new blob (ModelWeights.cpp).
Error readModelWeights(const ModelManifest &m, const std::string &path,
                       std::vector<float> &blob);

} // namespace ttt::rt

#endif // TTT_RUNTIME_LIB_MODEL_H
