// RUN: ttt-opt %s --split-input-file --ttt-gpu-host-buffers | FileCheck %s

// Host allocations become device allocations (dynamic sizes kept), freed
// before the return; the explicit dealloc is dropped.
// CHECK-LABEL: func.func @allocs
// CHECK-SAME: (%[[X:[^:]+]]: memref<8xf32>, %[[N:[^:]+]]: index)
// CHECK-NEXT: %[[F:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[A:.*]] = gpu.alloc () : memref<8xf32>
// CHECK-NEXT: %[[D:.*]] = gpu.alloc (%[[N]]) : memref<?xf32>
// CHECK-NEXT: linalg.copy ins(%[[X]] : memref<8xf32>) outs(%[[A]] : memref<8xf32>)
// CHECK-NEXT: linalg.fill ins(%[[F]] : f32) outs(%[[D]] : memref<?xf32>)
// CHECK-NEXT: gpu.dealloc %[[A]] : memref<8xf32>
// CHECK-NEXT: gpu.dealloc %[[D]] : memref<?xf32>
// CHECK-NEXT: return
func.func @allocs(%x: memref<8xf32>, %n: index) {
  %f = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<8xf32>
  %d = memref.alloc(%n) : memref<?xf32>
  linalg.copy ins(%x : memref<8xf32>) outs(%a : memref<8xf32>)
  linalg.fill ins(%f : f32) outs(%d : memref<?xf32>)
  memref.dealloc %a : memref<8xf32>
  return
}

// -----

// A constant global gets a device copy, which its users read instead;
// freed at the return like the allocations.
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// CHECK-LABEL: func.func @global
// CHECK-SAME: (%[[OUT:[^:]+]]: memref<4xf32>)
// CHECK-NEXT: %[[H:.*]] = memref.get_global @table : memref<4xf32>
// CHECK-NEXT: %[[G:.*]] = gpu.alloc () : memref<4xf32>
// CHECK-NEXT: gpu.memcpy %[[G]], %[[H]] : memref<4xf32>, memref<4xf32>
// CHECK-NEXT: linalg.copy ins(%[[G]] : memref<4xf32>) outs(%[[OUT]] : memref<4xf32>)
// CHECK-NEXT: gpu.dealloc %[[G]] : memref<4xf32>
// CHECK-NEXT: return
func.func @global(%out: memref<4xf32>) {
  %t = memref.get_global @table : memref<4xf32>
  linalg.copy ins(%t : memref<4xf32>) outs(%out : memref<4xf32>)
  return
}

// -----

// Every return frees every buffer; a kernel's own allocations (inside
// gpu.launch) stay memref.alloc/dealloc.
// CHECK-LABEL: func.func @launch_and_returns
// CHECK-SAME: (%[[X:[^:]+]]: memref<8xf32>, %[[C:[^:]+]]: i1)
// CHECK: %[[A:.*]] = gpu.alloc () : memref<8xf32>
// CHECK: gpu.launch
// CHECK-NEXT: %[[P:.*]] = memref.alloc() : memref<2xf32>
// CHECK: memref.store %{{.*}}, %[[A]][%{{.*}}] : memref<8xf32>
// CHECK-NEXT: memref.dealloc %[[P]] : memref<2xf32>
// CHECK-NEXT: gpu.terminator
// CHECK: cf.cond_br %[[C]], ^[[BB1:.*]], ^[[BB2:.*]]
// CHECK: ^[[BB1]]:
// CHECK-NEXT: gpu.dealloc %[[A]] : memref<8xf32>
// CHECK-NEXT: return
// CHECK: ^[[BB2]]:
// CHECK-NEXT: linalg.copy ins(%[[A]] : memref<8xf32>) outs(%[[X]] : memref<8xf32>)
// CHECK-NEXT: gpu.dealloc %[[A]] : memref<8xf32>
// CHECK-NEXT: return
func.func @launch_and_returns(%x: memref<8xf32>, %c: i1) {
  %a = memref.alloc() : memref<8xf32>
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %p = memref.alloc() : memref<2xf32>
    %c0 = arith.constant 0 : index
    %v = memref.load %x[%c0] : memref<8xf32>
    memref.store %v, %p[%c0] : memref<2xf32>
    memref.store %v, %a[%c0] : memref<8xf32>
    memref.dealloc %p : memref<2xf32>
    gpu.terminator
  }
  cf.cond_br %c, ^bb1, ^bb2
^bb1:
  return
^bb2:
  linalg.copy ins(%a : memref<8xf32>) outs(%x : memref<8xf32>)
  return
}

// -----

// A buffer the function returns belongs to the caller: not freed.
// CHECK-LABEL: func.func @returned
// CHECK: %[[A:.*]] = gpu.alloc () : memref<4xf32>
// CHECK-NOT: gpu.dealloc
// CHECK: return %[[A]]
func.func @returned() -> memref<4xf32> {
  %a = memref.alloc() : memref<4xf32>
  return %a : memref<4xf32>
}
