//===- Manifest.cpp - Parse and validate artifact manifests ---------------===//

#include "Manifest.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

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

Error parseDType(const Ctx &c, const json &j, const std::string &where,
                 ttt_dtype &out) {
  if (!j.is_string())
    return c.err(TTT_ERROR_FORMAT, where + ": \"dtype\" must be a string");
  const std::string s = j.get<std::string>();
  if (s == "f32")
    out = TTT_DTYPE_F32;
  else if (s == "f64")
    out = TTT_DTYPE_F64;
  else if (s == "bf16")
    out = TTT_DTYPE_BF16;
  else
    return c.err(TTT_ERROR_DTYPE, where + ": unknown dtype \"" + s + "\"");
  return Error::ok();
}

Error parseShape(const Ctx &c, const json &j, const std::string &where,
                 std::vector<int64_t> &out) {
  if (!j.is_array())
    return c.err(TTT_ERROR_FORMAT, where + ": \"shape\" must be an array");
  for (const json &d : j) {
    if (!isInt(d) || (d.get<int64_t>() < 1 && d.get<int64_t>() != -1))
      return c.err(TTT_ERROR_FORMAT,
                   where + ": shape dims must be integers >= 1 or -1");
    out.push_back(d.get<int64_t>());
  }
  if (out.size() > 16)
    return c.err(TTT_ERROR_UNSUPPORTED, where + ": rank over 16");
  return Error::ok();
}

/// Checks the layout rules of one parameter given its role.
Error checkLayout(const Ctx &c, const ParamSpec &p, int32_t chainRank,
                  const std::string &where) {
  const size_t rank = p.shape.size();
  const size_t cr = static_cast<size_t>(chainRank);
  switch (p.role) {
  case TTT_ROLE_SEQUENCE:
  case TTT_ROLE_OUTPUT:
    if (rank < cr + 1)
      return c.err(TTT_ERROR_FORMAT,
                   where + ": a sequence needs chain_rank + 1 dims at least");
    if (p.shape[cr] != -1)
      return c.err(TTT_ERROR_UNSUPPORTED,
                   where + ": the token axis must be dynamic (-1)");
    // The runtime buffers tokens and allocates outputs, so it must know
    // the feature dims before seeing any array.
    for (size_t i = cr + 1; i < rank; ++i)
      if (p.shape[i] == -1)
        return c.err(TTT_ERROR_UNSUPPORTED,
                     where + ": feature dims of a sequence must be static");
    return Error::ok();
  case TTT_ROLE_STATE:
  case TTT_ROLE_PARAM:
    if (rank < cr)
      return c.err(TTT_ERROR_FORMAT,
                   where + ": needs chain_rank dims at least");
    return Error::ok();
  case TTT_ROLE_SHARED:
    return Error::ok();
  }
  return Error::ok();
}

Error parseParam(const Ctx &c, const json &j, bool isResult, size_t index,
                 int32_t chainRank, ParamSpec &p) {
  std::string where = std::string(isResult ? "results[" : "args[") +
                      std::to_string(index) + "]";
  if (!j.is_object())
    return c.err(TTT_ERROR_FORMAT, where + " must be an object");
  if (!j.contains("name") || !j["name"].is_string() ||
      j["name"].get<std::string>().empty())
    return c.err(TTT_ERROR_FORMAT, where + ": missing \"name\"");
  p.name = j["name"].get<std::string>();
  where += " (\"" + p.name + "\")";

  if (!j.contains("kind") || !j["kind"].is_string())
    return c.err(TTT_ERROR_FORMAT, where + ": missing \"kind\"");
  const std::string kind = j["kind"].get<std::string>();
  if (kind == "sequence")
    p.role = isResult ? TTT_ROLE_OUTPUT : TTT_ROLE_SEQUENCE;
  else if (kind == "state")
    p.role = TTT_ROLE_STATE;
  else if (kind == "param" && !isResult)
    p.role = TTT_ROLE_PARAM;
  else if (kind == "shared" && !isResult)
    p.role = TTT_ROLE_SHARED;
  else
    return c.err(TTT_ERROR_FORMAT, where + ": unknown " +
                                       (isResult ? "result " : "") + "kind \"" +
                                       kind + "\"");

  if (!j.contains("dtype"))
    return c.err(TTT_ERROR_FORMAT, where + ": missing \"dtype\"");
  if (Error e = parseDType(c, j["dtype"], where, p.dtype))
    return e;
  if (!j.contains("shape"))
    return c.err(TTT_ERROR_FORMAT, where + ": missing \"shape\"");
  if (Error e = parseShape(c, j["shape"], where, p.shape))
    return e;
  if (Error e = checkLayout(c, p, chainRank, where))
    return e;

  const char *pairKey = isResult ? "result" : "arg";
  const char *ownKey = isResult ? "arg" : "result";
  if (j.contains(pairKey))
    return c.err(TTT_ERROR_FORMAT,
                 where + ": unexpected \"" + std::string(pairKey) + "\"");
  if (p.role == TTT_ROLE_STATE) {
    if (!j.contains(ownKey) || !isInt(j[ownKey]))
      return c.err(TTT_ERROR_FORMAT, where + ": a state needs an integer \"" +
                                         ownKey + "\" index");
    const int64_t v = j[ownKey].get<int64_t>();
    if (v < 0 || v > 1000)
      return c.err(TTT_ERROR_FORMAT, where + ": \"" + std::string(ownKey) +
                                         "\" index out of range");
    p.pair = static_cast<int>(v);
  } else if (j.contains(ownKey)) {
    return c.err(TTT_ERROR_FORMAT,
                 where + ": only a state has \"" + std::string(ownKey) + "\"");
  }
  return Error::ok();
}

Error checkPairs(const Ctx &c, const Manifest &m) {
  for (size_t i = 0; i < m.args.size(); ++i) {
    const ParamSpec &a = m.args[i];
    if (a.role != TTT_ROLE_STATE)
      continue;
    std::string where = "state \"" + a.name + "\"";
    if (a.pair < 0 || static_cast<size_t>(a.pair) >= m.results.size())
      return c.err(TTT_ERROR_FORMAT,
                   where + ": \"result\" index names no result");
    const ParamSpec &r = m.results[a.pair];
    if (r.role != TTT_ROLE_STATE || r.pair != static_cast<int>(i))
      return c.err(TTT_ERROR_FORMAT,
                   where + ": state pair mismatch (result \"" + r.name +
                       "\" does not point back to arg " + std::to_string(i) +
                       ")");
    if (r.shape != a.shape || r.dtype != a.dtype)
      return c.err(TTT_ERROR_FORMAT,
                   where + ": state pair mismatch (result \"" + r.name +
                       "\" has another shape or dtype)");
  }
  for (const ParamSpec &r : m.results)
    if (r.role == TTT_ROLE_STATE &&
        (r.pair < 0 || static_cast<size_t>(r.pair) >= m.args.size() ||
         m.args[r.pair].role != TTT_ROLE_STATE))
      return c.err(TTT_ERROR_FORMAT, "state result \"" + r.name +
                                         "\": state pair mismatch (\"arg\" "
                                         "names no state argument)");
  return Error::ok();
}

/// Every chain array must agree on each static chain dim.
/// Calls `visit` on every arg, then every result; stops at the first error.
template <typename Fn> Error forEachParam(const Manifest &m, Fn &&visit) {
  for (const ParamSpec &p : m.args)
    if (Error e = visit(p))
      return e;
  for (const ParamSpec &p : m.results)
    if (Error e = visit(p))
      return e;
  return Error::ok();
}

Error collectChainDims(const Ctx &c, Manifest &m) {
  m.chainDims.assign(m.chainRank, -1);
  auto visit = [&](const ParamSpec &p) -> Error {
    if (p.role == TTT_ROLE_SHARED)
      return Error::ok();
    for (int32_t i = 0; i < m.chainRank; ++i) {
      int64_t d = p.shape[i];
      if (d == -1)
        continue;
      if (m.chainDims[i] != -1 && m.chainDims[i] != d)
        return c.err(TTT_ERROR_FORMAT,
                     "\"" + p.name + "\": chain dim " + std::to_string(i) +
                         " disagrees with the other chain arrays");
      m.chainDims[i] = d;
    }
    return Error::ok();
  };
  return forEachParam(m, visit);
}

/// The launch shape of a cuda artifact:
///   "launch": {"grid": "chains" | [x, y, z], "block": [x, y, z],
///              "shared_bytes": N, "blocks_per_chain": n}
/// (arrays of 1 to 3 dims, missing trailing dims are 1; blocks_per_chain,
/// 1 to 8, only with "chains": the grid is chains x n).
Error parseLaunch(const Ctx &c, const json &j, Manifest &m) {
  if (!j.contains("launch") || !j["launch"].is_object())
    return c.err(TTT_ERROR_FORMAT, "missing object \"launch\" (a cuda "
                                   "artifact gives its grid and block)");
  const json &l = j["launch"];
  for (auto it = l.begin(); it != l.end(); ++it)
    if (it.key() != "grid" && it.key() != "block" &&
        it.key() != "shared_bytes" && it.key() != "blocks_per_chain" &&
        it.key() != "cluster")
      return c.err(TTT_ERROR_FORMAT,
                   "launch: unknown field \"" + it.key() + "\"");
  auto dims = [&](const char *key, const int64_t(&max)[3],
                  std::vector<int64_t> &out) -> Error {
    const json &a = l[key];
    if (!a.is_array() || a.empty() || a.size() > 3)
      return c.err(TTT_ERROR_FORMAT, std::string("launch: \"") + key +
                                         "\" must be an array of 1 to 3 "
                                         "integers");
    for (size_t i = 0; i < a.size(); ++i) {
      if (!isInt(a[i]) || a[i].get<int64_t>() < 1 ||
          a[i].get<int64_t>() > max[i])
        return c.err(TTT_ERROR_FORMAT, std::string("launch: \"") + key +
                                           "\" dim " + std::to_string(i) +
                                           " must be an integer in [1, " +
                                           std::to_string(max[i]) + "]");
      out.push_back(a[i].get<int64_t>());
    }
    out.resize(3, 1);
    return Error::ok();
  };
  if (!l.contains("grid"))
    return c.err(TTT_ERROR_FORMAT, "launch: missing \"grid\" (\"chains\" "
                                   "or [x, y, z])");
  if (l["grid"].is_string()) {
    if (l["grid"] != "chains")
      return c.err(TTT_ERROR_FORMAT,
                   "launch: \"grid\" must be \"chains\" or [x, y, z]");
  } else if (Error e =
                 dims("grid", {(int64_t(1) << 31) - 1, 65535, 65535}, m.grid)) {
    return e;
  }
  if (!l.contains("block"))
    return c.err(TTT_ERROR_FORMAT, "launch: missing \"block\" ([x, y, z])");
  std::vector<int64_t> block;
  if (Error e = dims("block", {1024, 1024, 64}, block))
    return e;
  if (block[0] * block[1] * block[2] > 1024)
    return c.err(TTT_ERROR_FORMAT,
                 "launch: a block of " +
                     std::to_string(block[0] * block[1] * block[2]) +
                     " threads; at most 1024");
  for (int i = 0; i < 3; ++i)
    m.block[i] = block[i];
  if (l.contains("shared_bytes")) {
    const json &sb = l["shared_bytes"];
    if (!isInt(sb) || sb.get<int64_t>() < 0 ||
        sb.get<int64_t>() > (int64_t(1) << 20))
      return c.err(TTT_ERROR_FORMAT, "launch: \"shared_bytes\" must be an "
                                     "integer in [0, 2^20]");
    m.sharedBytes = sb.get<int64_t>();
  }
  if (l.contains("blocks_per_chain")) {
    const json &n = l["blocks_per_chain"];
    if (!isInt(n) || n.get<int64_t>() < 1 || n.get<int64_t>() > 8)
      return c.err(TTT_ERROR_FORMAT, "launch: \"blocks_per_chain\" must be "
                                     "an integer in [1, 8]");
    if (!m.grid.empty() && n.get<int64_t>() != 1)
      return c.err(TTT_ERROR_FORMAT, "launch: \"blocks_per_chain\" needs "
                                     "\"grid\": \"chains\"");
    m.blocksPerChain = n.get<int64_t>();
  }
  return Error::ok();
}

/// One kernel of a cluster of blocks per chain:
///   {"module": F, "kernel": K, "block": [x, y, z], "shared_bytes": N,
///    "blocks_per_chain": 2..8}
/// `resolve` makes F relative to the manifest's directory.
template <typename Resolve>
Error parseClusterKernel(const Ctx &c, const json &k, const std::string &where,
                         Resolve resolve, Manifest::ClusterKernel &ck) {
  auto bad = [&](const std::string &what) {
    return c.err(TTT_ERROR_FORMAT, "launch: " + where + ": " + what);
  };
  if (!k.is_object())
    return bad("must be an object");
  for (auto it = k.begin(); it != k.end(); ++it)
    if (it.key() != "module" && it.key() != "kernel" && it.key() != "block" &&
        it.key() != "shared_bytes" && it.key() != "blocks_per_chain")
      return bad("unknown field \"" + it.key() + "\"");
  for (const char *key : {"module", "kernel"})
    if (!k.contains(key) || !k[key].is_string() ||
        k[key].get<std::string>().empty())
      return bad(std::string("missing string \"") + key + "\"");
  ck.modulePath = resolve(k["module"].get<std::string>());
  ck.kernel = k["kernel"].get<std::string>();
  const std::string &mp = ck.modulePath;
  if (!(mp.size() > 4 && mp.compare(mp.size() - 4, 4, ".ptx") == 0) &&
      !(mp.size() > 6 && mp.compare(mp.size() - 6, 6, ".cubin") == 0))
    return bad("\"module\" must be a .ptx or .cubin file");
  if (!k.contains("block") || !k["block"].is_array() || k["block"].empty() ||
      k["block"].size() > 3)
    return bad("\"block\" must be an array of 1 to 3 integers");
  int64_t threads = 1;
  for (size_t i = 0; i < k["block"].size(); ++i) {
    const json &d = k["block"][i];
    if (!isInt(d) || d.get<int64_t>() < 1 || d.get<int64_t>() > 1024)
      return bad("\"block\" dims must be integers in [1, 1024]");
    ck.block[i] = d.get<int64_t>();
    threads *= ck.block[i];
  }
  if (threads > 1024)
    return bad("a block of " + std::to_string(threads) +
               " threads; at most 1024");
  if (!k.contains("shared_bytes") || !isInt(k["shared_bytes"]) ||
      k["shared_bytes"].get<int64_t>() < 0 ||
      k["shared_bytes"].get<int64_t>() > (int64_t(1) << 20))
    return bad("\"shared_bytes\" must be an integer in [0, 2^20]");
  ck.sharedBytes = k["shared_bytes"].get<int64_t>();
  if (!k.contains("blocks_per_chain") || !isInt(k["blocks_per_chain"]) ||
      k["blocks_per_chain"].get<int64_t>() < 2 ||
      k["blocks_per_chain"].get<int64_t>() > 8)
    return bad("\"blocks_per_chain\" must be an integer in [2, 8]");
  ck.blocksPerChain = k["blocks_per_chain"].get<int64_t>();
  return Error::ok();
}

/// The optional kernels of a cuda artifact that run a cluster of blocks
/// per chain: "cluster" is one (an object) or several (an array of 1 to 4,
/// each with fewer blocks per chain than the one before).
template <typename Resolve>
Error parseClusterKernels(const Ctx &c, const json &l, Resolve resolve,
                          Manifest &m) {
  if (!l.contains("cluster"))
    return Error::ok();
  const json &k = l["cluster"];
  auto bad = [&](const std::string &what) {
    return c.err(TTT_ERROR_FORMAT, "launch: \"cluster\": " + what);
  };
  std::vector<Manifest::ClusterKernel> kernels;
  if (k.is_array()) {
    if (k.empty() || k.size() > 4)
      return bad("an array must hold 1 to 4 kernels");
    for (size_t i = 0; i < k.size(); ++i) {
      Manifest::ClusterKernel ck;
      if (Error e = parseClusterKernel(
              c, k[i], "\"cluster\"[" + std::to_string(i) + "]", resolve, ck))
        return e;
      if (!kernels.empty() &&
          ck.blocksPerChain >= kernels.back().blocksPerChain)
        return bad("each kernel must have fewer \"blocks_per_chain\" than "
                   "the one before");
      kernels.push_back(std::move(ck));
    }
  } else {
    Manifest::ClusterKernel ck;
    if (Error e = parseClusterKernel(c, k, "\"cluster\"", resolve, ck))
      return e;
    kernels.push_back(std::move(ck));
  }
  if (!m.grid.empty())
    return bad("needs \"grid\": \"chains\"");
  m.clusters = std::move(kernels);
  return Error::ok();
}

/// A kernel is told T and the number of chains only, so every other dim
/// must be known from the manifest.
Error checkStaticForCuda(const Ctx &c, const Manifest &m) {
  auto visit = [&](const ParamSpec &p) -> Error {
    size_t cr = p.role == TTT_ROLE_SHARED ? 0 : size_t(m.chainRank);
    bool seq = p.role == TTT_ROLE_SEQUENCE || p.role == TTT_ROLE_OUTPUT;
    for (size_t i = cr + (seq ? 1 : 0); i < p.shape.size(); ++i)
      if (p.shape[i] == -1)
        return c.err(TTT_ERROR_UNSUPPORTED,
                     "\"" + p.name + "\": dim " + std::to_string(i) +
                         " is dynamic; a cuda artifact needs every dim but "
                         "the chain dims and T static");
    return Error::ok();
  };
  return forEachParam(m, visit);
}

Error parseTop(const Ctx &c, const json &j, const std::string &path,
               Manifest &m) {
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
  // Layer artifacts have no "kind"; models (docs/MODEL.md) have their own
  // loader.
  if (j.contains("kind"))
    return c.err(TTT_ERROR_FORMAT,
                 j["kind"] == "model"
                     ? "a model manifest (\"kind\": \"model\"), not a layer "
                       "artifact; load it with ttt_model_load"
                     : "unknown manifest kind " + j["kind"].dump());

  if (!j.contains("target") || !j["target"].is_string())
    return c.err(TTT_ERROR_FORMAT, "missing \"target\"");
  m.target = j["target"].get<std::string>();
  if (m.target == "gpu")
    return c.err(TTT_ERROR_UNSUPPORTED, "target \"gpu\" is not supported "
                                        "(use \"cpu\" or \"cuda\")");
  if (m.target != "cpu" && m.target != "cuda")
    return c.err(TTT_ERROR_FORMAT, "unknown target \"" + m.target + "\"");

  // Files are relative to the manifest's directory; a path with a slash
  // keeps dlopen from searching the library path instead.
  auto resolve = [&](std::string f) {
    if (f[0] == '/')
      return f;
    size_t slash = path.rfind('/');
    return (slash != std::string::npos ? path.substr(0, slash + 1) : "./") + f;
  };
  const bool cuda = m.target == "cuda";
  const char *cpuKeys[] = {"library", "entry"};
  const char *cudaKeys[] = {"module", "kernel"};
  for (const char *key : cuda ? cudaKeys : cpuKeys)
    if (!j.contains(key) || !j[key].is_string() ||
        j[key].get<std::string>().empty())
      return c.err(TTT_ERROR_FORMAT,
                   std::string("missing string \"") + key + "\"" +
                       (cuda ? " (a cuda artifact names its module and "
                               "kernel)"
                             : ""));
  if (cuda) {
    m.modulePath = resolve(j["module"].get<std::string>());
    m.kernel = j["kernel"].get<std::string>();
    const std::string &mp = m.modulePath;
    bool known = false;
    for (const char *ext : {".ptx", ".cubin", ".fatbin"}) {
      size_t n = std::char_traits<char>::length(ext);
      known =
          known || (mp.size() > n && mp.compare(mp.size() - n, n, ext) == 0);
    }
    if (!known)
      return c.err(TTT_ERROR_FORMAT, "\"module\" must be a .ptx, .cubin or "
                                     ".fatbin file");
    if (Error e = parseLaunch(c, j, m))
      return e;
    if (Error e = parseClusterKernels(c, j["launch"], resolve, m))
      return e;
  } else {
    m.libraryPath = resolve(j["library"].get<std::string>());
    m.entry = j["entry"].get<std::string>();
  }

  if (!j.contains("chunk_size") || !isInt(j["chunk_size"]) ||
      j["chunk_size"].get<int64_t>() < 1 ||
      j["chunk_size"].get<int64_t>() > (1 << 20))
    return c.err(TTT_ERROR_FORMAT,
                 "\"chunk_size\" must be an integer in [1, 2^20]");
  m.chunkSize = j["chunk_size"].get<int64_t>();
  if (!j.contains("chain_rank") || !isInt(j["chain_rank"]) ||
      j["chain_rank"].get<int64_t>() < 0 || j["chain_rank"].get<int64_t>() > 8)
    return c.err(TTT_ERROR_FORMAT,
                 "\"chain_rank\" must be an integer in [0, 8]");
  m.chainRank = static_cast<int32_t>(j["chain_rank"].get<int64_t>());

  for (const char *key : {"args", "results"})
    if (!j.contains(key) || !j[key].is_array())
      return c.err(TTT_ERROR_FORMAT,
                   std::string("missing array \"") + key + "\"");
  const json &args = j["args"], &results = j["results"];
  if (args.size() + results.size() > kMaxEntryParams)
    return c.err(TTT_ERROR_UNSUPPORTED,
                 "the entry has " +
                     std::to_string(args.size() + results.size()) +
                     " parameters; at most " + std::to_string(kMaxEntryParams) +
                     " are supported");
  std::set<std::string> names;
  for (size_t i = 0; i < args.size() + results.size(); ++i) {
    bool isResult = i >= args.size();
    size_t k = isResult ? i - args.size() : i;
    ParamSpec p;
    if (Error e = parseParam(c, isResult ? results[k] : args[k], isResult, k,
                             m.chainRank, p))
      return e;
    if (!names.insert(p.name).second)
      return c.err(TTT_ERROR_FORMAT, "duplicate name \"" + p.name + "\"");
    (isResult ? m.results : m.args).push_back(std::move(p));
  }
  if (Error e = checkPairs(c, m))
    return e;
  if (m.target == "cuda")
    if (Error e = checkStaticForCuda(c, m))
      return e;
  return collectChainDims(c, m);
}

} // namespace

Error parseManifest(const std::string &text, const std::string &path,
                    Manifest &out) {
  Ctx c{path};
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return c.err(TTT_ERROR_FORMAT,
                 "not valid JSON (truncated or garbage manifest)");
  Manifest m;
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

int clusterFor(const std::vector<Manifest::ClusterKernel> &clusters,
               int64_t chains, int64_t multiprocessors) {
  for (size_t i = 0; i < clusters.size(); ++i)
    if (chains * clusters[i].blocksPerChain <= multiprocessors)
      return static_cast<int>(i);
  return -1;
}

Error readManifestFile(const std::string &path, std::string &text) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return makeError(TTT_ERROR_IO, path + ": cannot open the manifest");
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad())
    return makeError(TTT_ERROR_IO, path + ": cannot read the manifest");
  text = ss.str();
  return Error::ok();
}

Error loadManifest(const std::string &path, Manifest &out) {
  std::string text;
  if (Error e = readManifestFile(path, text))
    return e;
  return parseManifest(text, path, out);
}

} // namespace ttt::rt
