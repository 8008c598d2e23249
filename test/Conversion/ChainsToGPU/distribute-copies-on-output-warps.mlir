// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 copies-on-output-warps=true},canonicalize,cse)))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128},canonicalize,cse)))' --split-input-file %s | FileCheck %s --check-prefix=OFF

// With copies-on-output-warps, a prefetch copy in a kernel with two warp
// groups (the last 64 of 128 threads the output group) takes its points
// from thread 64 on: point p = (tid + 64) mod 128, so the 64 chunks of 16
// bytes of a 16 x 16 f32 copy are issued by threads 64-127 alone. Without
// it (OFF), and in a kernel without warp groups, point p = tid.
// CHECK-LABEL: gpu.func @groups
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[SUM:.*]] = arith.addi %[[TID]], %[[C64]] : index
// CHECK: %[[P:.*]] = arith.remui %[[SUM]], %[[C128]] : index
// CHECK: arith.cmpi ult, %[[P]], %[[C64]] : index
// CHECK: nvgpu.device_async_copy
// CHECK: nvvm.cp.async.commit.group
// OFF-LABEL: gpu.func @groups
// OFF: %[[TID:.*]] = gpu.thread_id x
// OFF-NOT: arith.remui
// OFF: arith.cmpi ult, %[[TID]], %{{.*}} : index
// OFF: nvgpu.device_async_copy
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @groups(%a: memref<16x16xf32>, %b: memref<16x16xf32, #gpu.address_space<workgroup>>) kernel attributes {ttt.output_threads = 64 : i64} {
      linalg.copy {ttt.async_copy = 4 : i64} ins(%a : memref<16x16xf32>) outs(%b : memref<16x16xf32, #gpu.address_space<workgroup>>)
      gpu.return
    }
  }
}

// -----

// CHECK-LABEL: gpu.func @one_group
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK-NOT: arith.remui
// CHECK: arith.cmpi ult, %[[TID]], %{{.*}} : index
// CHECK: nvgpu.device_async_copy
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @one_group(%a: memref<16x16xf32>, %b: memref<16x16xf32, #gpu.address_space<workgroup>>) kernel {
      linalg.copy {ttt.async_copy = 4 : i64} ins(%a : memref<16x16xf32>) outs(%b : memref<16x16xf32, #gpu.address_space<workgroup>>)
      gpu.return
    }
  }
}
