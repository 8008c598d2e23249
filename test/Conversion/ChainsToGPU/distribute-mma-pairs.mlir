// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 mma=tf32},canonicalize,cse)))' %s | FileCheck %s

// Paired accesses (default): C(16 x 16) += X Y^T, both operands contiguous
// along k. A lane's two k of a k-step are k0 + 2t and k0 + 2t + 1: one
// 8-byte load per A row and one for B; the accumulators are read and
// written two columns at a time.
// CHECK-LABEL: gpu.func @k_pairs
// CHECK: %[[TWOT:.*]] = arith.muli %{{.*}}, %c2 : index
// CHECK: vector.load %arg0[%[[ROW0:.*]], %[[COL:.*]]] {alignment = 8 : i64} : memref<16x16xf32>, vector<2xf32>
// CHECK: vector.load %arg0[%[[ROW1:.*]], %[[COL]]] {alignment = 8 : i64}
// CHECK: scf.for %[[K0:.*]] = %c0 to %c32 step %c8
// CHECK: %[[KA:.*]] = arith.addi %[[K0]], %[[TWOT]] : index
// CHECK: vector.load %arg1[%[[ROW0]], %[[KA]]] {alignment = 8 : i64} : memref<16x32xf32>, vector<2xf32>
// CHECK: vector.load %arg1[%[[ROW1]], %[[KA]]] {alignment = 8 : i64}
// CHECK: vector.load %arg2[%{{.*}}, %[[KA]]] {alignment = 8 : i64} : memref<16x32xf32>, vector<2xf32>
// CHECK-NOT: memref.load
// CHECK: nvgpu.mma.sync
// CHECK: vector.store %{{.*}}, %arg0[%[[ROW0]], %[[COL]]] {alignment = 8 : i64}
// CHECK: vector.store %{{.*}}, %arg0[%[[ROW1]], %[[COL]]] {alignment = 8 : i64}

// A = X^T (contiguous along m), B = G (along n), two column tiles per
// warp tile: a lane's rows are 2g and 2g + 1 (one load per k), tile j's
// column is 2g + j (tiles 0 and 1 in one load); the accumulators pair the
// two tiles' columns.
// CHECK-LABEL: gpu.func @m_n_pairs
// CHECK-COUNT-4: vector.load %arg0
// CHECK: scf.for
// CHECK: vector.load %arg1[%{{.*}}, %[[ROW:.*]]] {alignment = 8 : i64} : memref<16x16xf32>, vector<2xf32>
// CHECK: vector.load %arg1[%{{.*}}, %[[ROW]]] {alignment = 8 : i64}
// CHECK: vector.load %arg2[%{{.*}}, %[[BCOL:.*]]] {alignment = 8 : i64} : memref<16x64xf32>, vector<2xf32>
// CHECK: vector.load %arg2[%{{.*}}, %[[BCOL]]] {alignment = 8 : i64}
// CHECK-NOT: memref.load
// CHECK-COUNT-2: nvgpu.mma.sync
// CHECK-COUNT-4: vector.store %{{.*}}, %arg0

// Odd row strides, or an offset not known to be even: element loads.
// CHECK-LABEL: gpu.func @unaligned
// CHECK-NOT: vector.load
// CHECK-COUNT-4: memref.load %arg0
// CHECK: scf.for
// CHECK-COUNT-4: memref.load %arg1
// CHECK-COUNT-2: memref.load %arg2
// CHECK-NOT: vector.store
// CHECK-COUNT-4: memref.store %{{.*}}, %arg0

// Views with dynamic offsets: a slot of a double buffer (its offset a
// multiple of the even slot stride) pairs; a view at a dynamic column does
// not.
// CHECK-LABEL: gpu.func @views
// CHECK: scf.for
// CHECK-COUNT-2: vector.load %{{.*}} : memref<16x32xf32, strided<[34, 1], offset: ?>>, vector<2xf32>
// CHECK-NOT: vector.load
// CHECK: memref.load %{{.*}} : memref<16x32xf32, strided<[34, 1], offset: ?>>
// bf16 operands (the fast mode's sequences) pair too: 4-byte loads.
// CHECK-LABEL: gpu.func @bf16_pairs
// CHECK: scf.for
// CHECK: vector.load %arg1[%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<16x32xbf16>, vector<2xbf16>
// CHECK: vector.load %arg1[%{{.*}}, %{{.*}}] {alignment = 4 : i64}
// CHECK: vector.load %arg2[%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<16x32xbf16>, vector<2xbf16>
// CHECK-NOT: memref.load

// Views of a byte buffer (as ttt-gpu-private-buffers makes them): one
// shifted by a multiple of 8 bytes pairs, one by 4 (mod 8) does not.
// CHECK-LABEL: gpu.func @byte_views
// CHECK: scf.for
// CHECK-COUNT-2: vector.load %{{.*}} : memref<16x32xf32>, vector<2xf32>
// CHECK-NOT: vector.load
// CHECK-COUNT-2: memref.load %{{.*}} : memref<16x32xf32>

#mk = affine_map<(i, j, k) -> (i, k)>
#nk = affine_map<(i, j, k) -> (j, k)>
#km = affine_map<(i, j, k) -> (k, i)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k_pairs(%c: memref<16x16xf32>, %x: memref<16x32xf32>, %y: memref<16x32xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %y : memref<16x32xf32>, memref<16x32xf32>) outs(%c : memref<16x16xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
    gpu.func @m_n_pairs(%c: memref<16x64xf32>, %xt: memref<16x16xf32>, %g: memref<16x64xf32>) kernel {
      linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%xt, %g : memref<16x16xf32>, memref<16x64xf32>) outs(%c : memref<16x64xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
    gpu.func @unaligned(%c: memref<16x16xf32, strided<[17, 1]>>, %x: memref<16x32xf32, strided<[33, 1]>>, %y: memref<16x32xf32, strided<[32, 1], offset: ?>>) kernel {
      linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %y : memref<16x32xf32, strided<[33, 1]>>, memref<16x32xf32, strided<[32, 1], offset: ?>>) outs(%c : memref<16x16xf32, strided<[17, 1]>>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
    gpu.func @views(%c: memref<16x16xf32>, %buf: memref<2x16x34xf32>, %i: index, %j: index) kernel {
      %x = memref.subview %buf[%i, 0, 0] [1, 16, 32] [1, 1, 1] : memref<2x16x34xf32> to memref<16x32xf32, strided<[34, 1], offset: ?>>
      %y = memref.subview %buf[0, 0, %j] [1, 16, 32] [1, 1, 1] : memref<2x16x34xf32> to memref<16x32xf32, strided<[34, 1], offset: ?>>
      linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %y : memref<16x32xf32, strided<[34, 1], offset: ?>>, memref<16x32xf32, strided<[34, 1], offset: ?>>) outs(%c : memref<16x16xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
    gpu.func @bf16_pairs(%c: memref<16x16xf32>, %x: memref<16x32xbf16>, %y: memref<16x32xbf16>) kernel {
      linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %y : memref<16x32xbf16>, memref<16x32xbf16>) outs(%c : memref<16x16xf32>) {
      ^bb0(%a: bf16, %b: bf16, %acc: f32):
        %ae = arith.extf %a : bf16 to f32
        %be = arith.extf %b : bf16 to f32
        %m = arith.mulf %ae, %be : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
    gpu.func @byte_views(%c: memref<16x16xf32>, %buf: memref<8192xi8>) kernel {
      %c16 = arith.constant 16 : index
      %c4100 = arith.constant 4100 : index
      %x = memref.view %buf[%c16][] : memref<8192xi8> to memref<16x32xf32>
      %y = memref.view %buf[%c4100][] : memref<8192xi8> to memref<16x32xf32>
      linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %y : memref<16x32xf32>, memref<16x32xf32>) outs(%c : memref<16x16xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
