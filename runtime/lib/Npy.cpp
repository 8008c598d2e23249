//===- Npy.cpp - Read and write NumPy .npy arrays -------------------------===//
//
// Format: magic "\x93NUMPY", major/minor version, header length (2 bytes in
// 1.0, 4 in 2.0/3.0), then a Python dict literal with 'descr',
// 'fortran_order' and 'shape', padded; the raw data follows.
//
//===----------------------------------------------------------------------===//

#include "ttt/runtime/Npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

using namespace ttt::rt;

size_t ttt::rt::dtypeSize(DType t) {
  switch (t) {
  case DType::BF16:
    return 2;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F64:
  case DType::I64:
    return 8;
  }
  return 0;
}

const char *ttt::rt::dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::BF16:
    return "bf16";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  }
  return "?";
}

const char *ttt::rt::dtypeDescr(DType t) {
  switch (t) {
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  case DType::I32:
    return "<i4";
  case DType::I64:
    return "<i8";
  case DType::BF16:
    return nullptr;
  }
  return nullptr;
}

int64_t Array::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d != 0 && n > std::numeric_limits<int64_t>::max() / d))
      return -1;
    n *= d;
  }
  return n;
}

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
// NumPy pads the header so that the data is 64-byte aligned (for mmap).
constexpr size_t kAlign = 64;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

struct FileCloser {
  void operator()(std::FILE *f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

/// NumPy's spelling of a shape: "()", "(5,)", "(2, 3)".
std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

/// Sets `value` to the text of `key`'s value in the header dict: after
/// `'key':`, up to the next ',' or '}' outside parentheses.
bool findValue(const std::string &dict, const char *key, std::string &value,
               std::string &error) {
  std::string quoted = std::string("'") + key + "'";
  size_t i = dict.find(quoted);
  if (i == std::string::npos) {
    error = "malformed header: missing key " + quoted;
    return false;
  }
  i += quoted.size();
  while (i < dict.size() && dict[i] == ' ')
    ++i;
  if (i == dict.size() || dict[i] != ':') {
    error = "malformed header: no ':' after " + quoted;
    return false;
  }
  size_t start = ++i;
  int depth = 0;
  for (; i < dict.size(); ++i) {
    char c = dict[i];
    if (c == '(')
      ++depth;
    else if (c == ')' && --depth < 0)
      break;
    else if (depth == 0 && (c == ',' || c == '}'))
      break;
  }
  // `dict` ends with '}', so running off its end means an open '('.
  if (depth != 0 || i == dict.size()) {
    error = "malformed header: unbalanced parentheses in " + quoted;
    return false;
  }
  value = trim(dict.substr(start, i - start));
  return true;
}

/// One dimension: a non-negative decimal integer that fits int64.
bool parseDim(const std::string &item, int64_t &dim, std::string &error) {
  bool negative = item.size() > 1 && item[0] == '-';
  std::string digits = negative ? item.substr(1) : item;
  if (digits.empty() ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    error = "malformed shape dimension '" + item + "'";
    return false;
  }
  if (negative) {
    error = "negative shape dimension " + item;
    return false;
  }
  dim = 0;
  for (char c : digits) {
    int digit = c - '0';
    if (dim > (kInt64Max - digit) / 10) {
      error = "shape dimension " + item + " overflows int64";
      return false;
    }
    dim = dim * 10 + digit;
  }
  return true;
}

/// A Python tuple of dims. "(4)" is an int in Python, not a tuple, so a
/// single dim needs its trailing comma; "(4,,)" and "(,)" are syntax errors.
bool parseShape(const std::string &text, std::vector<int64_t> &shape,
                std::string &error) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
    error = "malformed shape '" + text + "'";
    return false;
  }
  std::string inner = trim(text.substr(1, text.size() - 2));
  if (inner.empty())
    return true;
  bool sawComma = false;
  for (size_t start = 0;;) {
    size_t comma = inner.find(',', start);
    std::string item = trim(inner.substr(start, comma - start));
    if (item.empty() && comma == std::string::npos && sawComma)
      return true;
    if (item.empty()) {
      error = "malformed shape '" + text + "'";
      return false;
    }
    int64_t dim;
    if (!parseDim(item, dim, error))
      return false;
    shape.push_back(dim);
    if (comma == std::string::npos) {
      if (sawComma)
        return true;
      error = "malformed shape '" + text + "' (not a tuple)";
      return false;
    }
    sawComma = true;
    start = comma + 1;
  }
}

bool parseDescr(std::string descr, DType &dtype, std::string &error) {
  char q = descr.empty() ? 0 : descr.front();
  if (q == '\'' || q == '"') {
    if (descr.size() < 2 || descr.back() != q) {
      error = "malformed header: bad quotes in 'descr' value " + descr;
      return false;
    }
    descr = descr.substr(1, descr.size() - 2);
  }
  for (DType t : {DType::F32, DType::F64, DType::I32, DType::I64})
    if (descr == dtypeDescr(t)) {
      dtype = t;
      return true;
    }
  error = "unsupported dtype '" + descr +
          "' (supported: <f4, <f8, <i4, <i8; little-endian only)";
  return false;
}

} // namespace

bool ttt::rt::parseNpy(const uint8_t *bytes, size_t size, Array &out,
                       std::string &error) {
  if (size < kMagicLen || std::memcmp(bytes, kMagic, kMagicLen) != 0) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  if (size < kMagicLen + 2) {
    error = "truncated header: no version";
    return false;
  }
  uint8_t major = bytes[6], minor = bytes[7];
  size_t lenBytes = major == 1 ? 2 : (major == 2 || major == 3) ? 4 : 0;
  if (!lenBytes || minor != 0) {
    error = "unsupported .npy version " + std::to_string(major) + "." +
            std::to_string(minor);
    return false;
  }
  size_t pos = kMagicLen + 2;
  if (size - pos < lenBytes) {
    error = "truncated header: no header length";
    return false;
  }
  size_t headerLen = 0;
  for (size_t i = 0; i < lenBytes; ++i)
    headerLen |= size_t(bytes[pos + i]) << (8 * i);
  pos += lenBytes;
  // Checked before copying, so the header's size is bounded by the input's.
  if (headerLen > size - pos) {
    error = "truncated header: header length " + std::to_string(headerLen) +
            " runs past the end of the file (" + std::to_string(size - pos) +
            " bytes left)";
    return false;
  }
  std::string header(reinterpret_cast<const char *>(bytes + pos), headerLen);
  pos += headerLen;
  size_t open = header.find('{'), close = header.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    error = "malformed header: no dict";
    return false;
  }
  std::string dict = header.substr(open, close - open + 1);

  // Build into a local so that `out` is untouched on failure.
  Array a;
  std::string descr, fortran, shape;
  if (!findValue(dict, "descr", descr, error) ||
      !findValue(dict, "fortran_order", fortran, error) ||
      !findValue(dict, "shape", shape, error) ||
      !parseDescr(descr, a.dtype, error))
    return false;
  if (fortran != "False") {
    error = "fortran_order " + fortran + " is not supported (C order only)";
    return false;
  }
  if (!parseShape(shape, a.shape, error))
    return false;

  // Sizes are checked for overflow before they are compared or allocated.
  int64_t count = a.numElements();
  int64_t itemSize = int64_t(dtypeSize(a.dtype));
  if (count < 0 || count > kInt64Max / itemSize) {
    error = "shape " + shapeText(a.shape) + " overflows: too many elements";
    return false;
  }
  uint64_t want = uint64_t(count * itemSize), have = size - pos;
  if (want != have) {
    error = (have < want ? "truncated data: expected "
                         : "trailing data: expected ") +
            std::to_string(want) + " bytes, found " + std::to_string(have);
    return false;
  }
  a.data.assign(bytes + pos, bytes + size);
  out = std::move(a);
  return true;
}

bool ttt::rt::readNpy(const std::string &path, Array &out, std::string &error) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0)
    bytes.insert(bytes.end(), buf, buf + n);
  if (std::ferror(f.get())) {
    error = path + ": read error: " + std::strerror(errno);
    return false;
  }
  if (!parseNpy(bytes.data(), bytes.size(), out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

bool ttt::rt::writeNpy(const std::string &path, const Array &a,
                       std::string &error) {
  const char *descr = dtypeDescr(a.dtype);
  if (!descr) {
    error = path + ": dtype " + dtypeName(a.dtype) +
            " cannot be stored in a .npy file";
    return false;
  }
  int64_t count = a.numElements();
  if (count < 0) {
    error = path + ": invalid shape " + shapeText(a.shape);
    return false;
  }
  size_t itemSize = dtypeSize(a.dtype);
  if (uint64_t(count) > a.data.size() / itemSize ||
      a.data.size() != uint64_t(count) * itemSize) {
    error = path + ": data has " + std::to_string(a.data.size()) +
            " bytes, but shape " + shapeText(a.shape) + " of " +
            dtypeName(a.dtype) + " needs " +
            (uint64_t(count) > std::numeric_limits<uint64_t>::max() / itemSize
                 ? std::string("more")
                 : std::to_string(uint64_t(count) * itemSize));
    return false;
  }

  std::string dict =
      std::string("{'descr': '") + descr +
      "', 'fortran_order': False, 'shape': " + shapeText(a.shape) + ", }";
  // Version 1.0 stores the header length in 2 bytes; 2.0 in 4.
  uint8_t major = 1;
  size_t prefix, pad;
  for (;;) {
    prefix = kMagicLen + 2 + (major == 1 ? 2 : 4);
    pad = (kAlign - (prefix + dict.size() + 1) % kAlign) % kAlign;
    if (major == 2 || dict.size() + pad + 1 <= 0xffff)
      break;
    major = 2;
  }
  std::string header = dict + std::string(pad, ' ') + '\n';
  std::string head(kMagic, kMagicLen);
  head += char(major);
  head += char(0);
  for (size_t i = 0; i < prefix - kMagicLen - 2; ++i)
    head += char((header.size() >> (8 * i)) & 0xff);
  head += header;

  FilePtr f(std::fopen(path.c_str(), "wb"));
  if (!f) {
    error = path + ": cannot create: " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(head.data(), 1, head.size(), f.get()) == head.size() &&
            (a.data.empty() || std::fwrite(a.data.data(), 1, a.data.size(),
                                           f.get()) == a.data.size());
  // fclose flushes, so it can be the call that reports e.g. a full disk.
  ok = std::fclose(f.release()) == 0 && ok;
  if (!ok) {
    error = path + ": write error: " + std::strerror(errno);
    return false;
  }
  return true;
}
