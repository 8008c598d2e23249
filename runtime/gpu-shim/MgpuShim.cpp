//===- MgpuShim.cpp - Host calls of compiled GPU model code ---------------===//
//
// A GPU model artifact is host code that MLIR's gpu-to-llvm lowering turned
// into calls of the `mgpu*` functions (module loads, launches, device
// allocations). This library provides them over the CUDA driver, loaded at
// run time like the rest of the runtime, and linked into each GPU model
// library by ttt-compile. Two things differ from upstream's wrappers:
// modules and kernels are loaded once and cached (the lowering loads the
// module around every launch), and device buffers are pooled by size (the
// lowering allocates every temporary on every call). Errors never abort:
// the first is kept, later calls do nothing, and the caller collects it
// with ttt_gpu_shim_take_error() after the entry returns.
//
//===----------------------------------------------------------------------===//

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

using CUresult = int;
using CUdeviceptr = unsigned long long;
using Handle = void *;

struct DriverApi {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGet)(int *, int);
  CUresult (*cuDevicePrimaryCtxRetain)(Handle *, int);
  CUresult (*cuCtxSetCurrent)(Handle);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuModuleLoadData)(Handle *, const void *);
  CUresult (*cuModuleGetFunction)(Handle *, Handle, const char *);
  CUresult (*cuFuncSetAttribute)(Handle, int, int);
  CUresult (*cuLaunchKernel)(Handle, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, Handle, void **,
                             void **);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, Handle);
  CUresult (*cuStreamCreate)(Handle *, unsigned);
  CUresult (*cuStreamSynchronize)(Handle);
};

struct Shim {
  std::mutex mutex;
  DriverApi api{};
  bool opened = false;
  Handle context = nullptr;
  std::string error;
  std::unordered_map<const void *, Handle> modules;
  std::map<std::pair<Handle, std::string>, Handle> kernels;
  std::unordered_multimap<size_t, CUdeviceptr> pool; // freed, by size
  std::unordered_map<CUdeviceptr, size_t> sizes;
  std::unordered_map<Handle, int> sharedOptIn; // kernel -> bytes allowed
};

// Above 48 KB a kernel must opt in to its dynamic shared memory.
constexpr int kDefaultSharedLimit = 48 * 1024;
constexpr int kMaxDynamicSharedSizeBytes = 8; // CU_FUNC_ATTRIBUTE_...

Shim &shim() {
  static Shim *instance = new Shim(); // lives as long as the process
  return *instance;
}

thread_local Handle currentContext = nullptr;

bool fail(Shim &s, const std::string &what, CUresult r) {
  if (s.error.empty()) {
    const char *name = "unknown";
    if (s.api.cuGetErrorName)
      s.api.cuGetErrorName(r, &name);
    s.error = what + ": " + name;
  }
  return false;
}

bool check(Shim &s, CUresult r, const char *what) {
  return r == 0 || fail(s, what, r);
}

template <typename F> bool resolve(void *lib, const char *name, F &fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

/// Opens the driver and the primary context of device 0 once, and makes
/// it current on the calling thread. Holds s.mutex.
bool ready(Shim &s) {
  if (!s.error.empty())
    return false;
  if (!s.opened) {
    s.opened = true;
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      s.error = "no CUDA driver (libcuda.so.1 cannot be loaded)";
      return false;
    }
    DriverApi &a = s.api;
    bool ok = resolve(lib, "cuInit", a.cuInit) &&
              resolve(lib, "cuDeviceGet", a.cuDeviceGet) &&
              resolve(lib, "cuDevicePrimaryCtxRetain",
                      a.cuDevicePrimaryCtxRetain) &&
              resolve(lib, "cuCtxSetCurrent", a.cuCtxSetCurrent) &&
              resolve(lib, "cuGetErrorName", a.cuGetErrorName) &&
              resolve(lib, "cuModuleLoadData", a.cuModuleLoadData) &&
              resolve(lib, "cuModuleGetFunction", a.cuModuleGetFunction) &&
              resolve(lib, "cuFuncSetAttribute", a.cuFuncSetAttribute) &&
              resolve(lib, "cuLaunchKernel", a.cuLaunchKernel) &&
              resolve(lib, "cuMemAlloc_v2", a.cuMemAlloc) &&
              resolve(lib, "cuMemFree_v2", a.cuMemFree) &&
              resolve(lib, "cuMemcpyAsync", a.cuMemcpyAsync) &&
              resolve(lib, "cuStreamCreate", a.cuStreamCreate) &&
              resolve(lib, "cuStreamSynchronize", a.cuStreamSynchronize);
    if (!ok) {
      s.error = "the CUDA driver lacks a function the GPU model needs";
      return false;
    }
    int device = 0;
    if (!check(s, a.cuInit(0), "cuInit") ||
        !check(s, a.cuDeviceGet(&device, 0), "cuDeviceGet") ||
        !check(s, a.cuDevicePrimaryCtxRetain(&s.context, device),
               "cuDevicePrimaryCtxRetain"))
      return false;
  }
  if (!s.context)
    return false;
  if (currentContext != s.context) {
    if (!check(s, s.api.cuCtxSetCurrent(s.context), "cuCtxSetCurrent"))
      return false;
    currentContext = s.context;
  }
  return true;
}

Handle loadModule(const void *data) {
  Shim &s = shim();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!ready(s))
    return nullptr;
  auto it = s.modules.find(data);
  if (it != s.modules.end())
    return it->second;
  Handle module = nullptr;
  if (!check(s, s.api.cuModuleLoadData(&module, data), "cuModuleLoadData"))
    return nullptr;
  s.modules.emplace(data, module);
  return module;
}

} // namespace

extern "C" {

void *mgpuModuleLoad(void *data, size_t /*size*/) { return loadModule(data); }

void *mgpuModuleLoadJIT(void *data, int /*optLevel*/) {
  return loadModule(data);
}

// Modules stay loaded (cached) for the life of the process.
void mgpuModuleUnload(void * /*module*/) {}

void *mgpuModuleGetFunction(void *module, const char *name) {
  Shim &s = shim();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!module || !ready(s))
    return nullptr;
  auto key = std::make_pair(module, std::string(name));
  auto it = s.kernels.find(key);
  if (it != s.kernels.end())
    return it->second;
  Handle kernel = nullptr;
  if (!check(s, s.api.cuModuleGetFunction(&kernel, module, name),
             "cuModuleGetFunction"))
    return nullptr;
  s.kernels.emplace(key, kernel);
  return kernel;
}

void mgpuLaunchKernel(void *kernel, int64_t gridX, int64_t gridY,
                      int64_t gridZ, int64_t blockX, int64_t blockY,
                      int64_t blockZ, int32_t sharedBytes, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  Shim &s = shim();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!kernel || !ready(s))
    return;
  if (sharedBytes > kDefaultSharedLimit && s.sharedOptIn[kernel] < sharedBytes) {
    if (!check(s,
               s.api.cuFuncSetAttribute(kernel, kMaxDynamicSharedSizeBytes,
                                        sharedBytes),
               "cuFuncSetAttribute(max dynamic shared memory)"))
      return;
    s.sharedOptIn[kernel] = sharedBytes;
  }
  check(s,
        s.api.cuLaunchKernel(kernel, gridX, gridY, gridZ, blockX, blockY,
                             blockZ, sharedBytes, stream, params, extra),
        "cuLaunchKernel");
}

// One stream per calling thread for everything: the lowering's streams
// only order a function's own work, which a single stream orders too, and
// across host calls nothing can then run out of program order.
thread_local Handle threadStream = nullptr;

void *mgpuStreamCreate() {
  Shim &s = shim();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!threadStream && ready(s))
    check(s, s.api.cuStreamCreate(&threadStream, 0), "cuStreamCreate");
  return threadStream;
}

void mgpuStreamSynchronize(void *stream) {
  Shim &s = shim();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (ready(s))
    check(s, s.api.cuStreamSynchronize(stream), "cuStreamSynchronize");
}

// The thread's stream lives on; the lowering synchronizes before this.
void mgpuStreamDestroy(void * /*stream*/) {}

// Freed buffers are reused by later allocations of the same size: all
// work goes through the thread's one stream, so a reuse is ordered after
// every kernel that used the buffer before.
void *mgpuMemAlloc(uint64_t bytes, void * /*stream*/, bool /*hostShared*/) {
  Shim &s = shim();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!ready(s))
    return nullptr;
  auto it = s.pool.find(bytes);
  if (it != s.pool.end()) {
    CUdeviceptr ptr = it->second;
    s.pool.erase(it);
    return reinterpret_cast<void *>(ptr);
  }
  CUdeviceptr ptr = 0;
  if (!check(s, s.api.cuMemAlloc(&ptr, bytes ? bytes : 1), "cuMemAlloc"))
    return nullptr;
  s.sizes[ptr] = bytes;
  return reinterpret_cast<void *>(ptr);
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  Shim &s = shim();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.sizes.find(reinterpret_cast<CUdeviceptr>(ptr));
  if (it != s.sizes.end())
    s.pool.emplace(it->second, it->first);
}

void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  Shim &s = shim();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (ready(s))
    check(s,
          s.api.cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                              reinterpret_cast<CUdeviceptr>(src), bytes,
                              stream),
          "cuMemcpyAsync");
}

/// The first error since the last call (and clears it), or null. A caller
/// checks it after every entry call of a GPU model.
const char *ttt_gpu_shim_take_error() {
  static thread_local std::string last;
  Shim &s = shim();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.error.empty())
    return nullptr;
  last.swap(s.error);
  s.error.clear();
  // A failed driver open is final: keep reporting it.
  if (!s.context)
    s.error = last;
  return last.c_str();
}

/// Returns the pooled device buffers to the driver.
void ttt_gpu_shim_release_pool() {
  Shim &s = shim();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!ready(s))
    return;
  for (auto &[bytes, ptr] : s.pool) {
    s.api.cuMemFree(ptr); // synchronizes the device
    s.sizes.erase(ptr);
  }
  s.pool.clear();
}

} // extern "C"
