//===- StreamingTest.cpp - States, prefill/decode and their errors --------===//
//
// Runs the toy kernel through the runtime: any split of a sequence over
// prefill/decode calls must equal one prefill and the plain C++ oracle.
//
//===----------------------------------------------------------------------===//

#include "ToyHelpers.h"

#include <dlfcn.h>

#include <numeric>
#include <thread>

using namespace toy;

namespace {

struct ArtifactPtr {
  ttt_artifact *a = nullptr;
  explicit ArtifactPtr(const std::string &path) {
    ttt_error err{};
    EXPECT_EQ(ttt_artifact_load(path.c_str(), &a, &err), TTT_OK) << err.message;
  }
  ~ArtifactPtr() { ttt_artifact_free(a); }
};

/// Owns a state over `d`'s chains and constants.
struct StatePtr {
  ttt_state *s = nullptr;
  ttt_status status = TTT_OK;
  ttt_error err{};
  StatePtr(const ttt_artifact *a, Data &d, int threads = 1) {
    int64_t chains[2] = {d.B, d.H};
    ttt_tensor st = d.s0.t(), pa = d.g.t(), sh = d.tok.t();
    ttt_state_config c{chains, &st, 1, &pa, 1, &sh, 1, threads};
    status = ttt_state_create(a, &c, &s, &err);
  }
  ~StatePtr() { ttt_state_free(s); }
};

void toyStats(int64_t &calls, int64_t &maxTokens, int64_t &maxChains,
              bool reset) {
  // Same library as the artifact's: dlopen returns the loaded copy.
  void *h = dlopen(TTT_TOY_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr);
  auto fn = reinterpret_cast<void (*)(int64_t *, int64_t *, int64_t *, int)>(
      dlsym(h, "ttt_toy_stats"));
  ASSERT_NE(fn, nullptr);
  fn(&calls, &maxTokens, &maxChains, reset);
  dlclose(h);
}

TEST(Streaming, OnePrefillMatchesTheOracle) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  Data d(2, 3, 50);
  StatePtr s(a.a, d);
  ASSERT_EQ(s.status, TTT_OK) << s.err.message;
  std::vector<float> o, w, ro, rw;
  stream(s.s, d, {d.T}, o, w);
  reference(d, ro, rw);
  for (size_t i = 0; i < ro.size(); ++i)
    ASSERT_FLOAT_EQ(o[i], ro[i]) << i;
  for (size_t i = 0; i < rw.size(); ++i)
    ASSERT_FLOAT_EQ(w[i], rw[i]) << i;
}

/// Splits of T = 203 tokens (not a multiple of the chunk of 16).
class Splits : public ::testing::TestWithParam<std::vector<int64_t>> {};

TEST_P(Splits, EqualOnePrefill) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  Data d(2, 2, 203, 7);
  StatePtr one(a.a, d), split(a.a, d);
  std::vector<float> o1, w1, o2, w2, ro, rw;
  stream(one.s, d, {d.T}, o1, w1);
  stream(split.s, d, GetParam(), o2, w2);
  EXPECT_EQ(o1, o2); // bitwise: the same spans run from the same weights
  EXPECT_EQ(w1, w2);
  reference(d, ro, rw);
  for (size_t i = 0; i < ro.size(); ++i)
    ASSERT_FLOAT_EQ(o2[i], ro[i]) << i;
}

INSTANTIATE_TEST_SUITE_P(
    Pieces, Splits,
    ::testing::Values(std::vector<int64_t>{7}, std::vector<int64_t>{16},
                      std::vector<int64_t>{100},
                      std::vector<int64_t>{37, 1}, // prefill, then decode
                      std::vector<int64_t>{1},     // decode all the way
                      std::vector<int64_t>{5, 27, 3, 16, 1, 1, 40}));

TEST(Streaming, WeightsAfterAPartialBatchAreCurrent) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  for (int64_t T : {1, 15, 16, 17, 33}) {
    Data d(1, 2, T, 3);
    StatePtr s(a.a, d);
    std::vector<float> o, w, ro, rw;
    stream(s.s, d, {5}, o, w);
    reference(d, ro, rw);
    for (size_t i = 0; i < rw.size(); ++i)
      ASSERT_FLOAT_EQ(w[i], rw[i]) << "T=" << T << " i=" << i;
  }
}

TEST(Streaming, ThreadCountDoesNotChangeResults) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  Data d(3, 5, 77, 11);
  StatePtr s1(a.a, d, 1), s4(a.a, d, 4), sDefault(a.a, d, 0);
  std::vector<float> o1, w1, o4, w4, o0, w0;
  stream(s1.s, d, {10}, o1, w1);
  stream(s4.s, d, {10}, o4, w4);
  stream(sDefault.s, d, {77}, o0, w0);
  EXPECT_EQ(o1, o4);
  EXPECT_EQ(w1, w4);
  EXPECT_EQ(o1, o0);
  ASSERT_EQ(ttt_state_set_threads(s1.s, 3), TTT_OK);
  ASSERT_EQ(ttt_state_reset(s1.s), TTT_OK);
  stream(s1.s, d, {9}, o4, w4);
  EXPECT_EQ(o1, o4);
}

TEST(Streaming, DifferentStatesRunConcurrently) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  Data d(2, 3, 150, 21);
  std::vector<float> ro, rw;
  reference(d, ro, rw);
  std::vector<std::vector<float>> outs(4), ws(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      Data mine = d; // each thread owns its inputs and state
      StatePtr s(a.a, mine, 2);
      stream(s.s, mine, {static_cast<int64_t>(5 + 11 * i)}, outs[i], ws[i]);
    });
  for (std::thread &t : threads)
    t.join();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(outs[i], outs[0]);
    EXPECT_EQ(ws[i], ws[0]);
  }
  for (size_t i = 0; i < ro.size(); ++i)
    ASSERT_FLOAT_EQ(outs[0][i], ro[i]) << i;
}

TEST(Streaming, ResetStartsOver) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  Data d(2, 1, 40, 5);
  StatePtr s(a.a, d);
  std::vector<float> o1, w1, o2, w2;
  stream(s.s, d, {13}, o1, w1);
  ASSERT_EQ(ttt_state_reset(s.s), TTT_OK);
  EXPECT_EQ(ttt_state_tokens_seen(s.s), 0);
  Buf wb({2, 1, kD});
  ttt_tensor wt = wb.t();
  ASSERT_EQ(ttt_state_read_weights(s.s, 0, &wt), TTT_OK);
  EXPECT_EQ(wb.v, d.s0.v);
  stream(s.s, d, {40}, o2, w2);
  EXPECT_EQ(o1, o2);
  EXPECT_EQ(w1, w2);
}

TEST(Streaming, DynamicChainsAreCalledOneChainAtATime) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  Data d(2, 3, 20);
  StatePtr s(a.a, d, 2);
  int64_t calls, maxT, maxChains;
  toyStats(calls, maxT, maxChains, true);
  std::vector<float> o, w;
  stream(s.s, d, {20}, o, w);
  toyStats(calls, maxT, maxChains, true);
  EXPECT_EQ(maxChains, 1);
  EXPECT_EQ(calls, 2 * 6); // a full batch and a partial one per chain
  EXPECT_EQ(maxT, 16);
}

TEST(Streaming, StaticChainsAreCalledWhole) {
  std::string text = manifestText();
  for (int i = 0; i < 6; ++i) // every chain array: [-1, -1, ...] -> [2, 3, ...]
    text = replaced(text, "[-1, -1,", "[2, 3,");
  ArtifactPtr a(writeManifest("static_chains", text));
  Data d(2, 3, 45, 9), dyn = d;
  StatePtr s(a.a, d, 4);
  ASSERT_EQ(s.status, TTT_OK) << s.err.message;
  int64_t calls, maxT, maxChains;
  toyStats(calls, maxT, maxChains, true);
  std::vector<float> o, w, ro, rw;
  stream(s.s, d, {6}, o, w);
  toyStats(calls, maxT, maxChains, true);
  EXPECT_EQ(maxChains, 6);
  reference(d, ro, rw);
  for (size_t i = 0; i < ro.size(); ++i)
    ASSERT_FLOAT_EQ(o[i], ro[i]) << i;

  Data wrong(3, 3, 4);
  StatePtr bad(a.a, wrong);
  EXPECT_EQ(bad.status, TTT_ERROR_SHAPE);
  EXPECT_NE(std::string(bad.err.message).find("compiled for 2"),
            std::string::npos)
      << bad.err.message;
}

TEST(Streaming, LongSpansRunInBoundedPieces) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  Data d(1, 1, 20001, 13);
  StatePtr s(a.a, d);
  int64_t calls, maxT, maxChains;
  toyStats(calls, maxT, maxChains, true);
  std::vector<float> o, w, ro, rw;
  stream(s.s, d, {d.T}, o, w);
  toyStats(calls, maxT, maxChains, true);
  EXPECT_LE(maxT, 4096);
  EXPECT_EQ(calls, 5 + 1); // 4 pieces of 4096, 1 of 3616, a partial of 1
  reference(d, ro, rw);
  EXPECT_EQ(o, ro);
  EXPECT_EQ(w, rw);
}

//===--- Errors
//------------------------------------------------------------===//

TEST(StateErrors, CreateValidatesEverything) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  Data d(2, 3, 1);
  int64_t chains[2] = {2, 3};
  ttt_tensor st = d.s0.t(), pa = d.g.t(), sh = d.tok.t();
  auto create = [&](ttt_state_config c, ttt_status want, const char *needle) {
    ttt_state *s = reinterpret_cast<ttt_state *>(0x1);
    ttt_error err{};
    EXPECT_EQ(ttt_state_create(a.a, &c, &s, &err), want) << err.message;
    EXPECT_EQ(s, nullptr);
    EXPECT_NE(std::string(err.message).find(needle), std::string::npos)
        << err.message;
  };
  ttt_state_config good{chains, &st, 1, &pa, 1, &sh, 1, 1};
  {
    ttt_state *s = nullptr;
    ASSERT_EQ(ttt_state_create(a.a, &good, &s, nullptr), TTT_OK);
    EXPECT_EQ(ttt_state_chain_dims(s)[1], 3);
    ttt_state_free(s);
  }
  int64_t zero[2] = {2, 0};
  create({zero, &st, 1, &pa, 1, &sh, 1, 1}, TTT_ERROR_ARGUMENT, ">= 1");
  create({nullptr, &st, 1, &pa, 1, &sh, 1, 1}, TTT_ERROR_ARGUMENT,
         "chain_dims is null");
  create({chains, &st, 0, &pa, 1, &sh, 1, 1}, TTT_ERROR_ARGUMENT,
         "expected 1 state");
  create({chains, nullptr, 1, &pa, 1, &sh, 1, 1}, TTT_ERROR_ARGUMENT,
         "null list");
  int64_t other[2] = {3, 2};
  create({other, &st, 1, &pa, 1, &sh, 1, 1}, TTT_ERROR_SHAPE,
         "state \"S0\": shape [2, 3, 3], expected [3, 2, 3]");
  ttt_tensor f64 = st;
  f64.dtype = TTT_DTYPE_F64;
  create({chains, &f64, 1, &pa, 1, &sh, 1, 1}, TTT_ERROR_DTYPE, "dtype f64");
  ttt_tensor nodata = pa;
  nodata.data = nullptr;
  create({chains, &st, 1, &nodata, 1, &sh, 1, 1}, TTT_ERROR_ARGUMENT,
         "data is null");
  ttt_tensor small = sh;
  small.size_bytes = 8;
  create({chains, &st, 1, &pa, 1, &small, 1, 1}, TTT_ERROR_ARGUMENT,
         "size_bytes");
  ttt_tensor rank = st;
  rank.rank = 2;
  create({chains, &st, 1, &pa, 1, &rank, 1, 1}, TTT_ERROR_SHAPE, "rank");
  ttt_error err{};
  ttt_state *s = nullptr;
  EXPECT_EQ(ttt_state_create(a.a, nullptr, &s, &err), TTT_ERROR_ARGUMENT);
  EXPECT_EQ(ttt_state_create(nullptr, &good, &s, &err), TTT_ERROR_ARGUMENT);
}

TEST(StateErrors, PrefillValidatesEveryArray) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  Data d(2, 3, 8);
  StatePtr s(a.a, d);
  Buf x({2, 3, 8, kD}), e({2, 3, 8}), o({2, 3, 8, kD});
  auto run = [&](int64_t n, std::vector<ttt_tensor> in,
                 std::vector<ttt_tensor> out, ttt_status want,
                 const char *needle) {
    ttt_error err{};
    EXPECT_EQ(
        ttt_prefill(s.s, n, in.data(), in.size(), out.data(), out.size(), &err),
        want)
        << err.message;
    EXPECT_NE(std::string(err.message).find(needle), std::string::npos)
        << err.message;
    EXPECT_EQ(ttt_state_last_error(s.s)->code, want);
    EXPECT_EQ(ttt_state_tokens_seen(s.s), 0); // nothing ran
  };
  run(0, {x.t(), e.t()}, {o.t()}, TTT_ERROR_ARGUMENT, "n is 0");
  run(7, {x.t(), e.t()}, {o.t()}, TTT_ERROR_SHAPE,
      "input \"x\": shape [2, 3, 8, 3], expected [2, 3, 7, 3]");
  run(8, {x.t()}, {o.t()}, TTT_ERROR_ARGUMENT, "expected 2 sequence inputs");
  run(8, {x.t(), e.t()}, {}, TTT_ERROR_ARGUMENT, "expected 1 outputs");
  ttt_tensor bad = e.t();
  bad.dtype = TTT_DTYPE_BF16;
  run(8, {x.t(), bad}, {o.t()}, TTT_ERROR_DTYPE, "dtype bf16");
  bad = o.t();
  bad.data = nullptr;
  run(8, {x.t(), e.t()}, {bad}, TTT_ERROR_ARGUMENT, "data is null");
  bad = x.t();
  bad.size_bytes -= 1;
  run(8, {bad, e.t()}, {o.t()}, TTT_ERROR_ARGUMENT, "size_bytes");
  Buf o5({2, 3, 8, 5});
  run(8, {x.t(), e.t()}, {o5.t()}, TTT_ERROR_SHAPE, "output \"o\"");
  ttt_error err{};
  EXPECT_EQ(ttt_prefill(s.s, 8, nullptr, 2, nullptr, 1, &err),
            TTT_ERROR_ARGUMENT);
  EXPECT_EQ(ttt_prefill(nullptr, 8, nullptr, 2, nullptr, 1, &err),
            TTT_ERROR_ARGUMENT);
  // And a good call still works afterwards.
  ttt_tensor in[2] = {x.t(), e.t()}, out[1] = {o.t()};
  EXPECT_EQ(ttt_prefill(s.s, 8, in, 2, out, 1, &err), TTT_OK) << err.message;
  EXPECT_EQ(ttt_state_last_error(s.s)->code, TTT_OK);
}

TEST(StateErrors, ReadWeightsChecksItsDestination) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  Data d(2, 3, 1);
  StatePtr s(a.a, d);
  Buf w({2, 3, 4});
  ttt_tensor t = w.t();
  EXPECT_EQ(ttt_state_read_weights(s.s, 0, &t), TTT_ERROR_SHAPE);
  EXPECT_EQ(ttt_state_read_weights(s.s, 1, &t), TTT_ERROR_ARGUMENT);
  EXPECT_EQ(ttt_state_read_weights(s.s, 0, nullptr), TTT_ERROR_ARGUMENT);
}

TEST(Streaming, StateMemoryIsBounded) {
  ArtifactPtr a(TTT_TOY_MANIFEST);
  Data d(1, 2, 3000, 2);
  StatePtr s(a.a, d);
  size_t before = ttt_state_memory_bytes(s.s);
  EXPECT_GT(before, 0u);
  std::vector<float> o, w, ro, rw;
  stream(s.s, d, {3, 1, 29, 1000}, o, w);
  EXPECT_EQ(ttt_state_memory_bytes(s.s), before);
  reference(d, ro, rw);
  EXPECT_EQ(o, ro);
}

} // namespace
