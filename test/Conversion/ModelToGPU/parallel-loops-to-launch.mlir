// RUN: ttt-opt %s --split-input-file --ttt-gpu-parallel-loops-to-launch | FileCheck %s
// RUN: ttt-opt %s --split-input-file --ttt-gpu-parallel-loops-to-launch=threads=64 | FileCheck %s --check-prefix=T64

// A 1-D loop over a static range: ceil(1000 / 256) blocks of 256 threads,
// thread i of the grid runs iteration i if i < 1000.
// CHECK-LABEL: func.func @one_d_static
// CHECK-SAME: (%[[A:[^:]+]]: memref<1000xf32>, %[[B:[^:]+]]: memref<1000xf32>)
// CHECK: %[[UB:.*]] = arith.constant 1000 : index
// CHECK: %[[N:.*]] = arith.muli %{{.*}}, %[[UB]] : index
// CHECK: %[[T:.*]] = arith.constant 256 : index
// CHECK: %[[NB:.*]] = arith.ceildivui %[[N]], %[[T]] : index
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: gpu.launch blocks(%[[BX:[^,]+]], %{{[^,]+}}, %{{[^)]+}}) in (%{{[^ ]+}} = %[[NB]], %{{[^ ]+}} = %[[ONE]], %{{[^ ]+}} = %[[ONE]]) threads(%[[TX:[^,]+]], %{{[^,]+}}, %{{[^)]+}}) in (%{{[^ ]+}} = %[[T]], %{{[^ ]+}} = %[[ONE]], %{{[^ ]+}} = %[[ONE]])
// CHECK-NEXT: %[[BASE:.*]] = arith.muli %[[BX]], %[[T]] : index
// CHECK-NEXT: %[[I:.*]] = arith.addi %[[BASE]], %[[TX]] : index
// CHECK-NEXT: %[[IN:.*]] = arith.cmpi ult, %[[I]], %[[N]] : index
// CHECK-NEXT: scf.if %[[IN]] {
// CHECK-NEXT: %[[V:.*]] = memref.load %[[A]][%[[I]]] : memref<1000xf32>
// CHECK-NEXT: memref.store %[[V]], %[[B]][%[[I]]] : memref<1000xf32>
// CHECK-NEXT: }
// CHECK-NEXT: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: return

// The threads option sets the block size (and so the grid size).
// T64-LABEL: func.func @one_d_static
// T64: %[[N:.*]] = arith.muli
// T64: %[[T:.*]] = arith.constant 64 : index
// T64: %[[NB:.*]] = arith.ceildivui %[[N]], %[[T]] : index
// T64: gpu.launch blocks(%[[BX:[^,]+]], {{.*}}) in (%{{[^ ]+}} = %[[NB]], {{.*}}) threads(%[[TX:[^,]+]], {{.*}}) in (%{{[^ ]+}} = %[[T]],
// T64-NEXT: %[[BASE:.*]] = arith.muli %[[BX]], %[[T]] : index
// T64-NEXT: arith.addi %[[BASE]], %[[TX]] : index
// T64: gpu.terminator
// T64-NEXT: }
// T64-NEXT: return
func.func @one_d_static(%a: memref<1000xf32>, %b: memref<1000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1000 = arith.constant 1000 : index
  scf.parallel (%i) = (%c0) to (%c1000) step (%c1) {
    %v = memref.load %a[%i] : memref<1000xf32>
    memref.store %v, %b[%i] : memref<1000xf32>
  }
  return
}

// -----

// A 3-D loop with a dynamic outer bound: N = n * 3 * 5, delinearized
// row-major (the last dim the fastest): k = i % 5, j = (i / 5) % 3,
// the outer index (i / 5) / 3.
// CHECK-LABEL: func.func @three_d_dynamic
// CHECK-SAME: (%[[A:[^:]+]]: memref<?x3x5xf32>, %[[NDIM:[^:]+]]: index)
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : index
// CHECK-DAG: %[[F:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[P0:.*]] = arith.muli %{{.*}}, %[[NDIM]] : index
// CHECK: %[[P1:.*]] = arith.muli %[[P0]], %[[C3]] : index
// CHECK: %[[N:.*]] = arith.muli %[[P1]], %[[C5]] : index
// CHECK: %[[T:.*]] = arith.constant 256 : index
// CHECK: %[[NB:.*]] = arith.ceildivui %[[N]], %[[T]] : index
// CHECK: gpu.launch blocks(%[[BX:[^,]+]], {{.*}}) in (%{{[^ ]+}} = %[[NB]], {{.*}}) threads(%[[TX:[^,]+]], {{.*}}) in (%{{[^ ]+}} = %[[T]],
// CHECK-NEXT: %[[BASE:.*]] = arith.muli %[[BX]], %[[T]] : index
// CHECK-NEXT: %[[I:.*]] = arith.addi %[[BASE]], %[[TX]] : index
// CHECK-NEXT: %[[IN:.*]] = arith.cmpi ult, %[[I]], %[[N]] : index
// CHECK-NEXT: scf.if %[[IN]] {
// CHECK-NEXT: %[[K:.*]] = arith.remui %[[I]], %[[C5]] : index
// CHECK-NEXT: %[[R:.*]] = arith.divui %[[I]], %[[C5]] : index
// CHECK-NEXT: %[[J:.*]] = arith.remui %[[R]], %[[C3]] : index
// CHECK-NEXT: %[[O:.*]] = arith.divui %[[R]], %[[C3]] : index
// CHECK-NEXT: memref.store %[[F]], %[[A]][%[[O]], %[[J]], %[[K]]] : memref<?x3x5xf32>
// CHECK-NEXT: }
// CHECK-NEXT: gpu.terminator
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @three_d_dynamic(%a: memref<?x3x5xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%n, %c3, %c5) step (%c1, %c1, %c1) {
    memref.store %f, %a[%i, %j, %k] : memref<?x3x5xf32>
  }
  return
}

// -----

// Only the outermost loop becomes a launch; the nested one (a reduction
// dim, say) stays a loop inside it, indexed by the outer iteration.
// CHECK-LABEL: func.func @nested
// CHECK-SAME: (%[[A:[^:]+]]: memref<4x8xf32>)
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: %[[N:.*]] = arith.muli %{{.*}}, %[[C4]] : index
// CHECK-NOT: scf.parallel
// CHECK: gpu.launch
// CHECK: %[[I:.*]] = arith.addi
// CHECK: arith.cmpi ult, %[[I]], %[[N]] : index
// CHECK: scf.if
// CHECK-NEXT: scf.parallel (%[[J:.*]]) = (%{{.*}}) to (%[[C8]]) step (%{{.*}}) {
// CHECK-NEXT: memref.store %{{.*}}, %[[A]][%[[I]], %[[J]]] : memref<4x8xf32>
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @nested(%a: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
      memref.store %f, %a[%i, %j] : memref<4x8xf32>
    }
  }
  return
}

// -----

// Each outermost loop of a function is a launch of its own, in order.
// CHECK-LABEL: func.func @two_loops
// CHECK: arith.constant 7 : index
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<7xf32>
// CHECK: gpu.terminator
// CHECK: arith.constant 9 : index
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<9xf32>
// CHECK: gpu.terminator
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @two_loops(%a: memref<7xf32>, %b: memref<9xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 0.0 : f32
  %c7 = arith.constant 7 : index
  scf.parallel (%i) = (%c0) to (%c7) step (%c1) {
    memref.store %f, %a[%i] : memref<7xf32>
  }
  %c9 = arith.constant 9 : index
  scf.parallel (%i) = (%c0) to (%c9) step (%c1) {
    memref.store %f, %b[%i] : memref<9xf32>
  }
  return
}

// -----

// A loop already inside a gpu.launch is left alone.
// CHECK-LABEL: func.func @in_launch
// CHECK: gpu.launch
// CHECK-NOT: gpu.launch
// CHECK: scf.parallel
// CHECK: gpu.terminator
func.func @in_launch(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
      memref.store %f, %a[%i] : memref<8xf32>
    }
    gpu.terminator
  }
  return
}
