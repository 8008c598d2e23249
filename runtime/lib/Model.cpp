//===- Model.cpp - Load models and their weights; model queries -----------===//

#include "Model.h"
#include "Backend.h"

#include <dlfcn.h>

#include <new>

using namespace ttt::rt;

ttt_model::~ttt_model() {
  device.reset(); // calls into the library
  if (handle)
    dlclose(handle);
}

namespace ttt::rt {

Error loadModel(const std::string &path, ttt_model &m,
                const std::string &driverLibrary) {
  if (Error e = loadModelManifest(path, m.manifest))
    return e;
  const ModelManifest &mm = m.manifest;
  if (Error e = openLibrary(mm.path, mm.libraryPath, m.handle))
    return e;
  for (const ModelEntry &p : mm.prefills) {
    m.prefill.push_back(nullptr);
    if (Error e = findEntry(mm.path, mm.libraryPath, m.handle, p.symbol,
                            m.prefill.back()))
      return e;
  }
  if (Error e = findEntry(mm.path, mm.libraryPath, m.handle,
                          mm.decode.symbol, m.decode))
    return e;
  m.deviceName = "cpu";
  if (mm.target != "cuda")
    return Error::ok();
  if (Error e = openCudaModel(m, driverLibrary, m.device))
    return e;
  m.deviceName = m.device->describe();
  return Error::ok();
}

} // namespace ttt::rt

namespace {

/// Runs `fn`, turning exceptions into errors that start with `what`.
template <typename Fn> Error guarded(const std::string &what, Fn &&fn) {
  try {
    return fn();
  } catch (const std::bad_alloc &) {
    return makeError(TTT_ERROR_OUT_OF_MEMORY, what + ": out of memory");
  } catch (const std::exception &ex) {
    return makeError(TTT_ERROR_INTERNAL, what + ": " + ex.what());
  }
}

} // namespace

extern "C" {

ttt_status ttt_model_load(const char *path, ttt_model **out, ttt_error *err) {
  if (!out)
    return report(makeError(TTT_ERROR_ARGUMENT, "ttt_model_load: out is null"),
                  err);
  *out = nullptr;
  if (!path)
    return report(makeError(TTT_ERROR_ARGUMENT, "ttt_model_load: path is null"),
                  err);
  std::unique_ptr<ttt_model> m;
  Error e = guarded(path, [&] {
    m = std::make_unique<ttt_model>();
    return loadModel(path, *m);
  });
  if (!e)
    *out = m.release();
  return report(e, err);
}

ttt_status ttt_model_load_weights(ttt_model *m, const char *path,
                                  ttt_error *err) {
  if (!m || !path)
    return report(makeError(TTT_ERROR_ARGUMENT,
                            "ttt_model_load_weights: model or path is null"),
                  err);
  return report(guarded(path,
                        [&] {
                          std::vector<float> blob;
                          // A device model: `blob` is the host staging.
                          if (Error e =
                                  readModelWeights(m->manifest, path, blob))
                            return e;
                          if (m->device)
                            return m->device->uploadWeights(blob);
                          m->weights.swap(blob);
                          return Error::ok();
                        }),
                err);
}

void ttt_model_free(ttt_model *m) { delete m; }

int64_t ttt_model_vocab_size(const ttt_model *m) {
  return m ? m->manifest.vocabSize : 0;
}

int64_t ttt_model_mini_batch_size(const ttt_model *m) {
  return m ? m->manifest.miniBatch : 0;
}

int64_t ttt_model_state_size(const ttt_model *m, const char *name) {
  if (!m || !name)
    return -1;
  int i = m->manifest.findState(name);
  return i < 0 ? -1 : m->manifest.states[i].elems;
}

int ttt_model_has_weights(const ttt_model *m) { return m && m->hasWeights(); }

const char *ttt_model_target(const ttt_model *m) {
  return m ? m->manifest.target.c_str() : "";
}

const char *ttt_model_device(const ttt_model *m) {
  return m ? m->deviceName.c_str() : "";
}

} // extern "C"
