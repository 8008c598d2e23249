// RUN: ttt-opt %s --split-input-file --ttt-gpu-chain-loops-to-launch | FileCheck %s
// RUN: ttt-opt %s --split-input-file --ttt-gpu-chain-loops-to-launch=threads=32 | FileCheck %s --check-prefix=T32

// A marked chain loop over %n chains becomes a launch of %n blocks of 128
// threads (the default); the induction variable is the block id; the
// output buffer, passed through the inner (mini-batch) loop unchanged, is
// the init inside the launch and replaces the loop's result after it.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[W:[^:]+]]: memref<4x8xf32>, %[[OUT:[^:]+]]: memref<4x16xf32>, %[[N:[^:]+]]: index)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[F:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: %[[T:.*]] = arith.constant 128 : index
// CHECK: gpu.launch blocks(%[[BX:[^,]+]], %{{[^,]+}}, %{{[^)]+}}) in (%{{[^ ]+}} = %[[N]], %{{[^ ]+}} = %[[ONE]], %{{[^ ]+}} = %[[ONE]]) threads(%{{[^,]+}}, %{{[^,]+}}, %{{[^)]+}}) in (%{{[^ ]+}} = %[[T]], %{{[^ ]+}} = %[[ONE]], %{{[^ ]+}} = %[[ONE]])
// CHECK-NEXT: %[[TMP:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: scf.for %[[K:[^ ]+]] = %[[C0]] to %[[C4]] step %{{[^ ]+}} iter_args(%[[OI:[^ ]+]] = %[[OUT]]) -> (memref<4x16xf32>) {
// CHECK-NEXT: memref.store %[[F]], %[[OI]][%[[BX]], %[[K]]] : memref<4x16xf32>
// CHECK-NEXT: memref.store %[[F]], %[[TMP]][%[[K]]] : memref<8xf32>
// CHECK-NEXT: scf.yield %[[OI]] : memref<4x16xf32>
// CHECK-NEXT: }
// CHECK-NEXT: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: %[[V:.*]] = memref.load %[[OUT]][%[[C0]], %[[C0]]] : memref<4x16xf32>
// CHECK-NEXT: memref.store %[[V]], %[[W]][%[[C0]], %[[C0]]] : memref<4x8xf32>
// CHECK-NEXT: return

// The threads option sets the block size.
// T32-LABEL: func.func @chain
// T32: %[[T:.*]] = arith.constant 32 : index
// T32: gpu.launch blocks({{.*}}) threads({{.*}}) in (%{{[^ ]+}} = %[[T]],
func.func @chain(%w: memref<4x8xf32>, %out: memref<4x16xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 0.0 : f32
  %r = scf.for %h = %c0 to %n step %c1 iter_args(%o = %out) -> (memref<4x16xf32>) {
    %t = memref.alloc() : memref<8xf32>
    %inner = scf.for %k = %c0 to %c4 step %c1 iter_args(%oi = %o) -> (memref<4x16xf32>) {
      memref.store %f, %oi[%h, %k] : memref<4x16xf32>
      memref.store %f, %t[%k] : memref<8xf32>
      scf.yield %oi : memref<4x16xf32>
    }
    scf.yield %inner : memref<4x16xf32>
  } {ttt.chain}
  %v = memref.load %r[%c0, %c0] : memref<4x16xf32>
  memref.store %v, %w[%c0, %c0] : memref<4x8xf32>
  return
}

// -----

// Two carried buffers, one yielded directly, and a static chain count.
// CHECK-LABEL: func.func @two_buffers
// CHECK-SAME: (%[[S:[^:]+]]: memref<3x4xf32>, %[[Y:[^:]+]]: memref<3x4xf32>)
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[F:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: gpu.launch blocks(%[[BX:[^,]+]], {{.*}}) in (%{{[^ ]+}} = %[[C3]],
// CHECK-NEXT: memref.store %[[F]], %[[S]][%[[BX]], %{{.*}}] : memref<3x4xf32>
// CHECK-NEXT: memref.store %[[F]], %[[Y]][%[[BX]], %{{.*}}] : memref<3x4xf32>
// CHECK-NEXT: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: return %[[S]], %[[Y]] : memref<3x4xf32>, memref<3x4xf32>
func.func @two_buffers(%s: memref<3x4xf32>, %y: memref<3x4xf32>) -> (memref<3x4xf32>, memref<3x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %f = arith.constant 1.0 : f32
  %r:2 = scf.for %h = %c0 to %c3 step %c1 iter_args(%a = %s, %b = %y) -> (memref<3x4xf32>, memref<3x4xf32>) {
    memref.store %f, %a[%h, %c0] : memref<3x4xf32>
    memref.store %f, %b[%h, %c0] : memref<3x4xf32>
    scf.yield %a, %b : memref<3x4xf32>, memref<3x4xf32>
  } {ttt.chain}
  return %r#0, %r#1 : memref<3x4xf32>, memref<3x4xf32>
}

// -----

// A loop without the ttt.chain mark is left alone.
// CHECK-LABEL: func.func @unmarked
// CHECK-NOT: gpu.launch
// CHECK: scf.for
// CHECK: scf.yield
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @unmarked(%out: memref<4xf32>, %n: index) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 0.0 : f32
  %r = scf.for %h = %c0 to %n step %c1 iter_args(%o = %out) -> (memref<4xf32>) {
    memref.store %f, %o[%h] : memref<4xf32>
    scf.yield %o : memref<4xf32>
  }
  return %r : memref<4xf32>
}

// -----

// A temporary allocated before the chain loop and written inside it would
// be shared by all blocks: each block gets its own, with the contents it
// had where the original is also used outside the loop (%init); one used
// only inside (%tmp) is not copied.
// CHECK-LABEL: func.func @private_temporaries
// CHECK-SAME: (%[[OUT:.*]]: memref<4x8xf32>)
// CHECK: %[[INIT:.*]] = memref.alloc() : memref<8xf32>
// CHECK: linalg.fill {{.*}} outs(%[[INIT]]
// CHECK: %[[TMP:.*]] = memref.alloc() : memref<8xf32>
// CHECK: gpu.launch
// CHECK-NEXT: %[[OWN_TMP:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: %[[OWN_INIT:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: linalg.copy ins(%[[INIT]] : memref<8xf32>) outs(%[[OWN_INIT]] : memref<8xf32>)
// CHECK: linalg.fill {{.*}} outs(%[[OWN_TMP]]
// CHECK: linalg.add ins(%[[OWN_INIT]], %[[OWN_TMP]] {{.*}} outs(%[[OWN_TMP]]
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[INIT]]
func.func @private_temporaries(%out: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  %init = memref.alloc() : memref<8xf32>
  linalg.fill ins(%one : f32) outs(%init : memref<8xf32>)
  %tmp = memref.alloc() : memref<8xf32>
  scf.for %h = %c0 to %c4 step %c1 {
    linalg.fill ins(%one : f32) outs(%tmp : memref<8xf32>)
    linalg.add ins(%init, %tmp : memref<8xf32>, memref<8xf32>) outs(%tmp : memref<8xf32>)
    %row = memref.subview %out[%h, 0] [1, 8] [1, 1] : memref<4x8xf32> to memref<8xf32, strided<[1], offset: ?>>
    linalg.copy ins(%tmp : memref<8xf32>) outs(%row : memref<8xf32, strided<[1], offset: ?>>)
  } {ttt.chain}
  memref.dealloc %init : memref<8xf32>
  return
}
