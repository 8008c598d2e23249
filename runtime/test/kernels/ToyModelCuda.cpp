//===- ToyModelCuda.cpp - Test double of a compiled cuda model ------------===//
//
// NOT a GPU model: the toy model of ToyModel.cpp behind the cuda model ABI
// (docs/MODEL.md, "GPU models"). Every array argument but `position` is a
// device pointer: the entries copy their arguments to the host through the
// driver (cuMemcpyDtoH: a host pointer, or no current context on the
// calling thread, is an error), run the toy there and copy the logits and
// states out back. Results are therefore bitwise the cpu toy's. It runs on
// a real driver or on FakeCuda.cpp.
//
// Like the gpu shim, errors never abort: the first one is kept, later
// calls do nothing, and ttt_gpu_shim_take_error() returns and clears it.
// Test hooks: ttt_toy_model_cuda_driver(path) opens another driver
// library (default libcuda.so.1, opened on first use);
// ttt_toy_model_cuda_fail_call(k) makes the k-th entry call from now fail
// after writing NaN to its states_out and logits;
// ttt_toy_model_cuda_pool_releases() counts ttt_gpu_shim_release_pool().
//
//===----------------------------------------------------------------------===//

#define TOY_MODEL_NO_ENTRIES
#include "ToyModel.cpp"

#include <dlfcn.h>

#include <string>

namespace {

using CUresult = int;
using CUdeviceptr = unsigned long long;

struct Api {
  CUresult (*dtoh)(void *, CUdeviceptr, size_t) = nullptr;
  CUresult (*htod)(CUdeviceptr, const void *, size_t) = nullptr;
  CUresult (*name)(CUresult, const char **) = nullptr;
};

Api gApi;
std::string gError;
int64_t gFailIn = 0, gReleases = 0;

void fail(const std::string &what) {
  if (gError.empty())
    gError = what;
}

bool openDriver(const char *path) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fail(std::string("toy: cannot load ") + path);
    return false;
  }
  gApi.dtoh = reinterpret_cast<decltype(gApi.dtoh)>(dlsym(h, "cuMemcpyDtoH_v2"));
  gApi.htod = reinterpret_cast<decltype(gApi.htod)>(dlsym(h, "cuMemcpyHtoD_v2"));
  gApi.name = reinterpret_cast<decltype(gApi.name)>(dlsym(h, "cuGetErrorName"));
  return gApi.dtoh && gApi.htod && gApi.name;
}

bool check(CUresult r, const char *what) {
  if (r == 0)
    return true;
  const char *name = "?";
  gApi.name(r, &name);
  fail(std::string(what) + ": " + name);
  return false;
}

/// A host copy of a device array argument, with a host descriptor of the
/// same sizes, strides and offset.
template <typename T, int R> struct Staged {
  Desc<T, R> host;
  std::vector<T> data;
  CUdeviceptr dev = 0;
  bool in(void *p) {
    auto *d = static_cast<Desc<T, R> *>(p);
    host = *d;
    size_t n = 1;
    for (int i = 0; i < R; ++i)
      n *= static_cast<size_t>(std::max<int64_t>(d->sizes[i], 0));
    data.assign(n, T());
    dev = reinterpret_cast<uintptr_t>(d->aligned);
    host.aligned = data.data();
    host.allocated = d->allocated == d->aligned ? data.data() : nullptr;
    return check(gApi.dtoh(data.data(), dev, n * sizeof(T)), "cuMemcpyDtoH");
  }
  bool out() {
    return check(gApi.htod(dev, data.data(), data.size() * sizeof(T)),
                 "cuMemcpyHtoD");
  }
};

void entry(int64_t id, int64_t n, bool allLogits, void *tok, void *w, void *s,
           void *l, void *o, int32_t position = -1) {
  if (!gError.empty() || (!gApi.dtoh && !openDriver("libcuda.so.1")))
    return;
  Staged<int32_t, 1> t;
  Staged<float, 1> ws, ss, os, l1;
  Staged<float, 2> l2;
  void *lh = allLogits ? static_cast<void *>(&l2.host) : &l1.host;
  if (!t.in(tok) || !ws.in(w) || !ss.in(s) || !os.in(o) ||
      !(allLogits ? l2.in(l) : l1.in(l)))
    return;
  if (ss.dev == os.dev) {
    fail("toy: states_out aliases states");
    return;
  }
  if (gFailIn > 0 && --gFailIn == 0) {
    poison(os.data.data(), static_cast<int64_t>(os.data.size()));
    poison(l1.data.data(), static_cast<int64_t>(l1.data.size()));
    poison(l2.data.data(), static_cast<int64_t>(l2.data.size()));
    if (os.out())
      allLogits ? l2.out() : l1.out();
    fail("toy: injected failure");
    return;
  }
  run(id, n, allLogits, &t.host, &ws.host, &ss.host, lh, &os.host, position);
  if (os.out())
    allLogits ? l2.out() : l1.out();
}

} // namespace

TOY_EXPORT void _mlir_ciface_prefill_32(void *tok, void *w, void *s, void *l,
                                        void *o) {
  entry(0, 32, false, tok, w, s, l, o);
}

TOY_EXPORT void _mlir_ciface_prefill_16(void *tok, void *w, void *s, void *l,
                                        void *o) {
  entry(1, 16, true, tok, w, s, l, o);
}

/// `pos` is host memory.
TOY_EXPORT void _mlir_ciface_decode(void *tok, void *pos, void *w, void *s,
                                    void *l, void *o) {
  int64_t one[1] = {1};
  int32_t r = dense<int32_t, 1>(pos, one) ? *data<int32_t, 1>(pos) : -2;
  entry(2, 1, false, tok, w, s, l, o, r < 0 ? kBT : r);
}

TOY_EXPORT const char *ttt_gpu_shim_take_error() {
  static std::string last;
  if (gError.empty())
    return nullptr;
  last.swap(gError);
  gError.clear();
  return last.c_str();
}

TOY_EXPORT void ttt_gpu_shim_release_pool() { ++gReleases; }

TOY_EXPORT int ttt_toy_model_cuda_driver(const char *path) {
  gError.clear();
  return openDriver(path) ? 1 : 0;
}

TOY_EXPORT void ttt_toy_model_cuda_fail_call(int64_t k) { gFailIn = k; }

TOY_EXPORT int64_t ttt_toy_model_cuda_pool_releases() { return gReleases; }
