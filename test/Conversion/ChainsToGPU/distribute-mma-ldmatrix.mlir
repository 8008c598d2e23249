// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=32 mma=tf32 ldmatrix=true},canonicalize,cse)))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=32 mma=3xtf32 ldmatrix=true},canonicalize,cse)))' --split-input-file %s | FileCheck %s --check-prefix=X3
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=32 mma=tf32},canonicalize,cse)))' --split-input-file %s | FileCheck %s --check-prefix=OFF

// With ldmatrix, an A that is one f32 operand in shared memory (a view of
// a workgroup slot that private-buffers cast to the generic space), in
// 16-byte runs along k (row stride 72), comes in one nvgpu.ldmatrix x4 per
// k-step over the slot itself: lane l gives row l mod 16 at k0 + 4 (l /
// 16), these lane offsets computed once, before the k loop. B then reads
// k = k0 + t and k0 + t + 4 (no pairing along k). With 3xtf32 the loaded
// fragment is split as before (three products). Without the option (OFF):
// A by paired vector loads.
// CHECK-LABEL: gpu.func @shared_a
// CHECK-DAG: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK-DAG: %[[G:.*]] = arith.divui %[[LANE]], %c4
// CHECK-DAG: %[[T:.*]] = arith.remui %[[LANE]], %c4
// CHECK: %[[SLOT:.*]] = memref.subview %arg0[0, 0] [16, 64] [1, 1] : memref<16x72xf32, #gpu.address_space<workgroup>>
// CHECK: %[[R:.*]] = arith.remui %[[LANE]], %c16
// CHECK: %[[Q:.*]] = arith.divui %[[LANE]], %c16
// CHECK: %[[Q4:.*]] = arith.muli %[[Q]], %c4
// CHECK: scf.for %[[K0:.*]] = %c0 to %c64 step %c8
// CHECK: %[[ROW:.*]] = arith.addi %{{.*}}, %[[R]]
// CHECK: %[[K:.*]] = arith.addi %[[K0]], %[[Q4]]
// CHECK: %[[A:.*]] = nvgpu.ldmatrix %[[SLOT]][%[[ROW]], %[[K]]] {numTiles = 4 : i32, transpose = false} : {{.*}} -> vector<4x1xf32>
// CHECK: %[[KB:.*]] = arith.addi %[[K0]], %[[T]]
// CHECK: %[[KB4:.*]] = arith.addi %[[KB]], %c4
// CHECK: memref.load %arg1[%[[KB]], %[[G]]]
// CHECK: memref.load %arg1[%[[KB4]], %[[G]]]
// CHECK: nvgpu.mma.sync(%[[A]],
// X3-LABEL: gpu.func @shared_a
// X3: nvgpu.ldmatrix
// X3-COUNT-3: nvgpu.mma.sync
// OFF-LABEL: gpu.func @shared_a
// OFF-NOT: nvgpu.ldmatrix
// OFF: vector.load %{{.*}} : memref<16x64xf32, strided<[72, 1]>>, vector<2xf32>
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @shared_a(%slot: memref<16x72xf32, #gpu.address_space<workgroup>>, %w: memref<64x8xf32>, %c: memref<16x8xf32>) kernel {
      %g = memref.memory_space_cast %slot : memref<16x72xf32, #gpu.address_space<workgroup>> to memref<16x72xf32>
      %a = memref.subview %g[0, 0] [16, 64] [1, 1] : memref<16x72xf32> to memref<16x64xf32, strided<[72, 1]>>
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%a, %w : memref<16x64xf32, strided<[72, 1]>>, memref<64x8xf32>) outs(%c : memref<16x8xf32>) {
      ^bb0(%x: f32, %y: f32, %acc: f32):
        %p = arith.mulf %x, %y : f32
        %r = arith.addf %acc, %p : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// Rows of 66 floats: a row's 4-word runs are not all 16-byte aligned, so
// A keeps its paired loads; an A in global memory (no workgroup slot) too.
// CHECK-LABEL: gpu.func @unaligned_rows
// CHECK-NOT: nvgpu.ldmatrix
// CHECK-LABEL: gpu.func @global_a
// CHECK-NOT: nvgpu.ldmatrix
// CHECK: gpu.return
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @unaligned_rows(%slot: memref<16x66xf32, #gpu.address_space<workgroup>>, %w: memref<64x8xf32>, %c: memref<16x8xf32>) kernel {
      %g = memref.memory_space_cast %slot : memref<16x66xf32, #gpu.address_space<workgroup>> to memref<16x66xf32>
      %a = memref.subview %g[0, 0] [16, 64] [1, 1] : memref<16x66xf32> to memref<16x64xf32, strided<[66, 1]>>
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%a, %w : memref<16x64xf32, strided<[66, 1]>>, memref<64x8xf32>) outs(%c : memref<16x8xf32>) {
      ^bb0(%x: f32, %y: f32, %acc: f32):
        %p = arith.mulf %x, %y : f32
        %r = arith.addf %acc, %p : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
    gpu.func @global_a(%a: memref<16x64xf32>, %w: memref<64x8xf32>, %c: memref<16x8xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%a, %w : memref<16x64xf32>, memref<64x8xf32>) outs(%c : memref<16x8xf32>) {
      ^bb0(%x: f32, %y: f32, %acc: f32):
        %p = arith.mulf %x, %y : f32
        %r = arith.addf %acc, %p : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
