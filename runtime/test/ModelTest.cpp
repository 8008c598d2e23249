//===- ModelTest.cpp - Loading model manifests: good and bad --------------===//

#include "ModelHelpers.h"

#include "ttt/runtime/ttt_runtime.hpp"

using namespace toymodel;

namespace {

TEST(Model, LoadsTheToyModel) {
  ttt_model *m = nullptr;
  ttt_error err{};
  ASSERT_EQ(ttt_model_load(TTT_TOY_MODEL_MANIFEST, &m, &err), TTT_OK)
      << err.message;
  EXPECT_EQ(ttt_model_vocab_size(m), 11);
  EXPECT_EQ(ttt_model_mini_batch_size(m), 16);
  EXPECT_EQ(ttt_model_state_size(m, "h"), 4);
  EXPECT_EQ(ttt_model_state_size(m, "nope"), -1);
  EXPECT_FALSE(ttt_model_has_weights(m));
  ttt_model_free(m);
}

TEST(Model, NullArgumentsAreErrors) {
  ttt_error err{};
  EXPECT_EQ(ttt_model_load(TTT_TOY_MODEL_MANIFEST, nullptr, &err),
            TTT_ERROR_ARGUMENT);
  ttt_model *m = reinterpret_cast<ttt_model *>(0x1);
  EXPECT_EQ(ttt_model_load(nullptr, &m, &err), TTT_ERROR_ARGUMENT);
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(ttt_model_load_weights(nullptr, "x", &err), TTT_ERROR_ARGUMENT);
  ttt_session *s = nullptr;
  EXPECT_EQ(ttt_session_create(nullptr, 1, &s, &err), TTT_ERROR_ARGUMENT);
  ttt_model_free(nullptr); // no-op
  ttt_session_free(nullptr);
}

TEST(Model, LayerAndModelManifestsNeedTheirOwnLoader) {
  ttt_error err{};
  ttt_model *m = nullptr;
  EXPECT_EQ(ttt_model_load(TTT_TOY_MANIFEST, &m, &err), TTT_ERROR_FORMAT);
  EXPECT_NE(std::string(err.message).find("ttt_artifact_load"),
            std::string::npos)
      << err.message;
  ttt_artifact *a = nullptr;
  EXPECT_EQ(ttt_artifact_load(TTT_TOY_MODEL_MANIFEST, &a, &err),
            TTT_ERROR_FORMAT);
  EXPECT_NE(std::string(err.message).find("a model manifest"),
            std::string::npos)
      << err.message;
  EXPECT_NE(std::string(err.message).find("ttt_model_load"), std::string::npos);
  EXPECT_EQ(a, nullptr);
}

TEST(Model, CppWrapperThrowsWithTheCode) {
  try {
    ttt::Model m(TTT_TOY_MANIFEST);
    FAIL() << "a layer manifest loaded as a model";
  } catch (const ttt::RuntimeError &e) {
    EXPECT_EQ(e.code(), TTT_ERROR_FORMAT);
  }
  ttt::Model m(TTT_TOY_MODEL_MANIFEST);
  EXPECT_EQ(m.vocabSize(), 11);
  try {
    ttt::Session s(m, 1);
    FAIL() << "a session without weights";
  } catch (const ttt::RuntimeError &e) {
    EXPECT_EQ(e.code(), TTT_ERROR_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("no weights loaded"),
              std::string::npos);
  }
}

/// A manifest variant, the status it must give and a message fragment.
struct BadCase {
  const char *name;
  const char *from, *to; // replaced in the toy model manifest
  ttt_status code;
  const char *needle;
};

const char *kEmbed = "\"shape\": [11, 4], \"offset\": 0}";

const BadCase kBadCases[] = {
    {"Version2", "\"version\": 1", "\"version\": 2", TTT_ERROR_VERSION,
     "version 2"},
    {"UnknownKind", "\"kind\": \"model\"", "\"kind\": \"layers\"",
     TTT_ERROR_FORMAT, "unknown manifest kind \"layers\""},
    // The cpu toy's library as a cuda model (CudaModelTest.cpp has more).
    {"TargetCudaWithoutShim", "\"target\": \"cpu\"", "\"target\": \"cuda\"",
     TTT_ERROR_ENTRY, "does not export ttt_gpu_shim_take_error"},
    {"TargetGpu", "\"target\": \"cpu\"", "\"target\": \"gpu\"",
     TTT_ERROR_UNSUPPORTED, "target \"gpu\" is not supported"},
    {"TargetUnknown", "\"target\": \"cpu\"", "\"target\": \"tpu\"",
     TTT_ERROR_FORMAT, "unknown target"},
    {"NoLibrary", "\"library\"", "\"libary\"", TTT_ERROR_FORMAT,
     "missing string \"library\""},
    {"LibraryMissing", "libttt_toy_model.so", "libttt_gone.so",
     TTT_ERROR_LIBRARY, "not found"},
    {"EntryMissing", "\"_mlir_ciface_prefill_16\"", "\"_mlir_ciface_p16\"",
     TTT_ERROR_ENTRY, "_mlir_ciface_p16"},
    {"NoVocab", "\"vocab_size\": 11", "\"vocab\": 11", TTT_ERROR_FORMAT,
     "\"vocab_size\""},
    {"ZeroMiniBatch", "\"mini_batch_size\": 16", "\"mini_batch_size\": 0",
     TTT_ERROR_FORMAT, "\"mini_batch_size\""},
    {"WeightOutside", "\"offset\": 52}", "\"offset\": 60}", TTT_ERROR_FORMAT,
     "weight \"model.decay\": offset 60 + 1 elements lies outside "
     "\"weights_size\" (60)"},
    {"WeightsOverlap", "\"offset\": 48}", "\"offset\": 46}", TTT_ERROR_FORMAT,
     "weights \"model.h0\" and \"model.norm.weight\" overlap"},
    {"WeightNegativeOffset", kEmbed, "\"shape\": [11, 4], \"offset\": -4}",
     TTT_ERROR_FORMAT,
     "weights[0] (\"model.embed_tokens.weight\"): "
     "\"offset\" must be"},
    {"WeightZeroDim", "[11, 4]", "[11, 0]", TTT_ERROR_FORMAT,
     "\"model.embed_tokens.weight\"): shape dims must be integers >= 1"},
    {"WeightDuplicate", "\"model.h0\", \"dtype\"", "\"model.decay\", \"dtype\"",
     TTT_ERROR_FORMAT, "duplicate weight \"model.decay\""},
    {"WeightF16", "\"dtype\": \"f32\", \"shape\": [4]",
     "\"dtype\": \"f16\", \"shape\": [4]", TTT_ERROR_DTYPE,
     "(\"model.norm.weight\"): dtype \"f16\"; only \"f32\""},
    {"WeightUnknownField", kEmbed,
     "\"shape\": [11, 4], \"offset\": 0, "
     "\"bias\": 1}",
     TTT_ERROR_FORMAT, "unknown field \"bias\""},
    {"WeightsSizeZero", "\"weights_size\": 60", "\"weights_size\": 0",
     TTT_ERROR_FORMAT, "\"weights_size\" must be"},
    {"StateOutside", "\"offset\": 6, \"init\"", "\"offset\": 9, \"init\"",
     TTT_ERROR_FORMAT,
     "state \"grad\": offset 9 + 4 elements lies outside "
     "\"states_size\" (12)"},
    {"StatesOverlap", "\"offset\": 1, \"init\"", "\"offset\": 5, \"init\"",
     TTT_ERROR_FORMAT, "states \"h\" and \"hash\" overlap"},
    {"InitUnknown", "\"init\": \"model.h0\"", "\"init\": \"model.h1\"",
     TTT_ERROR_FORMAT,
     "state \"h\": init \"model.h1\" is neither a weight nor \"zeros\""},
    {"InitElementCount", "\"init\": \"model.h0\"", "\"init\": \"model.decay\"",
     TTT_ERROR_FORMAT,
     "state \"h\": init \"model.decay\" has 1 elements; the state has 4"},
    {"InitMissing", ", \"init\": \"model.h0\"", "", TTT_ERROR_FORMAT,
     "states[2] (\"h\"): missing string \"init\""},
    {"TiedUnknownTarget", "\"lm_head.weight\": \"model.embed_tokens.weight\"",
     "\"lm_head.weight\": \"model.embed\"", TTT_ERROR_FORMAT,
     "tied \"lm_head.weight\": no weight \"model.embed\""},
    {"TiedIsAWeight", "\"lm_head.weight\": \"model.embed_tokens.weight\"",
     "\"model.h0\": \"model.embed_tokens.weight\"", TTT_ERROR_FORMAT,
     "tied \"model.h0\" is also a weight"},
    {"PrefillNotMultiple", "\"tokens\": 32", "\"tokens\": 24", TTT_ERROR_FORMAT,
     "tokens (24) must be a multiple of mini_batch_size "
     "(16)"},
    {"PrefillTwice", "\"tokens\": 32,\n     \"logits_shape\": [11]",
     "\"tokens\": 16,\n     \"logits_shape\": [11]", TTT_ERROR_FORMAT,
     "two prefill entries of 16 tokens"},
    {"DecodeTwoTokens", "\"tokens\": 1,", "\"tokens\": 2,", TTT_ERROR_FORMAT,
     "a decode entry takes 1 token, not 2"},
    {"TwoDecodes",
     "\"role\": \"prefill\", \"symbol\": \"_mlir_ciface_prefill_32\", "
     "\"tokens\": 32",
     "\"role\": \"decode\", \"symbol\": \"_mlir_ciface_prefill_32\", "
     "\"tokens\": 1",
     TTT_ERROR_FORMAT, "more than one decode entry"},
    {"DecodeAsPrefill", "\"role\": \"decode\"", "\"role\": \"prefill\"",
     TTT_ERROR_FORMAT, "a prefill entry's tokens (1)"},
    {"UnknownRole", "\"role\": \"decode\"", "\"role\": \"verify\"",
     TTT_ERROR_FORMAT, "unknown role \"verify\""},
    {"LogitsWrongVocab", "\"logits_shape\": [11]}\n  ]",
     "\"logits_shape\": [12]}\n  ]", TTT_ERROR_FORMAT,
     "(\"_mlir_ciface_decode\"): \"logits_shape\" must be [11] or [1, 11]"},
    {"LogitsWrongRows", "[16, 11]", "[32, 11]", TTT_ERROR_FORMAT,
     "(\"_mlir_ciface_prefill_16\"): \"logits_shape\" must be [11] or "
     "[16, 11]"},
    {"LogitsRank3", "[16, 11]", "[1, 16, 11]", TTT_ERROR_FORMAT,
     "\"logits_shape\" must be"},
    {"EntryUnknownField", "\"tokens\": 1,", "\"tokens\": 1, \"batch\": 1,",
     TTT_ERROR_FORMAT, "unknown field \"batch\""},
    {"DuplicateSymbol", "_mlir_ciface_prefill_16", "_mlir_ciface_prefill_32",
     TTT_ERROR_FORMAT, "duplicate entry symbol \"_mlir_ciface_prefill_32\""},
};

std::string makeVariant(const BadCase &c) {
  return writeManifest(std::string("model_") + c.name,
                       replaced(manifestText(), c.from, c.to));
}

class BadModelManifest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadModelManifest, FailsWithItsStatusAndMessage) {
  const BadCase &c = GetParam();
  std::string path = makeVariant(c);
  ttt_model *m = reinterpret_cast<ttt_model *>(0x1);
  ttt_error err{};
  EXPECT_EQ(ttt_model_load(path.c_str(), &m, &err), c.code)
      << ttt_status_name(err.code) << ": " << err.message;
  EXPECT_EQ(err.code, c.code);
  EXPECT_EQ(m, nullptr);
  std::string msg = err.message;
  EXPECT_NE(msg.find(c.needle), std::string::npos) << msg;
  // Every message names the manifest file.
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(All, BadModelManifest, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase> &i) {
                           return i.param.name;
                         });

TEST(Model, MissingAndGarbageManifests) {
  ttt_model *m = nullptr;
  ttt_error err{};
  std::string none = tempPath("no_model.json");
  EXPECT_EQ(ttt_model_load(none.c_str(), &m, &err), TTT_ERROR_IO);
  std::string text = manifestText();
  std::string cut = writeManifest("model_cut", text.substr(0, text.size() / 2));
  EXPECT_EQ(ttt_model_load(cut.c_str(), &m, &err), TTT_ERROR_FORMAT);
  EXPECT_NE(std::string(err.message).find("not valid JSON"), std::string::npos);
  std::string noPrefill = text;
  size_t a = noPrefill.find("{\"role\": \"prefill\"");
  size_t b = noPrefill.find("{\"role\": \"decode\"");
  noPrefill.erase(a, b - a);
  std::string p = writeManifest("model_noprefill", noPrefill);
  EXPECT_EQ(ttt_model_load(p.c_str(), &m, &err), TTT_ERROR_FORMAT);
  EXPECT_NE(std::string(err.message).find("no prefill entry"),
            std::string::npos)
      << err.message;
  std::string noDecode = replaced(text,
                                  "\"role\": \"decode\", \"symbol\": "
                                  "\"_mlir_ciface_decode\", \"tokens\": 1",
                                  "\"role\": \"prefill\", \"symbol\": "
                                  "\"_mlir_ciface_decode\", \"tokens\": 48");
  p = writeManifest("model_nodecode", noDecode);
  EXPECT_EQ(ttt_model_load(p.c_str(), &m, &err), TTT_ERROR_FORMAT);
  EXPECT_NE(std::string(err.message).find("no decode entry"), std::string::npos)
      << err.message;
  EXPECT_EQ(m, nullptr);
}

} // namespace
