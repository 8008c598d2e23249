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

bool parseDType(const std::string &s, DType &t) {
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

bool parseEntry(const std::string &name, const json &e, const uint8_t *data,
                uint64_t dataSize, Array &a, std::string &error) {
  const std::string where = "tensor \"" + name + "\": ";
  if (!e.is_object() || !e.contains("dtype") || !e["dtype"].is_string() ||
      !e.contains("shape") || !e["shape"].is_array() ||
      !e.contains("data_offsets") || !e["data_offsets"].is_array() ||
      e["data_offsets"].size() != 2)
    return fail(error, where + "needs dtype, shape and data_offsets [begin, "
                               "end]");
  if (!parseDType(e["dtype"].get<std::string>(), a.dtype))
    return fail(error,
                where + "unsupported dtype " + e["dtype"].get<std::string>());
  for (const json &d : e["shape"]) {
    if (!d.is_number_unsigned() && !(d.is_number_integer() && d >= 0))
      return fail(error, where + "shape dims must be integers >= 0");
    a.shape.push_back(d.get<int64_t>());
  }
  const json &off = e["data_offsets"];
  if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
    return fail(error, where + "data_offsets must be integers >= 0");
  uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
  if (begin > end || end > dataSize)
    return fail(error, where + "data_offsets [" + std::to_string(begin) + ", " +
                           std::to_string(end) + "] out of the data section (" +
                           std::to_string(dataSize) + " bytes)");
  int64_t n = a.numElements();
  if (n < 0 || static_cast<uint64_t>(n) > (end - begin) / dtypeSize(a.dtype) ||
      static_cast<uint64_t>(n) * dtypeSize(a.dtype) != end - begin)
    return fail(error, where + "data_offsets span " +
                           std::to_string(end - begin) +
                           " bytes, which does not match its shape and dtype");
  a.data.assign(data + begin, data + end);
  return true;
}

} // namespace

bool parseSafetensors(const uint8_t *bytes, size_t size, TensorList &out,
                      std::string &error) {
  out.clear();
  if (size < 8)
    return fail(error, "file too short for a safetensors header");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | bytes[i];
  if (n > kMaxHeader || n > size - 8)
    return fail(error, "header length " + std::to_string(n) +
                           " exceeds the file (truncated or not safetensors)");
  json h = json::parse(bytes + 8, bytes + 8 + n, nullptr, false);
  if (h.is_discarded() || !h.is_object())
    return fail(error, "header is not a JSON object");
  const uint8_t *data = bytes + 8 + n;
  const uint64_t dataSize = size - 8 - n;
  try {
    for (auto it = h.begin(); it != h.end(); ++it) {
      if (it.key() == "__metadata__")
        continue;
      Array a;
      if (!parseEntry(it.key(), it.value(), data, dataSize, a, error))
        return false;
      out.emplace_back(it.key(), std::move(a));
    }
  } catch (const std::exception &ex) {
    return fail(error, std::string("bad header: ") + ex.what());
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

} // namespace ttt::rt
