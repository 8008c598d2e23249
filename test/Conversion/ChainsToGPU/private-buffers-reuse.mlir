// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-private-buffers{workgroup=true},cse)))' %s | FileCheck %s

// Shared memory is reused by live range: %a (dead after its last read) and
// %b (made after it) share offset 256; %w lives across the loop (allocated
// before it, read in every iteration: offset 0) and %c is live while %a and
// %b are, so it gets bytes of its own: 768 instead of 1024 bytes.
// CHECK-LABEL: gpu.func @k
// CHECK-SAME: ttt.shared_bytes = 768 : i64
// CHECK: %[[SH:.*]] = gpu.dynamic_shared_memory
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[C512:.*]] = arith.constant 512 : index
// Three slots after cse (%a and %b are the same view):
// CHECK-DAG: memref.view %[[SH]][%[[C0]]][] : {{.*}} to memref<64xf32, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view %[[SH]][%[[C256]]][] : {{.*}} to memref<64xf32, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view %[[SH]][%[[C512]]][] : {{.*}} to memref<64xf32, #gpu.address_space<workgroup>>
// CHECK-NOT: memref.view
// CHECK-NOT: memref.alloc
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k(%n: index, %x: memref<64xf32>, %y: memref<64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %w = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
      linalg.copy ins(%x : memref<64xf32>) outs(%w : memref<64xf32>)
      scf.for %i = %c0 to %n step %c1 {
        %a = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
        linalg.copy ins(%w : memref<64xf32>) outs(%a : memref<64xf32>)
        %c = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
        linalg.copy ins(%a : memref<64xf32>) outs(%c : memref<64xf32>)
        %b = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
        linalg.copy ins(%c : memref<64xf32>) outs(%b : memref<64xf32>)
        linalg.copy ins(%b : memref<64xf32>) outs(%c : memref<64xf32>)
        linalg.copy ins(%c : memref<64xf32>) outs(%y : memref<64xf32>)
      }
      gpu.return
    }
  }
}
