// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-schedule-levels)))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-schedule-levels,ttt-gpu-distribute{threads=128})))' --split-input-file %s | FileCheck %s --check-prefix=DIST

// In the loop body: %a = f(x) (level 0), %b = g(%a) (1), %c = h(x) (0),
// %d = k(%c) (1). Ordered by level: a, c, b, d; so a and c share one phase
// and b and d the next: two barriers instead of four. The alloc moves
// ahead of the linalg ops.
// CHECK-LABEL: gpu.func @levels
// CHECK: scf.for
// CHECK-COUNT-4: memref.alloc
// CHECK: linalg.copy ins(%{{.*}} : memref<16x64xf32>) outs(%[[A:.*]] : memref<16x64xf32>)
// CHECK: linalg.copy ins(%{{.*}} : memref<16x64xf32>) outs(%[[C:.*]] : memref<16x64xf32>)
// CHECK: linalg.transpose ins(%[[A]] : memref<16x64xf32>) outs(%{{.*}} : memref<64x16xf32>)
// CHECK: linalg.transpose ins(%[[C]] : memref<16x64xf32>) outs(%{{.*}} : memref<64x16xf32>)
// DIST-LABEL: gpu.func @levels
// DIST: scf.for
// DIST-COUNT-2: gpu.barrier
// DIST-NOT: gpu.barrier
// DIST: gpu.return
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @levels(%x: memref<16x64xf32>, %y: memref<16x64xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        %a = memref.alloc() : memref<16x64xf32>
        linalg.copy ins(%x : memref<16x64xf32>) outs(%a : memref<16x64xf32>)
        %b = memref.alloc() : memref<64x16xf32>
        linalg.transpose ins(%a : memref<16x64xf32>) outs(%b : memref<64x16xf32>) permutation = [1, 0]
        %c = memref.alloc() : memref<16x64xf32>
        linalg.copy ins(%y : memref<16x64xf32>) outs(%c : memref<16x64xf32>)
        %d = memref.alloc() : memref<64x16xf32>
        linalg.transpose ins(%c : memref<16x64xf32>) outs(%d : memref<64x16xf32>) permutation = [1, 0]
      }
      gpu.return
    }
  }
}

// -----

// A write after a read stays after it (%x read by the first copy, then
// overwritten): the order is kept.
// CHECK-LABEL: gpu.func @war
// CHECK: linalg.copy ins(%[[X:.*]] : memref<16xf32>) outs(%[[T:.*]] : memref<16xf32>)
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[X]] : memref<16xf32>)
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @war(%x: memref<16xf32>) kernel {
      %zero = arith.constant 0.0 : f32
      %t = memref.alloc() : memref<16xf32>
      linalg.copy ins(%x : memref<16xf32>) outs(%t : memref<16xf32>)
      linalg.fill ins(%zero : f32) outs(%x : memref<16xf32>)
      gpu.return
    }
  }
}
