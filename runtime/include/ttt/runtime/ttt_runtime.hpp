//===- ttt_runtime.hpp - C++ RAII wrapper of the C API ----------*- C++ -*-===//
//
// Owns artifacts and states with unique_ptr and turns failed statuses into
// ttt::RuntimeError exceptions carrying the code and message.
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

} // namespace ttt

#endif // TTT_RUNTIME_TTT_RUNTIME_HPP
