// How long one warp-level tensor-core instruction (mma.sync) takes on the
// GPU at hand: the latency of a chain of dependent mma (each accumulates
// into the previous one's result) and the issue interval when a warp has
// several independent chains, with 1 to 16 warps in the block (4 warps
// share an SM sub-partition's tensor unit from 8 warps on). The chain
// kernel's phases are chains of such mma (docs/GPU.md); this says what a
// chain of n costs at best.
//
// Build and run on the GPU machine (prints a table):
//   nvcc -O3 -arch=sm_90 bench/gpu/mma_latency.cu -o /tmp/mma_latency
//   /tmp/mma_latency
#include "mma_ops.cuh"

#include <cstdint>
#include <cstdio>

namespace {

enum class Kind { TF32, BF16 };

__device__ __forceinline__ void mma(Kind kind, float (&d)[4],
                                    const uint32_t (&a)[4],
                                    const uint32_t (&b)[2]) {
  if (kind == Kind::TF32)
    mma_ops::mmaTf32(d, a, b);
  else
    mma_ops::mmaBf16(d, a, b);
}

// Each warp runs `chains` independent accumulators for `steps` steps;
// thread 0 reports the cycles the loop took.
template <int Chains, Kind K>
__global__ void chainKernel(float *out, long long *cycles, int steps) {
  uint32_t a[4], b[2];
  for (int i = 0; i < 4; ++i)
    a[i] = __float_as_uint(1e-3f * float(threadIdx.x + i));
  for (int i = 0; i < 2; ++i)
    b[i] = __float_as_uint(1e-3f * float(threadIdx.x) - float(i));
  float d[Chains][4] = {};
  __syncthreads();
  long long start = clock64();
  for (int s = 0; s < steps; ++s) {
#pragma unroll
    for (int c = 0; c < Chains; ++c)
      mma(K, d[c], a, b);
  }
  long long stop = clock64();
  float sum = 0;
  for (int c = 0; c < Chains; ++c)
    sum += d[c][0] + d[c][1] + d[c][2] + d[c][3];
  out[threadIdx.x] = sum; // keeps the chains alive
  if (threadIdx.x == 0)
    *cycles = stop - start;
}

template <int Chains, Kind K>
bool measure(const char *name, int warps, float *out, long long *cycles) {
  const int steps = 4096;
  // The first launch warms up; the second is measured.
  for (int i = 0; i < 2; ++i)
    chainKernel<Chains, K><<<1, 32 * warps>>>(out, cycles, steps);
  long long host = 0;
  if (cudaMemcpy(&host, cycles, sizeof(host), cudaMemcpyDeviceToHost) !=
      cudaSuccess)
    return false;
  printf("| %s | %2d | %d | %6.1f | %6.1f |\n", name, warps, Chains,
         double(host) / steps, double(host) / (double(steps) * Chains));
  return true;
}

} // namespace

int main() {
  float *out = nullptr;
  long long *cycles = nullptr;
  if (cudaMalloc(&out, 1024 * sizeof(float)) != cudaSuccess ||
      cudaMalloc(&cycles, sizeof(long long)) != cudaSuccess) {
    fprintf(stderr, "mma_latency: no CUDA device\n");
    return 1;
  }
  cudaDeviceProp prop;
  cudaGetDeviceProperties(&prop, 0);
  printf("%s: cycles per step of a warp's chains (each chain's step is one "
         "mma) and per mma\n\n",
         prop.name);
  printf("| mma | warps | chains | cycles a step | cycles an mma |\n");
  printf("|---|---:|---:|---:|---:|\n");
  bool ok = true;
  for (int warps : {1, 8, 16}) {
    ok &= measure<1, Kind::TF32>("m16n8k8 tf32", warps, out, cycles);
    ok &= measure<4, Kind::TF32>("m16n8k8 tf32", warps, out, cycles);
    ok &= measure<8, Kind::TF32>("m16n8k8 tf32", warps, out, cycles);
  }
  for (int warps : {1, 8, 16}) {
    ok &= measure<1, Kind::BF16>("m16n8k16 bf16", warps, out, cycles);
    ok &= measure<4, Kind::BF16>("m16n8k16 bf16", warps, out, cycles);
  }
  if (!ok || cudaGetLastError() != cudaSuccess) {
    fprintf(stderr, "mma_latency: a launch failed\n");
    return 1;
  }
  return 0;
}
