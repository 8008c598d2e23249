// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-private-buffers{workgroup=true})))' %s | FileCheck %s

// With workgroup=true every buffer is a slice of the block's dynamic
// shared memory (offsets aligned to max(16, alignment)), cast to the
// generic address space so that its users keep their types; buffers whose
// live ranges overlap get disjoint slices (%t, dead at once, shares with
// %next; the carry buffer lives over the loop); the kernel records the
// bytes to launch it with: 256 + 16.
// CHECK-LABEL: gpu.func @k
// CHECK-SAME: ttt.shared_bytes = 272 : i64
// CHECK: %[[SH:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view %[[SH]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<64xf32, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view %[[SH]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4xf32, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.memory_space_cast %{{.*}} : memref<64xf32, #gpu.address_space<workgroup>> to memref<64xf32>
// CHECK-NOT: memref.alloc
// CHECK: scf.for
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [%{{.*}}, 4], strides: [4, 1] : memref<64xf32> to memref<?x4xf32>
// CHECK-NOT: memref.dealloc
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k(%n: index, %init: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c16 = arith.constant 16 : index
      %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> memref<4xf32> {
        %m = arith.minui %n, %c16 : index
        %t = memref.alloc(%m) {alignment = 256 : i64} : memref<?x4xf32>
        memref.dealloc %t : memref<?x4xf32>
        %next = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
        scf.yield %next : memref<4xf32>
      }
      gpu.return
    }
  }
}
