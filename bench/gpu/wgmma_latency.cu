// Whether the warpgroup tensor-core product (wgmma, sm_90a) would shorten
// the chain kernel's products: what one 64 x 16 x 64 product (the weight
// products Z^T = W^T K^T of the register-weights layout, per warpgroup)
// costs as dependent wgmma (operand B, or A and B, read by the tensor
// cores from shared memory) against the same product as mma.sync (per warp
// 16 x 16 x 64: two chains of eight m16n8k8), with its fragments already in
// registers or loaded from shared memory at each k-step as the kernels do
// (docs/GPU.md, "mma.sync, not wgmma"). The chain kernels are latency
// bound: the time of one product, start to result, is what counts.
//
// Build and run on the GPU machine (prints a table):
//   nvcc -O3 -arch=sm_90a bench/gpu/wgmma_latency.cu -o /tmp/wgmma_latency
//   /tmp/wgmma_latency
// The operands' values and shared-memory layout do not matter for the
// timing (no swizzle; the products' results are kept, not checked).
#include "mma_ops.cuh"

#include <cstdint>
#include <cstdio>

namespace {

constexpr int kSteps = 2048;
constexpr int kSharedFloats = 4096; // 16 KB of operands

// A shared-memory matrix descriptor (PTX ISA, "Matrix Descriptor"): start
// address, leading and stride byte offsets, each >> 4; no swizzle.
__device__ uint64_t descriptorOf(const float *at, uint32_t leading,
                                 uint32_t stride) {
  auto address = static_cast<uint32_t>(__cvta_generic_to_shared(at));
  return uint64_t((address >> 4) & 0x3fff) |
         uint64_t((leading >> 4) & 0x3fff) << 16 |
         uint64_t((stride >> 4) & 0x3fff) << 32;
}

// d += a * b, m64n16k8 tf32, A in registers, B in shared memory.
__device__ __forceinline__ void wgmmaRegA(float (&d)[8], const uint32_t (&a)[4],
                                          uint64_t b) {
  asm volatile("wgmma.mma_async.sync.aligned.m64n16k8.f32.tf32.tf32 "
               "{%0,%1,%2,%3,%4,%5,%6,%7}, {%8,%9,%10,%11}, %12, 1, 1, 1;"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]),
                 "+f"(d[5]), "+f"(d[6]), "+f"(d[7])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b));
}

// d += a * b, m64n16k8 tf32, both in shared memory.
__device__ __forceinline__ void wgmmaShared(float (&d)[8], uint64_t a,
                                            uint64_t b) {
  asm volatile("wgmma.mma_async.sync.aligned.m64n16k8.f32.tf32.tf32 "
               "{%0,%1,%2,%3,%4,%5,%6,%7}, %8, %9, 1, 1, 1;"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]),
                 "+f"(d[5]), "+f"(d[6]), "+f"(d[7])
               : "l"(a), "l"(b));
}

__device__ __forceinline__ void wgmmaFence() {
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
}
__device__ __forceinline__ void wgmmaCommitAndWait() {
  asm volatile("wgmma.commit_group.sync.aligned;\n\t"
               "wgmma.wait_group.sync.aligned 0;" ::
                   : "memory");
}

enum class Form {
  WgmmaRegA,   // 8 dependent wgmma, A from registers
  WgmmaShared, // 8 dependent wgmma, A and B from shared memory
  WgmmaOne,    // one wgmma a product (fence, issue, wait: the fixed cost)
  MmaRegs,     // 2 chains of 8 mma.sync a warp, fragments in registers
  MmaLoads,    // the same, each k-step's fragments loaded from shared memory
};

// Each step is one 64 x 16 x 64 product per warpgroup (WgmmaOne: 64 x 16
// x 8); thread 0 of each block reports the cycles of the loop.
template <Form F>
__global__ void productKernel(float *out, long long *cycles) {
  __shared__ __align__(128) float operands[kSharedFloats];
  for (int i = threadIdx.x; i < kSharedFloats; i += blockDim.x)
    operands[i] = 1e-3f * float(i % 97);
  __syncthreads();
  int lane = threadIdx.x % 32;
  uint32_t a[4], b[2];
  for (int i = 0; i < 4; ++i)
    a[i] = __float_as_uint(operands[lane * 4 + i]);
  for (int i = 0; i < 2; ++i)
    b[i] = __float_as_uint(operands[512 + lane * 2 + i]);
  float d[8] = {};
  // A: 64 x 8 tf32 a k-step (2 KB), B: 8 x 16 (512 B).
  uint64_t aDesc = descriptorOf(operands, 128, 256);
  uint64_t bDesc = descriptorOf(operands + 2048, 128, 256);
  const uint32_t *words = reinterpret_cast<const uint32_t *>(operands);
  __syncthreads();
  long long start = clock64();
  for (int s = 0; s < kSteps; ++s) {
    if constexpr (F == Form::WgmmaRegA || F == Form::WgmmaShared ||
                  F == Form::WgmmaOne) {
      wgmmaFence();
      constexpr int kSteps = F == Form::WgmmaOne ? 1 : 8;
#pragma unroll
      for (int k = 0; k < kSteps; ++k) {
        if constexpr (F == Form::WgmmaShared)
          wgmmaShared(d, aDesc + 128 * k, bDesc + 32 * k);
        else
          wgmmaRegA(d, a, bDesc + 32 * k);
      }
      wgmmaCommitAndWait();
    } else {
      float (&d0)[4] = *reinterpret_cast<float(*)[4]>(&d[0]);
      float (&d1)[4] = *reinterpret_cast<float(*)[4]>(&d[4]);
#pragma unroll
      for (int k = 0; k < 8; ++k) {
        if constexpr (F == Form::MmaLoads) {
          // Volatile: the loads are made at each step, as in the kernels.
          const volatile uint32_t *at = words + (k * 64 + lane * 2) % 4096;
          for (int i = 0; i < 4; ++i)
            a[i] = at[i];
          b[0] = at[512];
          b[1] = at[513];
        }
        mma_ops::mmaTf32(d0, a, b);
        mma_ops::mmaTf32(d1, a, b);
      }
    }
  }
  long long stop = clock64();
  float sum = 0;
  for (float x : d)
    sum += x;
  out[blockIdx.x * blockDim.x + threadIdx.x] = sum;
  if (threadIdx.x == 0)
    cycles[blockIdx.x] = stop - start;
}

template <Form F>
bool measure(const char *name, int threads, float *out, long long *cycles) {
  // The first launch warms up; the second is measured.
  for (int i = 0; i < 2; ++i)
    productKernel<F><<<1, threads>>>(out, cycles);
  long long host = 0;
  if (cudaDeviceSynchronize() != cudaSuccess ||
      cudaMemcpy(&host, cycles, sizeof(host), cudaMemcpyDeviceToHost) !=
          cudaSuccess)
    return false;
  printf("| %s | %3d | %7.1f |\n", name, threads, double(host) / kSteps);
  return true;
}

} // namespace

int main() {
  float *out = nullptr;
  long long *cycles = nullptr;
  if (cudaMalloc(&out, 1024 * sizeof(float)) != cudaSuccess ||
      cudaMalloc(&cycles, sizeof(long long)) != cudaSuccess) {
    fprintf(stderr, "wgmma_latency: no CUDA device\n");
    return 1;
  }
  cudaDeviceProp prop;
  cudaGetDeviceProperties(&prop, 0);
  printf("%s: cycles per 64 x 16 x 64 tf32 product of each warpgroup, "
         "start to result (one-wgmma row: 64 x 16 x 8)\n\n",
         prop.name);
  printf("| form | threads | cycles a product |\n|---|---:|---:|\n");
  bool ok = true;
  for (int threads : {128, 256}) {
    ok &= measure<Form::WgmmaOne>("wgmma m64n16k8, one (fence, issue, wait)",
                                  threads, out, cycles);
    ok &= measure<Form::WgmmaRegA>("wgmma m64n16k8 x 8, A in registers",
                                   threads, out, cycles);
    ok &= measure<Form::WgmmaShared>("wgmma m64n16k8 x 8, A and B shared",
                                     threads, out, cycles);
    ok &= measure<Form::MmaRegs>("mma.sync m16n8k8, 2 chains x 8 a warp",
                                 threads, out, cycles);
    ok &= measure<Form::MmaLoads>(
        "mma.sync m16n8k8, 2 chains x 8, fragments loaded", threads, out,
        cycles);
  }
  if (!ok || cudaGetLastError() != cudaSuccess) {
    fprintf(stderr, "wgmma_latency: a launch failed\n");
    return 1;
  }
  return 0;
}
