// What it costs two thread blocks of one cluster (two SMs) to hand each
// other 2 KB, against two warp groups of one block: the question behind
// splitting a chain's step over several SMs (docs/GPU.md, "Splitting the
// step over a cluster"). Ping-pongs, a round trip per iteration, timed
// with clock64 on block 0, printed in cycles per one-way hand-off:
//   named        one block, warp groups 0 and 1 (256 threads each):
//                shared stores, bar.arrive / bar.sync;
//   cluster      two blocks: remote stores, barrier.cluster;
//   per-thread   remote stores (st.shared::cluster), each of the 256
//                threads arrives on the receiver's mbarrier;
//   one arrival  remote stores, a block barrier, one thread arrives;
//   st.async     remote stores that count their bytes on the receiver's
//                mbarrier (complete_tx), no arrival;
//   bulk copy    local stores, a block barrier, one thread copies 2 KB
//                with cp.async.bulk into the other block (complete_tx).
// Receivers wait with mbarrier.try_wait.parity.acquire.cluster.
//
// Build and run on the GPU machine (prints a table):
//   nvcc -O3 -arch=sm_90 bench/gpu/cluster_latency.cu -o /tmp/cl
//   /tmp/cl
#include "cluster_ops.cuh"

#include <cstdio>

namespace {

constexpr int kThreads = 256;
constexpr int kIters = 2000;
constexpr uint32_t kBytes = kThreads * 2 * sizeof(float);

// Warp groups 0 and 1 of one block pass a token back and forth.
__global__ void namedKernel(long long *cycles, float *sink) {
  __shared__ float2 slot[2][kThreads];
  int group = threadIdx.x / kThreads, lane = threadIdx.x % kThreads;
  float token = lane;
  __syncthreads();
  long long start = clock64();
  for (int i = 0; i < kIters; ++i) {
    if (group == 0) {
      slot[1][lane] = make_float2(token + 1, token);
      asm volatile("bar.arrive 1, 512;" ::: "memory");
      asm volatile("bar.sync 2, 512;" ::: "memory");
      token = slot[0][lane].x;
    } else {
      asm volatile("bar.sync 1, 512;" ::: "memory");
      token = slot[1][lane].x;
      slot[0][lane] = make_float2(token + 1, token);
      asm volatile("bar.arrive 2, 512;" ::: "memory");
    }
  }
  long long stop = clock64();
  sink[threadIdx.x] = token;
  if (threadIdx.x == 0)
    *cycles = stop - start;
}

enum class Mode { ClusterBarrier, PerThread, OneArrival, StoreAsync, Bulk };

template <Mode M>
__global__ void __cluster_dims__(2, 1, 1)
    pingPongKernel(long long *cycles, float *sink) {
  __shared__ alignas(16) float2 slot[kThreads];
  __shared__ alignas(16) float2 outbox[kThreads];
  __shared__ uint64_t full;
  uint32_t me = cluster::rank(), peer = me ^ 1;
  bool counted = M == Mode::StoreAsync || M == Mode::Bulk;
  if (threadIdx.x == 0) {
    cluster::initBarrier(&full, M == Mode::PerThread ? kThreads : 1);
    if (counted)
      cluster::expectBytes(&full, kBytes);
  }
  cluster::fenceBarrierInit();
  float token = threadIdx.x;
  cluster::sync();
  long long start = clock64();
  for (int i = 0; i < kIters; ++i) {
    if (M == Mode::ClusterBarrier) {
      cluster::store(&slot[threadIdx.x], peer, token + 1, token);
      cluster::sync();
      token = slot[threadIdx.x].x;
      continue;
    }
    bool sends = me == 0;
    for (int half = 0; half < 2; ++half, sends = !sends) {
      if (!sends) {
        cluster::waitParity(&full, i & 1);
        token = slot[threadIdx.x].x;
        if (counted && threadIdx.x == 0)
          cluster::expectBytes(&full, kBytes);
        continue;
      }
      if (M == Mode::PerThread) {
        cluster::store(&slot[threadIdx.x], peer, token + 1, token);
        cluster::arriveRemote(&full, peer);
      } else if (M == Mode::OneArrival) {
        cluster::store(&slot[threadIdx.x], peer, token + 1, token);
        __syncthreads();
        if (threadIdx.x == 0)
          cluster::arriveRemote(&full, peer);
      } else if (M == Mode::StoreAsync) {
        cluster::storeAsync(&slot[threadIdx.x], peer, &full, token + 1, token);
      } else {
        outbox[threadIdx.x] = make_float2(token + 1, token);
        cluster::fenceProxyAsync();
        __syncthreads();
        if (threadIdx.x == 0)
          cluster::copyBulk(slot, outbox, kBytes, peer, &full);
      }
    }
  }
  long long stop = clock64();
  cluster::sync();
  sink[blockIdx.x * kThreads + threadIdx.x] = token;
  if (threadIdx.x == 0 && me == 0)
    *cycles = stop - start;
}

double perHandOff(long long *cycles, int handOffsPerIter) {
  long long host = 0;
  cudaMemcpy(&host, cycles, sizeof host, cudaMemcpyDeviceToHost);
  return double(host) / kIters / handOffsPerIter;
}

template <Mode M>
void runPingPong(const char *name, long long *cycles, float *sink, bool print,
                 int handOffs = 2) {
  pingPongKernel<M><<<2, kThreads>>>(cycles, sink);
  cudaDeviceSynchronize();
  if (print)
    std::printf("| %s | %.0f |\n", name, perHandOff(cycles, handOffs));
}

} // namespace

int main() {
  if (!cluster::hasDevice("cluster_latency"))
    return 1;
  long long *cycles;
  float *sink;
  cudaMalloc(&cycles, sizeof(long long));
  cudaMalloc(&sink, 4 * kThreads * sizeof(float));
  std::printf("| hand-off of 2 KB | cycles (one way) |\n|---|---:|\n");
  for (int rep = 0; rep < 2; ++rep) {
    namedKernel<<<1, 2 * kThreads>>>(cycles, sink);
    cudaDeviceSynchronize();
    if (rep)
      std::printf("| named barriers, one block | %.0f |\n",
                  perHandOff(cycles, 2));
    runPingPong<Mode::ClusterBarrier>("barrier.cluster", cycles, sink, rep, 1);
    runPingPong<Mode::PerThread>("remote stores, 256 remote arrivals", cycles,
                                 sink, rep);
    runPingPong<Mode::OneArrival>(
        "remote stores, block barrier, one remote arrival", cycles, sink, rep);
    runPingPong<Mode::StoreAsync>("st.async (complete_tx)", cycles, sink, rep);
    runPingPong<Mode::Bulk>("block barrier, cp.async.bulk 2 KB", cycles, sink,
                            rep);
  }
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) {
    std::printf("CUDA error: %s\n", cudaGetErrorString(err));
    return 1;
  }
  return 0;
}
