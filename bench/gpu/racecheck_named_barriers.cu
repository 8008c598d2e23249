// Does compute-sanitizer's racecheck model named barriers over part of a
// block? The kernels with three warp groups (ttt-gpu-output-warps
// {weight-warps}) order their groups by bar.arrive / bar.sync with thread
// counts below the block's, and racecheck reports hazards in them between
// accesses that such barriers order. This kernel has the same pattern and
// no race: group A (threads 0-127) writes a[], arrives at barrier 5 (256
// threads); group B (128-255) waits there, then reads a[]; group C
// (256-383) writes c[], waits at its own barrier 3 (128 threads), reads
// c[]; a block barrier starts each step. Mode 0 leaves out C's barrier (a
// real race in C: racecheck must report it).
//
// Run on the GPU machine:
//   nvcc -arch=sm_90 bench/gpu/racecheck_named_barriers.cu -o /tmp/nbar
//   compute-sanitizer --tool racecheck --racecheck-report hazard /tmp/nbar 1
// On an H200 (docs/bench-data/h200-round14-warp-groups.txt) mode 1
// reports WAR errors between B's read of a[] and A's write of a step
// before it in program order in some runs (4, 128, 0 in three): false
// reports, so racecheck's errors for kernels with such barriers do not
// show a race by themselves.
#include <cstdio>
#include <cstdlib>

namespace {

__device__ __forceinline__ void arrive(int id, int threads) {
  asm volatile("bar.arrive %0, %1;" ::"r"(id), "r"(threads) : "memory");
}

__device__ __forceinline__ void wait(int id, int threads) {
  asm volatile("bar.sync %0, %1;" ::"r"(id), "r"(threads) : "memory");
}

__global__ void groups(float *out, int steps, int mode) {
  __shared__ float a[128], c[128];
  int t = threadIdx.x;
  float acc = 0;
  for (int s = 0; s < steps; ++s) {
    __syncthreads();
    if (t < 128) {
      a[t] = s + t;
      arrive(5, 256);
    } else if (t < 256) {
      wait(5, 256);
      acc += a[(t + 1) % 128];
    } else {
      c[t - 256] = acc + s;
      if (mode == 1)
        wait(3, 128);
      acc += c[(t + 1) % 128];
    }
  }
  out[t] = acc;
}

} // namespace

int main(int argc, char **argv) {
  int mode = argc > 1 ? std::atoi(argv[1]) : 1;
  float *out;
  cudaMalloc(&out, 384 * sizeof(float));
  groups<<<1, 384>>>(out, 8, mode);
  cudaError_t e = cudaDeviceSynchronize();
  std::printf("mode %d: %s\n", mode, cudaGetErrorString(e));
  cudaFree(out);
  return e == cudaSuccess ? 0 : 1;
}
