//===- CudaBackend.cpp - Run a cuda artifact's kernel over a span ---------===//
//
// Kernel ABI (docs/RUNTIME.md, "CUDA artifacts"):
//   extern "C" __global__ void kernel(T0 *arg0, ..., T *argN,
//                                     T *res0, ..., T *resM,
//                                     int64_t tokens, int64_t chains);
// one device pointer per manifest arg then result, each a contiguous
// row-major array with the chain dims leading (sequences: [chains, T,
// features]); results are written by the kernel. Launched with the
// manifest's grid ("chains": one block per chain) and block, and
// "shared_bytes" of dynamic shared memory.
//
// The state's weights (at the last boundary, after the last token, and a
// scratch copy a committing span writes) and its param/shared arrays live on
// the device from ttt_state_create on: a span copies only its sequence
// inputs in and its outputs out, a commit swaps two device buffers, and
// weights come back to the host only for ttt_state_read_weights. Device
// buffers for sequences and outputs are made per state, grown to the
// largest span and reused; everything runs on the state's stream.
//
//===----------------------------------------------------------------------===//

#include "../Backend.h"
#include "../Manifest.h"
#include "../Objects.h"
#include "CudaDriver.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <utility>

namespace ttt::rt {
namespace {

using namespace cuda;

class CudaState : public BackendState {
public:
  explicit CudaState(const CudaDriver *d) : drv(d) {}
  ~CudaState() override {
    if (drv->makeCurrent())
      return; // the context is gone: nothing can be freed
    if (stream) {
      drv->api().cuStreamSynchronize(stream);
      drv->api().cuStreamDestroy(stream);
    }
    for (auto *v : {&bufs, &boundary, &current, &next, &constant})
      for (DeviceBuffer &b : *v)
        b.reset();
  }
  size_t deviceBytes() const override {
    size_t n = 0;
    for (auto *v : {&bufs, &boundary, &current, &next, &constant})
      for (const DeviceBuffer &b : *v)
        n += b.capacity();
    return n;
  }

  /// Uploads the weights given at create as the boundary weights.
  Error reset(const ttt_state &s) override {
    if (Error e = drv->makeCurrent())
      return e;
    for (size_t i = 0; i < boundary.size(); ++i)
      if (boundary[i].capacity() && !s.initial[i].empty())
        if (Error e = drv->check(drv->api().cuMemcpyHtoDAsync(
                                     boundary[i].ptr(), s.initial[i].data(),
                                     s.initial[i].size(), stream),
                                 "cuda: upload of the initial weights of arg " +
                                     std::to_string(i)))
          return e;
    return Error::ok();
  }

  Error readWeights(size_t arg, bool atBoundary, void *dst,
                    size_t bytes) override {
    if (bytes == 0)
      return Error::ok();
    if (Error e = drv->makeCurrent())
      return e;
    const DeviceBuffer &b = atBoundary ? boundary[arg] : current[arg];
    if (Error e = drv->check(
            drv->api().cuMemcpyDtoHAsync(dst, b.ptr(), bytes, stream),
            "cuda: copy of the weights of arg " + std::to_string(arg) +
                " from the device"))
      return e;
    return drv->check(drv->api().cuStreamSynchronize(stream),
                      "cuda: copy of the weights of arg " +
                          std::to_string(arg) + " from the device");
  }

  Error finish() override {
    if (!pending)
      return Error::ok();
    pending = false;
    if (Error e = drv->makeCurrent())
      return e;
    return drv->check(drv->api().cuStreamSynchronize(stream),
                      "cuda: kernel \"" + kernel + "\" failed");
  }

  const CudaDriver *drv;
  std::string kernel;
  CUstream stream = nullptr;
  std::vector<DeviceBuffer> bufs; // per span param (Host slots)
  /// Per manifest arg: state weights (boundary, current, the next
  /// boundary a committing span writes) and param/shared arrays.
  std::vector<DeviceBuffer> boundary, current, next, constant;
  bool pending = false; // work on the stream no one has waited for
};

class CudaBackend : public Backend {
public:
  ~CudaBackend() override {
    std::vector<CUmodule> modules{module};
    for (const LoadedCluster &c : clusters)
      modules.push_back(c.module);
    for (CUmodule m : modules)
      if (m && !drv->makeCurrent())
        drv->api().cuModuleUnload(m);
  }
  const char *name() const override { return "cuda"; }
  bool splitsChains() const override { return false; }

  bool keepsState() const override { return true; }
  // Device buffers hold a span's sequences: long spans keep whole calls
  // in place (no host gather) and make one launch where there were many.
  int64_t pieceTokens() const override { return 65536; }

  Error attach(const ttt_state &s,
               std::unique_ptr<BackendState> &out) const override {
    auto st = std::make_unique<CudaState>(drv.get());
    st->kernel = kernel;
    if (Error e = drv->makeCurrent())
      return e;
    if (Error e = drv->check(
            drv->api().cuStreamCreate(&st->stream, CU_STREAM_NON_BLOCKING),
            "cuda: cuStreamCreate")) {
      st->stream = nullptr;
      return e;
    }
    const size_t n = roles.size() + numResults;
    for (size_t i = 0; i < n; ++i)
      st->bufs.emplace_back(drv.get());
    for (auto *v : {&st->boundary, &st->current, &st->next, &st->constant})
      for (size_t i = 0; i < roles.size(); ++i)
        v->emplace_back(drv.get());
    for (size_t i = 0; i < roles.size(); ++i) {
      const std::string what = "cuda: arg " + std::to_string(i);
      if (roles[i] == TTT_ROLE_STATE) {
        const size_t bytes = s.initial[i].size();
        for (auto *v : {&st->boundary, &st->current, &st->next})
          if (Error e = (*v)[i].reserve(bytes))
            return makeError(e.code, what + ": " + e.message);
      } else if (roles[i] == TTT_ROLE_PARAM || roles[i] == TTT_ROLE_SHARED) {
        const Bytes &c = s.constant[i];
        if (Error e = st->constant[i].reserve(c.size()))
          return makeError(e.code, what + ": " + e.message);
        if (!c.empty())
          if (Error e = drv->check(
                  drv->api().cuMemcpyHtoDAsync(st->constant[i].ptr(), c.data(),
                                               c.size(), st->stream),
                  what + ": copy to the device"))
            return e;
      }
    }
    if (Error e = st->reset(s))
      return e;
    if (Error e = drv->check(drv->api().cuStreamSynchronize(st->stream),
                             "cuda: upload of the state's arrays"))
      return e;
    out = std::move(st);
    return Error::ok();
  }

  Error run(BackendState *bs, Span &span) const override {
    auto &st = *static_cast<CudaState *>(bs);
    const DriverApi &api = drv->api();
    if (Error e = drv->makeCurrent())
      return e;
    const size_t nArgs = roles.size();
    std::vector<CUdeviceptr> ptrs(span.params.size());
    for (size_t i = 0; i < span.params.size(); ++i) {
      const SpanParam &p = span.params[i];
      switch (p.slot) {
      case Slot::Boundary:
        ptrs[i] = st.boundary[p.arg].ptr();
        continue;
      case Slot::Current:
        ptrs[i] = st.current[p.arg].ptr();
        continue;
      case Slot::Next:
        ptrs[i] = st.next[p.arg].ptr();
        continue;
      case Slot::Constant:
        ptrs[i] = st.constant[p.arg].ptr();
        continue;
      case Slot::Host:
        break;
      }
      if (Error e = st.bufs[i].reserve(p.bytes))
        return prefix(e);
      ptrs[i] = st.bufs[i].ptr();
      if (i >= nArgs || p.bytes == 0)
        continue;
      if (Error e = drv->check(
              api.cuMemcpyHtoDAsync(ptrs[i], p.data, p.bytes, st.stream),
              "cuda: copy of arg " + std::to_string(i) + " to the device"))
        return e;
    }
    int64_t tokens = span.tokens, chains = span.chains;
    std::vector<void *> kp;
    for (CUdeviceptr &p : ptrs)
      kp.push_back(&p);
    kp.push_back(&tokens);
    kp.push_back(&chains);
    // The cluster kernel with the most blocks per chain that all fit the
    // multiprocessors at once, else the main kernel.
    int which = clusterFor(clusterSpecs, chains, multiprocessors);
    const Manifest::ClusterKernel *ck =
        which < 0 ? nullptr : &clusterSpecs[which];
    CUfunction f = ck ? clusters[which].fn : fn;
    const int64_t *blk = ck ? ck->block : block;
    int64_t shared = ck ? ck->sharedBytes : sharedBytes;
    int64_t g[3] = {chains, ck ? ck->blocksPerChain : blocksPerChain, 1};
    if (!grid.empty())
      for (int i = 0; i < 3; ++i)
        g[i] = grid[i];
    if (g[0] > (int64_t(1) << 31) - 1)
      return makeError(TTT_ERROR_UNSUPPORTED,
                       "cuda: " + std::to_string(chains) +
                           " chains exceed the grid's x limit");
    if (Error e =
            drv->check(api.cuLaunchKernel(
                           f, unsigned(g[0]), unsigned(g[1]), unsigned(g[2]),
                           unsigned(blk[0]), unsigned(blk[1]), unsigned(blk[2]),
                           unsigned(shared), st.stream, kp.data(), nullptr),
                       "cuda: launch of kernel \"" + kernel + "\""))
      return e;
    st.pending = true;
    // A committing span wrote the next boundary weights: they become the
    // boundary (stream order keeps the next launch after this one).
    for (size_t i = nArgs; i < span.params.size(); ++i)
      if (span.params[i].slot == Slot::Next)
        std::swap(st.boundary[span.params[i].arg], st.next[span.params[i].arg]);
    bool hostResults = false;
    for (size_t i = nArgs; i < span.params.size(); ++i) {
      const SpanParam &p = span.params[i];
      if (p.slot != Slot::Host || p.bytes == 0)
        continue;
      hostResults = true;
      if (Error e = drv->check(
              api.cuMemcpyDtoHAsync(p.data, ptrs[i], p.bytes, st.stream),
              "cuda: copy of result " + std::to_string(i - nArgs) +
                  " from the device (a kernel fault shows here)"))
        return e;
    }
    // Host results must be complete on return (the copies are async for
    // pinned memory); else the next finish() waits.
    return hostResults ? st.finish() : Error::ok();
  }

  Error prefix(Error e) const {
    e.message = "cuda: " + e.message;
    return e;
  }

  std::unique_ptr<CudaDriver> drv; // destroyed last
  CUmodule module = nullptr;
  CUfunction fn = nullptr;
  std::string kernel;
  std::vector<ttt_role> roles; // per manifest arg
  size_t numResults = 0;
  std::vector<int64_t> grid;
  int64_t blocksPerChain = 1; // the grid's y with "chains"
  int64_t block[3] = {1, 1, 1};
  int64_t sharedBytes = 0;
  // The manifest's cluster kernels the driver loaded (most blocks per
  // chain first) and their launch shapes.
  struct LoadedCluster {
    CUmodule module = nullptr;
    CUfunction fn = nullptr;
  };
  std::vector<LoadedCluster> clusters;
  std::vector<Manifest::ClusterKernel> clusterSpecs;
  int64_t multiprocessors = 0;
};

bool endsWith(const std::string &s, const char *suffix) {
  std::string x(suffix);
  return s.size() >= x.size() &&
         s.compare(s.size() - x.size(), x.size(), x) == 0;
}

/// The image of a PTX or cubin module, checked without a driver.
Error readModule(const std::string &path, const std::string &modulePath,
                 std::string &image) {
  struct stat st;
  if (stat(modulePath.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return makeError(TTT_ERROR_LIBRARY,
                     path + ": module " + modulePath + " not found");
  {
    std::ifstream f(modulePath, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    if (!f || f.bad())
      return makeError(TTT_ERROR_IO,
                       path + ": cannot read module " + modulePath);
    image = ss.str();
  }
  const bool ptx = endsWith(modulePath, ".ptx");
  if (image.empty())
    return makeError(TTT_ERROR_LIBRARY,
                     path + ": module " + modulePath + " is empty");
  if (ptx && image.find(".entry") == std::string::npos)
    return makeError(TTT_ERROR_LIBRARY, path + ": module " + modulePath +
                                            " is not PTX text (no .entry)");
  if (!ptx &&
      image.compare(0, 4,
                    "\x7f"
                    "ELF") != 0 &&
      endsWith(modulePath, ".cubin"))
    return makeError(TTT_ERROR_LIBRARY, path + ": module " + modulePath +
                                            " is not a cubin (no ELF "
                                            "header)");
  return Error::ok();
}

/// Loads `image` and its `kernel`, checked against its launch block and
/// given the dynamic shared memory it asks for.
Error loadKernel(const CudaDriver &drv, const std::string &path,
                 const std::string &modulePath, const std::string &image,
                 const std::string &kernel, const int64_t (&block)[3],
                 int64_t sharedBytes, CUmodule &module, CUfunction &fn) {
  const DriverApi &api = drv.api();
  char log[4096] = {};
  CUjit_option opts[] = {CU_JIT_ERROR_LOG_BUFFER,
                         CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *vals[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log) - 1))};
  CUresult r = api.cuModuleLoadDataEx(&module, image.c_str(), 2, opts, vals);
  if (r != CUDA_SUCCESS) {
    module = nullptr;
    Error e = drv.fail(r, path + ": cannot load module " + modulePath,
                       TTT_ERROR_LIBRARY);
    if (log[0])
      e.message += ": " + std::string(log);
    return e;
  }
  r = api.cuModuleGetFunction(&fn, module, kernel.c_str());
  if (r == CUDA_ERROR_NOT_FOUND)
    return makeError(TTT_ERROR_ENTRY, path + ": kernel \"" + kernel +
                                          "\" not found in " + modulePath);
  if (r != CUDA_SUCCESS)
    return drv.fail(r, path + ": kernel \"" + kernel + "\"", TTT_ERROR_ENTRY);
  const int64_t threads = block[0] * block[1] * block[2];
  int maxThreads = 0;
  if (Error e = drv.check(
          api.cuFuncGetAttribute(&maxThreads,
                                 CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, fn),
          path + ": cuFuncGetAttribute"))
    return e;
  if (threads > maxThreads)
    return makeError(TTT_ERROR_UNSUPPORTED,
                     path + ": launch block of " + std::to_string(threads) +
                         " threads; kernel \"" + kernel + "\" allows " +
                         std::to_string(maxThreads) + " on this device");
  if (sharedBytes > 48 * 1024) {
    if (sharedBytes > drv.info().maxSharedPerBlockOptin)
      return makeError(TTT_ERROR_UNSUPPORTED,
                       path + ": shared_bytes " + std::to_string(sharedBytes) +
                           " exceeds the device's " +
                           std::to_string(drv.info().maxSharedPerBlockOptin));
    if (Error e =
            drv.check(api.cuFuncSetAttribute(
                          fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                          int(sharedBytes)),
                      path + ": shared_bytes " + std::to_string(sharedBytes),
                      TTT_ERROR_UNSUPPORTED))
      return e;
  }
  return Error::ok();
}

} // namespace

Error loadCudaBackend(const Manifest &m, std::unique_ptr<Backend> &out,
                      const std::string &driverLibrary) {
  const std::string &path = m.path;
  // Everything that needs no driver first.
  std::string image;
  if (Error e = readModule(path, m.modulePath, image))
    return e;
  std::vector<std::string> clusterImages(m.clusters.size());
  for (size_t i = 0; i < m.clusters.size(); ++i)
    if (Error e = readModule(path, m.clusters[i].modulePath, clusterImages[i]))
      return e;

  auto b = std::make_unique<CudaBackend>();
  if (Error e = CudaDriver::open(b->drv, driverLibrary))
    return makeError(e.code, path + ": " + e.message);
  const CudaDriver &drv = *b->drv;
  if (Error e = loadKernel(drv, path, m.modulePath, image, m.kernel, m.block,
                           m.sharedBytes, b->module, b->fn))
    return e;
  // The cluster kernels where the device has clusters (sm_90 on); one the
  // driver cannot load (an older PTX ISA) is left out.
  for (size_t i = 0; i < m.clusters.size() && drv.info().ccMajor >= 9; ++i) {
    const Manifest::ClusterKernel &ck = m.clusters[i];
    CudaBackend::LoadedCluster loaded;
    if (loadKernel(drv, path, ck.modulePath, clusterImages[i], ck.kernel,
                   ck.block, ck.sharedBytes, loaded.module, loaded.fn)) {
      if (loaded.module)
        drv.api().cuModuleUnload(loaded.module);
      continue;
    }
    b->clusters.push_back(loaded);
    b->clusterSpecs.push_back(ck);
  }
  b->multiprocessors = drv.info().multiprocessors;

  b->kernel = m.kernel;
  for (const ParamSpec &p : m.args)
    b->roles.push_back(p.role);
  b->numResults = m.results.size();
  b->grid = m.grid;
  b->blocksPerChain = m.blocksPerChain;
  for (int i = 0; i < 3; ++i)
    b->block[i] = m.block[i];
  b->sharedBytes = m.sharedBytes;
  out = std::move(b);
  return Error::ok();
}

Error probeDevice(const std::string &device, std::string &info) {
  if (device == "cpu") {
    info = "cpu";
    return Error::ok();
  }
  if (device != "cuda")
    return makeError(TTT_ERROR_ARGUMENT,
                     "unknown device \"" + device + "\" (cpu or cuda)");
  std::unique_ptr<CudaDriver> d;
  if (Error e = CudaDriver::open(d))
    return e;
  info = d->info().describe();
  return Error::ok();
}

} // namespace ttt::rt
