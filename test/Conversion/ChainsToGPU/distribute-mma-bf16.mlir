// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=64 mma=bf16 pair-accesses=false},canonicalize,cse)))' --split-input-file %s | FileCheck %s

// C(16 x 16) += X(16 x 32) W(32 x 16) with bf16 operands on 2 warps (one
// 8-column tile each): k-steps of 16; the lane's A registers pack rows g
// and g + 8 at k0 + 2t, 2t + 1 (then 2t + 8, 2t + 9), the lower k in the
// low half; B packs the same k at column g; f32 accumulators from C.
// CHECK-LABEL: gpu.func @bf
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK: %[[T:.*]] = arith.remui %[[LANE]], %c4
// CHECK: %[[TWOT:.*]] = arith.muli %[[T]], %c2
// CHECK: memref.load %arg0
// CHECK: scf.for %[[K0:.*]] = %c0 to %c32 step %c16 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<2x2xf32>)
// CHECK: %[[K:.*]] = arith.addi %[[K0]], %[[TWOT]]
// CHECK: %[[K1:.*]] = arith.addi %[[K]], %c1
// CHECK: %[[ALO:.*]] = memref.load %arg1[%[[ROW:.*]], %[[K]]]
// CHECK: %[[AHI:.*]] = memref.load %arg1[%[[ROW]], %[[K1]]]
// CHECK: %[[HI:.*]] = arith.truncf %[[AHI]] : f32 to bf16
// CHECK: %[[HI16:.*]] = arith.bitcast %[[HI]] : bf16 to i16
// CHECK: %[[HI32:.*]] = arith.extui %[[HI16]] : i16 to i32
// CHECK: %[[HIS:.*]] = arith.shli %[[HI32]], %c16_i32
// CHECK: %[[LO:.*]] = arith.truncf %[[ALO]] : f32 to bf16
// CHECK: %[[A0:.*]] = arith.ori %{{.*}}, %[[HIS]] : i32
// CHECK: nvvm.mma.sync A[%[[A0]], %{{.*}}, %{{.*}}, %{{.*}}] B[%{{.*}}, %{{.*}}] C[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: scf.yield
// CHECK-COUNT-4: memref.store %{{.*}}, %arg0
// CHECK-NOT: nvgpu.mma.sync
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @bf(%c: memref<16x16xf32>, %x: memref<16x32xf32>, %w: memref<32x16xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x32xf32>, memref<32x16xf32>) outs(%c : memref<16x16xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// A reduction of 8 (not a multiple of 16) stays off the bf16 tensor cores.
// CHECK-LABEL: gpu.func @k8
// CHECK-NOT: mma.sync
// CHECK: gpu.return
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k8(%c: memref<16x16xf32>, %x: memref<16x8xf32>, %w: memref<8x16xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x8xf32>, memref<8x16xf32>) outs(%c : memref<16x16xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %m = arith.mulf %a, %b : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
