//===- Npy.cpp - Read and write NumPy .npy arrays -------------------------===//
//
// Format: magic "\x93NUMPY", major/minor version, header length (2 bytes in
// 1.0, 4 in 2.0/3.0), then a Python dict literal with 'descr',
// 'fortran_order' and 'shape', padded; the raw data follows.
//
//===----------------------------------------------------------------------===//

#include "ttt/runtime/Npy.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

using namespace ttt::rt;

size_t ttt::rt::dtypeSize(DType t) {
  switch (t) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F64:
  case DType::I64:
    return 8;
  }
  return 0;
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
  }
  return "?";
}

int64_t Array::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

/// The value text after `'key':` in the header dict, up to the next
/// top-level comma or closing brace.
bool findValue(const std::string &header, const std::string &key,
               std::string &value) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    return false;
  size_t colon = header.find(':', k + key.size() + 2);
  if (colon == std::string::npos)
    return false;
  size_t i = colon + 1, depth = 0;
  std::string v;
  for (; i < header.size(); ++i) {
    char c = header[i];
    if (c == '(')
      ++depth;
    if (c == ')') {
      if (depth == 0)
        return false;
      --depth;
    }
    if (depth == 0 && (c == ',' || c == '}'))
      break;
    v += c;
  }
  if (depth != 0 || i == header.size())
    return false;
  size_t b = v.find_first_not_of(" \t"), e = v.find_last_not_of(" \t");
  value = b == std::string::npos ? "" : v.substr(b, e - b + 1);
  return true;
}

bool parseShape(const std::string &text, std::vector<int64_t> &shape,
                std::string &error) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
    error = "malformed shape '" + text + "'";
    return false;
  }
  std::string inner = text.substr(1, text.size() - 2);
  std::stringstream ss(inner);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b == std::string::npos)
      continue; // trailing comma of a 1-tuple
    item = item.substr(b, e - b + 1);
    if (item.find_first_not_of("0123456789") != std::string::npos ||
        item.size() > 18) {
      error = "malformed shape dimension '" + item + "'";
      return false;
    }
    shape.push_back(std::stoll(item));
  }
  return true;
}

} // namespace

bool ttt::rt::parseNpy(const uint8_t *bytes, size_t size, Array &out,
                       std::string &error) {
  if (size < kMagicLen + 4 || std::memcmp(bytes, kMagic, kMagicLen) != 0) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  uint8_t major = bytes[6];
  size_t lenBytes = major == 1 ? 2 : (major == 2 || major == 3) ? 4 : 0;
  if (!lenBytes) {
    error = "unsupported .npy version " + std::to_string(major);
    return false;
  }
  size_t pos = 8;
  if (size < pos + lenBytes) {
    error = "truncated header";
    return false;
  }
  size_t headerLen = 0;
  for (size_t i = 0; i < lenBytes; ++i)
    headerLen |= size_t(bytes[pos + i]) << (8 * i);
  pos += lenBytes;
  if (headerLen > size - pos) {
    error = "truncated header: length " + std::to_string(headerLen) +
            " runs past the end of the file";
    return false;
  }
  std::string header(reinterpret_cast<const char *>(bytes + pos), headerLen);
  pos += headerLen;
  size_t open = header.find('{'), close = header.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    error = "malformed header: no dict";
    return false;
  }

  std::string descr, fortran, shapeText;
  if (!findValue(header, "descr", descr) ||
      !findValue(header, "fortran_order", fortran) ||
      !findValue(header, "shape", shapeText)) {
    error = "malformed header: needs 'descr', 'fortran_order' and 'shape'";
    return false;
  }
  if (descr.size() < 2 || (descr.front() != '\'' && descr.front() != '"') ||
      descr.back() != descr.front()) {
    error = "malformed descr " + descr;
    return false;
  }
  descr = descr.substr(1, descr.size() - 2);
  const DType all[] = {DType::F32, DType::F64, DType::I32, DType::I64};
  bool known = false;
  for (DType t : all)
    if (descr == dtypeDescr(t)) {
      out.dtype = t;
      known = true;
    }
  if (!known) {
    error = "unsupported dtype '" + descr +
            "' (supported: <f4, <f8, <i4, <i8; little-endian only)";
    return false;
  }
  if (fortran != "False") {
    error = "fortran_order " + fortran + " is not supported (C order only)";
    return false;
  }
  out.shape.clear();
  if (!parseShape(shapeText, out.shape, error))
    return false;

  // Element count with overflow checks before any allocation.
  uint64_t count = 1;
  for (int64_t d : out.shape) {
    if (d != 0 && count > std::numeric_limits<uint64_t>::max() / uint64_t(d)) {
      error = "shape overflows";
      return false;
    }
    count *= uint64_t(d);
  }
  uint64_t itemSize = dtypeSize(out.dtype);
  if (count > std::numeric_limits<uint64_t>::max() / itemSize) {
    error = "shape overflows";
    return false;
  }
  uint64_t want = count * itemSize;
  size_t have = size - pos;
  if (want != have) {
    error = (have < want ? "truncated data: expected "
                         : "trailing data: expected ") +
            std::to_string(want) + " bytes, found " + std::to_string(have);
    return false;
  }
  out.data.assign(bytes + pos, bytes + size);
  return true;
}

bool ttt::rt::readNpy(const std::string &path, Array &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) {
    error = path + ": read error";
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
  if (a.data.size() != size_t(a.numElements()) * dtypeSize(a.dtype)) {
    error = path + ": array data does not match its shape";
    return false;
  }
  std::string dict = std::string("{'descr': '") + dtypeDescr(a.dtype) +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < a.shape.size(); ++i)
    dict += std::to_string(a.shape[i]) +
            (a.shape.size() == 1 || i + 1 < a.shape.size() ? "," : "");
  dict += "), }";
  // Pad with spaces so that the data starts on a 64-byte boundary.
  size_t total = kMagicLen + 4 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::ofstream f(path, std::ios::binary);
  if (!f) {
    error = path + ": cannot create: " + std::strerror(errno);
    return false;
  }
  f.write(kMagic, kMagicLen);
  const char version[2] = {1, 0};
  f.write(version, 2);
  const char len[2] = {char(dict.size() & 0xff), char(dict.size() >> 8)};
  f.write(len, 2);
  f << dict;
  f.write(reinterpret_cast<const char *>(a.data.data()), a.data.size());
  if (!f) {
    error = path + ": write error";
    return false;
  }
  return true;
}
