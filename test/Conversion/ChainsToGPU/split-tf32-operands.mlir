// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-split-tf32-operands{threads=128})))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-split-tf32-operands{threads=128 min-warps=5})))' --split-input-file %s | FileCheck %s --check-prefix=FEW

// Z = X W and Y = X V (16 x 64 x 64 on 4 warps: the A fragments of X are
// read by 4 warp tiles): the rest of X, x - tf32(x), written once before
// the first, read by both (X is not written between). With min-warps=5
// nothing is split.
// CHECK-LABEL: gpu.func @shared_a
// CHECK: %[[REST:.*]] = memref.alloc() : memref<16x64xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0 : memref<16x64xf32>) outs(%[[REST]] : memref<16x64xf32>)
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: arith.andi %{{.*}}, %{{.*}} : i32
// CHECK: %[[BIG:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK: %[[SMALL:.*]] = arith.subf %{{.*}}, %[[BIG]] : f32
// CHECK: linalg.yield %[[SMALL]]
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0, %arg1, %[[REST]] : memref<16x64xf32>, memref<64x64xf32>, memref<16x64xf32>) outs(%arg2 : memref<16x64xf32>) attrs = {ttt.tf32_low = array<i64: 0, 2>}
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NOT: memref.alloc
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0, %arg3, %[[REST]] : {{.*}}) outs(%arg4 : memref<16x64xf32>) attrs = {ttt.tf32_low = array<i64: 0, 2>}
// FEW-LABEL: gpu.func @shared_a
// FEW-NOT: ttt.tf32_low
// FEW-NOT: memref.alloc
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @shared_a(%x: memref<16x64xf32>, %w: memref<64x64xf32>, %z: memref<16x64xf32>, %v: memref<64x64xf32>, %y: memref<16x64xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%z : memref<16x64xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %v : memref<16x64xf32>, memref<64x64xf32>) outs(%y : memref<16x64xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// X is written between the two contractions: each gets a split of its
// own, made just before it. A negated A side (out + (-x) w) is split too.
// CHECK-LABEL: gpu.func @rewritten
// CHECK: %[[R1:.*]] = memref.alloc() : memref<16x64xf32>
// CHECK: ins(%arg0 : memref<16x64xf32>) outs(%[[R1]] : memref<16x64xf32>)
// CHECK: ins(%arg0, %arg1, %[[R1]] : {{.*}}) attrs = {ttt.tf32_low = array<i64: 0, 2>}
// CHECK: linalg.copy ins(%arg2 : memref<16x64xf32>) outs(%arg0 : memref<16x64xf32>)
// CHECK: %[[R2:.*]] = memref.alloc() : memref<16x64xf32>
// CHECK: ins(%arg0 : memref<16x64xf32>) outs(%[[R2]] : memref<16x64xf32>)
// CHECK: ins(%arg0, %arg1, %[[R2]] : {{.*}}) attrs = {ttt.tf32_low = array<i64: 0, 2>}
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @rewritten(%x: memref<16x64xf32>, %w: memref<64x64xf32>, %z: memref<16x64xf32>, %y: memref<16x64xf32>) kernel {
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%z : memref<16x64xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.copy ins(%z : memref<16x64xf32>) outs(%x : memref<16x64xf32>)
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%y : memref<16x64xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %n = arith.negf %p : f32
        %m = arith.mulf %n, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}

// -----

// Not split: an A side that is a product (eta_k x), one read by a single
// warp tile (16 x 8 output), a contraction too small for the tensor cores.
// CHECK-LABEL: gpu.func @kept
// CHECK-NOT: memref.alloc
// CHECK-NOT: ttt.tf32_low
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#m = affine_map<(i, j, k) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @kept(%x: memref<16x64xf32>, %eta: memref<16xf32>, %w: memref<64x64xf32>, %z: memref<16x64xf32>, %w8: memref<64x8xf32>, %z8: memref<16x8xf32>, %x4: memref<4x64xf32>, %z4: memref<4x64xf32>) kernel {
      linalg.generic {indexing_maps = [#m, #mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%eta, %x, %w : memref<16xf32>, memref<16x64xf32>, memref<64x64xf32>) outs(%z : memref<16x64xf32>) {
      ^bb0(%e: f32, %p: f32, %q: f32, %acc: f32):
        %s = arith.mulf %e, %p : f32
        %m = arith.mulf %s, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x, %w8 : memref<16x64xf32>, memref<64x8xf32>) outs(%z8 : memref<16x8xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%x4, %w : memref<4x64xf32>, memref<64x64xf32>) outs(%z4 : memref<4x64xf32>) {
      ^bb0(%p: f32, %q: f32, %acc: f32):
        %m = arith.mulf %p, %q : f32
        %r = arith.addf %acc, %m : f32
        linalg.yield %r : f32
      }
      gpu.return
    }
  }
}
