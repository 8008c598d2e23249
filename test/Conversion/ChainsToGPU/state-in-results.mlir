// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-state-in-results{min-bytes=16384})))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-state-in-results)))' --split-input-file %s | FileCheck %s --check-prefix=SMALL

// The fast weights (64 x 64, 16 KB) copied in, updated every chunk, then
// copied to the result array: the result array is the buffer (its view
// moved ahead), the first copy writes it, the last copy goes. With the
// default min-bytes (32 KB) they stay in their temporary.
// CHECK-LABEL: gpu.func @state
// CHECK: %[[R:.*]] = memref.reinterpret_cast %arg1
// CHECK: %[[W:.*]] = memref.subview %[[R]][%{{.*}}, 0, 0] [1, 64, 64] [1, 1, 1]
// CHECK-NOT: memref.alloc
// CHECK: linalg.copy ins(%{{.*}}) outs(%[[W]] : memref<64x64xf32, strided<[64, 1], offset: ?>>)
// CHECK: scf.for
// CHECK: linalg.generic {{.*}} outs(%[[W]] : memref<64x64xf32, strided<[64, 1], offset: ?>>)
// CHECK-NOT: linalg.copy
// CHECK: gpu.return
// SMALL-LABEL: gpu.func @state
// SMALL: memref.alloc() : memref<64x64xf32>
// SMALL-COUNT-2: linalg.copy
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @state(%p0: memref<f32>, %pr: memref<f32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %b = gpu.block_id x
      %w0 = memref.reinterpret_cast %p0 to offset: [0], sizes: [%n, 64, 64], strides: [4096, 64, 1] : memref<f32> to memref<?x64x64xf32>
      %s0 = memref.subview %w0[%b, 0, 0] [1, 64, 64] [1, 1, 1] : memref<?x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
      %w = memref.alloc() : memref<64x64xf32>
      linalg.copy ins(%s0 : memref<64x64xf32, strided<[64, 1], offset: ?>>) outs(%w : memref<64x64xf32>)
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%w : memref<64x64xf32>) {
        ^bb0(%x: f32):
          %y = arith.addf %x, %x : f32
          linalg.yield %y : f32
        }
      }
      %r = memref.reinterpret_cast %pr to offset: [0], sizes: [%n, 64, 64], strides: [4096, 64, 1] : memref<f32> to memref<?x64x64xf32>
      %sr = memref.subview %r[%b, 0, 0] [1, 64, 64] [1, 1, 1] : memref<?x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: ?>>
      linalg.copy ins(%w : memref<64x64xf32>) outs(%sr : memref<64x64xf32, strided<[64, 1], offset: ?>>)
      gpu.return
    }
  }
}

// -----

// Kept: the result array is also read elsewhere (%r read before the copy).
// CHECK-LABEL: gpu.func @read_elsewhere
// CHECK: memref.alloc
// CHECK-COUNT-2: linalg.copy
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @read_elsewhere(%pr: memref<f32>, %x: memref<64x64xf32>) kernel {
      %r = memref.reinterpret_cast %pr to offset: [0], sizes: [64, 64], strides: [64, 1] : memref<f32> to memref<64x64xf32>
      %w = memref.alloc() : memref<64x64xf32>
      linalg.copy ins(%r : memref<64x64xf32>) outs(%w : memref<64x64xf32>)
      linalg.copy ins(%w : memref<64x64xf32>) outs(%r : memref<64x64xf32>)
      gpu.return
    }
  }
}
