// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128})))' --split-input-file --verify-diagnostics %s

// An async copy must land in workgroup memory (cp.async writes shared
// memory only).
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @to_global(%a: memref<16x64xf32>, %b: memref<16x64xf32>) kernel {
      // expected-error @below {{ttt-gpu-distribute: an async copy must write workgroup memory}}
      linalg.copy {ttt.async_copy = 4 : i64} ins(%a : memref<16x64xf32>) outs(%b : memref<16x64xf32>)
      gpu.return
    }
  }
}

// -----

// The width must divide the rows (and be 1 or 4).
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @width(%a: memref<16x6xf32>, %b: memref<16x6xf32, #gpu.address_space<workgroup>>) kernel {
      // expected-error @below {{ttt-gpu-distribute: an async copy needs a static shape of 16- or 32-bit elements and a width of 4, 8 or 16 bytes dividing its rows}}
      linalg.copy {ttt.async_copy = 4 : i64} ins(%a : memref<16x6xf32>) outs(%b : memref<16x6xf32, #gpu.address_space<workgroup>>)
      gpu.return
    }
  }
}

// -----

// Only a linalg.copy may be marked.
#id = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @marked_generic(%a: memref<16xf32>, %b: memref<16xf32, #gpu.address_space<workgroup>>) kernel {
      // expected-error @below {{ttt-gpu-distribute: ttt.async_copy marks a linalg.copy on buffers only}}
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : memref<16xf32>) outs(%b : memref<16xf32, #gpu.address_space<workgroup>>) attrs = {ttt.async_copy = 1 : i64} {
      ^bb0(%x: f32, %y: f32):
        linalg.yield %x : f32
      }
      gpu.return
    }
  }
}
