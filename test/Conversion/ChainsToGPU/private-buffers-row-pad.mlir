// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-private-buffers{workgroup=true row-pad=8})))' %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-private-buffers{workgroup=true row-pad=8 max-bytes=8192})))' %s | FileCheck %s --check-prefix=BUDGET
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-private-buffers{workgroup=true},ttt-gpu-distribute{threads=128})))' %s | FileCheck %s --check-prefix=PLAIN
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-private-buffers{workgroup=true row-pad=8},ttt-gpu-distribute{threads=128})))' %s | FileCheck %s --check-prefix=DIST

// Rows of 64 floats (256 bytes) get 8 more elements when only linalg ops
// use the buffer, directly or through subviews (%a: 16 x 72 slot, 4608
// bytes; its column subview rebuilt with stride 72); so do rows of 16
// floats (64 bytes, two banks for a fragment's 8 rows: %c, 16 x 24, 1536
// bytes); a buffer another op uses (%d, read by memref.load) keeps its
// rows. 4608 + 1536 + 4096 (%d) = 10240 bytes.
// CHECK-LABEL: gpu.func @pad
// CHECK-SAME: ttt.shared_bytes = 10240 : i64
// CHECK-DAG: %[[A:.*]] = memref.view %{{.*}}[%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x72xf32, #gpu.address_space<workgroup>>
// CHECK-DAG: %[[ROWS:.*]] = memref.subview %[[A]][0, 0] [16, 64] [1, 1] {ttt.padded_rows} : memref<16x72xf32, #gpu.address_space<workgroup>> to memref<16x64xf32, strided<[72, 1]>, #gpu.address_space<workgroup>>
// CHECK-DAG: %[[AP:.*]] = memref.memory_space_cast %[[ROWS]] : memref<16x64xf32, strided<[72, 1]>, #gpu.address_space<workgroup>> to memref<16x64xf32, strided<[72, 1]>>
// CHECK-DAG: memref.view %{{.*}}[%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x24xf32, #gpu.address_space<workgroup>>
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

    gpu.func @cast_views(%e: memref<16x64xf32>, %o: memref<64xf32>, %o2: memref<16xf32>) kernel {
      %b = memref.alloc() : memref<16x64xf32>
      %s = memref.alloc() : memref<16x64xf32>
      linalg.copy ins(%e : memref<16x64xf32>) outs(%b : memref<16x64xf32>)
      linalg.copy ins(%e : memref<16x64xf32>) outs(%s : memref<16x64xf32>)
      %row = memref.subview %b[15, 0] [1, 64] [1, 1] : memref<16x64xf32> to memref<64xf32, strided<[1], offset: 960>>
      %rowc = memref.cast %row : memref<64xf32, strided<[1], offset: 960>> to memref<64xf32, strided<[1], offset: ?>>
      linalg.copy ins(%rowc : memref<64xf32, strided<[1], offset: ?>>) outs(%o : memref<64xf32>)
      %col = memref.subview %s[0, 0] [16, 1] [1, 1] : memref<16x64xf32> to memref<16xf32, strided<[64]>>
      %colc = memref.cast %col : memref<16xf32, strided<[64]>> to memref<16xf32, strided<[64], offset: ?>>
      linalg.copy ins(%colc : memref<16xf32, strided<[64], offset: ?>>) outs(%o2 : memref<16xf32>)
      gpu.return
    }
  }
}

// A view cast to a dynamic offset (the carried bias's row, yielded by the
// chunk loop) takes the padded rows: %b is padded, its row rebuilt over
// them (offset 15 x 72) and cast as before. A cast to a static stride of
// 64 would not take a stride of 72: %s keeps its rows. 4608 + 4096.
// CHECK-LABEL: gpu.func @cast_views
// CHECK-SAME: ttt.shared_bytes = 8704 : i64
// CHECK: %[[B:.*]] = memref.memory_space_cast %{{.*}} : memref<16x64xf32, strided<[72, 1]>, #gpu.address_space<workgroup>> to memref<16x64xf32, strided<[72, 1]>>
// CHECK: %[[ROW:.*]] = memref.subview %[[B]][15, 0] [1, 64] [1, 1] : memref<16x64xf32, strided<[72, 1]>> to memref<64xf32, strided<[1], offset: 1080>>
// CHECK: memref.cast %[[ROW]] : memref<64xf32, strided<[1], offset: 1080>> to memref<64xf32, strided<[1], offset: ?>>
// CHECK: memref.subview %{{.*}}[0, 0] [16, 1] [1, 1] : memref<16x64xf32> to memref<16xf32, strided<[64]>>
// BUDGET-LABEL: gpu.func @cast_views
// PLAIN-LABEL: gpu.func @cast_views
// DIST-LABEL: gpu.func @cast_views
