// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-stage-inputs)))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-stage-inputs{pad=0})))' --split-input-file %s | FileCheck %s --check-prefix=NOPAD
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-stage-inputs,ttt-gpu-private-buffers{workgroup=true},ttt-gpu-distribute{threads=128})))' --split-input-file %s | FileCheck %s --check-prefix=ASYNC

// A chunk loop reading a 16 x 64 slice of a kernel argument (x, rows of 64
// floats: 16-byte chunks provably aligned) and a 16-float slice of another
// whose rows are n long (e: 4-byte copies only). Each gets a two-slot
// buffer, the x rows padded to 68 floats; slot 0 is filled before the loop
// when it runs at all; each iteration waits, takes a barrier, prefetches
// the next slices into the other slot when there is a next iteration, and
// reads its own slot.
// CHECK-LABEL: gpu.func @chunks
// CHECK-DAG: %[[XB:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x16x68xf32>
// CHECK-DAG: %[[EB:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x16xf32>
// CHECK: %[[ANY:.*]] = arith.cmpi slt, %c0, %[[UB:.*]] : index
// CHECK: scf.if %[[ANY]] {
// CHECK: %[[X0:.*]] = memref.subview %{{.*}}[%c0, 0] [16, 64] [1, 1]
// CHECK: %[[S0:.*]] = memref.subview %[[XB]][0, 0, 0] [1, 16, 64] [1, 1, 1] : memref<2x16x68xf32> to memref<16x64xf32, strided<[68, 1]>>
// CHECK: linalg.copy {ttt.async_copy = 4 : i64} ins(%[[X0]] : {{.*}}) outs(%[[S0]] : {{.*}})
// CHECK: linalg.copy {ttt.async_copy = 1 : i64}
// CHECK: scf.for %[[IV:.*]] = %c0 to %[[UB]] step %c16 {
// CHECK: %[[I:.*]] = arith.divui %{{.*}}, %c16
// CHECK: %[[SLOT:.*]] = arith.remui %[[I]], %c2
// CHECK: %[[NSLOT:.*]] = arith.remui %{{.*}}, %c2
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK: %[[NEXT:.*]] = arith.addi %[[IV]], %c16
// CHECK: %[[MORE:.*]] = arith.cmpi slt, %[[NEXT]], %[[UB]]
// CHECK: scf.if %[[MORE]] {
// CHECK: memref.subview %{{.*}}[%[[NEXT]], 0] [16, 64] [1, 1]
// CHECK: memref.subview %[[XB]][%[[NSLOT]], 0, 0] [1, 16, 64] [1, 1, 1]
// CHECK: linalg.copy {ttt.async_copy = 4 : i64}
// CHECK: linalg.copy {ttt.async_copy = 1 : i64}
// CHECK: }
// CHECK: %[[XS:.*]] = memref.subview %[[XB]][%[[SLOT]], 0, 0] [1, 16, 64] [1, 1, 1] : memref<2x16x68xf32> to memref<16x64xf32, strided<[68, 1], offset: ?>>
// CHECK: %[[ES:.*]] = memref.subview %[[EB]][%[[SLOT]], 0] [1, 16] [1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[XS]], %[[ES]] : {{.*}}) outs(%{{.*}} : memref<16x64xf32>)
// NOPAD-LABEL: gpu.func @chunks
// NOPAD: memref.alloc() {alignment = 16 : i64} : memref<2x16x64xf32>
// The async copies spread over the threads: 256 16-byte chunks of x (two
// rounds of 128 threads), 16 single floats of e; a commit after each.
// ASYNC-LABEL: gpu.func @chunks
// ASYNC: nvvm.cp.async.wait.group 0
// ASYNC: nvgpu.device_async_copy %{{.*}}[%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}], 4 {bypassL1} : memref<16x64xf32, strided<[64, 1], offset: ?>> to memref<16x64xf32, strided<[68, 1], offset: ?>, #gpu.address_space<workgroup>>
// ASYNC: nvvm.cp.async.commit.group
// ASYNC: nvgpu.device_async_copy %{{.*}}[%{{.*}}], %{{.*}}[%{{.*}}], 1 : memref<16xf32, strided<[1], offset: ?>> to memref<16xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
// ASYNC: nvvm.cp.async.commit.group
// ASYNC-NOT: linalg.copy
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @chunks(%px: memref<f32>, %pe: memref<f32>, %po: memref<f32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c16 = arith.constant 16 : index
      %c64 = arith.constant 64 : index
      %stride = arith.muli %n, %c64 : index
      %x = memref.reinterpret_cast %px to offset: [0], sizes: [%n, 64], strides: [64, 1] : memref<f32> to memref<?x64xf32>
      %e = memref.reinterpret_cast %pe to offset: [0], sizes: [%n], strides: [1] : memref<f32> to memref<?xf32>
      %o = memref.reinterpret_cast %po to offset: [0], sizes: [%n, 64], strides: [64, 1] : memref<f32> to memref<?x64xf32>
      %r = arith.remui %n, %c16 : index
      %ub = arith.subi %n, %r : index
      scf.for %i = %c0 to %ub step %c16 {
        %xs = memref.subview %x[%i, 0] [16, 64] [1, 1] : memref<?x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        %es = memref.subview %e[%i] [16] [1] : memref<?xf32> to memref<16xf32, strided<[1], offset: ?>>
        %t = memref.alloc() : memref<16x64xf32>
        linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
            ins(%xs, %es : memref<16x64xf32, strided<[64, 1], offset: ?>>, memref<16xf32, strided<[1], offset: ?>>)
            outs(%t : memref<16x64xf32>) {
        ^bb0(%a: f32, %b: f32, %c: f32):
          %m = arith.mulf %a, %b : f32
          linalg.yield %m : f32
        }
        %os = memref.subview %o[%i, 0] [16, 64] [1, 1] : memref<?x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        linalg.copy ins(%t : memref<16x64xf32>) outs(%os : memref<16x64xf32, strided<[64, 1], offset: ?>>)
      }
      gpu.return
    }
  }
}

// -----

// Not staged: a slice the loop also writes (the prefetch would read ahead
// of the write), a loop-invariant slice, and a slice of a dynamic size.
// CHECK-LABEL: gpu.func @not_staged
// CHECK-NOT: memref.alloc
// CHECK-NOT: ttt.async_copy
// CHECK-NOT: nvvm.cp.async
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @not_staged(%px: memref<f32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c16 = arith.constant 16 : index
      %x = memref.reinterpret_cast %px to offset: [0], sizes: [%n, 64], strides: [64, 1] : memref<f32> to memref<?x64xf32>
      scf.for %i = %c0 to %n step %c16 {
        %xs = memref.subview %x[%i, 0] [16, 64] [1, 1] : memref<?x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        %inv = memref.subview %x[0, 0] [16, 64] [1, 1] : memref<?x64xf32> to memref<16x64xf32, strided<[64, 1]>>
        %m = arith.minui %n, %c16 : index
        %dyn = memref.subview %x[%i, 0] [%m, 64] [1, 1] : memref<?x64xf32> to memref<?x64xf32, strided<[64, 1], offset: ?>>
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%inv : memref<16x64xf32, strided<[64, 1]>>) outs(%xs : memref<16x64xf32, strided<[64, 1], offset: ?>>) {
        ^bb0(%a: f32, %c: f32):
          linalg.yield %a : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%dyn : memref<?x64xf32, strided<[64, 1], offset: ?>>) outs(%dyn : memref<?x64xf32, strided<[64, 1], offset: ?>>) {
        ^bb0(%a: f32, %c: f32):
          linalg.yield %a : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// bf16 rows of 64 (128 bytes): 8 elements (16 bytes) per copy, rows padded
// by 8 elements (16 bytes, four 4-byte words).
// CHECK-LABEL: gpu.func @bf16
// CHECK: memref.alloc() {alignment = 16 : i64} : memref<2x16x72xbf16>
// CHECK: linalg.copy {ttt.async_copy = 8 : i64}
// ASYNC-LABEL: gpu.func @bf16
// ASYNC: nvgpu.device_async_copy %{{.*}}[%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}], 8 {bypassL1} : memref<16x64xbf16, strided<[64, 1], offset: ?>> to memref<16x64xbf16, strided<[72, 1], offset: ?>, #gpu.address_space<workgroup>>
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @bf16(%px: memref<bf16>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c16 = arith.constant 16 : index
      %x = memref.reinterpret_cast %px to offset: [0], sizes: [%n, 64], strides: [64, 1] : memref<bf16> to memref<?x64xbf16>
      scf.for %i = %c0 to %n step %c16 {
        %xs = memref.subview %x[%i, 0] [16, 64] [1, 1] : memref<?x64xbf16> to memref<16x64xbf16, strided<[64, 1], offset: ?>>
        %t = memref.alloc() : memref<16x64xf32>
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%xs : memref<16x64xbf16, strided<[64, 1], offset: ?>>) outs(%t : memref<16x64xf32>) {
        ^bb0(%a: bf16, %c: f32):
          %w = arith.extf %a : bf16 to f32
          linalg.yield %w : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// A slice also read one chunk ahead (ttt-gpu-lookahead-products: at
// min(i + 16, ub - 16)) shares three slots with the slice read now: the
// first two chunks are copied before the loop (the second where the loop
// has one), each iteration copies the chunk after next into slot
// (k + 2) mod 3, reads its own chunk in slot k mod 3 and the next one in
// slot (k + 1) mod 3. A slice of another array that is only read now keeps
// two slots.
// CHECK-LABEL: gpu.func @ahead
// CHECK-DAG: %[[XB:.*]] = memref.alloc() {alignment = 16 : i64} : memref<3x16x68xf32>
// CHECK-DAG: %[[EB:.*]] = memref.alloc() {alignment = 16 : i64} : memref<2x16xf32>
// CHECK: %[[ANY:.*]] = arith.cmpi slt, %c0, %[[UB:.*]] : index
// CHECK: scf.if %[[ANY]] {
// CHECK: memref.subview %[[EB]][0, 0] [1, 16] [1, 1]
// CHECK: %[[ANY3:.*]] = arith.cmpi slt, %c0, %[[UB]] : index
// CHECK: scf.if %[[ANY3]] {
// CHECK: memref.subview %[[XB]][0, 0, 0] [1, 16, 64] [1, 1, 1]
// CHECK: %[[SECOND:.*]] = arith.addi %c0, %c16
// CHECK: %[[TWO:.*]] = arith.cmpi slt, %[[SECOND]], %[[UB]] : index
// CHECK: scf.if %[[TWO]] {
// CHECK: memref.subview %{{.*}}[%[[SECOND]], 0] [16, 64] [1, 1]
// CHECK: memref.subview %[[XB]][1, 0, 0] [1, 16, 64] [1, 1, 1]
// CHECK: scf.for %[[IV:.*]] = %c0 to %[[UB]] step %c16 {
// CHECK: %[[K:.*]] = arith.divui %{{.*}}, %c16
// CHECK: %[[SLOT:.*]] = arith.remui %[[K]], %c3
// CHECK: %[[K1:.*]] = arith.addi %[[K]], %c1
// CHECK: %[[SLOT1:.*]] = arith.remui %[[K1]], %c3
// CHECK: %[[K2:.*]] = arith.addi %[[K]], %c2
// CHECK: %[[SLOT2:.*]] = arith.remui %[[K2]], %c3
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK: %[[NEXT:.*]] = arith.addi %[[IV]], %c16
// CHECK: scf.if
// CHECK: memref.subview %[[EB]]
// CHECK: %[[AFTER:.*]] = arith.addi %[[NEXT]], %c16
// CHECK: %[[MORE2:.*]] = arith.cmpi slt, %[[AFTER]], %[[UB]]
// CHECK: scf.if %[[MORE2]] {
// CHECK: memref.subview %{{.*}}[%[[AFTER]], 0] [16, 64] [1, 1]
// CHECK: memref.subview %[[XB]][%[[SLOT2]], 0, 0] [1, 16, 64] [1, 1, 1]
// CHECK: %[[XS:.*]] = memref.subview %[[XB]][%[[SLOT]], 0, 0] [1, 16, 64]
// CHECK: %[[XN:.*]] = memref.subview %[[XB]][%[[SLOT1]], 0, 0] [1, 16, 64]
// CHECK: linalg.generic {{.*}} ins(%[[XS]], %[[XN]], %{{.*}} : {{.*}})
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @ahead(%px: memref<f32>, %pe: memref<f32>, %po: memref<f32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c16 = arith.constant 16 : index
      %x = memref.reinterpret_cast %px to offset: [0], sizes: [%n, 64], strides: [64, 1] : memref<f32> to memref<?x64xf32>
      %e = memref.reinterpret_cast %pe to offset: [0], sizes: [%n], strides: [1] : memref<f32> to memref<?xf32>
      %o = memref.reinterpret_cast %po to offset: [0], sizes: [%n, 64], strides: [64, 1] : memref<f32> to memref<?x64xf32>
      %r = arith.remui %n, %c16 : index
      %ub = arith.subi %n, %r : index
      scf.for %i = %c0 to %ub step %c16 {
        %next = arith.addi %i, %c16 : index
        %last = arith.subi %ub, %c16 : index
        %ahead = arith.minsi %next, %last : index
        %xs = memref.subview %x[%i, 0] [16, 64] [1, 1] : memref<?x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        %xn = memref.subview %x[%ahead, 0] [16, 64] [1, 1] : memref<?x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        %es = memref.subview %e[%i] [16] [1] : memref<?xf32> to memref<16xf32, strided<[1], offset: ?>>
        %os = memref.subview %o[%i, 0] [16, 64] [1, 1] : memref<?x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        linalg.generic {indexing_maps = [#id, #id, #row, #id], iterator_types = ["parallel", "parallel"]}
            ins(%xs, %xn, %es : memref<16x64xf32, strided<[64, 1], offset: ?>>, memref<16x64xf32, strided<[64, 1], offset: ?>>, memref<16xf32, strided<[1], offset: ?>>)
            outs(%os : memref<16x64xf32, strided<[64, 1], offset: ?>>) {
        ^bb0(%a: f32, %b: f32, %s: f32, %c: f32):
          %d = arith.subf %b, %a : f32
          %m = arith.mulf %d, %s : f32
          linalg.yield %m : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// A slice read only ahead (no slice of the same array read now) stays in
// global memory; the slice read now is staged as usual.
// CHECK-LABEL: gpu.func @ahead_alone
// CHECK: memref.alloc() {alignment = 16 : i64} : memref<2x16xf32>
// CHECK-NOT: memref<3x
// CHECK: scf.for
// CHECK: memref.subview %{{.*}}[%{{.*}}, 0] [16, 64] [1, 1] : memref<?x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @ahead_alone(%px: memref<f32>, %pe: memref<f32>, %po: memref<f32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c16 = arith.constant 16 : index
      %x = memref.reinterpret_cast %px to offset: [0], sizes: [%n, 64], strides: [64, 1] : memref<f32> to memref<?x64xf32>
      %e = memref.reinterpret_cast %pe to offset: [0], sizes: [%n], strides: [1] : memref<f32> to memref<?xf32>
      %o = memref.reinterpret_cast %po to offset: [0], sizes: [%n, 64], strides: [64, 1] : memref<f32> to memref<?x64xf32>
      scf.for %i = %c0 to %n step %c16 {
        %next = arith.addi %i, %c16 : index
        %last = arith.subi %n, %c16 : index
        %ahead = arith.minsi %next, %last : index
        %xn = memref.subview %x[%ahead, 0] [16, 64] [1, 1] : memref<?x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        %es = memref.subview %e[%i] [16] [1] : memref<?xf32> to memref<16xf32, strided<[1], offset: ?>>
        %os = memref.subview %o[%i, 0] [16, 64] [1, 1] : memref<?x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
            ins(%xn, %es : memref<16x64xf32, strided<[64, 1], offset: ?>>, memref<16xf32, strided<[1], offset: ?>>)
            outs(%os : memref<16x64xf32, strided<[64, 1], offset: ?>>) {
        ^bb0(%b: f32, %s: f32, %c: f32):
          %m = arith.mulf %b, %s : f32
          linalg.yield %m : f32
        }
      }
      gpu.return
    }
  }
}
