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

ttt_artifact::~ttt_artifact() {
  if (handle)
    dlclose(handle);
}

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
    struct stat st;
    if (stat(m.libraryPath.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      return report(
          makeError(TTT_ERROR_LIBRARY, std::string(path) + ": library " +
                                           m.libraryPath + " not found"),
          err);
    if (Error e = checkElf(m.libraryPath))
      return report(makeError(e.code, std::string(path) + ": " + e.message),
                    err);
    // RTLD_LOCAL: two artifacts may export the same entry name.
    a->handle = dlopen(m.libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!a->handle) {
      const char *why = dlerror();
      return report(makeError(TTT_ERROR_LIBRARY,
                              std::string(path) + ": cannot load library " +
                                  m.libraryPath + ": " +
                                  (why ? why : "unknown dlopen error")),
                    err);
    }
    dlerror();
    void *sym = dlsym(a->handle, m.entry.c_str());
    if (!sym)
      return report(makeError(TTT_ERROR_ENTRY,
                              std::string(path) + ": entry symbol \"" +
                                  m.entry + "\" not found in " + m.libraryPath),
                    err);
    a->entry = reinterpret_cast<EntryFn>(sym);
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
