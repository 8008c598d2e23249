// RUN: ttt-opt %s --split-input-file --ttt-gpu-launch-shared-memory | FileCheck %s

// A kernel given ttt.shared_bytes launches with that much dynamic shared
// memory; a kernel without it launches as before.
// CHECK-LABEL: gpu.module @kernels
// CHECK: gpu.func @shared({{.*}}) kernel attributes {ttt.shared_bytes = 1024 : i64}
// CHECK: gpu.func @plain({{.*}}) kernel {
// CHECK-LABEL: func.func @host
// CHECK-SAME: (%[[A:[^:]+]]: memref<4xf32>, %[[N:[^:]+]]: index)
// CHECK: %[[BYTES:.*]] = arith.constant 1024 : i32
// CHECK-NEXT: gpu.launch_func @kernels::@shared blocks in (%[[N]], %{{.*}}) threads in (%{{.*}}) dynamic_shared_memory_size %[[BYTES]] args(%[[A]] : memref<4xf32>)
// CHECK-NEXT: gpu.launch_func @kernels::@plain blocks in (%[[N]], %{{.*}}) threads in (%{{[^)]*}}) args(%[[A]] : memref<4xf32>)
// CHECK-NEXT: return
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @shared(%a: memref<4xf32>) kernel attributes {ttt.shared_bytes = 1024 : i64} {
      gpu.return
    }
    gpu.func @plain(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @host(%a: memref<4xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    %c128 = arith.constant 128 : index
    gpu.launch_func @kernels::@shared blocks in (%n, %c1, %c1) threads in (%c128, %c1, %c1) args(%a : memref<4xf32>)
    gpu.launch_func @kernels::@plain blocks in (%n, %c1, %c1) threads in (%c128, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
}

// -----

// Every launch of the kernel gets the size, from whichever function.
// CHECK-LABEL: func.func @first
// CHECK: %[[B1:.*]] = arith.constant 49152 : i32
// CHECK-NEXT: gpu.launch_func @m::@k {{.*}} dynamic_shared_memory_size %[[B1]] args
// CHECK-LABEL: func.func @second
// CHECK: %[[B2:.*]] = arith.constant 49152 : i32
// CHECK-NEXT: gpu.launch_func @m::@k {{.*}} dynamic_shared_memory_size %[[B2]] args
// CHECK: %[[B3:.*]] = arith.constant 49152 : i32
// CHECK-NEXT: gpu.launch_func @m::@k {{.*}} dynamic_shared_memory_size %[[B3]] args
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k(%a: memref<4xf32>) kernel attributes {ttt.shared_bytes = 49152 : i64} {
      gpu.return
    }
  }
  func.func @first(%a: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @m::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
  func.func @second(%a: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @m::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    gpu.launch_func @m::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
}
