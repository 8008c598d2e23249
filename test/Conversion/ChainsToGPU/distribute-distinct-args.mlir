// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128})))' %s | FileCheck %s --check-prefix=ALIAS
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true})))' %s | FileCheck %s --check-prefix=DISTINCT

// Two ops on different kernel arguments: the first writes %a, the second
// reads %b transposed (other threads' elements) and writes %c. By default
// two arguments may alias (%c could be %a), so a barrier separates them;
// with distinct-args (the layer ABI: arrays never alias) they are
// independent and only the barrier after the last op is left.
// ALIAS-LABEL: gpu.func @two_args
// ALIAS-COUNT-2: gpu.barrier
// DISTINCT-LABEL: gpu.func @two_args
// DISTINCT-COUNT-1: gpu.barrier
// DISTINCT-NOT: gpu.barrier
#id = affine_map<(i, j) -> (i, j)>
#tr = affine_map<(i, j) -> (j, i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @two_args(%pa: memref<f32>, %pb: memref<f32>, %pc: memref<f32>) kernel {
      %a = memref.reinterpret_cast %pa to offset: [0], sizes: [16, 16], strides: [16, 1] : memref<f32> to memref<16x16xf32>
      %b = memref.reinterpret_cast %pb to offset: [0], sizes: [16, 16], strides: [16, 1] : memref<f32> to memref<16x16xf32>
      %c = memref.reinterpret_cast %pc to offset: [0], sizes: [16, 16], strides: [16, 1] : memref<f32> to memref<16x16xf32>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%b : memref<16x16xf32>) outs(%a : memref<16x16xf32>) {
      ^bb0(%x: f32, %y: f32):
        linalg.yield %x : f32
      }
      linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
          ins(%b : memref<16x16xf32>) outs(%c : memref<16x16xf32>) {
      ^bb0(%x: f32, %y: f32):
        linalg.yield %x : f32
      }
      gpu.return
    }
  }
}
