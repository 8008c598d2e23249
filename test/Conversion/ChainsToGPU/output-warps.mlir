// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8})))' --split-input-file %s | FileCheck %s
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=0})))' --split-input-file %s 2>&1 | FileCheck %s --check-prefix=BAD

// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8 defer-output=true})))' --split-input-file %s | FileCheck %s --check-prefix=DEFER
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8 offload-inputs=true})))' --split-input-file %s | FileCheck %s --check-prefix=OFFLOAD

// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8 weight-warps=4})))' --split-input-file %s | FileCheck %s --check-prefix=WEIGHTS
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8 weight-warps=4 lean-weights=true})))' --split-input-file %s | FileCheck %s --check-prefix=LEAN
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8 weight-warps=4 lean-weights=true split-weights=true})))' --split-input-file %s | FileCheck %s --check-prefix=SPLIT
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8 weight-warps=4 split-weights=true})))' --split-input-file %s 2>&1 | FileCheck %s --check-prefix=BADSPLIT
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8 weight-warps=4 lean-weights=true split-weights=true coefficients-on-weights=true})))' --split-input-file %s | FileCheck %s --check-prefix=COEF
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8 weight-warps=4 lean-weights=true coefficients-on-weights=true})))' --split-input-file %s 2>&1 | FileCheck %s --check-prefix=BADCOEF
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8 weight-warps=24})))' --split-input-file %s 2>&1 | FileCheck %s --check-prefix=BADW
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8 tail-warps=4})))' --split-input-file %s | FileCheck %s --check-prefix=TAIL
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-output-warps{warps=8 weight-warps=4 tail-warps=4})))' --split-input-file %s 2>&1 | FileCheck %s --check-prefix=BADT

// BAD: error: ttt-gpu-output-warps: warps must be in [1, 31]
// BADW: error: ttt-gpu-output-warps: weight-warps must be in [0, 31 - warps]
// BADT: error: ttt-gpu-output-warps: tail-warps must be in [0, 31 - warps], and 0 with weight-warps

// A chunk loop (its body starts with a block barrier): W is state (read
// before written each iteration); Z = X W and the update W += X^T Z are the
// recurrence, with the add of a staged input into Z's operand X (its writer)
// too; Y = Q W, its square and the store to the output are the output
// chain: ttt.warp_group = 1, their buffers before the loop, the kernel
// marked with 8 warps of 32 threads. Z and Y start from zero
// (ttt.zero_init): their old values are not read, so not state.
// CHECK-LABEL: gpu.func @chain
// CHECK-SAME: ttt.output_threads = 256 : i64
// CHECK: %[[Y:.*]] = memref.alloc() : memref<16x64xf32>
// CHECK: %[[Y2:.*]] = memref.alloc() : memref<16x64xf32>
// CHECK: scf.for
// CHECK: gpu.barrier
// CHECK: %[[X:.*]] = memref.alloc() : memref<16x64xf32>
// CHECK: %[[Z:.*]] = memref.alloc() : memref<16x64xf32>
// CHECK-NOT: memref.alloc
// CHECK: linalg.generic {{.*}} outs(%[[X]] : memref<16x64xf32>) {
// CHECK: linalg.generic {{.*}} outs(%[[Z]] : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
// CHECK: linalg.generic {{.*}} outs(%[[Y]] : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
// CHECK: linalg.generic {{.*}} outs(%[[Y2]] : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64}
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : memref<64x64xf32>) {
// CHECK: linalg.copy {ttt.warp_group = 1 : i64} ins(%[[Y2]]
// With defer-output, the output group's first contraction (Y = Q W), and
// no other op, also waits for the first group's ops before it.
// DEFER-LABEL: gpu.func @chain
// DEFER-NOT: ttt.wait_other_group
// DEFER: linalg.generic {{.*}} outs(%{{.*}} : memref<16x64xf32>) attrs = {ttt.wait_other_group, ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
// DEFER-NOT: ttt.wait_other_group
// DEFER-LABEL: gpu.func @input_ops
// DEFER-LABEL: gpu.func @no_contraction
// With offload-inputs, the recurrence's op on the staged input alone (X =
// xs + xs: no contraction, nothing this iteration wrote before it) runs
// on the output group too, its buffer before the loop; Z = X W and the
// update (contractions) stay.
// OFFLOAD-LABEL: gpu.func @chain
// OFFLOAD: %[[X:.*]] = memref.alloc() : memref<16x64xf32>
// OFFLOAD: scf.for
// OFFLOAD: gpu.barrier
// OFFLOAD: %[[Z:.*]] = memref.alloc() : memref<16x64xf32>
// OFFLOAD-NOT: memref.alloc
// OFFLOAD: linalg.generic {{.*}} outs(%[[X]] : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64} {
// OFFLOAD: linalg.generic {{.*}} outs(%[[Z]] : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
// OFFLOAD: linalg.generic {{.*}} attrs = {ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
// OFFLOAD: linalg.generic {{.*}} attrs = {ttt.warp_group = 1 : i64}
// OFFLOAD: linalg.generic {{.*}} outs(%{{.*}} : memref<64x64xf32>) {
// With weight-warps, the recurrence's weight ops (the update W += X^T Z,
// which accumulates into W from outside the loop, and Z = X W, the
// recurrence's other contraction reading W) run on a third group
// (ttt.warp_group = 2, the kernel's ttt.weight_threads), with the op on
// the chunk's input alone that they read (X = xs + xs), and the buffers
// they touch (X, Z) move before the loop too; Q W reads W but is output.
// WEIGHTS-LABEL: gpu.func @chain
// WEIGHTS-SAME: ttt.output_threads = 256 : i64, ttt.weight_threads = 128 : i64
// WEIGHTS: %[[W:.*]] = memref.alloc() : memref<64x64xf32>
// WEIGHTS: %[[X:.*]] = memref.alloc() : memref<16x64xf32>
// WEIGHTS: %[[Z:.*]] = memref.alloc() : memref<16x64xf32>
// WEIGHTS: scf.for
// WEIGHTS-NOT: memref.alloc
// WEIGHTS: linalg.generic {{.*}} outs(%[[X]] : memref<16x64xf32>) attrs = {ttt.warp_group = 2 : i64} {
// WEIGHTS: linalg.generic {{.*}} outs(%[[Z]] : memref<16x64xf32>) attrs = {ttt.warp_group = 2 : i64, ttt.zero_init = array<i64: 0>}
// WEIGHTS: linalg.generic {{.*}} attrs = {ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
// WEIGHTS: linalg.generic {{.*}} attrs = {ttt.warp_group = 1 : i64}
// WEIGHTS: linalg.generic {{.*}} outs(%[[W]] : memref<64x64xf32>) attrs = {ttt.warp_group = 2 : i64}
// With tail-warps, the output chain's ops after its last read of what the
// recurrence writes (Y = Q W reads W, which the update writes) run on a
// third group: Y's square and the store (ttt.warp_group = 2, the kernel's
// ttt.weight_threads); Y stays on the output group.
// TAIL-LABEL: gpu.func @chain
// TAIL-SAME: ttt.output_threads = 256 : i64, ttt.weight_threads = 128 : i64
// TAIL: linalg.generic {{.*}} ins(%arg1, %{{.*}} : memref<16x64xf32>, memref<64x64xf32>) outs(%{{.*}} : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
// TAIL: linalg.generic {{.*}} attrs = {ttt.warp_group = 2 : i64}
// TAIL: linalg.generic {{.*}} outs(%{{.*}} : memref<64x64xf32>) {
// TAIL: linalg.copy {ttt.warp_group = 2 : i64}
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#km = affine_map<(i, j, k) -> (k, i)>
#kj = affine_map<(i, j, k) -> (k, j)>
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @chain(%xs: memref<16x64xf32>, %q: memref<16x64xf32>, %out: memref<64x16x64xf32>, %n: index) kernel {
      %w = memref.alloc() : memref<64x64xf32>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        %x = memref.alloc() : memref<16x64xf32>
        %z = memref.alloc() : memref<16x64xf32>
        %y = memref.alloc() : memref<16x64xf32>
        %y2 = memref.alloc() : memref<16x64xf32>
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%xs : memref<16x64xf32>) outs(%x : memref<16x64xf32>) {
        ^bb0(%a: f32, %o: f32):
          %s = arith.addf %a, %a : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%x, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%z : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%a: f32, %b: f32, %acc: f32):
          %m = arith.mulf %a, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%q, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%y : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%a: f32, %b: f32, %acc: f32):
          %m = arith.mulf %a, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%y : memref<16x64xf32>) outs(%y2 : memref<16x64xf32>) {
        ^bb0(%a: f32, %o: f32):
          %s = arith.mulf %a, %a : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#km, #kj, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%x, %z : memref<16x64xf32>, memref<16x64xf32>) outs(%w : memref<64x64xf32>) {
        ^bb0(%a: f32, %b: f32, %acc: f32):
          %m = arith.mulf %a, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        %slot = memref.subview %out[%i, 0, 0] [1, 16, 64] [1, 1, 1] : memref<64x16x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        linalg.copy ins(%y2 : memref<16x64xf32>) outs(%slot : memref<16x64xf32, strided<[64, 1], offset: ?>>)
      }
      gpu.return
    }
  }
}

// -----

// With weight-warps, a contraction on the chunk's inputs alone (A = xs
// xs^T) joins the weight group; an op on the inputs alone that only the
// recurrence's own ops read (V = xs - xs, for Z += A V) stays, and so
// does Z += A V (it reads Z, which Z = xs W wrote).
// WEIGHTS-LABEL: gpu.func @input_ops
// WEIGHTS: scf.for
// WEIGHTS: linalg.generic {{.*}} outs(%{{.*}} : memref<16x16xf32>) attrs = {ttt.warp_group = 2 : i64, ttt.zero_init = array<i64: 0>}
// WEIGHTS: linalg.generic {{.*}} outs(%{{.*}} : memref<16x64xf32>) {
// WEIGHTS: linalg.generic {{.*}} attrs = {ttt.warp_group = 2 : i64, ttt.zero_init = array<i64: 0>}
// WEIGHTS: linalg.generic {{.*}} outs(%{{.*}} : memref<16x64xf32>) {
// WEIGHTS: linalg.generic {{.*}} attrs = {ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
// WEIGHTS: linalg.generic {{.*}} outs(%{{.*}} : memref<64x64xf32>) attrs = {ttt.warp_group = 2 : i64}
// WEIGHTS-LABEL: gpu.func @no_contraction
// WEIGHTS-NOT: ttt.weight_threads
// WEIGHTS-NOT: ttt.warp_group
// WEIGHTS: gpu.return
#mk = affine_map<(i, j, k) -> (i, k)>
#nk = affine_map<(i, j, k) -> (j, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#km = affine_map<(i, j, k) -> (k, i)>
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @input_ops(%xs: memref<16x64xf32>, %q: memref<16x64xf32>, %a: memref<16x16xf32>, %out: memref<64x16x64xf32>, %n: index) kernel {
      %w = memref.alloc() : memref<64x64xf32>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        %v = memref.alloc() : memref<16x64xf32>
        %z = memref.alloc() : memref<16x64xf32>
        %y = memref.alloc() : memref<16x64xf32>
        linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%xs, %xs : memref<16x64xf32>, memref<16x64xf32>) outs(%a : memref<16x16xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %b: f32, %acc: f32):
          %m = arith.mulf %x, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%xs : memref<16x64xf32>) outs(%v : memref<16x64xf32>) {
        ^bb0(%x: f32, %o: f32):
          %s = arith.subf %x, %x : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%xs, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%z : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %b: f32, %acc: f32):
          %m = arith.mulf %x, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%a, %v : memref<16x16xf32>, memref<16x64xf32>) outs(%z : memref<16x64xf32>) {
        ^bb0(%x: f32, %b: f32, %acc: f32):
          %m = arith.mulf %x, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%q, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%y : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %b: f32, %acc: f32):
          %m = arith.mulf %x, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%xs, %z : memref<16x64xf32>, memref<16x64xf32>) outs(%w : memref<64x64xf32>) {
        ^bb0(%x: f32, %b: f32, %acc: f32):
          %m = arith.mulf %x, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        %slot = memref.subview %out[%i, 0, 0] [1, 16, 64] [1, 1, 1] : memref<64x16x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        linalg.copy ins(%y : memref<16x64xf32>) outs(%slot : memref<16x64xf32, strided<[64, 1], offset: ?>>)
      }
      gpu.return
    }
  }
}

// -----

// Left alone: an output chain with no contraction (only the store), and a
// loop whose body does not start with a block barrier.
// CHECK-LABEL: gpu.func @no_contraction
// CHECK-NOT: ttt.output_threads
// CHECK-NOT: ttt.warp_group
// CHECK: gpu.return
// CHECK-LABEL: gpu.func @no_barrier
// CHECK-NOT: ttt.output_threads
// CHECK-NOT: ttt.warp_group
// CHECK: gpu.return
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#km = affine_map<(i, j, k) -> (k, i)>
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @no_contraction(%x: memref<16x64xf32>, %out: memref<64x16x64xf32>, %n: index) kernel {
      %w = memref.alloc() : memref<64x64xf32>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        %z = memref.alloc() : memref<16x64xf32>
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%x, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%z : memref<16x64xf32>) {
        ^bb0(%a: f32, %b: f32, %acc: f32):
          %m = arith.mulf %a, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%x, %z : memref<16x64xf32>, memref<16x64xf32>) outs(%w : memref<64x64xf32>) {
        ^bb0(%a: f32, %b: f32, %acc: f32):
          %m = arith.mulf %a, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        %slot = memref.subview %out[%i, 0, 0] [1, 16, 64] [1, 1, 1] : memref<64x16x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        linalg.copy ins(%z : memref<16x64xf32>) outs(%slot : memref<16x64xf32, strided<[64, 1], offset: ?>>)
      }
      gpu.return
    }
    gpu.func @no_barrier(%x: memref<16x64xf32>, %q: memref<16x64xf32>, %y: memref<16x64xf32>, %n: index) kernel {
      %w = memref.alloc() : memref<64x64xf32>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%q, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%y : memref<16x64xf32>) {
        ^bb0(%a: f32, %b: f32, %acc: f32):
          %m = arith.mulf %a, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%x, %x : memref<16x64xf32>, memref<16x64xf32>) outs(%w : memref<64x64xf32>) {
        ^bb0(%a: f32, %b: f32, %acc: f32):
          %m = arith.mulf %a, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// The per-token bias B (a broadcast of the carried bias) is read by the
// output chain but stays in the loop: the loop yields a view of it (the
// carried bias), which ttt-gpu-private-buffers copies out at the end of
// the body; before the loop it would be read and overwritten at once by
// the next broadcast. Y and the sum, only the output's, move before it.
// CHECK-LABEL: gpu.func @carried
// CHECK-SAME: ttt.output_threads = 256 : i64
// CHECK: %[[Y:.*]] = memref.alloc() : memref<16x64xf32>
// CHECK: %[[S:.*]] = memref.alloc() : memref<16x64xf32>
// CHECK: scf.for
// CHECK: gpu.barrier
// CHECK: %[[B:.*]] = memref.alloc() : memref<16x64xf32>
// CHECK: outs(%[[B]] : memref<16x64xf32>) {
// CHECK: outs(%[[Y]] : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64
// CHECK: ins(%[[Y]], %[[B]] : memref<16x64xf32>, memref<16x64xf32>) outs(%[[S]] : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64}
// With offload-inputs, B's broadcast reads only the previous iteration's
// bias, but it writes a carried buffer: it stays with the recurrence.
// OFFLOAD-LABEL: gpu.func @carried
// OFFLOAD: gpu.barrier
// OFFLOAD: %[[B:.*]] = memref.alloc() : memref<16x64xf32>
// OFFLOAD: outs(%[[B]] : memref<16x64xf32>) {
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @carried(%q: memref<16x64xf32>, %w: memref<64x64xf32>, %b0: memref<64xf32>, %out: memref<64x16x64xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %start = memref.cast %b0 : memref<64xf32> to memref<64xf32, strided<[1], offset: ?>>
      %last = scf.for %i = %c0 to %n step %c1 iter_args(%b = %start) -> (memref<64xf32, strided<[1], offset: ?>>) {
        gpu.barrier
        %bb = memref.alloc() : memref<16x64xf32>
        %y = memref.alloc() : memref<16x64xf32>
        %s = memref.alloc() : memref<16x64xf32>
        linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]}
            ins(%b : memref<64xf32, strided<[1], offset: ?>>) outs(%bb : memref<16x64xf32>) {
        ^bb0(%a: f32, %o: f32):
          linalg.yield %a : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%q, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%y : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%a: f32, %c: f32, %acc: f32):
          %m = arith.mulf %a, %c : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%y, %bb : memref<16x64xf32>, memref<16x64xf32>) outs(%s : memref<16x64xf32>) {
        ^bb0(%a: f32, %c: f32, %o: f32):
          %r = arith.addf %a, %c : f32
          linalg.yield %r : f32
        }
        %slot = memref.subview %out[%i, 0, 0] [1, 16, 64] [1, 1, 1] : memref<64x16x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        linalg.copy ins(%s : memref<16x64xf32>) outs(%slot : memref<16x64xf32, strided<[64, 1], offset: ?>>)
        %row = memref.subview %bb[15, 0] [1, 64] [1, 1] : memref<16x64xf32> to memref<64xf32, strided<[1], offset: 960>>
        %next = memref.cast %row : memref<64xf32, strided<[1], offset: 960>> to memref<64xf32, strided<[1], offset: ?>>
        scf.yield %next : memref<64xf32, strided<[1], offset: ?>>
      }
      gpu.return
    }
  }
}

// -----

// A rotated output tail (ttt-gpu-rotate-output-chain{tail-only}): %t,
// allocated before the loop, carries the previous step's T = Y * Y to the
// tail (the store of T + 1 to the previous slot). The ops after the loop
// that finish the last slot from %t (ttt.output_epilogue; the first
// writes a buffer of its own) read output, not state (the final W is):
// Y, T and the tail all go to the output group.
// CHECK-LABEL: gpu.func @rotated_tail
// CHECK-SAME: ttt.output_threads = 256 : i64
// CHECK: scf.for
// CHECK: outs(%{{.*}} : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
// CHECK: outs(%[[Y:.*]] : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
// CHECK: ins(%{{.*}} : memref<16x64xf32>) outs(%{{.*}} : memref<16x64xf32, strided<[64, 1], offset: ?>>) attrs = {ttt.warp_group = 1 : i64}
// CHECK: ins(%[[Y]] : memref<16x64xf32>) outs(%{{.*}} : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64}
// CHECK: outs(%{{.*}} : memref<64x64xf32>) {
// CHECK: ttt.output_epilogue
// With defer-output, the tail, which needs nothing the deferred Y = Q W
// and the ops after it write, moves before Y: it runs while the output
// group waits; T (it reads Y) stays after Y.
// DEFER-LABEL: gpu.func @rotated_tail
// DEFER: scf.for
// DEFER: attrs = {ttt.zero_init = array<i64: 0>} {
// DEFER-NEXT: ^bb0
// DEFER: outs(%{{.*}} : memref<16x64xf32, strided<[64, 1], offset: ?>>) attrs = {ttt.warp_group = 1 : i64}
// DEFER: outs(%[[Y:.*]] : memref<16x64xf32>) attrs = {ttt.wait_other_group, ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
// DEFER: ins(%[[Y]] : memref<16x64xf32>) outs(%{{.*}} : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64}
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#km = affine_map<(i, j, k) -> (k, i)>
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @rotated_tail(%x: memref<16x64xf32>, %q: memref<16x64xf32>, %out: memref<64x16x64xf32>, %wout: memref<64x64xf32>, %n: index) kernel {
      %w = memref.alloc() : memref<64x64xf32>
      %t = memref.alloc() : memref<16x64xf32>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        %slot = memref.subview %out[%i, 0, 0] [1, 16, 64] [1, 1, 1] : memref<64x16x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        %z = memref.alloc() : memref<16x64xf32>
        %y = memref.alloc() : memref<16x64xf32>
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%x, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%z : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%a: f32, %b: f32, %acc: f32):
          %m = arith.mulf %a, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%q, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%y : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%a: f32, %b: f32, %acc: f32):
          %m = arith.mulf %a, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%t : memref<16x64xf32>) outs(%slot : memref<16x64xf32, strided<[64, 1], offset: ?>>) {
        ^bb0(%a: f32, %o: f32):
          %one = arith.constant 1.0 : f32
          %s = arith.addf %a, %one : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%y : memref<16x64xf32>) outs(%t : memref<16x64xf32>) {
        ^bb0(%a: f32, %o: f32):
          %s = arith.mulf %a, %a : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%x, %z : memref<16x64xf32>, memref<16x64xf32>) outs(%w : memref<64x64xf32>) {
        ^bb0(%a: f32, %b: f32, %acc: f32):
          %m = arith.mulf %a, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
      }
      %e = memref.alloc() : memref<16x64xf32>
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%t : memref<16x64xf32>) outs(%e : memref<16x64xf32>) attrs = {ttt.output_epilogue} {
      ^bb0(%a: f32, %o: f32):
        %one = arith.constant 1.0 : f32
        %s = arith.addf %a, %one : f32
        linalg.yield %s : f32
      }
      %last = memref.subview %out[0, 0, 0] [1, 16, 64] [1, 1, 1] : memref<64x16x64xf32> to memref<16x64xf32, strided<[64, 1]>>
      linalg.copy {ttt.output_epilogue} ins(%e : memref<16x64xf32>) outs(%last : memref<16x64xf32, strided<[64, 1]>>)
      linalg.copy ins(%w : memref<64x64xf32>) outs(%wout : memref<64x64xf32>)
      gpu.return
    }
  }
}

// -----

// With weight-warps, the rotated update's refill (ttt-gpu-rotate-weight-
// update: the copy of this chunk's xs into the buffer %kc the update at the
// step's start read) joins the weight group; the output's copy does not.
// WEIGHTS-LABEL: gpu.func @refills
// WEIGHTS: scf.for
// WEIGHTS: linalg.generic {{.*}} outs(%{{.*}} : memref<64x64xf32>) attrs = {ttt.warp_group = 2 : i64}
// WEIGHTS: linalg.generic {{.*}} outs(%{{.*}} : memref<16x64xf32>) attrs = {ttt.warp_group = 2 : i64, ttt.zero_init = array<i64: 0>}
// WEIGHTS: linalg.generic {{.*}} outs(%{{.*}} : memref<16x64xf32>) {
// WEIGHTS: linalg.copy {ttt.warp_group = 2 : i64} ins(%{{.*}} : memref<16x64xf32>) outs(%{{.*}} : memref<16x64xf32>)
// WEIGHTS: linalg.copy {ttt.warp_group = 1 : i64} ins(%{{.*}} : memref<16x64xf32>) outs(%{{.*}} : memref<16x64xf32, strided<[64, 1], offset: ?>>)
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#km = affine_map<(i, j, k) -> (k, i)>
#id = affine_map<(i, j) -> (i, j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @refills(%xs: memref<16x64xf32>, %q: memref<16x64xf32>, %out: memref<64x16x64xf32>, %n: index) kernel {
      %w = memref.alloc() : memref<64x64xf32>
      %kc = memref.alloc() : memref<16x64xf32>
      %g = memref.alloc() : memref<16x64xf32>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        %z = memref.alloc() : memref<16x64xf32>
        %y = memref.alloc() : memref<16x64xf32>
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%kc, %g : memref<16x64xf32>, memref<16x64xf32>) outs(%w : memref<64x64xf32>) {
        ^bb0(%x: f32, %b: f32, %acc: f32):
          %m = arith.mulf %x, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%xs, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%z : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %b: f32, %acc: f32):
          %m = arith.mulf %x, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%z : memref<16x64xf32>) outs(%g : memref<16x64xf32>) {
        ^bb0(%x: f32, %o: f32):
          %s = arith.mulf %x, %x : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%q, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%y : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %b: f32, %acc: f32):
          %m = arith.mulf %x, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.copy ins(%xs : memref<16x64xf32>) outs(%kc : memref<16x64xf32>)
        %slot = memref.subview %out[%i, 0, 0] [1, 16, 64] [1, 1, 1] : memref<64x16x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        linalg.copy ins(%y : memref<16x64xf32>) outs(%slot : memref<16x64xf32, strided<[64, 1], offset: ?>>)
      }
      gpu.return
    }
  }
}

// -----

// With weight-warps and a lookahead correction (ttt-gpu-lookahead-products
// marks it): the recurrence's group keeps only the cycle through the value
// the correction carries (%z: the gradient %g from it, the correction);
// the bias update %b += g, which depends on that cycle but does not feed
// it, joins the weight group with the update and the product of W (the
// correction starts from that product: ttt-gpu-fold-init-copies).
// WEIGHTS-LABEL: gpu.func @off_cycle
// WEIGHTS: scf.for
// WEIGHTS: linalg.generic {{.*}} outs(%{{.*}} : memref<64x64xf32>) attrs = {ttt.warp_group = 2 : i64}
// WEIGHTS: linalg.generic {{.*}} outs(%[[P:.*]] : memref<16x64xf32>) attrs = {ttt.warp_group = 2 : i64, ttt.zero_init = array<i64: 0>}
// WEIGHTS: linalg.generic {{.*}} outs(%[[G:.*]] : memref<16x64xf32>) {
// WEIGHTS: linalg.generic {{.*}} outs(%{{.*}} : memref<64xf32>) attrs = {ttt.warp_group = 2 : i64}
// WEIGHTS: linalg.generic {{.*}} ins(%{{.*}}, %[[G]], %[[P]] : {{.*}}) outs(%{{.*}} : memref<16x64xf32>) attrs = {ttt.init_from = array<i64: 0, 2>, ttt.lookahead_correction}
// WEIGHTS: linalg.generic {{.*}} attrs = {ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#km = affine_map<(i, j, k) -> (k, i)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @off_cycle(%xs: memref<16x64xf32>, %q: memref<16x64xf32>, %c: memref<16x16xf32>, %out: memref<64x16x64xf32>, %wout: memref<64x64xf32>, %bout: memref<64xf32>, %n: index) kernel {
      %w = memref.alloc() : memref<64x64xf32>
      %b = memref.alloc() : memref<64xf32>
      %z = memref.alloc() : memref<16x64xf32>
      %g = memref.alloc() : memref<16x64xf32>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        %p = memref.alloc() : memref<16x64xf32>
        %y = memref.alloc() : memref<16x64xf32>
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%xs, %g : memref<16x64xf32>, memref<16x64xf32>) outs(%w : memref<64x64xf32>) {
        ^bb0(%x: f32, %v: f32, %acc: f32):
          %m = arith.mulf %x, %v : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%xs, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%p : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %v: f32, %acc: f32):
          %m = arith.mulf %x, %v : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%z : memref<16x64xf32>) outs(%g : memref<16x64xf32>) {
        ^bb0(%x: f32, %o: f32):
          %s = math.tanh %x : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#id, #col], iterator_types = ["parallel", "reduction"]}
            ins(%g : memref<16x64xf32>) outs(%b : memref<64xf32>) {
        ^bb0(%x: f32, %acc: f32):
          %s = arith.subf %acc, %x : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%c, %g, %p : memref<16x16xf32>, memref<16x64xf32>, memref<16x64xf32>) outs(%z : memref<16x64xf32>) attrs = {ttt.init_from = array<i64: 0, 2>, ttt.lookahead_correction} {
        ^bb0(%x: f32, %v: f32, %p0: f32, %acc: f32):
          %m = arith.mulf %x, %v : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%q, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%y : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %v: f32, %acc: f32):
          %m = arith.mulf %x, %v : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        %slot = memref.subview %out[%i, 0, 0] [1, 16, 64] [1, 1, 1] : memref<64x16x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        linalg.copy ins(%y : memref<16x64xf32>) outs(%slot : memref<16x64xf32, strided<[64, 1], offset: ?>>)
      }
      linalg.copy ins(%w : memref<64x64xf32>) outs(%wout : memref<64x64xf32>)
      linalg.copy ins(%b : memref<64xf32>) outs(%bout : memref<64xf32>)
      gpu.return
    }
  }
}

// -----

// With lean-weights, the weight group keeps the update, the product P = xs
// W (+ b), the correction's coefficients C = xs xs^T (off the cycle, on
// the chunk's inputs alone), the bias update b -= sum g (off the cycle,
// not a contraction, and P reads it) and Y = q W, which writes a buffer of
// its own (%[[OWN]]) that the attention term Y += s d starts from
// (ttt.init_from): the output group takes Y instead of W. The second
// state r -= rowsum g, off the cycle and feeding no weight op, runs on the
// output group. Without lean-weights (WEIGHTS) C, b and r join the weight
// group and Y stays with the output group, accumulated in place.
// LEAN-LABEL: gpu.func @lean
// LEAN-COUNT-2: memref.alloc() : memref<16x64xf32>
// LEAN: memref.alloc() : memref<16x64xf32>
// LEAN: memref.alloc() : memref<16x16xf32>
// LEAN-COUNT-2: memref.alloc() : memref<16x64xf32>
// LEAN: scf.for
// LEAN: linalg.generic {{.*}} outs(%{{.*}} : memref<64x64xf32>) attrs = {ttt.warp_group = 2 : i64}
// LEAN: linalg.generic {{.*}} outs(%[[P:.*]] : memref<16x64xf32>) attrs = {ttt.warp_group = 2 : i64, ttt.zero_init = array<i64: 0>}
// LEAN: linalg.generic {{.*}} outs(%[[C:.*]] : memref<16x16xf32>) attrs = {ttt.warp_group = 2 : i64, ttt.zero_init = array<i64: 0>}
// LEAN: linalg.generic {{.*}} outs(%[[G:.*]] : memref<16x64xf32>) {
// LEAN: linalg.generic {{.*}} outs(%{{.*}} : memref<64xf32>) attrs = {ttt.warp_group = 2 : i64}
// LEAN: linalg.generic {{.*}} outs(%{{.*}} : memref<16xf32>) attrs = {ttt.warp_group = 1 : i64}
// LEAN: linalg.generic {{.*}} ins(%[[C]], %[[G]], %[[P]] : {{.*}}) outs(%{{.*}} : memref<16x64xf32>) attrs = {ttt.init_from = array<i64: 0, 2>, ttt.lookahead_correction}
// LEAN: linalg.generic {{.*}} outs(%[[OWN:.*]] : memref<16x64xf32>) attrs = {ttt.warp_group = 2 : i64, ttt.zero_init = array<i64: 0>}
// LEAN: linalg.generic {{.*}} outs(%[[D:.*]] : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64}
// LEAN: linalg.generic {{.*}} ins(%{{.*}}, %[[D]], %[[OWN]] : {{.*}}) outs(%[[Y:.*]] : memref<16x64xf32>) attrs = {ttt.init_from = array<i64: 0, 2>, ttt.warp_group = 1 : i64}
// LEAN: linalg.copy {ttt.warp_group = 1 : i64} ins(%[[Y]]
// With split-weights, each weight op on W splits by W's rows: the update
// of rows 0-31 on group 2, of rows 32-63 on group 3; P = xs W and Y = q W
// as partial products over those rows, the first into P's (Y's) buffer,
// the second into one of its own that the reader adds to its initial
// value (ttt.init_plus beside ttt.init_from). The coefficients C, on the
// chunk's inputs alone and read by the recurrence alone (the correction),
// run on the recurrence's group (unmarked); the bias update, which P's
// first half reads, stays on group 2.
// SPLIT-LABEL: gpu.func @lean
// SPLIT-SAME: ttt.split_weights
// SPLIT: %[[W:.*]] = memref.alloc() : memref<64x64xf32>
// SPLIT: %[[P1:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x64xf32>
// SPLIT: %[[Y1:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x64xf32>
// SPLIT: scf.for
// SPLIT: %[[WLO:.*]] = memref.subview %[[W]][0, 0] [32, 64] [1, 1]
// SPLIT: outs(%[[WLO]] : {{.*}}) attrs = {ttt.warp_group = 2 : i64}
// SPLIT: %[[WHI:.*]] = memref.subview %[[W]][32, 0] [32, 64] [1, 1]
// SPLIT: outs(%[[WHI]] : {{.*}}) attrs = {ttt.warp_group = 3 : i64}
// SPLIT: ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<16x32xf32, strided<[64, 1]>>, memref<32x64xf32, strided<[64, 1]>>, memref<64xf32>) outs(%[[P:.*]] : memref<16x64xf32>) attrs = {ttt.warp_group = 2 : i64, ttt.zero_init = array<i64: 0>}
// SPLIT: ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<16x32xf32, strided<[64, 1], offset: 32>>, memref<32x64xf32, strided<[64, 1], offset: 2048>>, memref<64xf32>) outs(%[[P1]] : memref<16x64xf32>) attrs = {ttt.warp_group = 3 : i64, ttt.zero_init = array<i64: 0>}
// SPLIT: outs(%[[C:.*]] : memref<16x16xf32>) attrs = {ttt.zero_init = array<i64: 0>}
// SPLIT: outs(%{{.*}} : memref<64xf32>) attrs = {ttt.warp_group = 2 : i64}
// SPLIT: ins(%[[C]], %{{.*}}, %[[P]], %[[P1]] : {{.*}}) outs(%{{.*}}) attrs = {ttt.init_from = array<i64: 0, 2>, ttt.init_plus = array<i64: 0, 3>, ttt.lookahead_correction}
// SPLIT: outs(%[[Y:.*]] : memref<16x64xf32>) attrs = {ttt.warp_group = 2 : i64, ttt.zero_init = array<i64: 0>}
// SPLIT: outs(%[[Y1]] : memref<16x64xf32>) attrs = {ttt.warp_group = 3 : i64, ttt.zero_init = array<i64: 0>}
// SPLIT: ins(%{{.*}}, %{{.*}}, %[[Y]], %[[Y1]] : {{.*}}) outs(%{{.*}}) attrs = {ttt.init_from = array<i64: 0, 2>, ttt.init_plus = array<i64: 0, 3>, ttt.warp_group = 1 : i64}
// BADSPLIT: error: ttt-gpu-output-warps: split-weights needs lean-weights and an even weight-warps
// With coefficients-on-weights the correction's coefficients C (a
// contraction on the chunk's inputs alone that only the recurrence's
// correction reads) stay on the second weight group; the correction, on
// the recurrence, reads them there.
// COEF-LABEL: gpu.func @lean
// COEF: scf.for
// COEF: outs(%[[C:.*]] : memref<16x16xf32>) attrs = {ttt.warp_group = 3 : i64, ttt.zero_init = array<i64: 0>}
// COEF: ins(%[[C]], %{{.*}}) outs(%{{.*}}) attrs = {ttt.init_from = array<i64: 0, 2>, ttt.init_plus = array<i64: 0, 3>, ttt.lookahead_correction}
// BADCOEF: error: ttt-gpu-output-warps: coefficients-on-weights needs split-weights
// WEIGHTS-LABEL: gpu.func @lean
// WEIGHTS: outs(%{{.*}} : memref<16x16xf32>) attrs = {ttt.warp_group = 2 : i64, ttt.zero_init = array<i64: 0>}
// WEIGHTS: outs(%{{.*}} : memref<64xf32>) attrs = {ttt.warp_group = 2 : i64}
// WEIGHTS: outs(%{{.*}} : memref<16xf32>) attrs = {ttt.warp_group = 2 : i64}
// WEIGHTS: outs(%[[Y:.*]] : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64, ttt.zero_init = array<i64: 0>}
// WEIGHTS: outs(%[[Y]] : memref<16x64xf32>) attrs = {ttt.warp_group = 1 : i64}
#mk = affine_map<(i, j, k) -> (i, k)>
#nk = affine_map<(i, j, k) -> (j, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#km = affine_map<(i, j, k) -> (k, i)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#n3 = affine_map<(i, j, k) -> (j)>
#row = affine_map<(i, j) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @lean(%xs: memref<16x64xf32>, %q: memref<16x64xf32>, %s: memref<16x16xf32>, %out: memref<64x16x64xf32>, %wout: memref<64x64xf32>, %bout: memref<64xf32>, %rout: memref<16xf32>, %n: index) kernel {
      %w = memref.alloc() : memref<64x64xf32>
      %b = memref.alloc() : memref<64xf32>
      %rs = memref.alloc() : memref<16xf32>
      %z = memref.alloc() : memref<16x64xf32>
      %g = memref.alloc() : memref<16x64xf32>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        %p = memref.alloc() : memref<16x64xf32>
        %c = memref.alloc() : memref<16x16xf32>
        %y = memref.alloc() : memref<16x64xf32>
        %d = memref.alloc() : memref<16x64xf32>
        linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%xs, %g : memref<16x64xf32>, memref<16x64xf32>) outs(%w : memref<64x64xf32>) {
        ^bb0(%x: f32, %v: f32, %acc: f32):
          %m = arith.mulf %x, %v : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #n3, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%xs, %w, %b : memref<16x64xf32>, memref<64x64xf32>, memref<64xf32>) outs(%p : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %v: f32, %bb: f32, %acc: f32):
          %m = arith.mulf %x, %v : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%xs, %xs : memref<16x64xf32>, memref<16x64xf32>) outs(%c : memref<16x16xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %v: f32, %acc: f32):
          %m = arith.mulf %x, %v : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%z : memref<16x64xf32>) outs(%g : memref<16x64xf32>) {
        ^bb0(%x: f32, %o: f32):
          %t = math.tanh %x : f32
          linalg.yield %t : f32
        }
        linalg.generic {indexing_maps = [#id, #col], iterator_types = ["parallel", "reduction"]}
            ins(%g : memref<16x64xf32>) outs(%b : memref<64xf32>) {
        ^bb0(%x: f32, %acc: f32):
          %t = arith.subf %acc, %x : f32
          linalg.yield %t : f32
        }
        linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
            ins(%g : memref<16x64xf32>) outs(%rs : memref<16xf32>) {
        ^bb0(%x: f32, %acc: f32):
          %t = arith.subf %acc, %x : f32
          linalg.yield %t : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%c, %g, %p : memref<16x16xf32>, memref<16x64xf32>, memref<16x64xf32>) outs(%z : memref<16x64xf32>) attrs = {ttt.init_from = array<i64: 0, 2>, ttt.lookahead_correction} {
        ^bb0(%x: f32, %v: f32, %p0: f32, %acc: f32):
          %m = arith.mulf %x, %v : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%q, %w : memref<16x64xf32>, memref<64x64xf32>) outs(%y : memref<16x64xf32>) attrs = {ttt.zero_init = array<i64: 0>} {
        ^bb0(%x: f32, %v: f32, %acc: f32):
          %m = arith.mulf %x, %v : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%g : memref<16x64xf32>) outs(%d : memref<16x64xf32>) {
        ^bb0(%x: f32, %o: f32):
          %t = arith.mulf %x, %x : f32
          linalg.yield %t : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%s, %d : memref<16x16xf32>, memref<16x64xf32>) outs(%y : memref<16x64xf32>) {
        ^bb0(%x: f32, %v: f32, %acc: f32):
          %m = arith.mulf %x, %v : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        %slot = memref.subview %out[%i, 0, 0] [1, 16, 64] [1, 1, 1] : memref<64x16x64xf32> to memref<16x64xf32, strided<[64, 1], offset: ?>>
        linalg.copy ins(%y : memref<16x64xf32>) outs(%slot : memref<16x64xf32, strided<[64, 1], offset: ?>>)
      }
      linalg.copy ins(%w : memref<64x64xf32>) outs(%wout : memref<64x64xf32>)
      linalg.copy ins(%b : memref<64xf32>) outs(%bout : memref<64xf32>)
      linalg.copy ins(%rs : memref<16xf32>) outs(%rout : memref<16xf32>)
      gpu.return
    }
  }
}
