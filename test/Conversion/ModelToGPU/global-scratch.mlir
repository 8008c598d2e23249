// RUN: ttt-opt %s --ttt-gpu-global-scratch=max-shared-bytes=256 | FileCheck %s
// RUN: ttt-opt %s --ttt-gpu-global-scratch=max-shared-bytes=256 --ttt-gpu-launch-shared-memory | FileCheck %s --check-prefix=LAUNCH
// RUN: ttt-opt %s --ttt-gpu-global-scratch=max-shared-bytes=320 | FileCheck %s --check-prefix=FITS

// The kernels are in the form ttt-gpu-private-buffers{workgroup=true}
// gives them. @big needs 320 bytes (> 256): its buffers move, at the same
// offsets, to the block's slice of a trailing global argument; the launch
// allocates grid-x * 320 bytes before and frees them after. @small (64
// bytes) keeps its shared memory.
// CHECK-LABEL: gpu.func @big
// CHECK-SAME: (%[[OUT:[^:]+]]: memref<64xf32>, %[[SCRATCH:[^:]+]]: memref<?xi8>) kernel attributes {ttt.scratch_bytes = 320 : i64} {
// CHECK-NEXT: %[[BID:.*]] = gpu.block_id x
// CHECK-NEXT: %[[BYTES:.*]] = arith.constant 320 : index
// CHECK-NEXT: %[[BASE:.*]] = arith.muli %[[BID]], %[[BYTES]] : index
// CHECK-NEXT: %[[C256:.*]] = arith.constant 256 : index
// CHECK-NEXT: %[[AT1:.*]] = arith.addi %[[BASE]], %[[C256]] : index
// CHECK-NEXT: %[[V1:.*]] = memref.view %[[SCRATCH]][%[[AT1]]][] : memref<?xi8> to memref<16xf32>
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[AT0:.*]] = arith.addi %[[BASE]], %[[C0]] : index
// CHECK-NEXT: %[[V0:.*]] = memref.view %[[SCRATCH]][%[[AT0]]][] : memref<?xi8> to memref<64xf32>
// CHECK-NEXT: memref.copy %[[V0]], %[[OUT]] : memref<64xf32> to memref<64xf32>
// CHECK-NEXT: %[[X:.*]] = memref.load %[[V1]][%[[C0]]] : memref<16xf32>
// CHECK-NEXT: memref.store %[[X]], %[[OUT]][%[[C0]]] : memref<64xf32>
// CHECK-NEXT: gpu.return
// CHECK-LABEL: gpu.func @small
// CHECK-SAME: (%{{[^:]+}}: memref<64xf32>) kernel attributes {ttt.shared_bytes = 64 : i64} {
// CHECK-NEXT: %[[SH:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK: memref.view %[[SH]]
// CHECK-NEXT: memref.memory_space_cast
// CHECK-LABEL: func.func @host
// CHECK-SAME: (%[[HOUT:[^:]+]]: memref<64xf32>, %[[N:[^:]+]]: index)
// CHECK: %[[HBYTES:.*]] = arith.constant 320 : index
// CHECK-NEXT: %[[SIZE:.*]] = arith.muli %[[N]], %[[HBYTES]] : index
// CHECK-NEXT: %[[BUF:.*]] = gpu.alloc (%[[SIZE]]) : memref<?xi8>
// CHECK-NEXT: gpu.launch_func @kernels::@big blocks in (%[[N]], %{{.*}}) threads in ({{.*}}) args(%[[HOUT]] : memref<64xf32>, %[[BUF]] : memref<?xi8>)
// CHECK-NEXT: gpu.dealloc %[[BUF]] : memref<?xi8>
// CHECK-NEXT: gpu.launch_func @kernels::@small blocks in (%[[N]], %{{.*}}) threads in ({{.*}}) args(%[[HOUT]] : memref<64xf32>)
// CHECK-NEXT: return

// The moved kernel launches without dynamic shared memory; the other one
// with its 64 bytes.
// LAUNCH-LABEL: func.func @host
// LAUNCH: gpu.alloc
// LAUNCH-NEXT: gpu.launch_func @kernels::@big
// LAUNCH-NOT: dynamic_shared_memory_size
// LAUNCH-SAME: args(
// LAUNCH-NEXT: gpu.dealloc
// LAUNCH-NEXT: %[[B:.*]] = arith.constant 64 : i32
// LAUNCH-NEXT: gpu.launch_func @kernels::@small {{.*}} dynamic_shared_memory_size %[[B]] args(

// At exactly the limit the buffers stay in shared memory.
// FITS-LABEL: gpu.func @big
// FITS-SAME: (%{{[^:]+}}: memref<64xf32>) kernel attributes {ttt.shared_bytes = 320 : i64} {
// FITS-NEXT: gpu.dynamic_shared_memory
// FITS-NOT: ttt.scratch_bytes
// FITS-NOT: gpu.alloc
// FITS-LABEL: func.func @host
// FITS-NOT: gpu.alloc
// FITS: return
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @big(%out: memref<64xf32>) kernel attributes {ttt.shared_bytes = 320 : i64} {
      %0 = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %c256 = arith.constant 256 : index
      %view = memref.view %0[%c256][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16xf32, #gpu.address_space<workgroup>>
      %cast = memref.memory_space_cast %view : memref<16xf32, #gpu.address_space<workgroup>> to memref<16xf32>
      %c0 = arith.constant 0 : index
      %view_0 = memref.view %0[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<64xf32, #gpu.address_space<workgroup>>
      %cast_1 = memref.memory_space_cast %view_0 : memref<64xf32, #gpu.address_space<workgroup>> to memref<64xf32>
      memref.copy %cast_1, %out : memref<64xf32> to memref<64xf32>
      %1 = memref.load %cast[%c0] : memref<16xf32>
      memref.store %1, %out[%c0] : memref<64xf32>
      gpu.return
    }
    gpu.func @small(%out: memref<64xf32>) kernel attributes {ttt.shared_bytes = 64 : i64} {
      %0 = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %c0 = arith.constant 0 : index
      %view = memref.view %0[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16xf32, #gpu.address_space<workgroup>>
      %cast = memref.memory_space_cast %view : memref<16xf32, #gpu.address_space<workgroup>> to memref<16xf32>
      %1 = memref.load %cast[%c0] : memref<16xf32>
      memref.store %1, %out[%c0] : memref<64xf32>
      gpu.return
    }
  }
  func.func @host(%out: memref<64xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    %c128 = arith.constant 128 : index
    gpu.launch_func @kernels::@big blocks in (%n, %c1, %c1) threads in (%c128, %c1, %c1) args(%out : memref<64xf32>)
    gpu.launch_func @kernels::@small blocks in (%n, %c1, %c1) threads in (%c128, %c1, %c1) args(%out : memref<64xf32>)
    return
  }
}
