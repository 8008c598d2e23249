//===- Safetensors.cpp - Read .safetensors files --------------------------===//

#include "ttt/runtime/Safetensors.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <iterator>

using json = nlohmann::json;

namespace ttt::rt {
namespace {

/// Headers are small; a huge length is a corrupt file, not a reason to
/// allocate.
constexpr uint64_t kMaxHeader = 100u << 20;

bool fail(std::string &error, const std::string &msg) {
  error = msg;
  return false;
}

bool toDType(const std::string &s, DType &t) {
  if (s == "F32")
    t = DType::F32;
  else if (s == "F64")
    t = DType::F64;
  else if (s == "BF16")
    t = DType::BF16;
  else if (s == "I32")
    t = DType::I32;
  else if (s == "I64")
    t = DType::I64;
  else
    return false;
  return true;
}

/// Checks one header entry; `begin`/`end` stay relative to the data
/// section of `dataSize` bytes.
bool parseEntry(const std::string &name, const json &e, uint64_t dataSize,
                TensorInfo &t, std::string &error) {
  const std::string where = "tensor \"" + name + "\": ";
  t.name = name;
  if (!e.is_object() || !e.contains("dtype") || !e["dtype"].is_string() ||
      !e.contains("shape") || !e["shape"].is_array() ||
      !e.contains("data_offsets") || !e["data_offsets"].is_array() ||
      e["data_offsets"].size() != 2)
    return fail(error, where + "needs dtype, shape and data_offsets [begin, "
                               "end]");
  t.dtype = e["dtype"].get<std::string>();
  const uint64_t es = safetensorsDTypeSize(t.dtype);
  if (!es)
    return fail(error, where + "unsupported dtype " + t.dtype);
  for (const json &d : e["shape"]) {
    if (!d.is_number_unsigned() && !(d.is_number_integer() && d >= 0))
      return fail(error, where + "shape dims must be integers >= 0");
    t.shape.push_back(d.get<int64_t>());
  }
  const json &off = e["data_offsets"];
  if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
    return fail(error, where + "data_offsets must be integers >= 0");
  t.begin = off[0].get<uint64_t>();
  t.end = off[1].get<uint64_t>();
  if (t.begin > t.end || t.end > dataSize)
    return fail(error, where + "data_offsets [" + std::to_string(t.begin) +
                           ", " + std::to_string(t.end) +
                           "] out of the data section (" +
                           std::to_string(dataSize) + " bytes)");
  Array shapeOnly;
  shapeOnly.shape = t.shape;
  int64_t n = shapeOnly.numElements();
  if (n < 0 || static_cast<uint64_t>(n) > (t.end - t.begin) / es ||
      static_cast<uint64_t>(n) * es != t.end - t.begin)
    return fail(error, where + "data_offsets span " +
                           std::to_string(t.end - t.begin) +
                           " bytes, which does not match its shape and dtype");
  return true;
}

/// Parses the JSON header of `n` bytes for a data section of `dataSize`
/// bytes.
bool parseHeader(const uint8_t *text, uint64_t n, uint64_t dataSize,
                 TensorIndex &out, std::string &error) {
  out.clear();
  json h = json::parse(text, text + n, nullptr, false);
  if (h.is_discarded() || !h.is_object())
    return fail(error, "header is not a JSON object");
  try {
    for (auto it = h.begin(); it != h.end(); ++it) {
      if (it.key() == "__metadata__")
        continue;
      TensorInfo t;
      if (!parseEntry(it.key(), it.value(), dataSize, t, error))
        return false;
      out.push_back(std::move(t));
    }
  } catch (const std::exception &ex) {
    return fail(error, std::string("bad header: ") + ex.what());
  }
  return true;
}

/// The little-endian header length of the first 8 bytes, checked against
/// the file size.
bool headerLength(const uint8_t *bytes, uint64_t size, uint64_t &n,
                  std::string &error) {
  if (size < 8)
    return fail(error, "file too short for a safetensors header");
  n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | bytes[i];
  if (n > kMaxHeader || n > size - 8)
    return fail(error, "header length " + std::to_string(n) +
                           " exceeds the file (truncated or not safetensors)");
  return true;
}

} // namespace

size_t safetensorsDTypeSize(const std::string &d) {
  if (d == "BOOL" || d == "U8" || d == "I8" || d == "F8_E4M3" || d == "F8_E5M2")
    return 1;
  if (d == "I16" || d == "U16" || d == "F16" || d == "BF16")
    return 2;
  if (d == "I32" || d == "U32" || d == "F32")
    return 4;
  if (d == "I64" || d == "U64" || d == "F64")
    return 8;
  return 0;
}

bool parseSafetensors(const uint8_t *bytes, size_t size, TensorList &out,
                      std::string &error) {
  out.clear();
  uint64_t n = 0;
  if (!headerLength(bytes, size, n, error))
    return false;
  const uint8_t *data = bytes + 8 + n;
  TensorIndex index;
  if (!parseHeader(bytes + 8, n, size - 8 - n, index, error))
    return false;
  for (const TensorInfo &t : index) {
    Array a;
    if (!toDType(t.dtype, a.dtype))
      return fail(error,
                  "tensor \"" + t.name + "\": unsupported dtype " + t.dtype);
    a.shape = t.shape;
    a.data.assign(data + t.begin, data + t.end);
    out.emplace_back(t.name, std::move(a));
  }
  return true;
}

bool readSafetensors(const std::string &path, TensorList &out,
                     std::string &error) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return fail(error, path + ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)),
                             std::istreambuf_iterator<char>());
  if (f.bad())
    return fail(error, path + ": cannot read");
  if (!parseSafetensors(bytes.data(), bytes.size(), out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

bool readSafetensorsIndex(const std::string &path, TensorIndex &out,
                          std::string &error) {
  out.clear();
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f)
    return fail(error, path + ": cannot open");
  const std::streamoff end = f.tellg();
  if (end < 0)
    return fail(error, path + ": cannot read");
  const uint64_t size = static_cast<uint64_t>(end);
  uint8_t len[8] = {};
  f.seekg(0);
  f.read(reinterpret_cast<char *>(len), size < 8 ? size : 8);
  if (!f)
    return fail(error, path + ": cannot read the header");
  uint64_t n = 0;
  if (!headerLength(len, size, n, error)) {
    error = path + ": " + error;
    return false;
  }
  std::vector<uint8_t> header(n);
  if (!f.read(reinterpret_cast<char *>(header.data()),
              static_cast<std::streamsize>(n)))
    return fail(error, path + ": cannot read the header");
  if (!parseHeader(header.data(), n, size - 8 - n, out, error)) {
    error = path + ": " + error;
    return false;
  }
  for (TensorInfo &t : out) {
    t.begin += 8 + n;
    t.end += 8 + n;
  }
  return true;
}

} // namespace ttt::rt
