// The floor of a TTT-Linear step whose critical chain runs alone on one
// SM (docs/GPU.md, "Splitting the step over a cluster"). With the next
// chunk's products computed a step ahead (Pb = K_{t+1} W_t + b_t, and the
// input-only correction C = -(K_{t+1} K_t^T diag(eta) + eta_last 1 1^T)),
// the recurrence is only
//   Z = Pb + C G_{t-1}          (16 x 16 x 64, 3xtf32 mma, 8 warps)
//   G = dLN(Z) against v - k    (row-warps: warp w owns rows 2w, 2w + 1)
// with two block barriers a step. This kernel times that chain for 512
// steps on 256 threads (8 warps):
//   alone    the chain with its inputs fixed in shared memory;
//   cluster  block 0 runs the chain and sends each G to block 1 of its
//            cluster (st.shared::cluster, one remote mbarrier arrival per
//            thread); block 1 waits for G_{t-1}, reads it and sends
//            Pb_{t+1} back the same way, which block 0 waits for before
//            step t + 1: the hand-offs a split step adds, with block 1
//            doing no work of its own.
// The numbers are made up (not checked): it times, it does not compute
// TTT. Cycles per step from clock64 on block 0, median of 12 chains.
//
// Build and run on the GPU machine (prints a table):
//   nvcc -O3 -arch=sm_90 bench/gpu/split_step_floor.cu -o /tmp/floor
//   /tmp/floor
#include "cluster_ops.cuh"
#include "mma_ops.cuh"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

constexpr int kThreads = 256;
constexpr int kSteps = 512;
constexpr int kRows = 16, kCols = 64, kPitch = 72, kCorrPitch = 20;

struct Shared {
  float pb[3][kRows][kPitch]; // Pb for the step (a ring)
  float corr[kRows][2 * kCorrPitch];
  float target[kRows][kPitch];
  float z[kRows][kPitch];
  float g[3][kRows][kPitch]; // G (block 1: the ring it receives)
  float gamma[kCols], beta[kCols];
  uint64_t pbFull[3], gFull[3];
};

__device__ __forceinline__ uint32_t tf32(float x) {
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return r;
}

// Z = Pb + C [G_{t-1}; ...; G_{t-Lead}] on warp w's 16 x 8 tile (columns
// 8w..8w+7), 3xtf32.
template <int Lead> __device__ void correct(Shared &s, int t, int ring) {
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  int g = lane / 4, c = lane % 4, col = 8 * warp + 2 * c;
  float(*pb)[kPitch] = s.pb[t % ring];
  float d[4] = {pb[g][col], pb[g][col + 1], pb[g + 8][col], pb[g + 8][col + 1]};
#pragma unroll
  for (int k0 = 0; k0 < kRows * Lead; k0 += 8) {
    float(*gt)[kPitch] = s.g[(t + ring - 1 - k0 / kRows) % ring];
    int k = k0 % kRows;
    float a[4] = {s.corr[g][k0 + c], s.corr[g + 8][k0 + c],
                  s.corr[g][k0 + c + 4], s.corr[g + 8][k0 + c + 4]};
    float b[2] = {gt[k + c][8 * warp + g], gt[k + c + 4][8 * warp + g]};
    uint32_t aHi[4], aLo[4], bHi[2], bLo[2];
    for (int i = 0; i < 4; ++i) {
      aHi[i] = tf32(a[i]);
      aLo[i] = tf32(a[i] - __uint_as_float(aHi[i]));
    }
    for (int i = 0; i < 2; ++i) {
      bHi[i] = tf32(b[i]);
      bLo[i] = tf32(b[i] - __uint_as_float(bHi[i]));
    }
    mma_ops::mmaTf32(d, aLo, bHi);
    mma_ops::mmaTf32(d, aHi, bLo);
    mma_ops::mmaTf32(d, aHi, bHi);
  }
  s.z[g][col] = d[0];
  s.z[g][col + 1] = d[1];
  s.z[g + 8][col] = d[2];
  s.z[g + 8][col + 1] = d[3];
}

// G = dLN(Z) for the warp's two rows; lane l: columns 2(l mod 16) + {0,1}
// and 32 + 2(l mod 16) + {0,1}. Two interleaved row sums a reduction.
__device__ void layerNormGradient(Shared &s, int gSlot) {
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  int row = 2 * warp + lane / 16, j = 2 * (lane % 16);
  float z[4] = {s.z[row][j], s.z[row][j + 1], s.z[row][j + 32],
                s.z[row][j + 33]};
  float sum = 0, sq = 0;
  for (float v : z) {
    sum += v;
    sq += v * v;
  }
  float m8 = 0, q8 = 0;
#pragma unroll
  for (int m = 8; m >= 1; m /= 2) {
    m8 = __shfl_xor_sync(0xffffffff, sum, m);
    q8 = __shfl_xor_sync(0xffffffff, sq, m);
    sum += m8;
    sq += q8;
  }
  float mean = sum * (1.0f / kCols);
  float rstd = rsqrtf(sq * (1.0f / kCols) - mean * mean + 1e-6f);
  int cols[4] = {j, j + 1, j + 32, j + 33};
  float xhat[4], dxhat[4], s1 = 0, s2 = 0;
  for (int i = 0; i < 4; ++i) {
    xhat[i] = (z[i] - mean) * rstd;
    float y = s.gamma[cols[i]] * xhat[i] + s.beta[cols[i]];
    dxhat[i] = (y - s.target[row][cols[i]]) * s.gamma[cols[i]];
    s1 += dxhat[i];
    s2 += dxhat[i] * xhat[i];
  }
#pragma unroll
  for (int m = 8; m >= 1; m /= 2) {
    float a = __shfl_xor_sync(0xffffffff, s1, m);
    float b = __shfl_xor_sync(0xffffffff, s2, m);
    s1 += a;
    s2 += b;
  }
  for (int i = 0; i < 4; ++i)
    s.g[gSlot][row][cols[i]] =
        rstd * (dxhat[i] - s1 * (1.0f / kCols) - xhat[i] * s2 * (1.0f / kCols));
}

enum class Mode { Alone, PerThread, StoreAsync, Bulk };

__host__ __device__ constexpr uint32_t perStepBytes(Mode m) {
  return m == Mode::Bulk ? kRows * kPitch * sizeof(float)
                         : kRows * kCols * sizeof(float);
}

// Sends this thread's four values of `rows` (a [kRows][kPitch] slot) to
// block `peer`, counted on its `bar`.
template <Mode M>
__device__ void send(float (*rows)[kPitch], uint64_t *bar, uint32_t peer,
                     float a, float b, float c, float d) {
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  int row = 2 * warp + lane / 16, j = 2 * (lane % 16);
  if (M == Mode::PerThread) {
    cluster::store(&rows[row][j], peer, a, b);
    cluster::store(&rows[row][j + 32], peer, c, d);
    cluster::arriveRemote(bar, peer);
  } else if (M == Mode::StoreAsync) {
    cluster::storeAsync(&rows[row][j], peer, bar, a, b);
    cluster::storeAsync(&rows[row][j + 32], peer, bar, c, d);
  } else { // the slot is already local: copy it whole
    rows[row][j] = a, rows[row][j + 1] = b;
    rows[row][j + 32] = c, rows[row][j + 33] = d;
    cluster::fenceProxyAsync();
    __syncthreads();
    if (threadIdx.x == 0)
      cluster::copyBulk(rows, rows, perStepBytes(M), peer, bar);
  }
}

// Waits for phase `n` of `bar`; counted modes then expect the next one.
template <Mode M> __device__ void receive(uint64_t *bar, uint32_t n) {
  cluster::waitParity(bar, n & 1);
  if (M != Mode::PerThread && threadIdx.x == 0)
    cluster::expectBytes(bar, perStepBytes(M));
}

// Block 0 runs the chain; with a cluster, block 1 answers each G_{t-1}
// with Pb_{t+Lead}, and block 0 corrects with the last Lead G's.
template <Mode M, int Lead>
__device__ void chain(Shared &s, long long *cycles, float *sink) {
  constexpr int kRing = Lead + 1;
  static_assert(kRing <= 3, "Shared holds rings of 3");
  uint32_t rank = M == Mode::Alone ? 0 : cluster::rank();
  for (int i = threadIdx.x; i < kRows * kPitch; i += kThreads) {
    int r = i / kPitch, c = i % kPitch;
    float v = 0.01f * float((r * 7 + c * 3) % 17) - 0.08f;
    for (int k = 0; k < 3; ++k) {
      s.pb[k][r][c] = v;
      s.g[k][r][c] = 0.5f * v;
    }
    s.target[r][c] = -v;
    s.z[r][c] = 0;
    if (c < kCorrPitch)
      s.corr[r][c] = 0.03f * v;
  }
  if (threadIdx.x < kCols) {
    s.gamma[threadIdx.x] = 1.0f + 0.01f * threadIdx.x;
    s.beta[threadIdx.x] = 0.02f;
  }
  if (threadIdx.x == 0)
    for (int i = 0; i < kRing; ++i) {
      uint32_t count = M == Mode::PerThread ? kThreads : 1;
      cluster::initBarrier(&s.pbFull[i], count);
      cluster::initBarrier(&s.gFull[i], count);
      if (M == Mode::StoreAsync || M == Mode::Bulk) {
        cluster::expectBytes(&s.pbFull[i], perStepBytes(M));
        cluster::expectBytes(&s.gFull[i], perStepBytes(M));
      }
    }
  cluster::fenceBarrierInit();
  if (M == Mode::Alone)
    __syncthreads();
  else
    cluster::sync();
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  int row = 2 * warp + lane / 16, j = 2 * (lane % 16);
  long long start = clock64();
  if (rank == 0) {
    for (int t = 0; t < kSteps; ++t) {
      if (M != Mode::Alone && t >= kRing)
        receive<M>(&s.pbFull[t % kRing], t / kRing - 1);
      correct<Lead>(s, t, kRing);
      __syncthreads();
      layerNormGradient(s, t % kRing);
      __syncthreads();
      if (M != Mode::Alone) { // G_t to block 1, slot t mod kRing
        float(*g)[kPitch] = s.g[t % kRing];
        send<M>(g, &s.gFull[t % kRing], 1, g[row][j], g[row][j + 1],
                g[row][j + 32], g[row][j + 33]);
      }
    }
  } else {
    for (int t = 1; t + Lead < kSteps; ++t) {
      receive<M>(&s.gFull[(t - 1) % kRing], (t - 1) / kRing);
      float(*g)[kPitch] = s.g[(t - 1) % kRing];
      float a = g[row][j], b = g[row][j + 32];
      int slot = (t + Lead) % kRing;
      send<M>(s.pb[slot], &s.pbFull[slot], 0, a, b, b, a);
    }
  }
  long long stop = clock64();
  if (M != Mode::Alone)
    cluster::sync();
  sink[blockIdx.x * kThreads + threadIdx.x] = s.g[0][row][j];
  if (threadIdx.x == 0 && rank == 0)
    cycles[blockIdx.x] = stop - start;
}

template <Mode M, int Lead>
__global__ void aloneKernel(long long *cycles, float *sink) {
  extern __shared__ __align__(16) unsigned char raw[];
  chain<M, Lead>(*reinterpret_cast<Shared *>(raw), cycles, sink);
}

template <Mode M, int Lead>
__global__ void __cluster_dims__(2, 1, 1)
    clusterKernel(long long *cycles, float *sink) {
  extern __shared__ __align__(16) unsigned char raw[];
  chain<M, Lead>(*reinterpret_cast<Shared *>(raw), cycles, sink);
}

double medianPerStep(long long *cycles, int blocks, int stride) {
  std::vector<long long> host(blocks);
  cudaMemcpy(host.data(), cycles, blocks * sizeof(long long),
             cudaMemcpyDeviceToHost);
  std::vector<double> per;
  for (int i = 0; i < blocks; i += stride)
    per.push_back(double(host[i]) / kSteps);
  std::sort(per.begin(), per.end());
  return per[per.size() / 2];
}

template <Mode M, int Lead>
void timeChain(const char *name, long long *cycles, float *sink, bool print) {
  constexpr int kChains = 12;
  int bytes = sizeof(Shared);
  bool alone = M == Mode::Alone;
  auto kernel = alone ? aloneKernel<M, Lead> : clusterKernel<M, Lead>;
  cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                       bytes);
  int blocks = alone ? kChains : 2 * kChains;
  kernel<<<blocks, kThreads, bytes>>>(cycles, sink);
  cudaDeviceSynchronize();
  if (print)
    std::printf("| %s | %d | %.0f |\n", name, Lead,
                medianPerStep(cycles, blocks, alone ? 1 : 2));
}

} // namespace

int main() {
  if (!cluster::hasDevice("split_step_floor"))
    return 1;
  long long *cycles;
  float *sink;
  cudaMalloc(&cycles, 24 * sizeof(long long));
  cudaMalloc(&sink, 24 * kThreads * sizeof(float));
  std::printf("| critical chain (16 x 16 Lead x 64 correction + LN "
              "gradient) | Lead | cycles a step |\n|---|---:|---:|\n");
  for (int rep = 0; rep < 2; ++rep) {
    timeChain<Mode::Alone, 1>("alone, one block", cycles, sink, rep);
    timeChain<Mode::Alone, 2>("alone, one block", cycles, sink, rep);
    timeChain<Mode::PerThread, 1>("cluster, remote stores + 256 arrivals",
                                  cycles, sink, rep);
    timeChain<Mode::StoreAsync, 1>("cluster, st.async", cycles, sink, rep);
    timeChain<Mode::Bulk, 1>("cluster, cp.async.bulk", cycles, sink, rep);
    timeChain<Mode::PerThread, 2>("cluster, remote stores + 256 arrivals",
                                  cycles, sink, rep);
    timeChain<Mode::StoreAsync, 2>("cluster, st.async", cycles, sink, rep);
    timeChain<Mode::Bulk, 2>("cluster, cp.async.bulk", cycles, sink, rep);
  }
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) {
    std::printf("CUDA error: %s\n", cudaGetErrorString(err));
    return 1;
  }
  return 0;
}
