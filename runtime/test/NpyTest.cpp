//===- NpyTest.cpp - .npy reader/writer tests -----------------------------===//

#include "ttt/runtime/Npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

using namespace ttt::rt;

namespace {

std::string input(const char *name) {
  return std::string(TTT_RUNTIME_TEST_INPUTS) + "/" + name;
}

/// A .npy image with the given header dict and `dataBytes` bytes of data.
std::vector<uint8_t> image(const std::string &dict, size_t dataBytes,
                           uint8_t major = 1) {
  std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  size_t n = dict.size();
  b.push_back(n & 0xff);
  b.push_back((n >> 8) & 0xff);
  if (major != 1) {
    b.push_back(0);
    b.push_back(0);
  }
  b.insert(b.end(), dict.begin(), dict.end());
  b.insert(b.end(), dataBytes, 0x3f);
  return b;
}

/// Expects parsing to fail with a message containing `needle`.
void expectError(const std::vector<uint8_t> &bytes, const char *needle) {
  Array a;
  std::string err;
  EXPECT_FALSE(parseNpy(bytes.data(), bytes.size(), a, err));
  EXPECT_NE(err.find(needle), std::string::npos) << "message: " << err;
}

const char *kF32x4 =
    "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";

TEST(Npy, ReadsNumpyFloat32) {
  Array a;
  std::string err;
  ASSERT_TRUE(readNpy(input("f32_2x3.npy"), a, err)) << err;
  EXPECT_EQ(a.dtype, DType::F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  float v[6];
  std::memcpy(v, a.data.data(), sizeof v);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(v[i], 0.5f * i);
}

TEST(Npy, ReadsVersion2Float64) {
  Array a;
  std::string err;
  ASSERT_TRUE(readNpy(input("f64_v2.npy"), a, err)) << err;
  EXPECT_EQ(a.dtype, DType::F64);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{3}));
  double v[3];
  std::memcpy(v, a.data.data(), sizeof v);
  EXPECT_EQ(v[0], 1.5);
  EXPECT_EQ(v[1], -2.25);
  EXPECT_EQ(v[2], 3.0);
}

TEST(Npy, ReadsScalarInt64) {
  Array a;
  std::string err;
  ASSERT_TRUE(readNpy(input("i64_scalar.npy"), a, err)) << err;
  EXPECT_TRUE(a.shape.empty());
  int64_t v;
  std::memcpy(&v, a.data.data(), sizeof v);
  EXPECT_EQ(v, 42);
}

TEST(Npy, RoundTripsEveryDtypeAndShape) {
  const DType types[] = {DType::F32, DType::F64, DType::I32, DType::I64};
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {5}, {2, 3}, {2, 0, 4}, {1, 2, 3, 4}};
  std::string path = ::testing::TempDir() + "/roundtrip.npy";
  for (DType t : types)
    for (const auto &shape : shapes) {
      Array a;
      a.dtype = t;
      a.shape = shape;
      a.data.resize(a.numElements() * dtypeSize(t));
      for (size_t i = 0; i < a.data.size(); ++i)
        a.data[i] = uint8_t(i * 7 + 1);
      std::string err;
      ASSERT_TRUE(writeNpy(path, a, err)) << err;
      Array b;
      ASSERT_TRUE(readNpy(path, b, err)) << err;
      EXPECT_EQ(b.dtype, t);
      EXPECT_EQ(b.shape, shape);
      EXPECT_EQ(b.data, a.data);
    }
}

TEST(Npy, MissingFileNamesPath) {
  Array a;
  std::string err;
  EXPECT_FALSE(readNpy("/nonexistent/x.npy", a, err));
  EXPECT_NE(err.find("/nonexistent/x.npy: cannot open"), std::string::npos)
      << err;
}

TEST(Npy, WriteRejectsInconsistentArray) {
  Array a;
  a.shape = {3};
  a.data.resize(4);
  std::string err;
  EXPECT_FALSE(writeNpy(::testing::TempDir() + "/bad.npy", a, err));
  EXPECT_NE(err.find("does not match its shape"), std::string::npos);
}

TEST(Npy, AcceptsHandBuiltImage) {
  auto b = image(kF32x4, 16);
  Array a;
  std::string err;
  EXPECT_TRUE(parseNpy(b.data(), b.size(), a, err)) << err;
}

TEST(Npy, BadMagic) {
  auto b = image(kF32x4, 16);
  b[1] = 'X';
  expectError(b, "bad magic");
}

TEST(Npy, TooShort) { expectError({0x93, 'N'}, "bad magic"); }

TEST(Npy, UnsupportedVersion) {
  expectError(image(kF32x4, 16, 9), "unsupported .npy version 9");
}

TEST(Npy, HeaderPastEnd) {
  auto b = image(kF32x4, 0);
  b[8] = 0xff;
  b[9] = 0x7f;
  expectError(b, "runs past the end");
}

TEST(Npy, MissingKey) {
  expectError(image("{'descr': '<f4', 'shape': (4,), }", 16), "needs 'descr'");
}

TEST(Npy, NoDict) { expectError(image("descr <f4", 16), "no dict"); }

TEST(Npy, UnbalancedShape) {
  expectError(
      image("{'descr': '<f4', 'fortran_order': False, 'shape': (4,, }", 16),
      "malformed header");
}

TEST(Npy, BadShapeDim) {
  expectError(
      image("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", 16),
      "malformed shape dimension '-4'");
}

TEST(Npy, UnsupportedDtype) {
  expectError(
      image("{'descr': '<c8', 'fortran_order': False, 'shape': (4,), }", 32),
      "unsupported dtype '<c8'");
}

TEST(Npy, BigEndianFileRejected) {
  Array a;
  std::string err;
  EXPECT_FALSE(readNpy(input("f32_big_endian.npy"), a, err));
  EXPECT_NE(err.find("unsupported dtype '>f4'"), std::string::npos) << err;
}

TEST(Npy, FortranOrderRejected) {
  Array a;
  std::string err;
  EXPECT_FALSE(readNpy(input("f32_fortran.npy"), a, err));
  EXPECT_NE(err.find("fortran_order True is not supported"), std::string::npos)
      << err;
}

TEST(Npy, TruncatedData) {
  expectError(image(kF32x4, 10), "truncated data: expected 16 bytes, found 10");
}

TEST(Npy, TrailingData) {
  expectError(image(kF32x4, 20), "trailing data: expected 16 bytes, found 20");
}

TEST(Npy, ShapeOverflow) {
  expectError(image("{'descr': '<f8', 'fortran_order': False, 'shape': "
                    "(999999999999999999, 999999999999999999), }",
                    8),
              "shape overflows");
}

} // namespace
