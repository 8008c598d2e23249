//===- CudaModelTest.cpp - Models of target cuda --------------------------===//
//
// Everywhere: the cuda toy model manifest parses, loading it without a
// driver is TTT_ERROR_NO_DEVICE, a library without the shim's error call
// is refused before the driver is opened. The cuda toy model
// (kernels/ToyModelCuda.cpp: the toy model behind device pointers) then
// runs on the fake driver (kernels/FakeCuda.cpp, a test double of
// libcuda.so.1) and, where there is a GPU, on the real one: both must
// equal the cpu toy bitwise. The fake also checks the device side: the
// context made current on the calling thread, copies inside allocations,
// everything freed.
//
//===----------------------------------------------------------------------===//

#include "Model.h"
#include "ModelHelpers.h"
#include "ModelManifest.h"
#include "cuda/CudaDriver.h"
#include "ttt/runtime/ttt_runtime.hpp"

#include <thread>

using namespace toymodel;
using ttt::rt::Error;

namespace {

bool haveDevice() {
  std::unique_ptr<ttt::rt::cuda::CudaDriver> d;
  return !ttt::rt::cuda::CudaDriver::open(d);
}

/// The cuda toy manifest with an absolute library path.
std::string cudaManifestText() {
  return replaced(readText(TTT_TOY_MODEL_CUDA_MANIFEST),
                  "\"libttt_toy_model_cuda.so\"",
                  "\"" + std::string(TTT_TOY_MODEL_CUDA_LIBRARY) + "\"");
}

template <typename F> F sym(void *h, const char *name) {
  void *p = dlsym(h, name);
  EXPECT_NE(p, nullptr) << name;
  return reinterpret_cast<F>(p);
}

/// Hooks of the cuda toy model library and of the fake driver.
struct Hooks {
  void *toy = dlopen(TTT_TOY_MODEL_CUDA_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  void *fake = dlopen(TTT_FAKE_CUDA_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  int (*driver)(const char *) =
      sym<int (*)(const char *)>(toy, "ttt_toy_model_cuda_driver");
  void (*failCall)(int64_t) =
      sym<void (*)(int64_t)>(toy, "ttt_toy_model_cuda_fail_call");
  int64_t (*releases)() =
      sym<int64_t (*)()>(toy, "ttt_toy_model_cuda_pool_releases");
  size_t (*liveBytes)() = sym<size_t (*)()>(fake, "ttt_fake_cuda_live_bytes");
  void (*failAlloc)(int64_t) =
      sym<void (*)(int64_t)>(fake, "ttt_fake_cuda_fail_alloc");
};

struct ModelPtr {
  ttt_model *m = nullptr;
  ~ModelPtr() { ttt_model_free(m); }
};

/// ttt_model_load with another driver library.
Error loadWith(const std::string &path, const std::string &driver,
               ModelPtr &out) {
  auto m = std::make_unique<ttt_model>();
  Error e = ttt::rt::loadModel(path, *m, driver);
  if (!e)
    out.m = m.release();
  return e;
}

TEST(CudaModel, ManifestParses) {
  ttt::rt::ModelManifest m;
  Error e = ttt::rt::loadModelManifest(TTT_TOY_MODEL_CUDA_MANIFEST, m);
  ASSERT_FALSE(e) << e.message;
  EXPECT_EQ(m.target, "cuda");
  EXPECT_EQ(m.prefills.size(), 2u);
  EXPECT_EQ(m.decode.symbol, "_mlir_ciface_decode");
  EXPECT_EQ(m.logitsElems(), 16 * kV);
}

TEST(CudaModel, WithoutADriverLoadIsNoDevice) {
  ModelPtr m;
  Error e = loadWith(TTT_TOY_MODEL_CUDA_MANIFEST, "libttt_no_such_cuda.so.1", m);
  EXPECT_EQ(e.code, TTT_ERROR_NO_DEVICE);
  EXPECT_EQ(e.message, std::string(TTT_TOY_MODEL_CUDA_MANIFEST) +
                           ": no CUDA driver (libttt_no_such_cuda.so.1 not "
                           "found)");
  EXPECT_EQ(m.m, nullptr);
  // The cpu toy loads and runs all the same.
  ttt::Model cpu(TTT_TOY_MODEL_MANIFEST);
  cpu.loadWeights(writeWeights("cuda_model_cpu", Weights().tensors()));
  ttt::Session s(cpu, 1);
  EXPECT_EQ(s.prefill(randomTokens(20, 1)).size(), size_t(kV));
  EXPECT_EQ(cpu.device(), "cpu");
  EXPECT_EQ(cpu.target(), "cpu");
}

TEST(CudaModel, WithoutADeviceTheCApiSaysNoDevice) {
  if (haveDevice())
    GTEST_SKIP() << "a CUDA device is present";
  ttt_model *m = reinterpret_cast<ttt_model *>(0x1);
  ttt_error err{};
  EXPECT_EQ(ttt_model_load(TTT_TOY_MODEL_CUDA_MANIFEST, &m, &err),
            TTT_ERROR_NO_DEVICE);
  EXPECT_EQ(m, nullptr);
  std::string msg = err.message;
  EXPECT_EQ(msg.rfind(TTT_TOY_MODEL_CUDA_MANIFEST, 0), 0u) << msg;
  EXPECT_TRUE(msg.find("no CUDA driver (libcuda.so.1 not found)") !=
                  std::string::npos ||
              msg.find("no CUDA device") != std::string::npos ||
              msg.find("no usable CUDA driver") != std::string::npos)
      << msg;
}

TEST(CudaModel, LibraryWithoutTheShimErrorCallIsRefusedFirst) {
  // The cpu toy's library as a cuda model: refused before the driver.
  std::string path = writeManifest(
      "cuda_model_noshim",
      replaced(cudaManifestText(), TTT_TOY_MODEL_CUDA_LIBRARY,
               TTT_TOY_MODEL_LIBRARY));
  ModelPtr m;
  Error e = loadWith(path, "libttt_no_such_cuda.so.1", m);
  EXPECT_EQ(e.code, TTT_ERROR_ENTRY) << e.message;
  EXPECT_EQ(e.message.rfind(path, 0), 0u) << e.message;
  EXPECT_NE(e.message.find("does not export ttt_gpu_shim_take_error"),
            std::string::npos)
      << e.message;
}

// --- The cuda toy on the fake driver ("fake") and on a GPU ("gpu").

class CudaModelRun : public ::testing::TestWithParam<const char *> {
protected:
  void SetUp() override {
    const bool gpu = std::string(GetParam()) == "gpu";
    if (gpu && !haveDevice())
      GTEST_SKIP() << "no CUDA device";
    driver = gpu ? "libcuda.so.1" : TTT_FAKE_CUDA_LIBRARY;
    ASSERT_TRUE(hooks.driver(driver.c_str()));
    ASSERT_FALSE(loadWith(TTT_TOY_MODEL_CUDA_MANIFEST, driver, cuda));
    ttt_error err{};
    ASSERT_EQ(ttt_model_load(TTT_TOY_MODEL_MANIFEST, &cpu.m, &err), TTT_OK)
        << err.message;
    weights = writeWeights("cuda_model", w.tensors());
    for (ttt_model *m : {cuda.m, cpu.m})
      ASSERT_EQ(ttt_model_load_weights(m, weights.c_str(), &err), TTT_OK)
          << err.message;
  }
  bool fake() const { return driver == TTT_FAKE_CUDA_LIBRARY; }

  Hooks hooks;
  std::string driver, weights;
  Weights w;
  ModelPtr cuda, cpu;
};

/// Last logits of every sequence and every state of every sequence after
/// feeding `tok` [batch][T] in pieces of the given sizes (the last
/// repeats).
struct Fed {
  std::vector<float> logits, states;
  bool operator==(const Fed &o) const {
    return logits == o.logits && states == o.states;
  }
};

void readStates(ttt_session *s, int64_t batch, std::vector<float> &out) {
  const std::pair<const char *, int> states[] = {
      {"pos", 1}, {"hash", 1}, {"h", 4}, {"grad", 4}};
  for (int64_t b = 0; b < batch; ++b)
    for (auto [name, n] : states) {
      float v[4];
      ttt_error err{};
      ASSERT_EQ(ttt_session_read_state(s, b, name, v, 4, &err), TTT_OK)
          << err.message;
      out.insert(out.end(), v, v + n);
    }
}

Fed feed(ttt_session *s, int64_t batch, const std::vector<int32_t> &tok,
         const std::vector<int64_t> &pieces) {
  const int64_t T = static_cast<int64_t>(tok.size()) / batch;
  Fed r;
  r.logits.assign(batch * kV, 0.f);
  for (int64_t t = 0, i = 0; t < T; ++i) {
    const int64_t n = std::min(pieces[std::min<size_t>(i, pieces.size() - 1)],
                               T - t);
    std::vector<int32_t> piece;
    for (int64_t b = 0; b < batch; ++b)
      piece.insert(piece.end(), tok.begin() + b * T + t,
                   tok.begin() + b * T + t + n);
    ttt_error err{};
    EXPECT_EQ(ttt_session_prefill(s, n, piece.data(), r.logits.data(), &err),
              TTT_OK)
        << err.message;
    t += n;
  }
  readStates(s, batch, r.states);
  return r;
}

struct SessionPtr {
  ttt_session *s = nullptr;
  SessionPtr(const ttt_model *m, int64_t batch) {
    ttt_error err{};
    EXPECT_EQ(ttt_session_create(m, batch, &s, &err), TTT_OK) << err.message;
  }
  ~SessionPtr() { ttt_session_free(s); }
};

TEST_P(CudaModelRun, TargetAndDevice) {
  EXPECT_STREQ(ttt_model_target(cuda.m), "cuda");
  std::string dev = ttt_model_device(cuda.m);
  EXPECT_EQ(dev.rfind("CUDA device 0: ", 0), 0u) << dev;
  if (fake())
    EXPECT_NE(dev.find("Fake CUDA device"), std::string::npos) << dev;
  EXPECT_STREQ(ttt_model_device(cpu.m), "cpu");
  EXPECT_TRUE(ttt_model_has_weights(cuda.m));
}

TEST_P(CudaModelRun, EqualsTheCpuToyForEverySplit) {
  const int64_t B = 3, T = 203;
  const std::vector<int32_t> tok = randomTokens(B * T, 21);
  SessionPtr c(cpu.m, B), one(cuda.m, B);
  const Fed want = feed(c.s, B, tok, {T});
  EXPECT_EQ(feed(one.s, B, tok, {T}), want);
  EXPECT_EQ(ttt_session_tokens_seen(one.s), T);
  for (const std::vector<int64_t> &sp : std::vector<std::vector<int64_t>>{
           {1}, {7}, {16}, {5, 60, 32}, {202, 1}, {13, 16}}) {
    SessionPtr g(cuda.m, B);
    EXPECT_EQ(feed(g.s, B, tok, sp), want) << "first piece " << sp[0];
  }
  // Reset: the same again.
  ASSERT_EQ(ttt_session_reset(one.s), TTT_OK);
  EXPECT_EQ(ttt_session_tokens_seen(one.s), 0);
  EXPECT_EQ(feed(one.s, B, tok, {48, 1}), want);
}

TEST_P(CudaModelRun, StatesStartAtInit) {
  SessionPtr s(cuda.m, 2);
  float h[4], grad[4] = {1, 1, 1, 1};
  ttt_error err{};
  ASSERT_EQ(ttt_session_read_state(s.s, 1, "h", h, 4, &err), TTT_OK)
      << err.message;
  ASSERT_EQ(ttt_session_read_state(s.s, 1, "grad", grad, 4, &err), TTT_OK);
  EXPECT_EQ(std::vector<float>(h, h + 4), w.h0);
  EXPECT_EQ(std::vector<float>(grad, grad + 4), std::vector<float>(4, 0.f));
}

TEST_P(CudaModelRun, NewWeightsAfterReset) {
  Weights w2(99);
  std::string p = writeWeights("cuda_model_w2", w2.tensors());
  SessionPtr g(cuda.m, 1), c(cpu.m, 1);
  const std::vector<int32_t> tok = randomTokens(40, 3);
  feed(g.s, 1, tok, {40});
  ttt_error err{};
  for (ttt_model *m : {cuda.m, cpu.m})
    ASSERT_EQ(ttt_model_load_weights(m, p.c_str(), &err), TTT_OK)
        << err.message;
  ASSERT_EQ(ttt_session_reset(g.s), TTT_OK);
  EXPECT_EQ(feed(g.s, 1, tok, {40}), feed(c.s, 1, tok, {40}));
}

TEST_P(CudaModelRun, RunsFromAnotherThread) {
  SessionPtr g(cuda.m, 2), c(cpu.m, 2);
  const std::vector<int32_t> tok = randomTokens(2 * 50, 8);
  Fed got;
  std::thread t([&] { got = feed(g.s, 2, tok, {17}); });
  t.join();
  EXPECT_EQ(got, feed(c.s, 2, tok, {17}));
}

TEST_P(CudaModelRun, AnEntryErrorNamesTheEntryAndKeepsTheStates) {
  SessionPtr g(cuda.m, 1);
  const std::vector<int32_t> tok = randomTokens(20, 4);
  feed(g.s, 1, std::vector<int32_t>(tok.begin(), tok.begin() + 16), {16});
  std::vector<float> before;
  readStates(g.s, 1, before);
  hooks.failCall(1);
  std::vector<float> logits(kV);
  ttt_error err{};
  EXPECT_EQ(ttt_session_prefill(g.s, 1, tok.data(), logits.data(), &err),
            TTT_ERROR_INTERNAL);
  std::string msg = err.message;
  EXPECT_NE(msg.find("entry \"_mlir_ciface_decode\" failed: toy: injected "
                     "failure"),
            std::string::npos)
      << msg;
  EXPECT_EQ(ttt_session_last_error(g.s)->code, TTT_ERROR_INTERNAL);
  EXPECT_EQ(ttt_session_tokens_seen(g.s), 16);
  std::vector<float> after; // the failed call wrote NaN to states_out
  readStates(g.s, 1, after);
  EXPECT_EQ(after, before);
  // A prefill entry's error names it too.
  ASSERT_EQ(ttt_session_reset(g.s), TTT_OK);
  hooks.failCall(1);
  EXPECT_EQ(ttt_session_prefill(g.s, 16, tok.data(), nullptr, &err),
            TTT_ERROR_INTERNAL);
  EXPECT_NE(std::string(err.message).find("\"_mlir_ciface_prefill_16\""),
            std::string::npos)
      << err.message;
  // Nothing left over: the session works after a reset.
  ASSERT_EQ(ttt_session_reset(g.s), TTT_OK);
  SessionPtr c(cpu.m, 1);
  EXPECT_EQ(feed(g.s, 1, tok, {20}), feed(c.s, 1, tok, {20}));
}

TEST_P(CudaModelRun, MemoryIsOnTheDevice) {
  const int64_t B = 4;
  SessionPtr g(cuda.m, B);
  EXPECT_EQ(ttt_session_memory_bytes(g.s), 0u);
  // Per sequence two state blobs [12] and logits [16, 11]; tokens [32].
  const size_t want = B * (2 * 12 + 16 * kV) * 4 + 32 * 4;
  EXPECT_EQ(ttt_session_device_bytes(g.s), want);
  feed(g.s, B, randomTokens(B * 300, 2), {100});
  EXPECT_EQ(ttt_session_device_bytes(g.s), want);
  SessionPtr c(cpu.m, B);
  EXPECT_EQ(ttt_session_device_bytes(c.s), 0u);
  EXPECT_GT(ttt_session_memory_bytes(c.s), 0u);
}

INSTANTIATE_TEST_SUITE_P(Driver, CudaModelRun,
                         ::testing::Values("fake", "gpu"),
                         [](const auto &info) {
                           return std::string(info.param);
                         });

// --- Fake driver only: device memory accounting and allocation failures.

class FakeCudaModel : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(hooks.driver(TTT_FAKE_CUDA_LIBRARY)); }
  Hooks hooks;
  std::string weights = writeWeights("fake_cuda_model", Weights().tensors());
};

TEST_F(FakeCudaModel, EverythingIsFreedAndThePoolReleased) {
  const size_t live = hooks.liveBytes();
  const int64_t releases = hooks.releases();
  {
    ModelPtr m;
    ASSERT_FALSE(loadWith(TTT_TOY_MODEL_CUDA_MANIFEST, TTT_FAKE_CUDA_LIBRARY,
                          m));
    EXPECT_EQ(hooks.liveBytes(), live);
    ttt_error err{};
    ASSERT_EQ(ttt_model_load_weights(m.m, weights.c_str(), &err), TTT_OK);
    EXPECT_EQ(hooks.liveBytes(), live + 60 * 4);
    ASSERT_EQ(ttt_model_load_weights(m.m, weights.c_str(), &err), TTT_OK);
    EXPECT_EQ(hooks.liveBytes(), live + 60 * 4); // the old blob is freed
    {
      SessionPtr a(m.m, 3), b(m.m, 1);
      EXPECT_EQ(hooks.liveBytes(), live + 60 * 4 +
                                       ttt_session_device_bytes(a.s) +
                                       ttt_session_device_bytes(b.s));
    }
    EXPECT_EQ(hooks.liveBytes(), live + 60 * 4);
  }
  EXPECT_EQ(hooks.liveBytes(), live);
  EXPECT_EQ(hooks.releases(), releases + 1);
}

TEST_F(FakeCudaModel, OutOfDeviceMemory) {
  const size_t live = hooks.liveBytes();
  ModelPtr m;
  ASSERT_FALSE(loadWith(TTT_TOY_MODEL_CUDA_MANIFEST, TTT_FAKE_CUDA_LIBRARY, m));
  ttt_error err{};
  ttt_session *s = nullptr;
  EXPECT_EQ(ttt_session_create(m.m, 1, &s, &err), TTT_ERROR_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("no weights loaded"),
            std::string::npos);
  hooks.failAlloc(1);
  EXPECT_EQ(ttt_model_load_weights(m.m, weights.c_str(), &err),
            TTT_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(std::string(err.message).find("weight blob: cuMemAlloc"),
            std::string::npos)
      << err.message;
  EXPECT_FALSE(ttt_model_has_weights(m.m));
  ASSERT_EQ(ttt_model_load_weights(m.m, weights.c_str(), &err), TTT_OK);
  // A failed reload keeps the weights.
  hooks.failAlloc(1);
  EXPECT_EQ(ttt_model_load_weights(m.m, weights.c_str(), &err),
            TTT_ERROR_OUT_OF_MEMORY);
  EXPECT_TRUE(ttt_model_has_weights(m.m));
  // The 5th allocation of a session (tokens, then per sequence two state
  // blobs and logits): the second sequence's first blob.
  hooks.failAlloc(5);
  EXPECT_EQ(ttt_session_create(m.m, 2, &s, &err), TTT_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(s, nullptr);
  EXPECT_NE(std::string(err.message).find("cuda: states: cuMemAlloc"),
            std::string::npos)
      << err.message;
  EXPECT_EQ(hooks.liveBytes(), live + 60 * 4);
  hooks.failAlloc(0);
}

} // namespace
