//===- ModelManifest.cpp - Parse and validate model manifests -------------===//

#include "ModelManifest.h"

#include "Manifest.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

using json = nlohmann::json;

namespace ttt::rt {
namespace {

/// Builds errors that name the manifest file.
struct Ctx {
  const std::string &path;
  Error err(ttt_status code, const std::string &what) const {
    return makeError(code, path + ": " + what);
  }
};

bool isInt(const json &j) { return j.is_number_integer(); }

std::string inQuotes(const std::string &s) { return "\"" + s + "\""; }

/// Only `allowed` keys may appear in an item of weights/states/entries.
Error checkKeys(const Ctx &c, const json &j, const std::string &where,
                std::initializer_list<const char *> allowed) {
  for (auto it = j.begin(); it != j.end(); ++it)
    if (std::none_of(allowed.begin(), allowed.end(),
                     [&](const char *k) { return it.key() == k; }))
      return c.err(TTT_ERROR_FORMAT,
                   where + ": unknown field " + inQuotes(it.key()));
  return Error::ok();
}

/// An integer field in [lo, hi].
Error intField(const Ctx &c, const json &j, const char *key, int64_t lo,
               int64_t hi, const std::string &where, int64_t &out) {
  if (!j.contains(key) || !isInt(j[key]) || j[key].get<int64_t>() < lo ||
      j[key].get<int64_t>() > hi)
    return c.err(TTT_ERROR_FORMAT,
                 where + (where.empty() ? "" : ": ") + inQuotes(key) +
                     " must be an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
  out = j[key].get<int64_t>();
  return Error::ok();
}

Error stringField(const Ctx &c, const json &j, const char *key,
                  const std::string &where, std::string &out) {
  if (!j.contains(key) || !j[key].is_string() ||
      j[key].get<std::string>().empty())
    return c.err(TTT_ERROR_FORMAT, where + (where.empty() ? "" : ": ") +
                                       "missing string " + inQuotes(key));
  out = j[key].get<std::string>();
  return Error::ok();
}

/// A weight or a state: name, shape (dims >= 1), offset, optional dtype
/// "f32"; states also `init`.
Error parseBlobTensor(const Ctx &c, const json &j, bool state, size_t index,
                      BlobTensor &t, std::string &init) {
  std::string where =
      std::string(state ? "states[" : "weights[") + std::to_string(index) + "]";
  if (!j.is_object())
    return c.err(TTT_ERROR_FORMAT, where + " must be an object");
  if (Error e = stringField(c, j, "name", where, t.name))
    return e;
  where += " (" + inQuotes(t.name) + ")";
  if (Error e =
          state ? checkKeys(c, j, where,
                            {"name", "dtype", "shape", "offset", "init"})
                : checkKeys(c, j, where, {"name", "dtype", "shape", "offset"}))
    return e;
  if (j.contains("dtype") && j["dtype"] != "f32")
    return c.err(TTT_ERROR_DTYPE, where + ": dtype " + j["dtype"].dump() +
                                      "; only \"f32\" is supported");
  if (!j.contains("shape") || !j["shape"].is_array() || j["shape"].size() > 16)
    return c.err(TTT_ERROR_FORMAT,
                 where + ": \"shape\" must be an array of at most 16 dims");
  t.elems = 1;
  for (const json &d : j["shape"]) {
    if (!isInt(d) || d.get<int64_t>() < 1 || d.get<int64_t>() > kMaxBlobElems)
      return c.err(TTT_ERROR_FORMAT,
                   where + ": shape dims must be integers >= 1");
    t.shape.push_back(d.get<int64_t>());
    if (__builtin_mul_overflow(t.elems, t.shape.back(), &t.elems) ||
        t.elems > kMaxBlobElems)
      return c.err(TTT_ERROR_FORMAT, where + ": too many elements");
  }
  if (Error e = intField(c, j, "offset", 0, kMaxBlobElems, where, t.offset))
    return e;
  if (!state)
    return Error::ok();
  if (!j.contains("init") || !j["init"].is_string() ||
      j["init"].get<std::string>().empty())
    return c.err(TTT_ERROR_FORMAT, where + ": missing string \"init\" (a "
                                           "weight name or \"zeros\")");
  init = j["init"].get<std::string>();
  return Error::ok();
}

/// Every tensor inside [0, size), none overlapping, names unique.
Error checkBlob(const Ctx &c, const std::vector<BlobTensor> &ts, int64_t size,
                const char *what, const char *sizeKey) {
  std::set<std::string> names;
  for (const BlobTensor &t : ts) {
    if (!names.insert(t.name).second)
      return c.err(TTT_ERROR_FORMAT,
                   std::string("duplicate ") + what + " " + inQuotes(t.name));
    if (t.offset + t.elems > size)
      return c.err(TTT_ERROR_FORMAT,
                   std::string(what) + " " + inQuotes(t.name) + ": offset " +
                       std::to_string(t.offset) + " + " +
                       std::to_string(t.elems) + " elements lies outside " +
                       inQuotes(sizeKey) + " (" + std::to_string(size) + ")");
  }
  std::vector<const BlobTensor *> order;
  for (const BlobTensor &t : ts)
    order.push_back(&t);
  std::sort(order.begin(), order.end(),
            [](const BlobTensor *a, const BlobTensor *b) {
              return a->offset < b->offset;
            });
  for (size_t i = 1; i < order.size(); ++i)
    if (order[i - 1]->offset + order[i - 1]->elems > order[i]->offset)
      return c.err(TTT_ERROR_FORMAT,
                   std::string(what) + "s " + inQuotes(order[i - 1]->name) +
                       " and " + inQuotes(order[i]->name) + " overlap");
  return Error::ok();
}

Error parseEntry(const Ctx &c, const json &j, size_t index,
                 const ModelManifest &m, ModelEntry &e) {
  std::string where = "entries[" + std::to_string(index) + "]";
  if (!j.is_object())
    return c.err(TTT_ERROR_FORMAT, where + " must be an object");
  if (Error x = stringField(c, j, "symbol", where, e.symbol))
    return x;
  where += " (" + inQuotes(e.symbol) + ")";
  if (Error x =
          checkKeys(c, j, where, {"role", "symbol", "tokens", "logits_shape"}))
    return x;
  std::string role;
  if (Error x = stringField(c, j, "role", where, role))
    return x;
  if (role != "prefill" && role != "decode")
    return c.err(TTT_ERROR_FORMAT, where + ": unknown role " + inQuotes(role) +
                                       " (\"prefill\" or \"decode\")");
  e.decode = role == "decode";
  if (Error x = intField(c, j, "tokens", 1, 1 << 20, where, e.tokens))
    return x;
  if (e.decode && e.tokens != 1)
    return c.err(TTT_ERROR_FORMAT, where +
                                       ": a decode entry takes 1 token, "
                                       "not " +
                                       std::to_string(e.tokens));
  if (!e.decode && e.tokens % m.miniBatch != 0)
    return c.err(TTT_ERROR_FORMAT,
                 where + ": a prefill entry's tokens (" +
                     std::to_string(e.tokens) +
                     ") must be a multiple of mini_batch_size (" +
                     std::to_string(m.miniBatch) + ")");
  const json &ls = j.contains("logits_shape") ? j["logits_shape"] : json();
  const std::string want = "[" + std::to_string(m.vocabSize) + "] or [" +
                           std::to_string(e.tokens) + ", " +
                           std::to_string(m.vocabSize) + "]";
  bool ok = ls.is_array() && (ls.size() == 1 || ls.size() == 2) &&
            std::all_of(ls.begin(), ls.end(), isInt);
  if (ok && ls.size() == 2)
    ok = ls[0].get<int64_t>() == e.tokens;
  if (!ok || ls.back().get<int64_t>() != m.vocabSize)
    return c.err(TTT_ERROR_FORMAT, where + ": \"logits_shape\" must be " +
                                       want + " (vocab_size " +
                                       std::to_string(m.vocabSize) + ")");
  e.allLogits = ls.size() == 2;
  return Error::ok();
}

Error parseEntries(const Ctx &c, const json &j, ModelManifest &m) {
  if (!j.contains("entries") || !j["entries"].is_array())
    return c.err(TTT_ERROR_FORMAT, "missing array \"entries\"");
  bool haveDecode = false;
  std::set<std::string> symbols;
  for (size_t i = 0; i < j["entries"].size(); ++i) {
    ModelEntry e;
    if (Error x = parseEntry(c, j["entries"][i], i, m, e))
      return x;
    if (!symbols.insert(e.symbol).second)
      return c.err(TTT_ERROR_FORMAT,
                   "duplicate entry symbol " + inQuotes(e.symbol));
    if (e.decode) {
      if (haveDecode)
        return c.err(TTT_ERROR_FORMAT, "more than one decode entry (" +
                                           inQuotes(m.decode.symbol) + ", " +
                                           inQuotes(e.symbol) + ")");
      haveDecode = true;
      m.decode = e;
      continue;
    }
    for (const ModelEntry &p : m.prefills)
      if (p.tokens == e.tokens)
        return c.err(TTT_ERROR_FORMAT, "two prefill entries of " +
                                           std::to_string(e.tokens) +
                                           " tokens (" + inQuotes(p.symbol) +
                                           ", " + inQuotes(e.symbol) + ")");
    m.prefills.push_back(e);
  }
  if (!haveDecode)
    return c.err(TTT_ERROR_FORMAT, "no decode entry (role \"decode\")");
  if (m.prefills.empty())
    return c.err(TTT_ERROR_FORMAT, "no prefill entry (role \"prefill\")");
  std::sort(m.prefills.begin(), m.prefills.end(),
            [](const ModelEntry &a, const ModelEntry &b) {
              return a.tokens > b.tokens;
            });
  return Error::ok();
}

Error parseTied(const Ctx &c, const json &j, ModelManifest &m) {
  if (!j.contains("tied"))
    return Error::ok();
  if (!j["tied"].is_object())
    return c.err(TTT_ERROR_FORMAT, "\"tied\" must be an object {name: "
                                   "weight name}");
  for (auto it = j["tied"].begin(); it != j["tied"].end(); ++it) {
    const std::string where = "tied " + inQuotes(it.key());
    if (it.key().empty() || !it.value().is_string())
      return c.err(TTT_ERROR_FORMAT, where + ": must name a weight");
    if (m.findWeight(it.key()) >= 0)
      return c.err(TTT_ERROR_FORMAT, where + " is also a weight");
    int w = m.findWeight(it.value().get<std::string>());
    if (w < 0)
      return c.err(TTT_ERROR_FORMAT,
                   where + ": no weight " +
                       inQuotes(it.value().get<std::string>()));
    m.tied[it.key()] = static_cast<size_t>(w);
  }
  return Error::ok();
}

/// Resolves each state's `init` (a weight of the same element count, or
/// "zeros").
Error resolveInits(const Ctx &c, ModelManifest &m,
                   const std::vector<std::string> &inits) {
  for (size_t i = 0; i < m.states.size(); ++i) {
    BlobTensor &s = m.states[i];
    if (inits[i] == "zeros")
      continue;
    const std::string where =
        "state " + inQuotes(s.name) + ": init " + inQuotes(inits[i]);
    s.init = m.findWeight(inits[i]);
    if (s.init < 0)
      return c.err(TTT_ERROR_FORMAT,
                   where + " is neither a weight nor \"zeros\"");
    if (m.weights[s.init].elems != s.elems)
      return c.err(TTT_ERROR_FORMAT,
                   where + " has " + std::to_string(m.weights[s.init].elems) +
                       " elements; the state has " + std::to_string(s.elems));
  }
  return Error::ok();
}

Error parseTop(const Ctx &c, const json &j, const std::string &path,
               ModelManifest &m) {
  if (!j.is_object())
    return c.err(TTT_ERROR_FORMAT, "the manifest must be a JSON object");
  if (!j.contains("format") || j["format"] != "ttt-artifact")
    return c.err(TTT_ERROR_FORMAT,
                 "not a ttt artifact manifest (\"format\" must be "
                 "\"ttt-artifact\")");
  if (!j.contains("version") || !isInt(j["version"]))
    return c.err(TTT_ERROR_FORMAT, "missing integer \"version\"");
  if (j["version"].get<int64_t>() != 1)
    return c.err(TTT_ERROR_VERSION,
                 "unsupported manifest version " +
                     std::to_string(j["version"].get<int64_t>()) +
                     " (this runtime reads version 1)");
  if (!j.contains("kind"))
    return c.err(TTT_ERROR_FORMAT,
                 "a layer artifact manifest (no \"kind\": \"model\"), not a "
                 "model; load it with ttt_artifact_load");
  if (j["kind"] != "model")
    return c.err(TTT_ERROR_FORMAT,
                 "unknown manifest kind " + j["kind"].dump() + " (\"model\")");

  if (!j.contains("target") || !j["target"].is_string())
    return c.err(TTT_ERROR_FORMAT, "missing \"target\"");
  m.target = j["target"].get<std::string>();
  if (m.target == "gpu")
    return c.err(TTT_ERROR_UNSUPPORTED,
                 "target \"gpu\" is not supported (\"cpu\" or \"cuda\")");
  if (m.target != "cpu" && m.target != "cuda")
    return c.err(TTT_ERROR_FORMAT, "unknown target " + inQuotes(m.target));
  std::string lib;
  if (Error e = stringField(c, j, "library", "", lib))
    return e;
  if (lib[0] == '/') {
    m.libraryPath = lib;
  } else { // relative to the manifest; a slash keeps dlopen from searching
    size_t slash = path.rfind('/');
    m.libraryPath =
        (slash != std::string::npos ? path.substr(0, slash + 1) : "./") + lib;
  }

  if (!j.contains("model") || !j["model"].is_object())
    return c.err(TTT_ERROR_FORMAT, "missing object \"model\"");
  if (Error e = intField(c, j["model"], "vocab_size", 1, INT32_MAX, "model",
                         m.vocabSize))
    return e;
  if (Error e = intField(c, j["model"], "mini_batch_size", 1, 1 << 20, "model",
                         m.miniBatch))
    return e;

  std::vector<std::string> inits;
  for (const char *key : {"weights", "states"}) {
    const bool state = key[0] == 's';
    if (!j.contains(key) || !j[key].is_array())
      return c.err(TTT_ERROR_FORMAT,
                   std::string("missing array \"") + key + "\"");
    for (size_t i = 0; i < j[key].size(); ++i) {
      BlobTensor t;
      std::string init;
      if (Error e = parseBlobTensor(c, j[key][i], state, i, t, init))
        return e;
      (state ? m.states : m.weights).push_back(std::move(t));
      if (state)
        inits.push_back(init);
    }
  }
  if (m.weights.empty())
    return c.err(TTT_ERROR_FORMAT, "\"weights\" is empty");
  if (Error e =
          intField(c, j, "weights_size", 1, kMaxBlobElems, "", m.weightsSize))
    return e;
  if (Error e =
          intField(c, j, "states_size", 1, kMaxBlobElems, "", m.statesSize))
    return e;
  if (Error e =
          checkBlob(c, m.weights, m.weightsSize, "weight", "weights_size"))
    return e;
  if (Error e = checkBlob(c, m.states, m.statesSize, "state", "states_size"))
    return e;
  if (Error e = resolveInits(c, m, inits))
    return e;
  if (Error e = parseTied(c, j, m))
    return e;
  return parseEntries(c, j, m);
}

} // namespace

int ModelManifest::findWeight(const std::string &name) const {
  for (size_t i = 0; i < weights.size(); ++i)
    if (weights[i].name == name)
      return static_cast<int>(i);
  return -1;
}

int ModelManifest::findState(const std::string &name) const {
  for (size_t i = 0; i < states.size(); ++i)
    if (states[i].name == name)
      return static_cast<int>(i);
  return -1;
}

int64_t ModelManifest::logitsElems() const {
  int64_t n = vocabSize;
  for (const ModelEntry &e : prefills)
    if (e.allLogits)
      n = std::max(n, e.tokens * vocabSize);
  return n;
}

Error parseModelManifest(const std::string &text, const std::string &path,
                         ModelManifest &out) {
  Ctx c{path};
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return c.err(TTT_ERROR_FORMAT,
                 "not valid JSON (truncated or garbage manifest)");
  ModelManifest m;
  m.path = path;
  try {
    if (Error e = parseTop(c, j, path, m))
      return e;
  } catch (const std::exception &ex) {
    // Type errors nlohmann reports, e.g. out-of-range integers.
    return c.err(TTT_ERROR_FORMAT,
                 std::string("invalid manifest: ") + ex.what());
  }
  out = std::move(m);
  return Error::ok();
}

Error loadModelManifest(const std::string &path, ModelManifest &out) {
  std::string text;
  if (Error e = readManifestFile(path, text))
    return e;
  return parseModelManifest(text, path, out);
}

} // namespace ttt::rt
