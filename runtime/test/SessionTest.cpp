//===- SessionTest.cpp - Model sessions on the toy model ------------------===//

#include "ModelHelpers.h"

#include "ttt/runtime/ttt_runtime.hpp"

using namespace toymodel;

namespace {

/// The toy model with the default weights loaded.
struct ToyModel {
  Weights w;
  ttt::Model model{TTT_TOY_MODEL_MANIFEST};
  ToyModel() { model.loadWeights(writeWeights("session", w.tensors())); }
};

/// One sequence's logits and states after feeding `tokens` in calls of
/// the given sizes (the last repeats), batch 1.
struct SeqRun {
  std::vector<float> logits, h, grad, hash, pos;
};

SeqRun feed(const ttt::Model &m, const std::vector<int32_t> &tokens,
            const std::vector<int64_t> &pieces) {
  ttt::Session s(m, 1);
  SeqRun r;
  size_t t = 0;
  for (size_t i = 0; t < tokens.size(); ++i) {
    size_t n = std::min<size_t>(pieces[std::min(i, pieces.size() - 1)],
                                tokens.size() - t);
    r.logits = s.prefill(
        std::vector<int32_t>(tokens.begin() + t, tokens.begin() + t + n));
    t += n;
    EXPECT_EQ(s.tokensSeen(), static_cast<int64_t>(t));
  }
  r.h = s.readState(0, "h");
  r.grad = s.readState(0, "grad");
  r.hash = s.readState(0, "hash");
  r.pos = s.readState(0, "pos");
  return r;
}

void expectEqualRuns(const SeqRun &a, const SeqRun &b,
                     const std::string &what) {
  EXPECT_EQ(a.logits, b.logits) << what;
  EXPECT_EQ(a.h, b.h) << what;
  EXPECT_EQ(a.grad, b.grad) << what;
  EXPECT_EQ(a.hash, b.hash) << what;
  EXPECT_EQ(a.pos, b.pos) << what;
}

TEST(Session, MatchesTheOracle) {
  ToyModel tm;
  for (int64_t T : {1, 5, 15, 16, 17, 32, 48, 63, 100}) {
    std::vector<int32_t> tok = randomTokens(T, static_cast<unsigned>(T));
    SeqRun r = feed(tm.model, tok, {T});
    Oracle o(tm.w);
    for (int32_t x : tok)
      o.step(x);
    std::vector<float> want = o.logits();
    ASSERT_EQ(r.logits.size(), want.size());
    for (size_t v = 0; v < want.size(); ++v)
      EXPECT_NEAR(r.logits[v], want[v], 1e-5) << "T " << T << " v " << v;
    EXPECT_EQ(r.hash[0], static_cast<float>(o.hash)) << T;
    EXPECT_EQ(r.pos[0], static_cast<float>(T));
    for (int d = 0; d < 4; ++d)
      EXPECT_NEAR(r.h[d], o.h[d], 1e-5) << T;
  }
}

TEST(Session, SplitsSpansAsDocumented) {
  ToyModel tm;
  CallLog log;
  ttt::Session s(tm.model, 1);
  s.setThreads(1);
  auto feedN = [&](int64_t n) {
    s.prefill(randomTokens(n, 3));
    return log.take();
  };
  // Positions 0..4: under the smallest prefill, decode steps only.
  EXPECT_EQ(feedN(5), "D0..4");
  // Decode to the boundary (16), then 32 + 16 tokens, then one decode.
  EXPECT_EQ(feedN(60), "D5..15 P32@16 P16@48 D64");
  EXPECT_EQ(feedN(32), "D65..79 P16@80 D96");
  EXPECT_EQ(feedN(1), "D97");
  EXPECT_EQ(feedN(15), "D98..112");
  EXPECT_EQ(feedN(112), "D113..127 P32@128 P32@160 P32@192 D224");
  // At a boundary: prefill entries right away, largest first.
  s.reset();
  log.take();
  EXPECT_EQ(feedN(16), "P16@0");
  EXPECT_EQ(feedN(16 + 32), "P32@16 P16@48");
  EXPECT_EQ(feedN(80), "P32@64 P32@96 P16@128");
}

TEST(Session, AnySplitEqualsOnePrefill) {
  ToyModel tm;
  const std::vector<int32_t> tok = randomTokens(203, 11);
  SeqRun one = feed(tm.model, tok, {203});
  const std::vector<std::vector<int64_t>> splits = {
      {1}, {7}, {16}, {32}, {48}, {5, 60, 32}, {202, 1}, {100, 1}, {13, 16}};
  for (const auto &sp : splits) {
    std::string what = "split";
    for (int64_t n : sp)
      what += " " + std::to_string(n);
    expectEqualRuns(feed(tm.model, tok, sp), one, what);
  }
}

TEST(Session, PrefillThenDecodeEqualsALongerPrefill) {
  ToyModel tm;
  const std::vector<int32_t> tok = randomTokens(70, 5);
  for (int64_t T : {15, 16, 31, 32, 48, 64}) {
    ttt::Session a(tm.model, 1), b(tm.model, 1);
    a.prefill(std::vector<int32_t>(tok.begin(), tok.begin() + T));
    std::vector<float> la = a.decode({tok[T]});
    std::vector<float> lb =
        b.prefill(std::vector<int32_t>(tok.begin(), tok.begin() + T + 1));
    EXPECT_EQ(la, lb) << "T " << T;
    EXPECT_EQ(a.readState(0, "h"), b.readState(0, "h")) << T;
    EXPECT_EQ(a.readState(0, "grad"), b.readState(0, "grad")) << T;
    EXPECT_EQ(a.tokensSeen(), T + 1);
  }
}

TEST(Session, ResetStartsOver) {
  ToyModel tm;
  ttt::Session s(tm.model, 2);
  std::vector<int32_t> tok = randomTokens(2 * 37, 9);
  std::vector<float> first = s.prefill(tok);
  std::vector<float> h0 = s.readState(1, "h");
  s.prefill(randomTokens(2 * 20, 10));
  s.reset();
  EXPECT_EQ(s.tokensSeen(), 0);
  EXPECT_EQ(s.readState(0, "h"), tm.w.h0);
  EXPECT_EQ(s.readState(0, "pos"), std::vector<float>{0.f});
  EXPECT_EQ(s.prefill(tok), first);
  EXPECT_EQ(s.readState(1, "h"), h0);
}

TEST(Session, SequencesAreIndependent) {
  ToyModel tm;
  const int64_t B = 5, T = 77;
  std::vector<int32_t> tok = randomTokens(B * T, 21);
  for (int threads : {1, 3, 0}) {
    ttt::Session s(tm.model, B);
    s.setThreads(threads);
    // In two calls, so that the second starts inside a mini-batch.
    std::vector<int32_t> p1, p2;
    for (int64_t b = 0; b < B; ++b) {
      p1.insert(p1.end(), tok.begin() + b * T, tok.begin() + b * T + 40);
      p2.insert(p2.end(), tok.begin() + b * T + 40, tok.begin() + (b + 1) * T);
    }
    s.prefill(p1);
    std::vector<float> logits = s.prefill(p2);
    for (int64_t b = 0; b < B; ++b) {
      SeqRun alone = feed(
          tm.model,
          std::vector<int32_t>(tok.begin() + b * T, tok.begin() + (b + 1) * T),
          {T});
      EXPECT_EQ(std::vector<float>(logits.begin() + b * kV,
                                   logits.begin() + (b + 1) * kV),
                alone.logits)
          << "sequence " << b << ", threads " << threads;
      EXPECT_EQ(s.readState(b, "h"), alone.h) << b;
      EXPECT_EQ(s.readState(b, "hash"), alone.hash) << b;
    }
  }
}

TEST(Session, BadTokenIdsChangeNothing) {
  ToyModel tm;
  ttt_session *s = nullptr;
  ttt_error err{};
  ASSERT_EQ(ttt_session_create(tm.model.get(), 2, &s, &err), TTT_OK);
  std::vector<int32_t> tok = randomTokens(2 * 20, 4);
  std::vector<float> logits(2 * kV, -7.f);
  ASSERT_EQ(ttt_session_prefill(s, 20, tok.data(), logits.data(), &err),
            TTT_OK);
  std::vector<float> h(4), h2(4), before = logits;
  ASSERT_EQ(ttt_session_read_state(s, 1, "h", h.data(), 4, &err), TTT_OK);
  for (int32_t bad : {11, -1, 1 << 30}) {
    std::vector<int32_t> next = randomTokens(2 * 9, 6);
    next[9 + 4] = bad; // sequence 1, token 4
    EXPECT_EQ(ttt_session_prefill(s, 9, next.data(), logits.data(), &err),
              TTT_ERROR_ARGUMENT);
    std::string msg = err.message;
    EXPECT_NE(msg.find("token id " + std::to_string(bad) +
                       " (sequence 1, token 4 of this call) is out of range "
                       "[0, 11)"),
              std::string::npos)
        << msg;
    EXPECT_EQ(std::string(ttt_session_last_error(s)->message), msg);
    EXPECT_EQ(ttt_session_tokens_seen(s), 20);
    EXPECT_EQ(logits, before);
    ASSERT_EQ(ttt_session_read_state(s, 1, "h", h2.data(), 4, &err), TTT_OK);
    EXPECT_EQ(h2, h);
  }
  int32_t one[2] = {3, 11};
  EXPECT_EQ(ttt_session_decode(s, one, logits.data(), &err),
            TTT_ERROR_ARGUMENT);
  EXPECT_EQ(ttt_session_tokens_seen(s), 20);
  ttt_session_free(s);
}

TEST(Session, ArgumentErrors) {
  ToyModel tm;
  ttt_session *s = nullptr;
  ttt_error err{};
  EXPECT_EQ(ttt_session_create(tm.model.get(), 0, &s, &err),
            TTT_ERROR_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("batch is 0"), std::string::npos);
  EXPECT_EQ(ttt_session_create(tm.model.get(), 1, nullptr, &err),
            TTT_ERROR_ARGUMENT);
  ASSERT_EQ(ttt_session_create(tm.model.get(), 2, &s, &err), TTT_OK);
  EXPECT_EQ(ttt_session_batch(s), 2);
  int32_t tok[4] = {1, 2, 3, 4};
  EXPECT_EQ(ttt_session_prefill(s, 0, tok, nullptr, &err), TTT_ERROR_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("n is 0"), std::string::npos);
  EXPECT_EQ(ttt_session_prefill(s, 2, nullptr, nullptr, &err),
            TTT_ERROR_ARGUMENT);
  EXPECT_EQ(ttt_session_prefill(nullptr, 2, tok, nullptr, &err),
            TTT_ERROR_ARGUMENT);
  // Logits may be null.
  EXPECT_EQ(ttt_session_prefill(s, 2, tok, nullptr, &err), TTT_OK);
  float out[4];
  EXPECT_EQ(ttt_session_read_state(s, 2, "h", out, 4, &err),
            TTT_ERROR_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("no sequence 2"), std::string::npos);
  EXPECT_EQ(ttt_session_read_state(s, 0, "W", out, 4, &err),
            TTT_ERROR_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("no state \"W\""), std::string::npos);
  EXPECT_EQ(ttt_session_read_state(s, 0, "h", out, 3, &err),
            TTT_ERROR_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("has 4 elements"), std::string::npos);
  EXPECT_EQ(ttt_session_read_state(s, 0, "h", nullptr, 4, &err),
            TTT_ERROR_ARGUMENT);
  ttt_session_free(s);
}

TEST(Session, MemoryDoesNotGrowWithTokens) {
  ToyModel tm;
  ttt::Session s(tm.model, 3);
  size_t bytes = ttt_session_memory_bytes(s.get());
  // 3 x (2 state blobs of 12 + logits of 16 x 11) floats.
  EXPECT_EQ(bytes, 3u * (2 * 12 + 16 * 11) * sizeof(float));
  for (int i = 0; i < 20; ++i)
    s.prefill(randomTokens(3 * 101, i));
  EXPECT_EQ(ttt_session_memory_bytes(s.get()), bytes);
  EXPECT_EQ(s.tokensSeen(), 2020);
}

TEST(Session, NewWeightsAfterReset) {
  ToyModel tm;
  ttt::Session s(tm.model, 1);
  std::vector<int32_t> tok = randomTokens(40, 2);
  std::vector<float> before = s.prefill(tok);
  Weights w2(99);
  tm.model.loadWeights(writeWeights("session_w2", w2.tensors()));
  s.reset();
  EXPECT_EQ(s.readState(0, "h"), w2.h0);
  std::vector<float> after = s.prefill(tok);
  Oracle o(w2);
  for (int32_t x : tok)
    o.step(x);
  std::vector<float> want = o.logits();
  for (size_t v = 0; v < want.size(); ++v)
    EXPECT_NEAR(after[v], want[v], 1e-5);
  EXPECT_NE(after, before);
}

} // namespace
