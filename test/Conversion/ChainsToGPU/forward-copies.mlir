// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-forward-copies)))' --split-input-file %s | FileCheck %s

// The op that fills a temporary writes the copy's destination (a subview
// of the output array, made after it: moved ahead), and the copy and the
// temporary go.
// CHECK-LABEL: gpu.func @forward
// CHECK: %[[O:.*]] = memref.subview %{{.*}}[%{{.*}}, 0] [16, 64] [1, 1]
// CHECK-NEXT: linalg.generic {{.*}} ins(%{{.*}} : memref<16x64xf32>) outs(%[[O]] : memref<16x64xf32, strided<[64, 1], offset: ?>>)
// CHECK-NOT: linalg.copy
// CHECK-NOT: memref.alloc
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @forward(%x: memref<16x64xf32>, %out: memref<?x64xf32>, %i: index) kernel {
      %t = memref.alloc() : memref<16x64xf32>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%x : memref<16x64xf32>) outs(%t : memref<16x64xf32>) {
      ^bb0(%a: f32, %b: f32):
        %s = arith.addf %a, %a : f32
        linalg.yield %s : f32
      }
      %o = memref.subview %out[%i, 0] [16, 64] [1, 1] : memref<?x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
      linalg.copy ins(%t : memref<16x64xf32>) outs(%o : memref<16x64xf32, strided<[64, 1], offset: ?>>)
      gpu.return
    }
  }
}

// -----

// Kept: a temporary two copies read (%t), one whose writer reads its old
// value (%u, accumulated), and a destination written between the writer
// and the copy (%y, filled; %v's writer does not read %v).
// CHECK-LABEL: gpu.func @kept
// CHECK-COUNT-4: linalg.copy
// CHECK: linalg.generic
// CHECK: linalg.fill
// CHECK: linalg.copy
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @kept(%x: memref<16x64xf32>, %y: memref<16x64xf32>, %z: memref<16x64xf32>, %w: memref<16x64xf32>) kernel {
      %t = memref.alloc() : memref<16x64xf32>
      linalg.copy ins(%x : memref<16x64xf32>) outs(%t : memref<16x64xf32>)
      linalg.copy ins(%t : memref<16x64xf32>) outs(%z : memref<16x64xf32>)
      linalg.copy ins(%t : memref<16x64xf32>) outs(%w : memref<16x64xf32>)
      %u = memref.alloc() : memref<16x64xf32>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%x : memref<16x64xf32>) outs(%u : memref<16x64xf32>) {
      ^bb0(%a: f32, %b: f32):
        %s = arith.addf %a, %b : f32
        linalg.yield %s : f32
      }
      %c1 = arith.constant 1.0 : f32
      linalg.copy ins(%u : memref<16x64xf32>) outs(%y : memref<16x64xf32>)
      %v = memref.alloc() : memref<16x64xf32>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%x : memref<16x64xf32>) outs(%v : memref<16x64xf32>) {
      ^bb0(%a: f32, %b: f32):
        linalg.yield %a : f32
      }
      linalg.fill ins(%c1 : f32) outs(%y : memref<16x64xf32>)
      linalg.copy ins(%v : memref<16x64xf32>) outs(%y : memref<16x64xf32>)
      gpu.return
    }
  }
}
