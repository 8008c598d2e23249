// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-private-buffers{workgroup=true row-pad=8})))' %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-private-buffers{workgroup=true row-pad=8 max-bytes=8192})))' %s | FileCheck %s --check-prefix=BUDGET
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-private-buffers{workgroup=true},ttt-gpu-distribute{threads=128})))' %s | FileCheck %s --check-prefix=PLAIN
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-private-buffers{workgroup=true row-pad=8},ttt-gpu-distribute{threads=128})))' %s | FileCheck %s --check-prefix=DIST

// Rows of 64 floats (256 bytes) get 8 more elements when only linalg ops
// use the buffer, directly or through subviews (%a: 16 x 72 slot, 4608
// bytes; its column subview rebuilt with stride 72); rows of 16 floats
// (64 bytes: %c) and a buffer another op uses (%d, read by memref.load) keep
// theirs. 4608 + 1024 (%c) + 4096 (%d) = 9728 bytes.
// CHECK-LABEL: gpu.func @pad
// CHECK-SAME: ttt.shared_bytes = 9728 : i64
// CHECK-DAG: %[[A:.*]] = memref.view %{{.*}}[%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x72xf32, #gpu.address_space<workgroup>>
// CHECK-DAG: %[[ROWS:.*]] = memref.subview %[[A]][0, 0] [16, 64] [1, 1] {ttt.padded_rows} : memref<16x72xf32, #gpu.address_space<workgroup>> to memref<16x64xf32, strided<[72, 1]>, #gpu.address_space<workgroup>>
// CHECK-DAG: %[[AP:.*]] = memref.memory_space_cast %[[ROWS]] : memref<16x64xf32, strided<[72, 1]>, #gpu.address_space<workgroup>> to memref<16x64xf32, strided<[72, 1]>>
// CHECK-DAG: memref.view %{{.*}}[%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x16xf32, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.view %{{.*}}[%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x64xf32, #gpu.address_space<workgroup>>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[AP]] : memref<16x64xf32, strided<[72, 1]>>)
// CHECK: memref.subview %[[AP]][0, 0] [16, 1] [1, 1] : memref<16x64xf32, strided<[72, 1]>> to memref<16xf32, strided<[72]>>
// BUDGET-LABEL: gpu.func @pad
// BUDGET-SAME: ttt.shared_bytes = 9216 : i64
// BUDGET-NOT: ttt.padded_rows
// Elementwise ops on the padded buffer still need no barrier between them
// (the same element on the same thread), as without padding: one before
// the column copy (another thread's elements) and one after the last op.
// PLAIN-LABEL: gpu.func @pad
// PLAIN-COUNT-2: gpu.barrier
// PLAIN-NOT: gpu.barrier
// DIST-LABEL: gpu.func @pad
// DIST-COUNT-2: gpu.barrier
// DIST-NOT: gpu.barrier
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @pad(%out: memref<16xf32>, %e: memref<16x64xf32>) kernel {
      %zero = arith.constant 0.0 : f32
      %c0 = arith.constant 0 : index
      %a = memref.alloc() : memref<16x64xf32>
      %c = memref.alloc() : memref<16x16xf32>
      %d = memref.alloc() : memref<16x64xf32>
      linalg.fill ins(%zero : f32) outs(%a : memref<16x64xf32>)
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%e : memref<16x64xf32>) outs(%a : memref<16x64xf32>) {
      ^bb0(%x: f32, %y: f32):
        %s = arith.addf %x, %y : f32
        linalg.yield %s : f32
      }
      linalg.fill ins(%zero : f32) outs(%c : memref<16x16xf32>)
      linalg.copy ins(%e : memref<16x64xf32>) outs(%d : memref<16x64xf32>)
      %col = memref.subview %a[0, 0] [16, 1] [1, 1] : memref<16x64xf32> to memref<16xf32, strided<[64]>>
      linalg.copy ins(%col : memref<16xf32, strided<[64]>>) outs(%out : memref<16xf32>)
      %x = memref.load %d[%c0, %c0] : memref<16x64xf32>
      gpu.return
    }
  }
}
