//===- NpyTest.cpp - .npy reader/writer tests -----------------------------===//
//
// Fixtures in Inputs/ were written by NumPy (see Inputs/make_inputs.py), so
// the reader is checked against the real format, not just our own writer.
//
//===----------------------------------------------------------------------===//

#include "ttt/runtime/Npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

using namespace ttt::rt;

namespace {

std::string input(const char *name) {
  return std::string(TTT_RUNTIME_TEST_INPUTS) + "/" + name;
}

std::string tempPath(const char *name) {
  return ::testing::TempDir() + "/ttt_npy_" + name;
}

std::vector<uint8_t> fileBytes(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

/// A .npy image with the given header dict and `dataBytes` bytes of data.
std::vector<uint8_t> image(const std::string &dict, size_t dataBytes,
                           uint8_t major = 1) {
  std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  size_t n = dict.size();
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i)
    b.push_back((n >> (8 * i)) & 0xff);
  b.insert(b.end(), dict.begin(), dict.end());
  b.insert(b.end(), dataBytes, 0x3f);
  return b;
}

std::string dictWith(const std::string &descr, const std::string &fortran,
                     const std::string &shape) {
  return "{'descr': " + descr + ", 'fortran_order': " + fortran +
         ", 'shape': " + shape + ", }";
}

/// Expects parsing to fail with a message containing `needle`.
void expectError(const std::vector<uint8_t> &bytes, const std::string &needle) {
  Array a;
  std::string err;
  EXPECT_FALSE(parseNpy(bytes.data(), bytes.size(), a, err));
  EXPECT_NE(err.find(needle), std::string::npos) << "message: " << err;
}

template <typename T> std::vector<T> values(const Array &a) {
  std::vector<T> v(a.data.size() / sizeof(T));
  if (!v.empty())
    std::memcpy(v.data(), a.data.data(), a.data.size());
  return v;
}

const std::string kF32x4 = dictWith("'<f4'", "False", "(4,)");

//===-- Helpers -----------------------------------------------------------===//

TEST(Npy, DTypeHelpers) {
  EXPECT_EQ(dtypeSize(DType::F32), 4u);
  EXPECT_EQ(dtypeSize(DType::F64), 8u);
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_EQ(dtypeSize(DType::I32), 4u);
  EXPECT_EQ(dtypeSize(DType::I64), 8u);
  EXPECT_STREQ(dtypeName(DType::BF16), "bf16");
  EXPECT_STREQ(dtypeName(DType::I64), "i64");
  EXPECT_STREQ(dtypeDescr(DType::F64), "<f8");
  EXPECT_EQ(dtypeDescr(DType::BF16), nullptr);
}

TEST(Npy, NumElements) {
  Array a;
  EXPECT_EQ(a.numElements(), 1); // 0-d
  a.shape = {2, 0, 5};
  EXPECT_EQ(a.numElements(), 0);
  a.shape = {3, -1};
  EXPECT_EQ(a.numElements(), -1);
  a.shape = {int64_t(1) << 40, int64_t(1) << 40};
  EXPECT_EQ(a.numElements(), -1);
}

//===-- Files written by NumPy --------------------------------------------===//

TEST(Npy, ReadsNumpyFloat32) {
  Array a;
  std::string err;
  ASSERT_TRUE(readNpy(input("f32_2x3.npy"), a, err)) << err;
  EXPECT_EQ(a.dtype, DType::F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(values<float>(a), (std::vector<float>{0, 0.5f, 1, 1.5f, 2, 2.5f}));
}

TEST(Npy, ReadsVersion2Float64) {
  Array a;
  std::string err;
  ASSERT_TRUE(readNpy(input("f64_v2.npy"), a, err)) << err;
  EXPECT_EQ(a.dtype, DType::F64);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(values<double>(a), (std::vector<double>{1.5, -2.25, 3.0}));
}

TEST(Npy, ReadsVersion3Int32) {
  Array a;
  std::string err;
  ASSERT_TRUE(readNpy(input("i32_v3.npy"), a, err)) << err;
  EXPECT_EQ(a.dtype, DType::I32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(values<int32_t>(a), (std::vector<int32_t>{1, -2, 3, -4}));
}

TEST(Npy, ReadsScalarInt64) {
  Array a;
  std::string err;
  ASSERT_TRUE(readNpy(input("i64_scalar.npy"), a, err)) << err;
  EXPECT_TRUE(a.shape.empty());
  EXPECT_EQ(values<int64_t>(a), (std::vector<int64_t>{42}));
}

TEST(Npy, ReadsZeroSizedInt32) {
  Array a;
  std::string err;
  ASSERT_TRUE(readNpy(input("i32_2x0.npy"), a, err)) << err;
  EXPECT_EQ(a.dtype, DType::I32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 0}));
  EXPECT_TRUE(a.data.empty());
}

TEST(Npy, BigEndianFileRejected) {
  Array a;
  std::string err;
  EXPECT_FALSE(readNpy(input("f32_big_endian.npy"), a, err));
  EXPECT_NE(err.find("f32_big_endian.npy: unsupported dtype '>f4'"),
            std::string::npos)
      << err;
}

TEST(Npy, FortranOrderFileRejected) {
  Array a;
  std::string err;
  EXPECT_FALSE(readNpy(input("f32_fortran.npy"), a, err));
  EXPECT_NE(err.find("fortran_order True is not supported"), std::string::npos)
      << err;
}

// Our writer's output is byte-identical to np.save's, header padding included.
TEST(Npy, WriterMatchesNumpyBytes) {
  Array f;
  f.dtype = DType::F32;
  f.shape = {2, 3};
  const float fv[] = {0, 0.5f, 1, 1.5f, 2, 2.5f};
  f.data.assign(reinterpret_cast<const uint8_t *>(fv),
                reinterpret_cast<const uint8_t *>(fv) + sizeof fv);
  Array s;
  s.dtype = DType::I64;
  const int64_t sv = 42;
  s.data.assign(reinterpret_cast<const uint8_t *>(&sv),
                reinterpret_cast<const uint8_t *>(&sv) + sizeof sv);
  std::string err;
  ASSERT_TRUE(writeNpy(tempPath("f.npy"), f, err)) << err;
  ASSERT_TRUE(writeNpy(tempPath("s.npy"), s, err)) << err;
  EXPECT_EQ(fileBytes(tempPath("f.npy")), fileBytes(input("f32_2x3.npy")));
  EXPECT_EQ(fileBytes(tempPath("s.npy")), fileBytes(input("i64_scalar.npy")));
}

//===-- Round trips -------------------------------------------------------===//

class RoundTrip : public ::testing::TestWithParam<DType> {};

TEST_P(RoundTrip, EveryShape) {
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {5}, {2, 3}, {2, 0, 4}, {0}, {1, 2, 3, 4}};
  // One file per dtype: ctest -j runs the dtypes in parallel.
  std::string name = "roundtrip_" +
                     std::to_string(static_cast<int>(GetParam())) + ".npy";
  std::string path = tempPath(name.c_str());
  for (const auto &shape : shapes) {
    Array a;
    a.dtype = GetParam();
    a.shape = shape;
    a.data.resize(a.numElements() * dtypeSize(a.dtype));
    for (size_t i = 0; i < a.data.size(); ++i)
      a.data[i] = uint8_t(i * 7 + 1);
    std::string err;
    ASSERT_TRUE(writeNpy(path, a, err)) << err;
    // The data must start on a 64-byte boundary, as NumPy writes it.
    EXPECT_EQ((fileBytes(path).size() - a.data.size()) % 64, 0u);
    Array b;
    ASSERT_TRUE(readNpy(path, b, err)) << err;
    EXPECT_EQ(b.dtype, a.dtype);
    EXPECT_EQ(b.shape, shape);
    EXPECT_EQ(b.data, a.data);
  }
}

INSTANTIATE_TEST_SUITE_P(Npy, RoundTrip,
                         ::testing::Values(DType::F32, DType::F64, DType::I32,
                                           DType::I64),
                         [](const auto &info) {
                           return std::string(dtypeName(info.param));
                         });

// A header over 64 KiB does not fit version 1.0's 2-byte length.
TEST(Npy, HugeHeaderUsesVersion2) {
  Array a;
  a.dtype = DType::F64;
  a.shape.assign(30000, 1);
  a.data.resize(8);
  std::string path = tempPath("many_dims.npy"), err;
  ASSERT_TRUE(writeNpy(path, a, err)) << err;
  EXPECT_EQ(fileBytes(path)[6], 2);
  Array b;
  ASSERT_TRUE(readNpy(path, b, err)) << err;
  EXPECT_EQ(b.shape, a.shape);
}

//===-- I/O and writer errors ---------------------------------------------===//

TEST(Npy, MissingFileNamesPathAndReason) {
  Array a;
  std::string err;
  EXPECT_FALSE(readNpy("/nonexistent/x.npy", a, err));
  EXPECT_NE(err.find("/nonexistent/x.npy: cannot open: No such file"),
            std::string::npos)
      << err;
}

TEST(Npy, ReadingDirectoryFails) {
  Array a;
  std::string err;
  EXPECT_FALSE(readNpy(::testing::TempDir(), a, err));
  EXPECT_NE(err.find("read error: Is a directory"), std::string::npos) << err;
}

TEST(Npy, TruncatedFileNamesPath) {
  std::vector<uint8_t> b = fileBytes(input("f64_v2.npy"));
  b.resize(b.size() - 5);
  std::string path = tempPath("cut.npy");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char *>(b.data()), b.size());
  Array a;
  std::string err;
  EXPECT_FALSE(readNpy(path, a, err));
  EXPECT_EQ(err, path + ": truncated data: expected 24 bytes, found 19");
}

TEST(Npy, WriteToMissingDirectoryFails) {
  Array a;
  a.data.resize(4);
  std::string err;
  EXPECT_FALSE(writeNpy("/nonexistent/y.npy", a, err));
  EXPECT_NE(err.find("/nonexistent/y.npy: cannot create: No such file"),
            std::string::npos)
      << err;
}

TEST(Npy, WriteRejectsInconsistentArray) {
  Array a;
  a.shape = {3};
  a.data.resize(4);
  std::string err;
  EXPECT_FALSE(writeNpy(tempPath("bad.npy"), a, err));
  EXPECT_NE(err.find("data has 4 bytes, but shape (3,) of f32 needs 12"),
            std::string::npos)
      << err;
}

TEST(Npy, WriteRejectsNegativeShape) {
  Array a;
  a.shape = {2, -2};
  std::string err;
  EXPECT_FALSE(writeNpy(tempPath("bad.npy"), a, err));
  EXPECT_NE(err.find("invalid shape (2, -2)"), std::string::npos) << err;
}

TEST(Npy, WriteRejectsBF16) {
  Array a;
  a.dtype = DType::BF16;
  a.data.resize(2);
  std::string err;
  EXPECT_FALSE(writeNpy(tempPath("bad.npy"), a, err));
  EXPECT_NE(err.find("dtype bf16 cannot be stored"), std::string::npos) << err;
}

//===-- Malformed images --------------------------------------------------===//

TEST(Npy, AcceptsHandBuiltImage) {
  auto b = image(kF32x4, 16);
  Array a;
  std::string err;
  EXPECT_TRUE(parseNpy(b.data(), b.size(), a, err)) << err;
  EXPECT_EQ(a.shape, (std::vector<int64_t>{4}));
}

TEST(Npy, FailureLeavesOutputUntouched) {
  Array a;
  a.shape = {7};
  auto b = image(kF32x4, 3);
  std::string err;
  EXPECT_FALSE(parseNpy(b.data(), b.size(), a, err));
  EXPECT_EQ(a.shape, (std::vector<int64_t>{7}));
}

TEST(Npy, EmptyInput) { expectError({}, "bad magic"); }

TEST(Npy, BadMagic) {
  auto b = image(kF32x4, 16);
  b[1] = 'X';
  expectError(b, "bad magic");
}

TEST(Npy, NoVersion) {
  expectError({0x93, 'N', 'U', 'M', 'P', 'Y', 1}, "truncated header");
}

TEST(Npy, NoHeaderLength) {
  expectError({0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 60, 0},
              "truncated header: no header length");
}

TEST(Npy, UnsupportedVersion) {
  expectError(image(kF32x4, 16, 9), "unsupported .npy version 9.0");
  auto b = image(kF32x4, 16);
  b[7] = 5;
  expectError(b, "unsupported .npy version 1.5");
}

TEST(Npy, HeaderPastEnd) {
  auto b = image(kF32x4, 0);
  b[8] = 0xff;
  b[9] = 0x7f;
  expectError(b, "header length 32767 runs past the end");
  // A 4-byte length near 4 GiB must not be allocated.
  auto c = image(kF32x4, 0, 2);
  c[8] = c[9] = c[10] = c[11] = 0xff;
  expectError(c, "header length 4294967295 runs past the end");
}

/// A header dict, the data size to append, and the expected message.
struct BadHeader {
  const char *name;
  std::string dict;
  size_t dataBytes;
  const char *needle;
};

// Readable failure messages instead of a byte dump of the struct.
void PrintTo(const BadHeader &h, std::ostream *os) { *os << h.name; }

class Malformed : public ::testing::TestWithParam<BadHeader> {};

TEST_P(Malformed, Rejected) {
  expectError(image(GetParam().dict, GetParam().dataBytes), GetParam().needle);
}

INSTANTIATE_TEST_SUITE_P(
    Npy, Malformed,
    ::testing::Values(
        BadHeader{"NoDict", "descr <f4", 16, "malformed header: no dict"},
        BadHeader{"MissingKey", "{'descr': '<f4', 'shape': (4,), }", 16,
                  "missing key 'fortran_order'"},
        BadHeader{"NoColon", "{'descr' '<f4', 'fortran_order': False, }", 16,
                  "no ':' after 'descr'"},
        BadHeader{"UnquotedKey",
                  "{descr: '<f4', 'fortran_order': False, 'shape': (4,), }", 16,
                  "missing key 'descr'"},
        BadHeader{"BadQuotes", dictWith("'<f4", "False", "(4,)"), 16,
                  "bad quotes in 'descr'"},
        BadHeader{"MismatchedQuotes", dictWith("'<f4\"", "False", "(4,)"), 16,
                  "bad quotes in 'descr'"},
        BadHeader{"UnclosedParen",
                  "{'descr': '<f4', 'fortran_order': False, 'shape': (4,, }",
                  16, "unbalanced parentheses in 'shape'"},
        BadHeader{"ExtraParen", dictWith("'<f4'", "False", "(4,))"), 16,
                  "unbalanced parentheses in 'shape'"},
        BadHeader{"ShapeNotTuple", dictWith("'<f4'", "False", "4"), 16,
                  "malformed shape '4'"},
        BadHeader{"ShapeParenthesizedInt", dictWith("'<f4'", "False", "(4)"),
                  16, "(not a tuple)"},
        BadHeader{"ShapeDoubleComma", dictWith("'<f4'", "False", "(4,,)"), 16,
                  "malformed shape '(4,,)'"},
        BadHeader{"ShapeLoneComma", dictWith("'<f4'", "False", "(,)"), 0,
                  "malformed shape '(,)'"},
        BadHeader{"NonNumericDim", dictWith("'<f4'", "False", "(2, x)"), 16,
                  "malformed shape dimension 'x'"},
        BadHeader{"NegativeDim", dictWith("'<f4'", "False", "(-4,)"), 16,
                  "negative shape dimension -4"},
        BadHeader{"DimOverflowsInt64",
                  dictWith("'<f4'", "False", "(9223372036854775808,)"), 16,
                  "shape dimension 9223372036854775808 overflows int64"},
        BadHeader{"ElementCountOverflows",
                  dictWith("'<f8'", "False", "(4294967296, 4294967296)"), 8,
                  "overflows: too many elements"},
        BadHeader{"ByteCountOverflows",
                  dictWith("'<f8'", "False", "(2305843009213693952,)"), 8,
                  "overflows: too many elements"},
        BadHeader{"UnsupportedDtype", dictWith("'<c8'", "False", "(4,)"), 32,
                  "unsupported dtype '<c8'"},
        BadHeader{"BigEndian", dictWith("'>f4'", "False", "(4,)"), 16,
                  "unsupported dtype '>f4'"},
        BadHeader{"StructuredDtype",
                  dictWith("[('a', '<f4')]", "False", "(4,)"), 16,
                  "unsupported dtype '[('a', '<f4')]'"},
        BadHeader{"FortranOrder", dictWith("'<f4'", "True", "(4,)"), 16,
                  "fortran_order True is not supported"},
        BadHeader{"TruncatedData", kF32x4, 10,
                  "truncated data: expected 16 bytes, found 10"},
        BadHeader{"TrailingData", kF32x4, 20,
                  "trailing data: expected 16 bytes, found 20"}),
    [](const auto &info) { return std::string(info.param.name); });

} // namespace
