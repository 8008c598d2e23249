//===- ModelWeightsTest.cpp - A model's weight file: good and bad ---------===//

#include "ModelHelpers.h"

using namespace toymodel;

namespace {

struct Loaded {
  ttt_model *m = nullptr;
  Loaded() {
    ttt_error err{};
    EXPECT_EQ(ttt_model_load(TTT_TOY_MODEL_MANIFEST, &m, &err), TTT_OK)
        << err.message;
  }
  ~Loaded() { ttt_model_free(m); }
};

TEST(ModelWeights, LoadsAndInitialisesStates) {
  Loaded l;
  Weights w;
  std::string p = writeWeights("good", w.tensors());
  ttt_error err{};
  ASSERT_EQ(ttt_model_load_weights(l.m, p.c_str(), &err), TTT_OK)
      << err.message;
  EXPECT_TRUE(ttt_model_has_weights(l.m));
  ttt_session *s = nullptr;
  ASSERT_EQ(ttt_session_create(l.m, 2, &s, &err), TTT_OK) << err.message;
  float h[4], hash = -1;
  ASSERT_EQ(ttt_session_read_state(s, 1, "h", h, 4, &err), TTT_OK);
  EXPECT_EQ(std::vector<float>(h, h + 4), w.h0); // init: a weight
  ASSERT_EQ(ttt_session_read_state(s, 0, "hash", &hash, 1, &err), TTT_OK);
  EXPECT_EQ(hash, 0.f); // init: zeros
  ttt_session_free(s);
}

TEST(ModelWeights, TiedNameIsOptional) {
  Loaded l;
  std::string p = writeWeights("notied", Weights().tensors(false));
  ttt_error err{};
  EXPECT_EQ(ttt_model_load_weights(l.m, p.c_str(), &err), TTT_OK)
      << err.message;
}

/// A weight file variant, the status it must give and a message fragment
/// (which names the tensor).
struct BadCase {
  const char *name;
  std::vector<STensor> (*make)();
  ttt_status code;
  const char *needle;
};

std::vector<STensor> without(const char *name) {
  std::vector<STensor> t = Weights().tensors();
  t.erase(std::remove_if(t.begin(), t.end(),
                         [&](const STensor &s) { return s.name == name; }),
          t.end());
  return t;
}

/// The tensor `name` of the good file, changed by `fn`.
template <typename Fn> std::vector<STensor> with(const char *name, Fn fn) {
  std::vector<STensor> t = Weights().tensors();
  for (STensor &s : t)
    if (s.name == name)
      fn(s);
  return t;
}

const BadCase kBadCases[] = {
    {"Missing", [] { return without("model.norm.weight"); }, TTT_ERROR_FORMAT,
     "missing tensor \"model.norm.weight\" (F32 [4])"},
    {"Unexpected",
     [] {
       auto t = Weights().tensors();
       t.push_back(f32("model.extra", {2}, {1, 2}));
       return t;
     },
     TTT_ERROR_FORMAT, "unexpected tensor \"model.extra\""},
    {"WrongShape",
     [] { return with("model.h0", [](STensor &s) { s.shape = {4}; }); },
     TTT_ERROR_SHAPE, "tensor \"model.h0\": shape [4], expected [2, 2]"},
    {"WrongRank",
     [] { return with("model.decay", [](STensor &s) {
            s.shape = {1, 1};
          }); },
     TTT_ERROR_SHAPE, "tensor \"model.decay\": shape [1, 1], expected [1]"},
    {"DTypeF16",
     [] {
       return with("model.norm.weight", [](STensor &s) {
         s.dtype = "F16";
         s.bytes.resize(8);
       });
     },
     TTT_ERROR_DTYPE, "tensor \"model.norm.weight\": dtype F16, expected F32"},
    {"DTypeI32",
     [] {
       return with("model.norm.weight", [](STensor &s) { s.dtype = "I32"; });
     },
     TTT_ERROR_DTYPE, "tensor \"model.norm.weight\": dtype I32, expected F32"},
    {"TiedWrongShape",
     [] {
       return with("lm_head.weight", [](STensor &s) { s.shape = {4, 11}; });
     },
     TTT_ERROR_SHAPE,
     "tensor \"lm_head.weight\" (tied to \"model.embed_tokens.weight\"): "
     "shape [4, 11], expected [11, 4]"},
    {"TiedWrongDType",
     [] {
       return with("lm_head.weight", [](STensor &s) {
         s.dtype = "BF16";
         s.bytes.resize(88);
       });
     },
     TTT_ERROR_DTYPE,
     "tensor \"lm_head.weight\" (tied to "
     "\"model.embed_tokens.weight\"): dtype BF16"},
    {"UnknownDType",
     [] { return with("model.decay", [](STensor &s) { s.dtype = "F17"; }); },
     TTT_ERROR_FORMAT, "tensor \"model.decay\": unsupported dtype F17"},
    {"BytesDisagree",
     [] { return with("model.h0", [](STensor &s) { s.bytes.resize(12); }); },
     TTT_ERROR_FORMAT, "tensor \"model.h0\": data_offsets span 12 bytes"},
};

class BadWeights : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadWeights, FailWithTheirStatusAndNameTheTensor) {
  const BadCase &c = GetParam();
  Loaded l;
  std::string path = writeWeights(std::string("bad_") + c.name, c.make());
  ttt_error err{};
  EXPECT_EQ(ttt_model_load_weights(l.m, path.c_str(), &err), c.code)
      << ttt_status_name(err.code) << ": " << err.message;
  std::string msg = err.message;
  EXPECT_NE(msg.find(c.needle), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_FALSE(ttt_model_has_weights(l.m));
}

INSTANTIATE_TEST_SUITE_P(All, BadWeights, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase> &i) {
                           return i.param.name;
                         });

TEST(ModelWeights, TruncatedCorruptAndMissingFiles) {
  Loaded l;
  ttt_error err{};
  std::string good = safetensors(Weights().tensors());
  struct {
    const char *name;
    std::string bytes;
    const char *needle;
  } cases[] = {
      {"cut_data", good.substr(0, good.size() - 10), "out of the data section"},
      {"cut_header", good.substr(0, 40), "exceeds the file"},
      {"short", good.substr(0, 5), "too short"},
      {"garbage", std::string(8, '\x02') + std::string(600, 'z'),
       "exceeds the file"},
      {"not_json", std::string("\x04\0\0\0\0\0\0\0{{{{", 12),
       "header is not a JSON object"},
      {"empty", "", "too short"},
  };
  for (const auto &c : cases) {
    std::string p = tempPath(std::string(c.name) + ".safetensors");
    writeText(p, c.bytes);
    EXPECT_EQ(ttt_model_load_weights(l.m, p.c_str(), &err), TTT_ERROR_FORMAT)
        << c.name << ": " << err.message;
    EXPECT_NE(std::string(err.message).find(c.needle), std::string::npos)
        << c.name << ": " << err.message;
    EXPECT_NE(std::string(err.message).find(p), std::string::npos);
  }
  std::string none = tempPath("none.safetensors");
  EXPECT_EQ(ttt_model_load_weights(l.m, none.c_str(), &err), TTT_ERROR_IO);
  EXPECT_NE(std::string(err.message).find("cannot open"), std::string::npos);
  EXPECT_FALSE(ttt_model_has_weights(l.m));
}

TEST(ModelWeights, AFailedLoadKeepsTheWeights) {
  Loaded l;
  Weights w;
  ttt_error err{};
  std::string good = writeWeights("keep", w.tensors());
  ASSERT_EQ(ttt_model_load_weights(l.m, good.c_str(), &err), TTT_OK);
  std::string bad = writeWeights("keep_bad", without("model.h0"));
  EXPECT_EQ(ttt_model_load_weights(l.m, bad.c_str(), &err), TTT_ERROR_FORMAT);
  EXPECT_TRUE(ttt_model_has_weights(l.m));
  ttt_session *s = nullptr;
  ASSERT_EQ(ttt_session_create(l.m, 1, &s, &err), TTT_OK);
  float h[4];
  ASSERT_EQ(ttt_session_read_state(s, 0, "h", h, 4, &err), TTT_OK);
  EXPECT_EQ(std::vector<float>(h, h + 4), w.h0);
  ttt_session_free(s);
}

TEST(ModelWeights, SessionNeedsWeights) {
  Loaded l;
  ttt_session *s = reinterpret_cast<ttt_session *>(0x1);
  ttt_error err{};
  EXPECT_EQ(ttt_session_create(l.m, 1, &s, &err), TTT_ERROR_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("no weights loaded"),
            std::string::npos);
  EXPECT_EQ(s, nullptr);
}

} // namespace
