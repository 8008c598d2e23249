// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{distinct-args=true threads=64 mma=tf32 register-weights=true},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{distinct-args=true threads=64 mma=3xtf32 register-weights=true},canonicalize,cse)))' --split-input-file %s | FileCheck %s --check-prefix=X3
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{distinct-args=true threads=64 mma=tf32},canonicalize,cse)))' --split-input-file %s | FileCheck %s --check-prefix=OFF
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{distinct-args=true threads=64 mma=tf32 register-weights=true register-weight-products=false},canonicalize,cse)))' --split-input-file %s | FileCheck %s --check-prefix=UPD

// A 16 x 16 weight buffer that the loop's update writes (W += K^T G) and
// its product reads as B (Z = K W): one owner warp (16 columns) holds it
// in a per-thread alloca of 16 * 16 / 32 = 8 floats, loaded after a block
// barrier before the loop. In the loop the product reads no W (its A
// fragments come from the alloca: four per k-step, two k-steps, two
// 8-token tiles: 4 mma); the update's accumulators are the alloca (two
// token k-steps, two 8-row tiles: 4 mma), stored back to it and to W.
// Only warp 0 runs either (the guard `warp < 1`).
// CHECK-LABEL: gpu.func @update_and_product
// CHECK: %[[CACHE:.*]] = memref.alloca() : memref<8xf32>
// CHECK: gpu.barrier
// CHECK-COUNT-4: vector.load %arg0
// CHECK: scf.for
// CHECK-NOT: vector.load %arg0
// CHECK-NOT: memref.load %arg0
// CHECK: memref.load %[[CACHE]]
// CHECK-COUNT-4: nvgpu.mma.sync
// CHECK-NOT: vector.load %arg0
// CHECK-NOT: memref.load %arg0
// CHECK: gpu.barrier
// CHECK-COUNT-4: nvgpu.mma.sync
// CHECK: memref.store %{{.*}}, %[[CACHE]]
// CHECK: vector.store %{{.*}}, %arg0
// CHECK: gpu.return
// With 3xtf32 each product is three (the small parts apart in the
// product, ahead of the big one in the update).
// X3-LABEL: gpu.func @update_and_product
// X3: memref.alloca() : memref<8xf32>
// X3-COUNT-12: nvgpu.mma.sync
// X3: gpu.barrier
// X3-COUNT-12: nvgpu.mma.sync
// OFF-LABEL: gpu.func @update_and_product
// OFF-NOT: memref.alloca
// With register-weight-products=false only the update uses the registers:
// the product reads W from memory.
// UPD-LABEL: gpu.func @update_and_product
// UPD: %[[CACHE:.*]] = memref.alloca() : memref<8xf32>
// UPD: scf.for
// UPD-NOT: memref.load %[[CACHE]]
// UPD: memref.load %arg0
// UPD: gpu.barrier
// UPD: memref.load %[[CACHE]]
// UPD: nvgpu.mma.sync
// UPD: memref.store %{{.*}}, %[[CACHE]]
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#km = affine_map<(i, j, k) -> (k, i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @update_and_product(%w: memref<16x16xf32>, %k: memref<16x16xf32>, %g: memref<16x16xf32>, %z: memref<16x16xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%z : memref<16x16xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %p : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %g : memref<16x16xf32>, memref<16x16xf32>) outs(%w : memref<16x16xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %p : f32
          linalg.yield %r : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// Not kept: another op of the loop writes W (the fill; without
// distinct-args any other output of the loop might be W, too); W's columns not a
// multiple of 16; W read by the product through a transposed map; no
// product reading W at all.
// CHECK-LABEL: gpu.func @written_elsewhere
// CHECK-NOT: memref.alloca
// CHECK-LABEL: gpu.func @narrow_columns
// CHECK-NOT: memref.alloca
// CHECK-LABEL: gpu.func @transposed_read
// CHECK-NOT: memref.alloca
// CHECK-LABEL: gpu.func @no_product
// CHECK-NOT: memref.alloca
// CHECK: gpu.return
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#nk = affine_map<(i, j, k) -> (j, k)>
#mn = affine_map<(i, j, k) -> (i, j)>
#km = affine_map<(i, j, k) -> (k, i)>
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @written_elsewhere(%w: memref<16x16xf32>, %k: memref<16x16xf32>, %g: memref<16x16xf32>, %z: memref<16x16xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %zero = arith.constant 0.0 : f32
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%z : memref<16x16xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %p : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %g : memref<16x16xf32>, memref<16x16xf32>) outs(%w : memref<16x16xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %p : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%w : memref<16x16xf32>) {
        ^bb0(%o: f32):
          linalg.yield %zero : f32
        }
      }
      gpu.return
    }
    gpu.func @narrow_columns(%w: memref<16x8xf32>, %k: memref<16x16xf32>, %g: memref<16x8xf32>, %z: memref<16x8xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %w : memref<16x16xf32>, memref<16x8xf32>) outs(%z : memref<16x8xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %p : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %g : memref<16x16xf32>, memref<16x8xf32>) outs(%w : memref<16x8xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %p : f32
          linalg.yield %r : f32
        }
      }
      gpu.return
    }
    gpu.func @transposed_read(%w: memref<16x16xf32>, %k: memref<16x16xf32>, %g: memref<16x16xf32>, %z: memref<16x16xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%z : memref<16x16xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %p : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %g : memref<16x16xf32>, memref<16x16xf32>) outs(%w : memref<16x16xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %p : f32
          linalg.yield %r : f32
        }
      }
      gpu.return
    }
    gpu.func @no_product(%w: memref<16x16xf32>, %k: memref<16x16xf32>, %g: memref<16x16xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %g : memref<16x16xf32>, memref<16x16xf32>) outs(%w : memref<16x16xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %p : f32
          linalg.yield %r : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// In a kernel with two warp groups (ttt-gpu-output-warps), an update and
// product on the second group (the last 32 of 64 threads): the registers
// are filled by that group's threads only (tid >= 32, their ids less 32),
// and the product and update run under its guard.
// CHECK-LABEL: gpu.func @second_group
// CHECK: %[[CACHE:.*]] = memref.alloca() : memref<8xf32>
// CHECK: gpu.barrier
// CHECK: %[[IN:.*]] = arith.cmpi uge, %[[TID:.*]], %c32
// CHECK: scf.if %[[IN]]
// CHECK: arith.subi %[[TID]], %c32
// CHECK: memref.store %{{.*}}, %[[CACHE]]
// CHECK: scf.for
// CHECK: scf.if %[[IN]]
// CHECK: arith.subi %[[TID]], %c32
// CHECK: memref.load %[[CACHE]]
// CHECK: nvgpu.mma.sync
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#km = affine_map<(i, j, k) -> (k, i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @second_group(%w: memref<16x16xf32>, %k: memref<16x16xf32>, %g: memref<16x16xf32>, %z: memref<16x16xf32>, %n: index) kernel attributes {ttt.output_threads = 32 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%z : memref<16x16xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %p : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %g : memref<16x16xf32>, memref<16x16xf32>) outs(%w : memref<16x16xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %r = arith.addf %acc, %p : f32
          linalg.yield %r : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// Not kept: W is the loop's iter_arg (a different buffer may come each
// iteration).
// CHECK-LABEL: gpu.func @carried_weights
// CHECK-NOT: memref.alloca
// CHECK: gpu.return
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#km = affine_map<(i, j, k) -> (k, i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @carried_weights(%w0: memref<16x16xf32>, %k: memref<16x16xf32>, %g: memref<16x16xf32>, %z: memref<16x16xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %r = scf.for %i = %c0 to %n step %c1 iter_args(%w = %w0) -> (memref<16x16xf32>) {
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %w : memref<16x16xf32>, memref<16x16xf32>) outs(%z : memref<16x16xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %s = arith.addf %acc, %p : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%k, %g : memref<16x16xf32>, memref<16x16xf32>) outs(%w : memref<16x16xf32>) {
        ^bb0(%x: f32, %y: f32, %acc: f32):
          %p = arith.mulf %x, %y : f32
          %s = arith.addf %acc, %p : f32
          linalg.yield %s : f32
        }
        scf.yield %w : memref<16x16xf32>
      }
      gpu.return
    }
  }
}
