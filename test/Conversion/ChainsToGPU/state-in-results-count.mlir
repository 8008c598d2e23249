// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-state-in-results{min-bytes=16384 max-count=1})))' %s | FileCheck %s --check-prefix=FIRST
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-state-in-results{min-bytes=16384 skip=1})))' %s | FileCheck %s --check-prefix=SECOND
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-state-in-results{min-bytes=16384})))' %s | FileCheck %s --check-prefix=BOTH

// Two fast weights (W1 then W2 in the order of their result copies):
// max-count=1 keeps only W1 in its result array (W2 stays a temporary, both
// its copies kept); skip=1 only W2; by default both.
// FIRST-LABEL: gpu.func @two
// FIRST-COUNT-1: memref.alloc() : memref<64x64xf32>
// FIRST-NOT: memref.alloc
// FIRST: linalg.copy ins(%{{.*}}) outs(%{{.*}} : memref<64x64xf32, strided<[64, 1], offset: ?>>)
// FIRST: linalg.copy ins(%{{.*}}) outs(%{{.*}} : memref<64x64xf32>)
// FIRST: linalg.copy ins(%{{.*}} : memref<64x64xf32>) outs(%[[R2:.*]] : memref<64x64xf32, strided<[64, 1], offset: ?>>)
// FIRST-NOT: linalg.copy
// FIRST: gpu.return
// SECOND-LABEL: gpu.func @two
// SECOND-COUNT-1: memref.alloc() : memref<64x64xf32>
// SECOND-NOT: memref.alloc
// SECOND: linalg.copy ins(%{{.*}}) outs(%{{.*}} : memref<64x64xf32>)
// SECOND: linalg.copy ins(%{{.*}}) outs(%{{.*}} : memref<64x64xf32, strided<[64, 1], offset: ?>>)
// SECOND: linalg.copy ins(%{{.*}} : memref<64x64xf32>) outs(%{{.*}} : memref<64x64xf32, strided<[64, 1], offset: ?>>)
// SECOND-NOT: linalg.copy
// SECOND: gpu.return
// BOTH-LABEL: gpu.func @two
// BOTH-NOT: memref.alloc
// BOTH-COUNT-2: linalg.copy
// BOTH-NOT: linalg.copy
// BOTH: gpu.return
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @two(%p1: memref<f32>, %p2: memref<f32>, %pr1: memref<f32>, %pr2: memref<f32>) kernel {
      %b = gpu.block_id x
      %w1in = memref.reinterpret_cast %p1 to offset: [0], sizes: [4, 64, 64], strides: [4096, 64, 1] : memref<f32> to memref<4x64x64xf32>
      %w2in = memref.reinterpret_cast %p2 to offset: [0], sizes: [4, 64, 64], strides: [4096, 64, 1] : memref<f32> to memref<4x64x64xf32>
      %s1 = memref.subview %w1in[%b, 0, 0] [1, 64, 64] [1, 1, 1] : memref<4x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
      %s2 = memref.subview %w2in[%b, 0, 0] [1, 64, 64] [1, 1, 1] : memref<4x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
      %w1 = memref.alloc() : memref<64x64xf32>
      %w2 = memref.alloc() : memref<64x64xf32>
      linalg.copy ins(%s1 : memref<64x64xf32, strided<[64, 1], offset: ?>>) outs(%w1 : memref<64x64xf32>)
      linalg.copy ins(%s2 : memref<64x64xf32, strided<[64, 1], offset: ?>>) outs(%w2 : memref<64x64xf32>)
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%w1 : memref<64x64xf32>) outs(%w2 : memref<64x64xf32>) {
      ^bb0(%x: f32, %y: f32):
        %z = arith.addf %x, %y : f32
        linalg.yield %z : f32
      }
      %r1 = memref.reinterpret_cast %pr1 to offset: [0], sizes: [4, 64, 64], strides: [4096, 64, 1] : memref<f32> to memref<4x64x64xf32>
      %r2 = memref.reinterpret_cast %pr2 to offset: [0], sizes: [4, 64, 64], strides: [4096, 64, 1] : memref<f32> to memref<4x64x64xf32>
      %sr1 = memref.subview %r1[%b, 0, 0] [1, 64, 64] [1, 1, 1] : memref<4x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
      %sr2 = memref.subview %r2[%b, 0, 0] [1, 64, 64] [1, 1, 1] : memref<4x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
      linalg.copy ins(%w1 : memref<64x64xf32>) outs(%sr1 : memref<64x64xf32, strided<[64, 1], offset: ?>>)
      linalg.copy ins(%w2 : memref<64x64xf32>) outs(%sr2 : memref<64x64xf32, strided<[64, 1], offset: ?>>)
      gpu.return
    }
  }
}
