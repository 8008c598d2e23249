// RUN: ttt-opt %s --split-input-file --ttt-gpu-parallel-loops-to-launch --verify-diagnostics
// RUN: not ttt-opt %s --split-input-file --ttt-gpu-parallel-loops-to-launch=threads=0 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not ttt-opt %s --split-input-file --ttt-gpu-parallel-loops-to-launch=threads=1025 2>&1 | FileCheck %s --check-prefix=THREADS

// Out of range threads are a located error on the function.
// THREADS: :[[@LINE+1]]:1: error: threads must be in [1, 1024]
func.func @nonzero_lower_bound(%a: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 0.0 : f32
  // expected-error@+1 {{needs lower bounds 0 and steps 1 to run as a GPU launch}}
  scf.parallel (%i) = (%c1) to (%c8) step (%c1) {
    memref.store %f, %a[%i] : memref<8xf32>
  }
  return
}

// -----

func.func @non_unit_step(%a: memref<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 0.0 : f32
  // expected-error@+1 {{needs lower bounds 0 and steps 1 to run as a GPU launch}}
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c2) {
    memref.store %f, %a[%i, %j] : memref<8x8xf32>
  }
  return
}

// -----

func.func @dynamic_lower_bound(%a: memref<8xf32>, %lb: index) {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 0.0 : f32
  // expected-error@+1 {{needs lower bounds 0 and steps 1 to run as a GPU launch}}
  scf.parallel (%i) = (%lb) to (%c8) step (%c1) {
    memref.store %f, %a[%i] : memref<8xf32>
  }
  return
}

// -----

func.func @reduction(%a: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  // expected-error@+1 {{a parallel loop with reductions cannot run as a GPU launch}}
  %sum = scf.parallel (%i) = (%c0) to (%c8) step (%c1) init (%zero) -> f32 {
    %v = memref.load %a[%i] : memref<8xf32>
    scf.reduce(%v : f32) {
    ^bb0(%x: f32, %y: f32):
      %s = arith.addf %x, %y : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
