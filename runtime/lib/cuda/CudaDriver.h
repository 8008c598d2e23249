//===- CudaDriver.h - The CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// The runtime builds without the CUDA toolkit: the few driver types and
// enums it needs are declared here and libcuda.so.1 is dlopen'ed when a
// cuda artifact is loaded. A machine without the library, or without a
// device, gives TTT_ERROR_NO_DEVICE with a message, never a crash.
//
// Nothing is global: a CudaDriver owns its dlopen handle and the retained
// primary context of one device; whoever needs the driver owns one (an
// artifact shares its driver with the states made from it).
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_LIB_CUDA_CUDADRIVER_H
#define TTT_RUNTIME_LIB_CUDA_CUDADRIVER_H

#include "../Error.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ttt::rt::cuda {

// --- The subset of cuda.h the runtime uses (ABI-stable since CUDA 4). -----
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;
using CUcontext = CUctx_st *;
using CUmodule = CUmod_st *;
using CUfunction = CUfunc_st *;
using CUstream = CUstream_st *;
using CUjit_option = int;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_NO_DEVICE = 100;
constexpr CUresult CUDA_ERROR_NOT_FOUND = 500;

// CUdevice_attribute values.
constexpr int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
constexpr int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
// CUfunction_attribute values.
constexpr int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
constexpr int CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1;
constexpr int CU_FUNC_ATTRIBUTE_NUM_REGS = 4;
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
// CUjit_option values.
constexpr CUjit_option CU_JIT_INFO_LOG_BUFFER = 3;
constexpr CUjit_option CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;

/// Function pointers of the driver, resolved with dlsym (the _v2 names
/// are the ones cuda.h maps the plain names to).
struct DriverApi {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDriverGetVersion)(int *);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned,
                                 CUjit_option *, void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncGetAttribute)(int *, int, CUfunction);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemGetInfo)(size_t *, size_t *);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*cuMemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemsetD8Async)(CUdeviceptr, unsigned char, size_t, CUstream);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, unsigned, CUstream,
                             void **, void **);
};

/// What the driver says about the device it opened.
struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  int ccMajor = 0, ccMinor = 0;
  int multiprocessors = 0;
  int maxThreadsPerBlock = 0;
  int maxSharedPerBlockOptin = 0;
  int driverVersion = 0; // e.g. 13000
  size_t freeBytes = 0, totalBytes = 0;
  std::string describe() const;
};

class CudaDriver {
public:
  /// Loads `library` (default libcuda.so.1), resolves the API, runs cuInit,
  /// opens device `ordinal` and retains its primary context. Errors:
  /// TTT_ERROR_NO_DEVICE ("no CUDA driver (...)", "no CUDA device ..."),
  /// TTT_ERROR_LIBRARY when a symbol is missing (a driver too old).
  static Error open(std::unique_ptr<CudaDriver> &out,
                    const std::string &library = "libcuda.so.1",
                    int ordinal = 0);
  ~CudaDriver();
  CudaDriver(const CudaDriver &) = delete;
  CudaDriver &operator=(const CudaDriver &) = delete;

  const DriverApi &api() const { return api_; }
  const DeviceInfo &info() const { return info_; }
  CUdevice device() const { return device_; }

  /// Makes the primary context current on the calling thread.
  Error makeCurrent() const;
  /// An Error for a failed driver call: "WHAT: CUDA_ERROR_X (text)";
  /// out-of-memory maps to TTT_ERROR_OUT_OF_MEMORY, others to `code`.
  Error fail(CUresult r, const std::string &what,
             ttt_status code = TTT_ERROR_INTERNAL) const;
  /// Checks `r`; Error::ok() on CUDA_SUCCESS.
  Error check(CUresult r, const std::string &what,
              ttt_status code = TTT_ERROR_INTERNAL) const {
    return r == CUDA_SUCCESS ? Error::ok() : fail(r, what, code);
  }

private:
  CudaDriver() = default;
  void *handle_ = nullptr;
  DriverApi api_{};
  CUdevice device_ = 0;
  CUcontext ctx_ = nullptr;
  DeviceInfo info_;
};

/// A device allocation that frees itself (the driver must outlive it).
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(const CudaDriver *d) : drv_(d) {}
  ~DeviceBuffer() { reset(); }
  DeviceBuffer(DeviceBuffer &&o) noexcept { *this = std::move(o); }
  DeviceBuffer &operator=(DeviceBuffer &&o) noexcept;
  /// Makes the buffer hold at least `bytes` (contents are not kept).
  Error reserve(size_t bytes);
  void reset();
  CUdeviceptr ptr() const { return ptr_; }
  size_t capacity() const { return bytes_; }

private:
  const CudaDriver *drv_ = nullptr;
  CUdeviceptr ptr_ = 0;
  size_t bytes_ = 0;
};

} // namespace ttt::rt::cuda

#endif // TTT_RUNTIME_LIB_CUDA_CUDADRIVER_H
