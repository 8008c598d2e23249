//===- FakeCuda.cpp - Test double of the CUDA driver (libcuda.so.1) -------===//
//
// NOT a GPU: the part of the driver API the runtime's cuda model path and
// ToyModelCuda.cpp use, so that it runs (under ASan too) without one.
// "Device memory" is host memory at addresses moved by kBias: the host
// dereferencing a device pointer crashes (the address is not canonical),
// and every copy checks that its device range lies inside one allocation
// (CUDA_ERROR_INVALID_VALUE otherwise, e.g. for a host pointer). Memory and
// stream calls need the primary context current on the calling thread
// (CUDA_ERROR_INVALID_CONTEXT otherwise), streams must be live. Modules and
// launches are not supported (CUDA_ERROR_NOT_SUPPORTED).
//
// Test hooks: ttt_fake_cuda_live_bytes() (device bytes allocated now) and
// ttt_fake_cuda_fail_alloc(n) (the n-th cuMemAlloc from now fails with
// CUDA_ERROR_OUT_OF_MEMORY; 0: none).
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

// The driver's opaque handle types, the very ones runtime/lib/cuda/
// CudaDriver.h declares: the runtime calls these functions through pointers
// of those types (-fsanitize=function checks that they match).
namespace ttt::rt::cuda {
struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;
} // namespace ttt::rt::cuda

namespace {

using CUctx = ttt::rt::cuda::CUctx_st *;
using CUmod = ttt::rt::cuda::CUmod_st *;
using CUfunc = ttt::rt::cuda::CUfunc_st *;
using CUstream = ttt::rt::cuda::CUstream_st *;
using CUresult = int;
using CUdeviceptr = unsigned long long;
constexpr CUresult kOk = 0, kInvalidValue = 1, kOutOfMemory = 2,
                   kInvalidDevice = 101, kInvalidContext = 201,
                   kInvalidHandle = 400, kNotSupported = 801;
constexpr CUdeviceptr kBias = 1ull << 60;

struct Fake {
  std::mutex mu;
  std::map<CUdeviceptr, size_t> allocs; // device base -> bytes
  std::set<void *> streams;
  size_t live = 0;
  int64_t failAlloc = 0;
  int contextRefs = 0;
};

Fake &fake() {
  static Fake *f = new Fake();
  return *f;
}

int gContext; // the primary context's handle is its address
thread_local void *tCurrent = nullptr;

bool current() { return tCurrent == &gContext && fake().contextRefs > 0; }

/// Host address of [p, p + bytes) if it lies in one allocation, else null.
/// Holds fake().mu.
char *hostOf(CUdeviceptr p, size_t bytes) {
  auto &a = fake().allocs;
  auto it = a.upper_bound(p);
  if (it == a.begin())
    return nullptr;
  --it;
  if (p + bytes > it->first + it->second)
    return nullptr;
  return reinterpret_cast<char *>(static_cast<uintptr_t>(p - kBias));
}

bool liveStream(void *s) { return !s || fake().streams.count(s); }

/// A copy between host and/or device ranges.
CUresult copy(CUdeviceptr dstDev, void *dstHost, CUdeviceptr srcDev,
              const void *srcHost, size_t bytes, void *stream) {
  Fake &f = fake();
  std::lock_guard<std::mutex> lock(f.mu);
  if (!current())
    return kInvalidContext;
  if (!liveStream(stream))
    return kInvalidHandle;
  char *dst = dstHost ? static_cast<char *>(dstHost) : hostOf(dstDev, bytes);
  const char *src =
      srcHost ? static_cast<const char *>(srcHost) : hostOf(srcDev, bytes);
  if (!dst || !src)
    return kInvalidValue;
  std::memmove(dst, src, bytes);
  return kOk;
}

} // namespace

#define FAKE extern "C" __attribute__((visibility("default")))

FAKE CUresult cuInit(unsigned) { return kOk; }
FAKE CUresult cuDriverGetVersion(int *v) {
  *v = 13000;
  return kOk;
}

FAKE CUresult cuGetErrorName(CUresult r, const char **s) {
  switch (r) {
  case kOk:
    *s = "CUDA_SUCCESS";
    return kOk;
  case kInvalidValue:
    *s = "CUDA_ERROR_INVALID_VALUE";
    return kOk;
  case kOutOfMemory:
    *s = "CUDA_ERROR_OUT_OF_MEMORY";
    return kOk;
  case kInvalidDevice:
    *s = "CUDA_ERROR_INVALID_DEVICE";
    return kOk;
  case kInvalidContext:
    *s = "CUDA_ERROR_INVALID_CONTEXT";
    return kOk;
  case kInvalidHandle:
    *s = "CUDA_ERROR_INVALID_HANDLE";
    return kOk;
  case kNotSupported:
    *s = "CUDA_ERROR_NOT_SUPPORTED";
    return kOk;
  }
  *s = nullptr;
  return kInvalidValue;
}

FAKE CUresult cuGetErrorString(CUresult r, const char **s) {
  CUresult x = cuGetErrorName(r, s);
  if (x == kOk)
    *s = "fake driver";
  return x;
}

FAKE CUresult cuDeviceGetCount(int *n) {
  *n = 1;
  return kOk;
}

FAKE CUresult cuDeviceGet(int *d, int ordinal) {
  *d = 0;
  return ordinal == 0 ? kOk : kInvalidDevice;
}

FAKE CUresult cuDeviceGetName(char *name, int len, int) {
  std::snprintf(name, len, "Fake CUDA device (test double)");
  return kOk;
}

FAKE CUresult cuDeviceGetAttribute(int *v, int attr, int) {
  switch (attr) {
  case 1: // max threads per block
    *v = 1024;
    break;
  case 16: // multiprocessors
    *v = 1;
    break;
  case 75: // compute capability
    *v = 9;
    break;
  default:
    *v = 0;
  }
  return kOk;
}

FAKE CUresult cuDevicePrimaryCtxRetain(CUctx *ctx, int) {
  std::lock_guard<std::mutex> lock(fake().mu);
  ++fake().contextRefs;
  *ctx = reinterpret_cast<CUctx>(&gContext);
  return kOk;
}

FAKE CUresult cuDevicePrimaryCtxRelease_v2(int) {
  std::lock_guard<std::mutex> lock(fake().mu);
  if (fake().contextRefs < 1)
    return kInvalidContext;
  --fake().contextRefs;
  return kOk;
}

FAKE CUresult cuCtxSetCurrent(CUctx handle) {
  void *ctx = handle;
  if (ctx && ctx != &gContext)
    return kInvalidContext;
  tCurrent = ctx;
  return kOk;
}

FAKE CUresult cuModuleLoadDataEx(CUmod *, const void *, unsigned, int *,
                                 void **) {
  return kNotSupported;
}
FAKE CUresult cuModuleUnload(CUmod) { return kNotSupported; }
FAKE CUresult cuModuleGetFunction(CUfunc *, CUmod, const char *) {
  return kNotSupported;
}
FAKE CUresult cuFuncGetAttribute(int *, int, CUfunc) { return kNotSupported; }
FAKE CUresult cuFuncSetAttribute(CUfunc, int, int) { return kNotSupported; }
FAKE CUresult cuLaunchKernel(CUfunc, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **) {
  return kNotSupported;
}

FAKE CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  Fake &f = fake();
  std::lock_guard<std::mutex> lock(f.mu);
  if (!current())
    return kInvalidContext;
  if (bytes == 0)
    return kInvalidValue;
  if (f.failAlloc > 0 && --f.failAlloc == 0)
    return kOutOfMemory;
  void *h = std::malloc(bytes);
  if (!h)
    return kOutOfMemory;
  *p = reinterpret_cast<uintptr_t>(h) + kBias;
  f.allocs[*p] = bytes;
  f.live += bytes;
  return kOk;
}

FAKE CUresult cuMemFree_v2(CUdeviceptr p) {
  Fake &f = fake();
  std::lock_guard<std::mutex> lock(f.mu);
  if (!current())
    return kInvalidContext;
  auto it = f.allocs.find(p);
  if (it == f.allocs.end())
    return kInvalidValue;
  f.live -= it->second;
  f.allocs.erase(it);
  std::free(reinterpret_cast<void *>(static_cast<uintptr_t>(p - kBias)));
  return kOk;
}

FAKE CUresult cuMemGetInfo_v2(size_t *freeBytes, size_t *total) {
  std::lock_guard<std::mutex> lock(fake().mu);
  *total = size_t(1) << 30;
  *freeBytes = *total - fake().live;
  return kOk;
}

FAKE CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *h, size_t n,
                                   CUstream s) {
  return copy(d, nullptr, 0, h, n, s);
}
FAKE CUresult cuMemcpyDtoHAsync_v2(void *h, CUdeviceptr d, size_t n,
                                   CUstream s) {
  return copy(0, h, d, nullptr, n, s);
}
FAKE CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr s, size_t n,
                                   CUstream st) {
  return copy(d, nullptr, s, nullptr, n, st);
}
FAKE CUresult cuMemcpyHtoD_v2(CUdeviceptr d, const void *h, size_t n) {
  return copy(d, nullptr, 0, h, n, nullptr);
}
FAKE CUresult cuMemcpyDtoH_v2(void *h, CUdeviceptr d, size_t n) {
  return copy(0, h, d, nullptr, n, nullptr);
}

FAKE CUresult cuMemsetD8Async(CUdeviceptr d, unsigned char v, size_t n,
                              CUstream s) {
  Fake &f = fake();
  std::lock_guard<std::mutex> lock(f.mu);
  if (!current())
    return kInvalidContext;
  if (!liveStream(s))
    return kInvalidHandle;
  char *p = hostOf(d, n);
  if (!p)
    return kInvalidValue;
  std::memset(p, v, n);
  return kOk;
}

FAKE CUresult cuStreamCreate(CUstream *s, unsigned) {
  Fake &f = fake();
  std::lock_guard<std::mutex> lock(f.mu);
  if (!current())
    return kInvalidContext;
  void *stream = new int(0);
  *s = static_cast<CUstream>(stream);
  f.streams.insert(stream);
  return kOk;
}

FAKE CUresult cuStreamSynchronize(CUstream s) {
  Fake &f = fake();
  std::lock_guard<std::mutex> lock(f.mu);
  if (!current())
    return kInvalidContext;
  return liveStream(s) ? kOk : kInvalidHandle;
}

FAKE CUresult cuStreamDestroy_v2(CUstream handle) {
  Fake &f = fake();
  std::lock_guard<std::mutex> lock(f.mu);
  if (!current())
    return kInvalidContext;
  void *s = handle;
  if (!s || !f.streams.erase(s))
    return kInvalidHandle;
  delete static_cast<int *>(s);
  return kOk;
}

FAKE size_t ttt_fake_cuda_live_bytes() {
  std::lock_guard<std::mutex> lock(fake().mu);
  return fake().live;
}

FAKE void ttt_fake_cuda_fail_alloc(int64_t n) {
  std::lock_guard<std::mutex> lock(fake().mu);
  fake().failAlloc = n;
}
