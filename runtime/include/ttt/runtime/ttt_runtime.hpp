//===- ttt_runtime.hpp - C++ RAII wrapper of the C API ----------*- C++ -*-===//
//
// Owns artifacts, states, models and sessions with unique_ptr and turns
// failed statuses into ttt::RuntimeError exceptions carrying the code and
// message.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_TTT_RUNTIME_HPP
#define TTT_RUNTIME_TTT_RUNTIME_HPP

#include "ttt/runtime/ttt_runtime.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ttt {

class RuntimeError : public std::runtime_error {
public:
  RuntimeError(ttt_status code, const std::string &msg)
      : std::runtime_error(msg), code_(code) {}
  ttt_status code() const { return code_; }

private:
  ttt_status code_;
};

inline void check(ttt_status s, const ttt_error &e) {
  if (s != TTT_OK)
    throw RuntimeError(s, e.message);
}

class Artifact {
public:
  explicit Artifact(const std::string &path) {
    ttt_artifact *a = nullptr;
    ttt_error e{};
    check(ttt_artifact_load(path.c_str(), &a, &e), e);
    ptr_.reset(a);
  }
  const ttt_artifact *get() const { return ptr_.get(); }
  int64_t chunkSize() const { return ttt_artifact_chunk_size(get()); }
  int32_t chainRank() const { return ttt_artifact_chain_rank(get()); }
  std::vector<ttt_arg_info> infos(ttt_role role) const {
    std::vector<ttt_arg_info> v(ttt_artifact_count(get(), role));
    for (size_t i = 0; i < v.size(); ++i)
      ttt_artifact_info(get(), role, i, &v[i]);
    return v;
  }

private:
  struct Free {
    void operator()(ttt_artifact *a) const { ttt_artifact_free(a); }
  };
  std::unique_ptr<ttt_artifact, Free> ptr_;
};

class State {
public:
  State(const Artifact &a, const ttt_state_config &c) {
    ttt_state *s = nullptr;
    ttt_error e{};
    check(ttt_state_create(a.get(), &c, &s, &e), e);
    ptr_.reset(s);
  }
  ttt_state *get() const { return ptr_.get(); }
  void prefill(int64_t n, const std::vector<ttt_tensor> &in,
               const std::vector<ttt_tensor> &out) {
    ttt_error e{};
    check(
        ttt_prefill(get(), n, in.data(), in.size(), out.data(), out.size(), &e),
        e);
  }
  void decode(const std::vector<ttt_tensor> &in,
              const std::vector<ttt_tensor> &out) {
    prefill(1, in, out);
  }
  void reset() { check(ttt_state_reset(get()), *ttt_state_last_error(get())); }
  void readWeights(size_t i, const ttt_tensor &dst) {
    check(ttt_state_read_weights(get(), i, &dst), *ttt_state_last_error(get()));
  }
  int64_t tokensSeen() const { return ttt_state_tokens_seen(get()); }

private:
  struct Free {
    void operator()(ttt_state *s) const { ttt_state_free(s); }
  };
  std::unique_ptr<ttt_state, Free> ptr_;
};

/// A model (docs/MODEL.md): manifest, library and weights.
class Model {
public:
  explicit Model(const std::string &path) {
    ttt_model *m = nullptr;
    ttt_error e{};
    check(ttt_model_load(path.c_str(), &m, &e), e);
    ptr_.reset(m);
  }
  void loadWeights(const std::string &safetensorsPath) {
    ttt_error e{};
    check(ttt_model_load_weights(get(), safetensorsPath.c_str(), &e), e);
  }
  ttt_model *get() const { return ptr_.get(); }
  int64_t vocabSize() const { return ttt_model_vocab_size(get()); }
  int64_t miniBatchSize() const { return ttt_model_mini_batch_size(get()); }
  /// Elements of a state per sequence, -1 if there is no such state.
  int64_t stateSize(const std::string &name) const {
    return ttt_model_state_size(get(), name.c_str());
  }
  std::string target() const { return ttt_model_target(get()); }
  /// "cpu" or the CUDA device's description.
  std::string device() const { return ttt_model_device(get()); }

private:
  struct Free {
    void operator()(ttt_model *m) const { ttt_model_free(m); }
  };
  std::unique_ptr<ttt_model, Free> ptr_;
};

/// `batch` sequences of a model with loaded weights.
class Session {
public:
  Session(const Model &m, int64_t batch)
      : model_(m.get()), vocab_(m.vocabSize()) {
    ttt_session *s = nullptr;
    ttt_error e{};
    check(ttt_session_create(m.get(), batch, &s, &e), e);
    ptr_.reset(s);
  }
  ttt_session *get() const { return ptr_.get(); }
  int64_t batch() const { return ttt_session_batch(get()); }
  int64_t tokensSeen() const { return ttt_session_tokens_seen(get()); }
  size_t memoryBytes() const { return ttt_session_memory_bytes(get()); }
  size_t deviceBytes() const { return ttt_session_device_bytes(get()); }
  /// `tokens` [batch][n]; `logits` [batch][V] or null.
  void prefill(int64_t n, const int32_t *tokens, float *logits) {
    ttt_error e{};
    check(ttt_session_prefill(get(), n, tokens, logits, &e), e);
  }
  /// `tokens` [batch * n]; returns the last logits [batch * V].
  std::vector<float> prefill(const std::vector<int32_t> &tokens) {
    std::vector<float> logits(batch() * vocab_);
    prefill(static_cast<int64_t>(tokens.size()) / batch(), tokens.data(),
            logits.data());
    return logits;
  }
  /// `tokens` [batch]; returns logits [batch * V].
  std::vector<float> decode(const std::vector<int32_t> &tokens) {
    std::vector<float> logits(batch() * vocab_);
    ttt_error e{};
    check(ttt_session_decode(get(), tokens.data(), logits.data(), &e), e);
    return logits;
  }
  void reset() {
    check(ttt_session_reset(get()), *ttt_session_last_error(get()));
  }
  void setThreads(int32_t n) {
    check(ttt_session_set_threads(get(), n), *ttt_session_last_error(get()));
  }
  std::vector<float> readState(int64_t seq, const std::string &name) {
    int64_t n = ttt_model_state_size(model_, name.c_str());
    std::vector<float> out(n > 0 ? n : 0);
    ttt_error e{};
    check(ttt_session_read_state(get(), seq, name.c_str(), out.data(),
                                 out.size(), &e),
          e);
    return out;
  }

private:
  struct Free {
    void operator()(ttt_session *s) const { ttt_session_free(s); }
  };
  const ttt_model *model_;
  int64_t vocab_;
  std::unique_ptr<ttt_session, Free> ptr_;
};

} // namespace ttt

#endif // TTT_RUNTIME_TTT_RUNTIME_HPP
