// RUN: ttt-opt %s --split-input-file --ttt-gpu-host-buffers --verify-diagnostics

func.func @alloc_in_loop(%x: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    // expected-error@+1 {{a device buffer of a GPU host function must be allocated outside loops and branches}}
    %a = memref.alloc() : memref<8xf32>
    linalg.copy ins(%x : memref<8xf32>) outs(%a : memref<8xf32>)
  }
  return
}

// -----

func.func @alloc_in_branch(%x: memref<8xf32>, %c: i1) {
  scf.if %c {
    // expected-error@+1 {{a device buffer of a GPU host function must be allocated outside loops and branches}}
    %a = memref.alloc() : memref<8xf32>
    linalg.copy ins(%x : memref<8xf32>) outs(%a : memref<8xf32>)
  }
  return
}

// -----

memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

func.func @global_in_loop(%out: memref<4xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    // expected-error@+1 {{a device buffer of a GPU host function must be allocated outside loops and branches}}
    %t = memref.get_global @table : memref<4xf32>
    linalg.copy ins(%t : memref<4xf32>) outs(%out : memref<4xf32>)
  }
  return
}
