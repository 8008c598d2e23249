//===- ToyKernel.cu - CUDA test double of a compiled TTT artifact ---------===//
//
// NOT a TTT layer: the toy recurrence of ToyKernel.cpp (same manifest, same
// numbers) with the cuda kernel ABI of docs/RUNTIME.md, so the streaming
// tests run on both backends and compare. Per chain, positions counted
// from the span start in mini-batches of C = 16 tokens, D = 3:
//   acc_r = sum_{s<=r in batch} eta_s * x_s
//   o_r   = g * S + (tok[r mod C] + (r mod C) + 1) * acc_r
//   S    <- S + acc_last   at the end of each (possibly partial) batch.
// One block per chain, one thread per feature d; the arithmetic is the
// CPU's, in the same order, and built with --fmad=false so results are
// bitwise equal to the CPU double.
//
// The checked-in ToyKernel.ptx is generated from this file (CUDA 13.0):
//   nvcc -arch=compute_80 --fmad=false -ptx ToyKernel.cu -o ToyKernel.ptx
//
//===----------------------------------------------------------------------===//

#include <cstdint>

extern "C" __global__ void ttt_toy_cuda(const float *x, const float *eta,
                                        const float *s0, const float *g,
                                        const float *tok, float *o, float *s,
                                        int64_t T, int64_t chains) {
  constexpr int64_t C = 16, D = 3;
  const int64_t c = blockIdx.x;
  const int64_t d = threadIdx.x;
  if (c >= chains || d >= D)
    return;
  const float *xc = x + c * T * D, *ec = eta + c * T;
  float *oc = o + c * T * D;
  float sc = s0[c * D + d];
  const float gd = g[c * D + d];
  for (int64_t b = 0; b < T; b += C) {
    float acc = 0;
    for (int64_t r = b; r < T && r < b + C; ++r) {
      acc += ec[r] * xc[r * D + d];
      float w = tok[r - b] + float(r - b + 1);
      oc[r * D + d] = gd * sc + w * acc;
    }
    sc += acc;
  }
  s[c * D + d] = sc;
}
