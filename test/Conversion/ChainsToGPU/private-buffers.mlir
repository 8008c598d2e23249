// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-private-buffers)))' --split-input-file %s | FileCheck %s

// Static buffers become stack slots at the entry; a dynamic one gets the
// slot of its bound (min(., 16) x 4 = 64 elements) viewed at its shape; a
// yielded buffer is copied into a carry buffer of its own.
// CHECK-LABEL: gpu.func @k
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<64xf32>
// CHECK-DAG: memref.alloca() : memref<4xf32>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<4xf32>
// CHECK-NOT: memref.alloc(
// CHECK: scf.for
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [%{{.*}}, 4], strides: [4, 1] : memref<64xf32> to memref<?x4xf32>
// CHECK: linalg.copy
// CHECK: scf.yield
// CHECK-NOT: memref.dealloc
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k(%n: index, %init: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> memref<4xf32> {
        %m = arith.minui %n, %c16 : index
        %t = memref.alloc(%m) {alignment = 64 : i64} : memref<?x4xf32>
        memref.dealloc %t : memref<?x4xf32>
        %next = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
        scf.yield %next : memref<4xf32>
      }
      gpu.return
    }
  }
}

// -----

// The carry copy runs on the warp group of the last op writing the yielded
// buffer (ttt-gpu-output-warps' mark): the group that has the value.
// CHECK-LABEL: gpu.func @carry_group
// CHECK: scf.for
// CHECK: linalg.fill {ttt.warp_group = 2 : i64}
// CHECK: linalg.copy {ttt.warp_group = 2 : i64}
// CHECK: scf.yield
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @carry_group(%n: index, %init: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %one = arith.constant 1.0 : f32
      %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> memref<4xf32> {
        %next = memref.alloc() : memref<4xf32>
        linalg.fill {ttt.warp_group = 2 : i64} ins(%one : f32) outs(%next : memref<4xf32>)
        scf.yield %next : memref<4xf32>
      }
      gpu.return
    }
  }
}
