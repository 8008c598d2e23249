// RUN: ttt-opt %s --split-input-file --ttt-gpu-chain-loops-to-launch --verify-diagnostics
// RUN: not ttt-opt %s --split-input-file --ttt-gpu-chain-loops-to-launch=threads=0 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not ttt-opt %s --split-input-file --ttt-gpu-chain-loops-to-launch=threads=1025 2>&1 | FileCheck %s --check-prefix=THREADS

// THREADS: :[[@LINE+1]]:1: error: threads must be in [1, 1024]
func.func @step_two(%out: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %f = arith.constant 0.0 : f32
  // expected-error@+1 {{a chain loop must run from 0 in steps of 1, its buffers yielded unchanged, to become a GPU launch}}
  %r = scf.for %h = %c0 to %n step %c2 iter_args(%o = %out) -> (memref<8xf32>) {
    memref.store %f, %o[%h] : memref<8xf32>
    scf.yield %o : memref<8xf32>
  } {ttt.chain}
  return
}

// -----

func.func @lower_bound_one(%out: memref<8xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %f = arith.constant 0.0 : f32
  // expected-error@+1 {{a chain loop must run from 0 in steps of 1}}
  scf.for %h = %c1 to %n step %c1 {
    memref.store %f, %out[%h] : memref<8xf32>
  } {ttt.chain}
  return
}

// -----

func.func @yields_other_buffer(%out: memref<8xf32>, %other: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 0.0 : f32
  // expected-error@+1 {{its buffers yielded unchanged, to become a GPU launch}}
  %r = scf.for %h = %c0 to %n step %c1 iter_args(%o = %out) -> (memref<8xf32>) {
    memref.store %f, %o[%h] : memref<8xf32>
    scf.yield %other : memref<8xf32>
  } {ttt.chain}
  return
}

// -----

// The inner loop does not pass its iter arg through (it yields a new
// buffer), so neither does the chain loop.
func.func @inner_yields_new(%out: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error@+1 {{its buffers yielded unchanged, to become a GPU launch}}
  %r = scf.for %h = %c0 to %n step %c1 iter_args(%o = %out) -> (memref<8xf32>) {
    %inner = scf.for %k = %c0 to %c4 step %c1 iter_args(%oi = %o) -> (memref<8xf32>) {
      %new = memref.alloc() : memref<8xf32>
      scf.yield %new : memref<8xf32>
    }
    scf.yield %inner : memref<8xf32>
  } {ttt.chain}
  return
}
