//===- CudaDriver.cpp - The CUDA driver API, loaded at run time -----------===//

#include "CudaDriver.h"

#include <dlfcn.h>

#include <cstdio>
#include <type_traits>

namespace ttt::rt::cuda {

std::string DeviceInfo::describe() const {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "CUDA device %d: %s (sm_%d%d, %d SMs, %.1f GiB, %.1f GiB "
                "free; driver %d.%d)",
                ordinal, name.c_str(), ccMajor, ccMinor, multiprocessors,
                double(totalBytes) / (1ull << 30),
                double(freeBytes) / (1ull << 30), driverVersion / 1000,
                driverVersion % 1000 / 10);
  return buf;
}

namespace {

/// Resolves every DriverApi member; names its first missing symbol.
bool resolve(void *h, DriverApi &api, std::string &missing) {
  bool ok = true;
  auto get = [&](auto &fn, const char *name) {
    void *sym = ok ? dlsym(h, name) : nullptr;
    if (!sym) {
      if (ok)
        missing = name;
      ok = false;
      return;
    }
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(sym);
  };
  get(api.cuInit, "cuInit");
  get(api.cuDriverGetVersion, "cuDriverGetVersion");
  get(api.cuGetErrorName, "cuGetErrorName");
  get(api.cuGetErrorString, "cuGetErrorString");
  get(api.cuDeviceGetCount, "cuDeviceGetCount");
  get(api.cuDeviceGet, "cuDeviceGet");
  get(api.cuDeviceGetName, "cuDeviceGetName");
  get(api.cuDeviceGetAttribute, "cuDeviceGetAttribute");
  get(api.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  get(api.cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2");
  get(api.cuCtxSetCurrent, "cuCtxSetCurrent");
  get(api.cuModuleLoadDataEx, "cuModuleLoadDataEx");
  get(api.cuModuleUnload, "cuModuleUnload");
  get(api.cuModuleGetFunction, "cuModuleGetFunction");
  get(api.cuFuncGetAttribute, "cuFuncGetAttribute");
  get(api.cuFuncSetAttribute, "cuFuncSetAttribute");
  get(api.cuMemAlloc, "cuMemAlloc_v2");
  get(api.cuMemFree, "cuMemFree_v2");
  get(api.cuMemGetInfo, "cuMemGetInfo_v2");
  get(api.cuMemcpyHtoD, "cuMemcpyHtoD_v2");
  get(api.cuMemcpyDtoH, "cuMemcpyDtoH_v2");
  get(api.cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  get(api.cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  get(api.cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2");
  get(api.cuMemsetD8Async, "cuMemsetD8Async");
  get(api.cuStreamCreate, "cuStreamCreate");
  get(api.cuStreamSynchronize, "cuStreamSynchronize");
  get(api.cuStreamDestroy, "cuStreamDestroy_v2");
  get(api.cuLaunchKernel, "cuLaunchKernel");
  return ok;
}

} // namespace

Error CudaDriver::fail(CUresult r, const std::string &what,
                       ttt_status code) const {
  const char *name = nullptr, *text = nullptr;
  if (api_.cuGetErrorName && api_.cuGetErrorName(r, &name) != CUDA_SUCCESS)
    name = nullptr;
  if (api_.cuGetErrorString && api_.cuGetErrorString(r, &text) != CUDA_SUCCESS)
    text = nullptr;
  std::string msg = what + ": " +
                    (name ? std::string(name)
                          : "CUDA error " + std::to_string(r));
  if (text)
    msg += std::string(" (") + text + ")";
  return makeError(r == CUDA_ERROR_OUT_OF_MEMORY ? TTT_ERROR_OUT_OF_MEMORY
                                                 : code,
                   msg);
}

Error CudaDriver::open(std::unique_ptr<CudaDriver> &out,
                       const std::string &library, int ordinal) {
  out.reset();
  std::unique_ptr<CudaDriver> d(new CudaDriver());
  d->handle_ = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!d->handle_)
    return makeError(TTT_ERROR_NO_DEVICE,
                     "no CUDA driver (" + library + " not found)");
  std::string missing;
  if (!resolve(d->handle_, d->api_, missing)) {
    d->api_ = DriverApi{};
    return makeError(TTT_ERROR_LIBRARY, "CUDA driver " + library +
                                            " lacks " + missing +
                                            " (driver too old?)");
  }
  const DriverApi &api = d->api_;
  CUresult r = api.cuInit(0);
  if (r == CUDA_ERROR_NO_DEVICE)
    return makeError(TTT_ERROR_NO_DEVICE, "no CUDA device (cuInit: " +
                                              d->fail(r, "").message.substr(2) +
                                              ")");
  if (r != CUDA_SUCCESS) // a stub library, a driver/kernel mismatch, ...
    return d->fail(r, "no usable CUDA driver (cuInit)", TTT_ERROR_NO_DEVICE);
  int count = 0;
  if (Error e = d->check(api.cuDeviceGetCount(&count), "cuDeviceGetCount",
                         TTT_ERROR_NO_DEVICE))
    return e;
  if (count < 1)
    return makeError(TTT_ERROR_NO_DEVICE, "no CUDA device (the driver "
                                          "sees none)");
  if (ordinal < 0 || ordinal >= count)
    return makeError(TTT_ERROR_NO_DEVICE,
                     "no CUDA device " + std::to_string(ordinal) + " (" +
                         std::to_string(count) + " present)");
  if (Error e = d->check(api.cuDeviceGet(&d->device_, ordinal), "cuDeviceGet",
                         TTT_ERROR_NO_DEVICE))
    return e;
  if (Error e = d->check(api.cuDevicePrimaryCtxRetain(&d->ctx_, d->device_),
                         "cuDevicePrimaryCtxRetain", TTT_ERROR_NO_DEVICE)) {
    d->ctx_ = nullptr;
    return e;
  }
  if (Error e = d->makeCurrent())
    return e;

  DeviceInfo &in = d->info_;
  in.ordinal = ordinal;
  char name[256] = {};
  if (api.cuDeviceGetName(name, sizeof(name) - 1, d->device_) == CUDA_SUCCESS)
    in.name = name;
  auto attr = [&](int a) {
    int v = 0;
    return api.cuDeviceGetAttribute(&v, a, d->device_) == CUDA_SUCCESS ? v : 0;
  };
  in.ccMajor = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  in.ccMinor = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  in.multiprocessors = attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  in.maxThreadsPerBlock = attr(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  in.maxSharedPerBlockOptin =
      attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
  if (api.cuDriverGetVersion(&in.driverVersion) != CUDA_SUCCESS)
    in.driverVersion = 0;
  if (api.cuMemGetInfo(&in.freeBytes, &in.totalBytes) != CUDA_SUCCESS)
    in.freeBytes = in.totalBytes = 0;
  out = std::move(d);
  return Error::ok();
}

CudaDriver::~CudaDriver() {
  if (ctx_ && api_.cuDevicePrimaryCtxRelease)
    api_.cuDevicePrimaryCtxRelease(device_);
  // The driver is never dlclose'd: libcuda does not support being unloaded
  // and reloaded in one process (its threads and atexit handlers stay).
}

Error CudaDriver::makeCurrent() const {
  return check(api_.cuCtxSetCurrent(ctx_), "cuCtxSetCurrent");
}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&o) noexcept {
  if (this != &o) {
    reset();
    drv_ = o.drv_;
    ptr_ = o.ptr_;
    bytes_ = o.bytes_;
    o.ptr_ = 0;
    o.bytes_ = 0;
  }
  return *this;
}

Error DeviceBuffer::reserve(size_t bytes) {
  if (bytes <= bytes_)
    return Error::ok();
  reset();
  CUdeviceptr p = 0;
  if (Error e = drv_->check(drv_->api().cuMemAlloc(&p, bytes),
                            "cuMemAlloc of " + std::to_string(bytes) +
                                " bytes"))
    return e;
  ptr_ = p;
  bytes_ = bytes;
  return Error::ok();
}

void DeviceBuffer::reset() {
  if (ptr_ && drv_)
    drv_->api().cuMemFree(ptr_);
  ptr_ = 0;
  bytes_ = 0;
}

} // namespace ttt::rt::cuda
