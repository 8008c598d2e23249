//===- ArtifactTest.cpp - Loading artifacts: good and bad manifests -------===//

#include "ToyHelpers.h"

#include <cstring>

using namespace toy;

namespace {

TEST(Artifact, LoadsTheToyArtifact) {
  ttt_artifact *a = nullptr;
  ttt_error err{};
  ASSERT_EQ(ttt_artifact_load(TTT_TOY_MANIFEST, &a, &err), TTT_OK)
      << err.message;
  EXPECT_EQ(ttt_artifact_chunk_size(a), 16);
  EXPECT_EQ(ttt_artifact_chain_rank(a), 2);
  EXPECT_EQ(ttt_artifact_count(a, TTT_ROLE_SEQUENCE), 2u);
  EXPECT_EQ(ttt_artifact_count(a, TTT_ROLE_STATE), 1u);
  EXPECT_EQ(ttt_artifact_count(a, TTT_ROLE_PARAM), 1u);
  EXPECT_EQ(ttt_artifact_count(a, TTT_ROLE_SHARED), 1u);
  EXPECT_EQ(ttt_artifact_count(a, TTT_ROLE_OUTPUT), 1u);
  ttt_arg_info info;
  ASSERT_EQ(ttt_artifact_info(a, TTT_ROLE_SEQUENCE, 1, &info), TTT_OK);
  EXPECT_STREQ(info.name, "eta");
  EXPECT_EQ(info.rank, 3);
  ASSERT_EQ(ttt_artifact_info(a, TTT_ROLE_OUTPUT, 0, &info), TTT_OK);
  EXPECT_STREQ(info.name, "o");
  EXPECT_EQ(info.shape[3], 3);
  EXPECT_EQ(ttt_artifact_info(a, TTT_ROLE_OUTPUT, 1, &info),
            TTT_ERROR_ARGUMENT);
  ttt_artifact_free(a);
}

TEST(Artifact, NullArgumentsAreErrors) {
  ttt_error err{};
  EXPECT_EQ(ttt_artifact_load(TTT_TOY_MANIFEST, nullptr, &err),
            TTT_ERROR_ARGUMENT);
  ttt_artifact *a = nullptr;
  EXPECT_EQ(ttt_artifact_load(nullptr, &a, &err), TTT_ERROR_ARGUMENT);
  EXPECT_EQ(a, nullptr);
  ttt_artifact_free(nullptr); // no-op
}

/// A manifest variant, the status it must give and a message fragment.
struct BadCase {
  const char *name;
  std::string (*make)(const std::string &dir);
  ttt_status code;
  const char *needle;
};

std::string lib() { return TTT_TOY_LIBRARY; }

/// Writes the toy manifest with `from` replaced by `to`.
std::string variant(const char *name, const char *from, const char *to) {
  return writeManifest(name, replaced(manifestText(), from, to));
}

/// A library file made of the first `n` bytes of the toy kernel (or of
/// garbage when n is 0).
std::string badLibrary(const char *name, size_t n) {
  std::string bytes =
      n ? readText(lib()).substr(0, n) : std::string(4096, '\x5a');
  std::string p = tempPath(std::string(name) + ".so");
  writeText(p, bytes);
  return writeManifest(
      name, replaced(manifestText(), "\"" + lib() + "\"", "\"" + p + "\""));
}

std::string manyParams() {
  std::string args;
  for (int i = 0; i < 40; ++i)
    args += std::string(i ? "," : "") + "{\"name\": \"p" + std::to_string(i) +
            "\", \"kind\": \"shared\", \"dtype\": \"f32\", \"shape\": [1]}";
  return writeManifest("many", replaced(manifestText(), "\"args\": [",
                                        "\"args\": [" + args + ","));
}

const BadCase kBadCases[] = {
    {"MissingFile",
     [](const std::string &) { return tempPath("does_not_exist.json"); },
     TTT_ERROR_IO, "cannot open"},
    {"Empty", [](const std::string &) { return writeManifest("empty", ""); },
     TTT_ERROR_FORMAT, "not valid JSON"},
    {"Truncated",
     [](const std::string &) {
       std::string t = manifestText();
       return writeManifest("trunc", t.substr(0, t.size() / 2));
     },
     TTT_ERROR_FORMAT, "not valid JSON"},
    {"Garbage",
     [](const std::string &) {
       return writeManifest("garbage", std::string("\x7f"
                                                   "ELF\x01\x02\x00zz",
                                                   9));
     },
     TTT_ERROR_FORMAT, "not valid JSON"},
    {"NotAnObject",
     [](const std::string &) { return writeManifest("array", "[1, 2]"); },
     TTT_ERROR_FORMAT, "JSON object"},
    {"WrongFormat",
     [](const std::string &) {
       return variant("fmt", "\"ttt-artifact\"", "\"onnx\"");
     },
     TTT_ERROR_FORMAT, "\"format\""},
    {"Version2",
     [](const std::string &) {
       return variant("v2", "\"version\": 1", "\"version\": 2");
     },
     TTT_ERROR_VERSION, "version 2"},
    {"VersionString",
     [](const std::string &) {
       return variant("vs", "\"version\": 1", "\"version\": \"1\"");
     },
     TTT_ERROR_FORMAT, "version"},
    {"TargetCuda",
     [](const std::string &) {
       return variant("cuda", "\"target\": \"cpu\"", "\"target\": \"cuda\"");
     },
     TTT_ERROR_FORMAT, "missing string \"module\""},
    {"TargetUnknown",
     [](const std::string &) {
       return variant("tpu", "\"target\": \"cpu\"", "\"target\": \"tpu\"");
     },
     TTT_ERROR_FORMAT, "unknown target"},
    {"MissingEntrySymbol",
     [](const std::string &) {
       return variant("entry", "_mlir_ciface_ttt_toy", "_mlir_ciface_nope");
     },
     TTT_ERROR_ENTRY, "_mlir_ciface_nope"},
    {"UnknownKind",
     [](const std::string &) {
       return variant("kind", "\"kind\": \"param\"", "\"kind\": \"weird\"");
     },
     TTT_ERROR_FORMAT, "unknown kind \"weird\""},
    {"UnknownDType",
     [](const std::string &) {
       return variant("dtype", "\"dtype\": \"f32\"", "\"dtype\": \"f17\"");
     },
     TTT_ERROR_DTYPE, "unknown dtype \"f17\""},
    {"StatePairIndex",
     [](const std::string &) {
       return variant("pair", "\"result\": 1", "\"result\": 0");
     },
     TTT_ERROR_FORMAT, "state pair mismatch"},
    {"StatePairShape",
     [](const std::string &) {
       return variant("pairshape", "\"shape\": [-1, -1, 3], \"arg\": 2",
                      "\"shape\": [-1, -1, 4], \"arg\": 2");
     },
     TTT_ERROR_FORMAT, "state pair mismatch"},
    {"StateWithoutResult",
     [](const std::string &) {
       return variant("noresult", ", \"result\": 1", "");
     },
     TTT_ERROR_FORMAT, "\"result\" index"},
    {"DynamicFeatureDim",
     [](const std::string &) {
       return variant("dynfeat", "[-1, -1, -1, 3]", "[-1, -1, -1, -1]");
     },
     TTT_ERROR_UNSUPPORTED, "feature dims"},
    {"ChainDimsDisagree",
     [](const std::string &) {
       std::string t =
           replaced(manifestText(), "[-1, -1, -1]}", "[3, -1, -1]}");
       return writeManifest(
           "chains",
           replaced(t, "\"param\",   \"dtype\": \"f32\", \"shape\": [-1",
                    "\"param\",   \"dtype\": \"f32\", \"shape\": [2"));
     },
     TTT_ERROR_FORMAT, "disagrees"},
    {"ChunkSizeZero",
     [](const std::string &) {
       return variant("chunk", "\"chunk_size\": 16", "\"chunk_size\": 0");
     },
     TTT_ERROR_FORMAT, "chunk_size"},
    {"DuplicateName",
     [](const std::string &) {
       return variant("dup", "\"name\": \"eta\"", "\"name\": \"x\"");
     },
     TTT_ERROR_FORMAT, "duplicate name"},
    {"TooManyParams", [](const std::string &) { return manyParams(); },
     TTT_ERROR_UNSUPPORTED, "at most 32"},
    {"LibraryMissing",
     [](const std::string &) {
       return variant("nolib", "libttt_toy.so", "libttt_gone.so");
     },
     TTT_ERROR_LIBRARY, "not found"},
    {"LibraryTruncated",
     [](const std::string &) { return badLibrary("trunclib", 600); },
     TTT_ERROR_LIBRARY, "cannot load library"},
    {"LibraryGarbage",
     [](const std::string &) { return badLibrary("garbagelib", 0); },
     TTT_ERROR_LIBRARY, "cannot load library"},
};

class BadManifest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadManifest, FailsWithItsStatusAndMessage) {
  const BadCase &c = GetParam();
  std::string path = c.make(::testing::TempDir());
  ttt_artifact *a = reinterpret_cast<ttt_artifact *>(0x1);
  ttt_error err{};
  EXPECT_EQ(ttt_artifact_load(path.c_str(), &a, &err), c.code)
      << ttt_status_name(err.code) << ": " << err.message;
  EXPECT_EQ(err.code, c.code);
  EXPECT_EQ(a, nullptr);
  std::string msg = err.message;
  EXPECT_NE(msg.find(c.needle), std::string::npos) << msg;
  // Every message names the manifest file.
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(All, BadManifest, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase> &i) {
                           return i.param.name;
                         });

TEST(Artifact, StatusNamesAreDistinct) {
  EXPECT_STREQ(ttt_status_name(TTT_ERROR_VERSION), "TTT_ERROR_VERSION");
  EXPECT_STREQ(ttt_status_name(TTT_ERROR_ENTRY), "TTT_ERROR_ENTRY");
  EXPECT_STREQ(ttt_dtype_name(TTT_DTYPE_BF16), "bf16");
  EXPECT_EQ(ttt_dtype_size(TTT_DTYPE_F64), 8u);
}

} // namespace
