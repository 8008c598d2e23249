//===- Artifact.cpp - Load artifacts; status and dtype names --------------===//

#include "ElfCheck.h"
#include "Objects.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <new>

using namespace ttt::rt;

namespace ttt::rt {

ttt_status report(const Error &e, ttt_error *out) {
  if (out) {
    out->code = e.code;
    std::snprintf(out->message, sizeof(out->message), "%s", e.message.c_str());
  }
  return e.code;
}

} // namespace ttt::rt

namespace ttt::rt {
namespace {

/// The entry of a shared library, called with memref descriptors.
class CpuBackend : public Backend {
public:
  ~CpuBackend() override {
    if (handle)
      dlclose(handle);
  }
  const char *name() const override { return "cpu"; }
  bool splitsChains() const override { return true; }
  Error run(BackendState *, Span &span) const override {
    std::vector<MemRefDesc> desc(span.params.size());
    for (size_t i = 0; i < desc.size(); ++i)
      desc[i].set(span.params[i].data, span.params[i].sizes.data(),
                  span.params[i].sizes.size());
    callEntry(entry, desc);
    return Error::ok();
  }

  void *handle = nullptr; // dlopen handle
  EntryFn entry = nullptr;
};

} // namespace

Error openLibrary(const std::string &path, const std::string &library,
                  void *&handle) {
  handle = nullptr;
  struct stat st;
  if (stat(library.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return makeError(TTT_ERROR_LIBRARY,
                     path + ": library " + library + " not found");
  if (Error e = checkElf(library))
    return makeError(e.code, path + ": " + e.message);
  // RTLD_LOCAL: two artifacts may export the same entry name.
  handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return makeError(TTT_ERROR_LIBRARY,
                     path + ": cannot load library " + library + ": " +
                         (why ? why : "unknown dlopen error"));
  }
  return Error::ok();
}

Error findEntry(const std::string &path, const std::string &library,
                void *handle, const std::string &symbol, EntryFn &out) {
  dlerror();
  void *sym = dlsym(handle, symbol.c_str());
  if (!sym)
    return makeError(TTT_ERROR_ENTRY, path + ": entry symbol \"" + symbol +
                                          "\" not found in " + library);
  out = reinterpret_cast<EntryFn>(sym);
  return Error::ok();
}

Error loadCpuBackend(const Manifest &m, std::unique_ptr<Backend> &out) {
  auto b = std::make_unique<CpuBackend>();
  if (Error e = openLibrary(m.path, m.libraryPath, b->handle))
    return e;
  if (Error e = findEntry(m.path, m.libraryPath, b->handle, m.entry, b->entry))
    return e;
  out = std::move(b);
  return Error::ok();
}

} // namespace ttt::rt

extern "C" {

const char *ttt_status_name(ttt_status s) {
  switch (s) {
  case TTT_OK:
    return "TTT_OK";
  case TTT_ERROR_IO:
    return "TTT_ERROR_IO";
  case TTT_ERROR_FORMAT:
    return "TTT_ERROR_FORMAT";
  case TTT_ERROR_VERSION:
    return "TTT_ERROR_VERSION";
  case TTT_ERROR_LIBRARY:
    return "TTT_ERROR_LIBRARY";
  case TTT_ERROR_ENTRY:
    return "TTT_ERROR_ENTRY";
  case TTT_ERROR_SHAPE:
    return "TTT_ERROR_SHAPE";
  case TTT_ERROR_DTYPE:
    return "TTT_ERROR_DTYPE";
  case TTT_ERROR_ARGUMENT:
    return "TTT_ERROR_ARGUMENT";
  case TTT_ERROR_UNSUPPORTED:
    return "TTT_ERROR_UNSUPPORTED";
  case TTT_ERROR_NO_DEVICE:
    return "TTT_ERROR_NO_DEVICE";
  case TTT_ERROR_OUT_OF_MEMORY:
    return "TTT_ERROR_OUT_OF_MEMORY";
  case TTT_ERROR_INTERNAL:
    return "TTT_ERROR_INTERNAL";
  }
  return "TTT_ERROR_UNKNOWN";
}

const char *ttt_dtype_name(ttt_dtype t) {
  switch (t) {
  case TTT_DTYPE_F32:
    return "f32";
  case TTT_DTYPE_F64:
    return "f64";
  case TTT_DTYPE_BF16:
    return "bf16";
  }
  return "unknown";
}

size_t ttt_dtype_size(ttt_dtype t) {
  switch (t) {
  case TTT_DTYPE_F32:
    return 4;
  case TTT_DTYPE_F64:
    return 8;
  case TTT_DTYPE_BF16:
    return 2;
  }
  return 0;
}

ttt_status ttt_artifact_load(const char *path, ttt_artifact **out,
                             ttt_error *err) {
  if (!out)
    return report(makeError(TTT_ERROR_ARGUMENT, "ttt_artifact_load: out is "
                                                "null"),
                  err);
  *out = nullptr;
  if (!path)
    return report(
        makeError(TTT_ERROR_ARGUMENT, "ttt_artifact_load: path is null"), err);
  try {
    auto a = std::make_unique<ttt_artifact>();
    if (Error e = loadManifest(path, a->manifest))
      return report(e, err);
    const Manifest &m = a->manifest;
    if (Error e = m.target == "cuda" ? loadCudaBackend(m, a->backend)
                                     : loadCpuBackend(m, a->backend))
      return report(e, err);
    for (size_t i = 0; i < m.args.size(); ++i)
      a->byRole[m.args[i].role].push_back(i);
    for (size_t i = 0; i < m.results.size(); ++i)
      if (m.results[i].role == TTT_ROLE_OUTPUT)
        a->byRole[TTT_ROLE_OUTPUT].push_back(i);
    *out = a.release();
    return report(Error::ok(), err);
  } catch (const std::bad_alloc &) {
    return report(makeError(TTT_ERROR_OUT_OF_MEMORY,
                            std::string(path) + ": out of memory"),
                  err);
  } catch (const std::exception &ex) {
    return report(
        makeError(TTT_ERROR_INTERNAL, std::string(path) + ": " + ex.what()),
        err);
  }
}

void ttt_artifact_free(ttt_artifact *a) { delete a; }

const char *ttt_artifact_target(const ttt_artifact *a) {
  return a ? a->manifest.target.c_str() : "";
}

ttt_status ttt_device_probe(const char *device, char *info, size_t info_size,
                            ttt_error *err) {
  if (info && info_size)
    info[0] = 0;
  if (!device)
    return report(
        makeError(TTT_ERROR_ARGUMENT, "ttt_device_probe: device is null"),
        err);
  try {
    std::string text;
    if (Error e = probeDevice(device, text))
      return report(e, err);
    if (info && info_size)
      std::snprintf(info, info_size, "%s", text.c_str());
    return report(Error::ok(), err);
  } catch (const std::exception &ex) {
    return report(makeError(TTT_ERROR_INTERNAL,
                            std::string("ttt_device_probe: ") + ex.what()),
                  err);
  }
}

int64_t ttt_artifact_chunk_size(const ttt_artifact *a) {
  return a ? a->manifest.chunkSize : 0;
}

int32_t ttt_artifact_chain_rank(const ttt_artifact *a) {
  return a ? a->manifest.chainRank : 0;
}

size_t ttt_artifact_count(const ttt_artifact *a, ttt_role role) {
  if (!a || role < TTT_ROLE_SEQUENCE || role > TTT_ROLE_OUTPUT)
    return 0;
  return a->byRole[role].size();
}

ttt_status ttt_artifact_info(const ttt_artifact *a, ttt_role role, size_t i,
                             ttt_arg_info *out) {
  if (!a || !out || role < TTT_ROLE_SEQUENCE || role > TTT_ROLE_OUTPUT ||
      i >= a->byRole[role].size())
    return TTT_ERROR_ARGUMENT;
  const ParamSpec &p = role == TTT_ROLE_OUTPUT
                           ? a->manifest.results[a->byRole[role][i]]
                           : a->manifest.args[a->byRole[role][i]];
  out->name = p.name.c_str();
  out->role = role;
  out->dtype = p.dtype;
  out->rank = static_cast<int32_t>(p.shape.size());
  out->shape = p.shape.data();
  out->result_name = role == TTT_ROLE_STATE
                         ? a->manifest.results[p.pair].name.c_str()
                         : nullptr;
  return TTT_OK;
}

} // extern "C"
