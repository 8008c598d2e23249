//===- SafetensorsTest.cpp - .safetensors reader tests --------------------===//

#include "ttt/runtime/Safetensors.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace ttt::rt;

namespace {

std::vector<uint8_t> file(const std::string &header,
                          const std::vector<float> &data, int64_t lenFix = 0) {
  std::vector<uint8_t> b(8);
  uint64_t n = header.size() + lenFix;
  for (int i = 0; i < 8; ++i)
    b[i] = (n >> (8 * i)) & 0xff;
  b.insert(b.end(), header.begin(), header.end());
  const uint8_t *p = reinterpret_cast<const uint8_t *>(data.data());
  b.insert(b.end(), p, p + data.size() * sizeof(float));
  return b;
}

const char *kGood = R"({"__metadata__": {"format": "pt"},
  "b": {"dtype": "F32", "shape": [2], "data_offsets": [24, 32]},
  "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}})";

TEST(Safetensors, ReadsF32Tensors) {
  auto b = file(kGood, {0, 1, 2, 3, 4, 5, 6, 7});
  TensorList t;
  std::string err;
  ASSERT_TRUE(parseSafetensors(b.data(), b.size(), t, err)) << err;
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].first, "a");
  EXPECT_EQ(t[0].second.shape, (std::vector<int64_t>{2, 3}));
  float v;
  std::memcpy(&v, t[1].second.data.data() + 4, 4);
  EXPECT_EQ(v, 7.f);
}

void expectError(const std::vector<uint8_t> &b, const char *needle) {
  TensorList t;
  std::string err;
  EXPECT_FALSE(parseSafetensors(b.data(), b.size(), t, err));
  EXPECT_NE(err.find(needle), std::string::npos) << err;
}

TEST(Safetensors, RejectsBadFiles) {
  expectError({1, 2, 3}, "too short");
  expectError(file(kGood, {0, 1}, 1000), "exceeds the file");
  expectError(file("not json", {}), "not a JSON object");
  expectError(file(kGood, {0, 1, 2}), "out of the data section");
  expectError(
      file(R"({"a": {"dtype": "F16", "shape": [1], "data_offsets": [0, 2]}})",
           {0}),
      "unsupported dtype");
  expectError(
      file(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})",
           {0, 1}),
      "does not match");
  expectError(
      file(R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})",
           {0}),
      "integers >= 0");
  expectError(file(R"({"a": {"dtype": "F32"}})", {0}), "data_offsets");
  TensorList t;
  std::string err;
  EXPECT_FALSE(readSafetensors("/nonexistent/x.safetensors", t, err));
  EXPECT_NE(err.find("cannot open"), std::string::npos);
}

} // namespace
