// Thread-block-cluster primitives (sm_90 PTX) shared by the cluster
// benchmarks: shared-memory addresses in another block of the cluster,
// the cluster barrier, mbarrier waits and arrivals across blocks, and
// remote stores that complete a transaction count on the receiver's
// mbarrier.
#pragma once
#include <cstdint>
#include <cstdio>

namespace cluster {

/// Whether a CUDA device is there; else says so for `tool`.
inline bool hasDevice(const char *tool) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0)
    return true;
  std::fprintf(stderr, "%s: no CUDA device\n", tool);
  return false;
}

__device__ __forceinline__ uint32_t sharedAddress(const void *p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// The address of `p`'s counterpart in block `rank` of the cluster.
__device__ __forceinline__ uint32_t remoteAddress(const void *p,
                                                  uint32_t rank) {
  uint32_t remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;"
               : "=r"(remote)
               : "r"(sharedAddress(p)), "r"(rank));
  return remote;
}

__device__ __forceinline__ uint32_t rank() {
  uint32_t r;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
  return r;
}

__device__ __forceinline__ void sync() {
  asm volatile("barrier.cluster.arrive.release.aligned;\n"
               "barrier.cluster.wait.acquire.aligned;" ::
                   : "memory");
}

__device__ __forceinline__ void initBarrier(uint64_t *bar, uint32_t count) {
  asm volatile(
      "mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(sharedAddress(bar)),
      "r"(count));
}

// Makes initialized mbarriers visible to the cluster's other blocks.
__device__ __forceinline__ void fenceBarrierInit() {
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
}

__device__ __forceinline__ void waitParity(uint64_t *bar, uint32_t parity) {
  uint32_t done = 0;
  while (!done)
    asm volatile("{\n"
                 ".reg .pred p;\n"
                 "mbarrier.try_wait.parity.acquire.cluster.shared::cta.b64 "
                 "p, [%1], %2;\n"
                 "selp.u32 %0, 1, 0, p;\n"
                 "}"
                 : "=r"(done)
                 : "r"(sharedAddress(bar)), "r"(parity)
                 : "memory");
}

// One arrival on block `rank`'s copy of `bar`, releasing this thread's
// earlier writes (and those ordered before them) at cluster scope.
__device__ __forceinline__ void arriveRemote(uint64_t *bar, uint32_t rank) {
  asm volatile("mbarrier.arrive.release.cluster.shared::cluster.b64 _, "
               "[%0];" ::"r"(remoteAddress(bar, rank))
               : "memory");
}

// Arrives on the local `bar` and expects `bytes` more from remote
// transactions before its phase completes.
__device__ __forceinline__ void expectBytes(uint64_t *bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(
                   sharedAddress(bar)),
               "r"(bytes)
               : "memory");
}

__device__ __forceinline__ void store(const void *dst, uint32_t rank, float a,
                                      float b) {
  asm volatile("st.shared::cluster.v2.f32 [%0], {%1, %2};" ::"r"(
                   remoteAddress(dst, rank)),
               "f"(a), "f"(b)
               : "memory");
}

// A remote store that counts its 8 bytes on block `rank`'s `bar`.
__device__ __forceinline__ void storeAsync(const void *dst, uint32_t rank,
                                           uint64_t *bar, float a, float b) {
  asm volatile("st.async.shared::cluster.mbarrier::complete_tx::bytes.v2.f32 "
               "[%0], {%1, %2}, [%3];" ::"r"(remoteAddress(dst, rank)),
               "f"(a), "f"(b), "r"(remoteAddress(bar, rank))
               : "memory");
}

// Copies `bytes` (a multiple of 16) of this block's shared memory at
// `src` to block `rank`'s `dst`, counted on its `bar`; the async proxy
// reads `src`, so the writers fence before the barrier that precedes.
__device__ __forceinline__ void copyBulk(const void *dst, const void *src,
                                         uint32_t bytes, uint32_t rank,
                                         uint64_t *bar) {
  asm volatile("cp.async.bulk.shared::cluster.shared::cta.mbarrier::"
               "complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(
                   remoteAddress(dst, rank)),
               "r"(sharedAddress(src)), "r"(bytes),
               "r"(remoteAddress(bar, rank))
               : "memory");
}

__device__ __forceinline__ void fenceProxyAsync() {
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
}

} // namespace cluster
