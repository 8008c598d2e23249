//===- Model.h - The C API's model and session objects ----------*- C++ -*-===//

#ifndef TTT_RUNTIME_LIB_MODEL_H
#define TTT_RUNTIME_LIB_MODEL_H

#include "EntryCall.h"
#include "Error.h"
#include "ModelManifest.h"
#include "ThreadPool.h"

#include <memory>
#include <vector>

struct ttt_model {
  ttt::rt::ModelManifest manifest;
  void *handle = nullptr; // dlopen handle of the library
  /// Parallel to manifest.prefills.
  std::vector<ttt::rt::EntryFn> prefill;
  ttt::rt::EntryFn decode = nullptr;
  /// The weight blob [weights_size]; empty until weights are loaded.
  std::vector<float> weights;

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
  std::vector<SessionSeq> seqs;
  std::unique_ptr<ttt::rt::ThreadPool> pool;
  ttt_error last{};
};

namespace ttt::rt {

/// Sets every sequence's states to their init values, position 0.
void resetSession(ttt_session &s);
/// Records `e` as the session's last error and copies it to `err`.
ttt_status reportOnSession(ttt_session *s, const Error &e, ttt_error *err);
/// Reads and checks the weight file into a new blob (ModelWeights.cpp).
Error readModelWeights(const ModelManifest &m, const std::string &path,
                       std::vector<float> &blob);

} // namespace ttt::rt

#endif // TTT_RUNTIME_LIB_MODEL_H
