// RUN: ttt-opt %s --split-input-file --ttt-gpu-global-scratch=max-shared-bytes=32 -verify-diagnostics

// Only the form ttt-gpu-private-buffers{workgroup=true} leaves is moved:
// a view used directly (not cast to the generic address space) is an error.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @direct(%out: memref<16xf32>) kernel attributes {ttt.shared_bytes = 64 : i64} {
      %c0 = arith.constant 0 : index
      %sh = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %v = memref.view %sh[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16xf32, #gpu.address_space<workgroup>>
      // expected-error@+1 {{ttt-gpu-global-scratch: a shared-memory view used other than through memref.memory_space_cast}}
      %x = memref.load %v[%c0] : memref<16xf32, #gpu.address_space<workgroup>>
      memref.store %x, %out[%c0] : memref<16xf32>
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error@+1 {{ttt-gpu-global-scratch: expected one dynamic shared memory op, found 2}}
    gpu.func @two(%out: memref<16xf32>) kernel attributes {ttt.shared_bytes = 64 : i64} {
      %c0 = arith.constant 0 : index
      %a = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %b = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      gpu.return
    }
  }
}
