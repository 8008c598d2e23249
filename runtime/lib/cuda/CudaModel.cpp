//===- CudaModel.cpp - Models of target cuda: blobs in device memory ------===//
//
// A cuda model's library is host code whose entries take a device pointer
// for every array but `position` (docs/MODEL.md, "GPU models"). The weight
// blob is uploaded at ttt_model_load_weights (read into a host staging
// blob first); each sequence has its two state blobs and its logits on the
// device, initialised there (zeros, then copies of the init weights from
// the device blob). Per step only the step's tokens are copied in; the
// last logits come back once per sequence and call. After every entry call
// the library's ttt_gpu_shim_take_error() tells whether it failed; a
// failed call does not swap the state blobs.
//
// Sequences run one after the other on the calling thread (the GPU work is
// serialized anyway), the primary context made current on it first.
// Copies go through the session's non-blocking stream and are waited for
// before the entry runs (its own streams do not order after ours).
//
//===----------------------------------------------------------------------===//

#include "../Model.h"
#include "CudaDriver.h"

#include <dlfcn.h>

namespace ttt::rt {
namespace {

using namespace cuda;

/// Element `elem` (of `elemBytes` bytes) of a device array, as an entry
/// argument.
void *devicePtr(CUdeviceptr p, int64_t elem = 0, size_t elemBytes = 4) {
  return reinterpret_cast<void *>(
      static_cast<uintptr_t>(p + static_cast<CUdeviceptr>(elem) * elemBytes));
}

Error prefixed(const std::string &what, Error e) {
  e.message = what + e.message;
  return e;
}

class CudaModel : public DeviceModel {
public:
  ~CudaModel() override {
    if (!drv || drv->makeCurrent())
      return;
    if (releasePool)
      releasePool();
    weights.reset();
    if (stream)
      drv->api().cuStreamDestroy(stream);
  }
  std::string describe() const override { return drv->info().describe(); }
  bool hasWeights() const override { return weights.capacity() != 0; }

  Error uploadWeights(const std::vector<float> &blob) override {
    if (Error e = drv->makeCurrent())
      return e;
    const size_t bytes = blob.size() * sizeof(float);
    DeviceBuffer fresh(drv.get());
    if (Error e = fresh.reserve(bytes))
      return prefixed("cuda: weight blob: ", e);
    if (Error e = drv->check(
            drv->api().cuMemcpyHtoDAsync(fresh.ptr(), blob.data(), bytes,
                                         stream),
            "cuda: copy of the weight blob to the device"))
      return e;
    if (Error e = drv->check(drv->api().cuStreamSynchronize(stream),
                             "cuda: copy of the weight blob to the device"))
      return e;
    weights = std::move(fresh);
    return Error::ok();
  }

  Error createSession(int64_t batch,
                      std::unique_ptr<DeviceSession> &out) const override;

  std::unique_ptr<CudaDriver> drv; // destroyed last
  const ttt_model *model = nullptr;
  const char *(*takeError)() = nullptr;
  void (*releasePool)() = nullptr;
  CUstream stream = nullptr; // uploads
  DeviceBuffer weights;
};

class CudaSession : public DeviceSession {
public:
  explicit CudaSession(const CudaModel &cm)
      : cm(cm), drv(*cm.drv), m(cm.model->manifest) {}
  ~CudaSession() override {
    if (drv.makeCurrent())
      return;
    if (stream) {
      drv.api().cuStreamSynchronize(stream);
      drv.api().cuStreamDestroy(stream);
    }
    tokens.reset();
    seqs.clear();
  }

  struct Seq {
    DeviceBuffer blob[2], logits; // blob[cur] holds the states
    int cur = 0;
    int64_t lastRow = 0; // where the last logits start in `logits`
  };

  size_t deviceBytes() const override {
    size_t n = tokens.capacity();
    for (const Seq &q : seqs)
      n += q.blob[0].capacity() + q.blob[1].capacity() + q.logits.capacity();
    return n;
  }

  /// Waits for the copies on the session's stream.
  Error sync(const std::string &what) const {
    return drv.check(drv.api().cuStreamSynchronize(stream), what);
  }

  Error reset() override {
    if (Error e = drv.makeCurrent())
      return e;
    const DriverApi &api = drv.api();
    const size_t bytes = static_cast<size_t>(m.statesSize) * sizeof(float);
    for (Seq &q : seqs) {
      CUresult r = api.cuMemsetD8Async(q.blob[0].ptr(), 0, bytes, stream);
      for (const BlobTensor &t : m.states)
        if (r == CUDA_SUCCESS && t.init >= 0)
          r = api.cuMemcpyDtoDAsync(
              q.blob[0].ptr() + t.offset * sizeof(float),
              cm.weights.ptr() + m.weights[t.init].offset * sizeof(float),
              t.elems * sizeof(float), stream);
      // Both halves: an element no entry writes keeps its init value.
      if (r == CUDA_SUCCESS)
        r = api.cuMemcpyDtoDAsync(q.blob[1].ptr(), q.blob[0].ptr(), bytes,
                                  stream);
      if (Error e = drv.check(r, "cuda: initialising the states"))
        return e;
      q.cur = 0;
      q.lastRow = 0;
    }
    return sync("cuda: initialising the states");
  }

  /// After an entry call: the library's error, else the blobs swap.
  Error called(const ModelEntry &e, Seq &q, int64_t lastRow) {
    if (const char *why = cm.takeError()) {
      const std::string msg = why;
      return makeError(msg.find("CUDA_ERROR_OUT_OF_MEMORY") != msg.npos
                           ? TTT_ERROR_OUT_OF_MEMORY
                           : TTT_ERROR_INTERNAL,
                       "cuda: entry \"" + e.symbol + "\" failed: " + msg +
                           " (reset the session)");
    }
    q.cur ^= 1;
    q.lastRow = lastRow;
    return Error::ok();
  }

  Error run(int64_t seq, const int32_t *tok, int64_t p,
            const std::vector<ModelStep> &steps, float *logits) override {
    if (Error e = drv.makeCurrent())
      return e;
    const DriverApi &api = drv.api();
    Seq &q = seqs[seq];
    const int64_t V = m.vocabSize, S = m.statesSize, W = m.weightsSize;
    void *weights = devicePtr(cm.weights.ptr());
    std::vector<MemRefDesc> d;
    int64_t one = 1, sizes[2];
    for (const ModelStep &st : steps) {
      const bool decode = st.entry < 0;
      const ModelEntry &e = decode ? m.decode : m.prefills[st.entry];
      // Every step's tokens fit: a run of decode steps is shorter than the
      // smallest prefill entry.
      if (Error x = drv.check(
              api.cuMemcpyHtoDAsync(tokens.ptr(), tok + st.offset,
                                    st.tokens * sizeof(int32_t), stream),
              "cuda: copy of the tokens to the device"))
        return x;
      if (Error x = sync("cuda: copy of the tokens to the device"))
        return x;
      sizes[0] = e.tokens;
      sizes[1] = V;
      MemRefDesc logitsDesc;
      if (e.allLogits)
        logitsDesc.set(devicePtr(q.logits.ptr()), sizes, 2);
      else
        logitsDesc.set(devicePtr(q.logits.ptr()), &V, 1);
      const int64_t lastRow = e.allLogits ? (e.tokens - 1) * V : 0;
      if (!decode) {
        d.resize(5);
        d[0].set(devicePtr(tokens.ptr()), &e.tokens, 1);
        d[1].set(weights, &W, 1);
        d[2].set(devicePtr(q.blob[q.cur].ptr()), &S, 1);
        d[3] = logitsDesc;
        d[4].set(devicePtr(q.blob[1 - q.cur].ptr()), &S, 1);
        callEntry(cm.model->prefill[st.entry], d);
        if (Error x = called(e, q, lastRow))
          return x;
        continue;
      }
      d.resize(6);
      for (int64_t i = 0; i < st.tokens; ++i) {
        int32_t pos = static_cast<int32_t>((p + st.offset + i) % m.miniBatch);
        d[0].set(devicePtr(tokens.ptr(), i), &one, 1);
        d[1].set(&pos, &one, 1); // host memory
        d[2].set(weights, &W, 1);
        d[3].set(devicePtr(q.blob[q.cur].ptr()), &S, 1);
        d[4] = logitsDesc;
        d[5].set(devicePtr(q.blob[1 - q.cur].ptr()), &S, 1);
        callEntry(cm.model->decode, d);
        if (Error x = called(e, q, lastRow))
          return x;
      }
    }
    if (!logits)
      return Error::ok();
    if (Error x = drv.check(
            api.cuMemcpyDtoHAsync(logits,
                                  q.logits.ptr() + q.lastRow * sizeof(float),
                                  V * sizeof(float), stream),
            "cuda: copy of the logits from the device"))
      return x;
    return sync("cuda: copy of the logits from the device");
  }

  Error readState(int64_t seq, int64_t offset, int64_t elems,
                  float *out) override {
    if (Error e = drv.makeCurrent())
      return e;
    const Seq &q = seqs[seq];
    if (Error e = drv.check(
            drv.api().cuMemcpyDtoHAsync(
                out, q.blob[q.cur].ptr() + offset * sizeof(float),
                elems * sizeof(float), stream),
            "cuda: copy of a state from the device"))
      return e;
    return sync("cuda: copy of a state from the device");
  }

  const CudaModel &cm;
  const CudaDriver &drv;
  const ModelManifest &m;
  CUstream stream = nullptr;
  DeviceBuffer tokens; // one step's tokens
  std::vector<Seq> seqs;
};

Error CudaModel::createSession(int64_t batch,
                               std::unique_ptr<DeviceSession> &out) const {
  const ModelManifest &m = model->manifest;
  auto s = std::make_unique<CudaSession>(*this);
  if (Error e = drv->makeCurrent())
    return e;
  if (Error e = drv->check(
          drv->api().cuStreamCreate(&s->stream, CU_STREAM_NON_BLOCKING),
          "cuda: cuStreamCreate")) {
    s->stream = nullptr;
    return e;
  }
  s->tokens = DeviceBuffer(drv.get());
  // Prefill entries are sorted largest first.
  if (Error e = s->tokens.reserve(m.prefills[0].tokens * sizeof(int32_t)))
    return prefixed("cuda: token buffer: ", e);
  s->seqs.resize(batch);
  for (CudaSession::Seq &q : s->seqs)
    for (DeviceBuffer *b : {&q.blob[0], &q.blob[1], &q.logits}) {
      *b = DeviceBuffer(drv.get());
      const int64_t elems = b == &q.logits ? m.logitsElems() : m.statesSize;
      if (Error e = b->reserve(elems * sizeof(float)))
        return prefixed(b == &q.logits ? "cuda: logits: " : "cuda: states: ",
                        e);
    }
  if (Error e = s->reset())
    return e;
  out = std::move(s);
  return Error::ok();
}

} // namespace

Error openCudaModel(const ttt_model &m, const std::string &driverLibrary,
                    std::unique_ptr<DeviceModel> &out) {
  const ModelManifest &mm = m.manifest;
  auto cm = std::make_unique<CudaModel>();
  cm->model = &m;
  dlerror();
  cm->takeError = reinterpret_cast<const char *(*)()>(
      dlsym(m.handle, "ttt_gpu_shim_take_error"));
  if (!cm->takeError)
    return makeError(TTT_ERROR_ENTRY,
                     mm.path + ": " + mm.libraryPath +
                         " does not export ttt_gpu_shim_take_error (a cuda "
                         "model library must carry the runtime's gpu shim)");
  cm->releasePool = reinterpret_cast<void (*)()>(
      dlsym(m.handle, "ttt_gpu_shim_release_pool"));
  if (Error e = CudaDriver::open(cm->drv, driverLibrary))
    return prefixed(mm.path + ": ", e);
  cm->weights = DeviceBuffer(cm->drv.get());
  if (Error e = cm->drv->check(
          cm->drv->api().cuStreamCreate(&cm->stream, CU_STREAM_NON_BLOCKING),
          mm.path + ": cuda: cuStreamCreate")) {
    cm->stream = nullptr;
    return e;
  }
  out = std::move(cm);
  return Error::ok();
}

} // namespace ttt::rt
