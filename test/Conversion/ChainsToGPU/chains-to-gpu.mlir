// RUN: ttt-opt --convert-ttt-chains-to-gpu --split-input-file --verify-diagnostics %s | FileCheck %s

// Chain dims (B, H) become [1, chains], the token dim `tokens`; the
// innermost chain index is the block index, the outer one 0.
// CHECK: module attributes {gpu.container_module}
// CHECK-NOT: func.func
// CHECK: gpu.module @ttt_kernels
// CHECK: gpu.func @f(%[[X:.*]]: memref<f32>, %[[W:.*]]: memref<f32>, %[[Y:.*]]: memref<f32>, %[[T:.*]]: i64, %[[C:.*]]: i64) kernel
// CHECK-DAG: %[[TI:.*]] = arith.index_cast %[[T]] : i64 to index
// CHECK-DAG: %[[CI:.*]] = arith.index_cast %[[C]] : i64 to index
// CHECK: memref.reinterpret_cast %[[X]] to offset: [0], sizes: [1, %[[CI]], %[[TI]], 4], strides: [%{{.*}}, %{{.*}}, 4, 1]
// CHECK: memref.reinterpret_cast %[[W]] to offset: [0], sizes: [4, 4], strides: [4, 1]
// CHECK: %[[BID:.*]] = gpu.block_id x
// CHECK-NOT: scf.for {{.*}} step %c1
// CHECK: memref.subview %{{.*}}[%{{.*}}, %[[BID]], 0, 0]
// CHECK: gpu.return
func.func @f(%x: memref<?x?x?x4xf32>, %w: memref<4x4xf32>, %y: memref<?x?x?x4xf32>) -> memref<?x?x?x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %nb = memref.dim %x, %c0 : memref<?x?x?x4xf32>
  %nh = memref.dim %x, %c1 : memref<?x?x?x4xf32>
  %nt = memref.dim %x, %c2 : memref<?x?x?x4xf32>
  scf.for %b = %c0 to %nb step %c1 {
    scf.for %h = %c0 to %nh step %c1 {
      %src = memref.subview %x[%b, %h, 0, 0] [1, 1, %nt, 4] [1, 1, 1, 1] : memref<?x?x?x4xf32> to memref<?x4xf32, strided<[4, 1], offset: ?>>
      %dst = memref.subview %y[%b, %h, 0, 0] [1, 1, %nt, 4] [1, 1, 1, 1] : memref<?x?x?x4xf32> to memref<?x4xf32, strided<[4, 1], offset: ?>>
      memref.copy %src, %dst : memref<?x4xf32, strided<[4, 1], offset: ?>> to memref<?x4xf32, strided<[4, 1], offset: ?>>
    }
  }
  return %y : memref<?x?x?x4xf32>
}

// -----

// expected-error @+1 {{a result is not an argument written in place}}
func.func @returns_alloc(%x: memref<?xf32>) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %a = memref.alloc(%n) : memref<?xf32>
  return %a : memref<?xf32>
}
