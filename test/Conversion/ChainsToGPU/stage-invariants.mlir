// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-stage-invariants)))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-stage-invariants{max-bytes=128})))' --split-input-file %s | FileCheck %s --check-prefix=SMALL

// The scale read in every chunk step from a kernel argument nothing
// writes: one copy before the loop, the loop's op reads the copy. Read
// by two ops: one copy. Not the rows the loop writes (an argument the
// kernel writes), nor a view made in the loop.
// CHECK-LABEL: gpu.func @scale
// CHECK: %[[G:.*]] = memref.subview %arg0
// CHECK: %[[S:.*]] = memref.alloc() {alignment = 16 : i64} : memref<64xf32>
// CHECK-NEXT: linalg.copy ins(%[[G]] : memref<64xf32, strided<[1], offset: ?>>) outs(%[[S]] : memref<64xf32>)
// CHECK-NOT: memref.alloc
// CHECK: scf.for
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[S]] : memref<16x64xf32{{.*}}>, memref<64xf32>) outs(%[[OUT:.*]] :
// CHECK: linalg.generic {{.*}} ins(%[[OUT]], %[[S]] :
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : memref<64xf32, strided<[1], offset: ?>>) outs(
// A 256-byte array is over max-bytes=128: read where it is.
// SMALL-LABEL: gpu.func @scale
// SMALL-NOT: memref.alloc
// SMALL-NOT: linalg.copy
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @scale(%g: memref<2x64xf32>, %x: memref<64x64xf32>, %y: memref<64x64xf32>, %h: memref<64x64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      %c64 = arith.constant 64 : index
      %gamma = memref.subview %g[%c1, 0] [1, 64] [1, 1] : memref<2x64xf32> to memref<64xf32, strided<[1], offset: ?>>
      scf.for %i = %c0 to %c64 step %c16 {
        %xs = memref.subview %x[%i, 0] [16, 64] [1, 1] : memref<64x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        %ys = memref.subview %y[%i, 0] [16, 64] [1, 1] : memref<64x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        %hs = memref.subview %h[%i, 0] [1, 64] [1, 1] : memref<64x64xf32> to memref<64xf32, strided<[1], offset: ?>>
        linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
            ins(%xs, %gamma : memref<16x64xf32, strided<[64, 1], offset: ?>>, memref<64xf32, strided<[1], offset: ?>>)
            outs(%ys : memref<16x64xf32, strided<[64, 1], offset: ?>>) {
        ^bb0(%a: f32, %s: f32, %o: f32):
          %m = arith.mulf %a, %s : f32
          linalg.yield %m : f32
        }
        linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
            ins(%ys, %gamma : memref<16x64xf32, strided<[64, 1], offset: ?>>, memref<64xf32, strided<[1], offset: ?>>)
            outs(%ys : memref<16x64xf32, strided<[64, 1], offset: ?>>) {
        ^bb0(%a: f32, %s: f32, %o: f32):
          %m = arith.addf %a, %s : f32
          linalg.yield %m : f32
        }
        linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]}
            ins(%hs : memref<64xf32, strided<[1], offset: ?>>)
            outs(%ys : memref<16x64xf32, strided<[64, 1], offset: ?>>) {
        ^bb0(%a: f32, %o: f32):
          linalg.yield %a : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// An array the kernel writes (here after the loop) may change between
// steps: read where it is.
// CHECK-LABEL: gpu.func @written
// SMALL-LABEL: gpu.func @written
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.copy
// CHECK: scf.for
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @written(%g: memref<64xf32>, %y: memref<64x64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c16 = arith.constant 16 : index
      %c64 = arith.constant 64 : index
      %zero = arith.constant 0.0 : f32
      scf.for %i = %c0 to %c64 step %c16 {
        %ys = memref.subview %y[%i, 0] [1, 64] [1, 1] : memref<64x64xf32> to memref<64xf32, strided<[1], offset: ?>>
        linalg.copy ins(%g : memref<64xf32>) outs(%ys : memref<64xf32, strided<[1], offset: ?>>)
      }
      linalg.fill ins(%zero : f32) outs(%g : memref<64xf32>)
      gpu.return
    }
  }
}
