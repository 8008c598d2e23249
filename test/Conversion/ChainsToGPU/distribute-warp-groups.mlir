// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true elide-barriers=false},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s --check-prefix=KEEP
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true group-sections=true},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s --check-prefix=SECT

// Two warp groups (ttt-gpu-output-warps): threads 0-63 run the unmarked
// ops, threads 64-127 (thread ids less 64) the ops of ttt.warp_group 1.
// Where an op meets what the other group did, that group arrives at a
// fresh named barrier (3, 4, ...: 128 threads) after the last op it met
// and this op's group waits there first: b = 2a (group 0) before
// d = b + c (group 1); a = 2b (group 0) after c = a^2 (group 1) read a;
// b = a^2 after d = b + c read b. Ops of one group on the same points
// (element i on thread i) need nothing between; a block barrier ends.
// Without barrier elision (elide-barriers=false), each op under its
// group's guard is followed by a block barrier, no named barriers.
// With group-sections each group's guarded ops are one run of code
// (group 0's three, then group 1's two), the block barrier in place:
// each thread meets the same barriers in the same order.
// SECT-LABEL: gpu.func @groups
// SECT: %[[FIRST:.*]] = arith.cmpi ult
// SECT: %[[SECOND:.*]] = arith.cmpi uge
// SECT: scf.if %[[FIRST]] {
// SECT: memref.store %{{.*}}, %arg1
// SECT: scf.if %[[FIRST]] {
// SECT: memref.store %{{.*}}, %arg0
// SECT: scf.if %[[FIRST]] {
// SECT: memref.store %{{.*}}, %arg1
// SECT: scf.if %[[SECOND]] {
// SECT: memref.store %{{.*}}, %arg2
// SECT: scf.if %[[SECOND]] {
// SECT: memref.store %{{.*}}, %arg3
// SECT: gpu.barrier
// SECT-NEXT: gpu.return
// KEEP-LABEL: gpu.func @groups
// KEEP-NOT: nvvm.barrier
// KEEP: scf.if
// KEEP: }
// KEEP-NEXT: gpu.barrier
// KEEP: scf.if
// KEEP: }
// KEEP-NEXT: gpu.barrier
// KEEP-NOT: nvvm.barrier
// KEEP-LABEL: gpu.func @own_barrier
// CHECK-LABEL: gpu.func @groups
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i32
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : i32
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : i32
// CHECK-DAG: %[[N:.*]] = arith.constant 128 : i32
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[FIRST:.*]] = arith.cmpi ult, %[[TID]], %[[C64]] : index
// CHECK: scf.if %[[FIRST]] {
// CHECK: memref.store %{{.*}}, %arg1
// CHECK: nvvm.barrier.arrive id = %[[C3]] number_of_threads = %[[N]]
// CHECK-NEXT: }
// CHECK: %[[SECOND:.*]] = arith.cmpi uge, %[[TID]], %[[C64]] : index
// CHECK: scf.if %[[SECOND]] {
// CHECK: %[[GTID:.*]] = arith.subi %[[TID]], %[[C64]] : index
// CHECK: memref.store %{{.*}}, %arg2
// CHECK: nvvm.barrier.arrive id = %[[C4]] number_of_threads = %[[N]]
// CHECK-NEXT: }
// CHECK: scf.if %[[SECOND]] {
// CHECK-NEXT: nvvm.barrier id = %[[C3]] number_of_threads = %[[N]]
// CHECK: memref.store %{{.*}}, %arg3
// CHECK: nvvm.barrier.arrive id = %[[C5]] number_of_threads = %[[N]]
// CHECK-NEXT: }
// CHECK: scf.if %[[FIRST]] {
// CHECK-NEXT: nvvm.barrier id = %[[C4]] number_of_threads = %[[N]]
// CHECK: memref.store %{{.*}}, %arg0
// CHECK-NEXT: }
// CHECK: scf.if %[[FIRST]] {
// CHECK-NEXT: nvvm.barrier id = %[[C5]] number_of_threads = %[[N]]
// CHECK: memref.store %{{.*}}, %arg1
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: gpu.return
#id = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @groups(%a: memref<64xf32>, %b: memref<64xf32>, %c: memref<64xf32>, %d: memref<64xf32>) kernel attributes {ttt.output_threads = 64 : i64} {
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%b : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%c : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.mulf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
          ins(%b, %c : memref<64xf32>, memref<64xf32>) outs(%d : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %y: f32, %o: f32):
        %s = arith.addf %x, %y : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b : memref<64xf32>) outs(%a : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%b : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.mulf %x, %x : f32
        linalg.yield %s : f32
      }
      gpu.return
    }
  }
}

// -----

// A transposed read by its own group: element (i, j) written on one
// thread, read on another: the group's own barrier (1: 64 threads).
// CHECK-LABEL: gpu.func @own_barrier
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[N:.*]] = arith.constant 64 : i32
// CHECK: scf.if
// CHECK: scf.if
// CHECK-NEXT: nvvm.barrier id = %[[C1]] number_of_threads = %[[N]]
#id2 = affine_map<(i, j) -> (i, j)>
#t2 = affine_map<(i, j) -> (j, i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @own_barrier(%a: memref<16x16xf32>, %b: memref<16x16xf32>, %c: memref<16x16xf32>) kernel attributes {ttt.output_threads = 64 : i64} {
      linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
          ins(%a : memref<16x16xf32>) outs(%b : memref<16x16xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#t2, #id2], iterator_types = ["parallel", "parallel"]}
          ins(%b : memref<16x16xf32>) outs(%c : memref<16x16xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.mulf %x, %x : f32
        linalg.yield %s : f32
      }
      gpu.return
    }
  }
}

// -----

#id = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @bad_group(%a: memref<64xf32>, %b: memref<64xf32>) kernel attributes {ttt.output_threads = 64 : i64} {
      // expected-error @+1 {{ttt-gpu-distribute: ttt.warp_group must be 0 or 1, 2 with ttt.weight_threads, 3 with ttt.split_weights}}
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%b : memref<64xf32>) attrs = {ttt.warp_group = 2 : i64} {
      ^bb0(%x: f32, %o: f32):
        linalg.yield %x : f32
      }
      gpu.return
    }
  }
}

// -----

#id = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    // expected-error @+1 {{ttt-gpu-distribute: ttt.output_threads must be a positive multiple of 32 below the threads}}
    gpu.func @bad_threads(%a: memref<64xf32>, %b: memref<64xf32>) kernel attributes {ttt.output_threads = 48 : i64} {
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%b : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        linalg.yield %x : f32
      }
      gpu.return
    }
  }
}

// -----

#id = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @unmarked_kernel(%a: memref<64xf32>, %b: memref<64xf32>) kernel {
      // expected-error @+1 {{ttt-gpu-distribute: ttt.warp_group in a kernel without ttt.output_threads}}
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%b : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %o: f32):
        linalg.yield %x : f32
      }
      gpu.return
    }
  }
}

// -----

// Sixteen ops, each reading what the other group's previous one wrote:
// fifteen meetings, but only named barriers 3 to 15 (thirteen): the
// fourteenth meeting is a block barrier (both groups), after which the
// ids start again at 3.
// CHECK-LABEL: gpu.func @out_of_ids
// CHECK-COUNT-13: nvvm.barrier.arrive
// CHECK-NOT: nvvm.barrier.arrive
// CHECK: gpu.barrier
// CHECK: nvvm.barrier.arrive id = %c3_i32
// CHECK-NOT: nvvm.barrier.arrive
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.return
#id = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @out_of_ids(%b0: memref<64xf32>, %b1: memref<64xf32>, %b2: memref<64xf32>, %b3: memref<64xf32>, %b4: memref<64xf32>, %b5: memref<64xf32>, %b6: memref<64xf32>, %b7: memref<64xf32>, %b8: memref<64xf32>, %b9: memref<64xf32>, %b10: memref<64xf32>, %b11: memref<64xf32>, %b12: memref<64xf32>, %b13: memref<64xf32>, %b14: memref<64xf32>, %b15: memref<64xf32>, %b16: memref<64xf32>) kernel attributes {ttt.output_threads = 64 : i64} {
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b0 : memref<64xf32>) outs(%b1 : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b1 : memref<64xf32>) outs(%b2 : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b2 : memref<64xf32>) outs(%b3 : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b3 : memref<64xf32>) outs(%b4 : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b4 : memref<64xf32>) outs(%b5 : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b5 : memref<64xf32>) outs(%b6 : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b6 : memref<64xf32>) outs(%b7 : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b7 : memref<64xf32>) outs(%b8 : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b8 : memref<64xf32>) outs(%b9 : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b9 : memref<64xf32>) outs(%b10 : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b10 : memref<64xf32>) outs(%b11 : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b11 : memref<64xf32>) outs(%b12 : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b12 : memref<64xf32>) outs(%b13 : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b13 : memref<64xf32>) outs(%b14 : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b14 : memref<64xf32>) outs(%b15 : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b15 : memref<64xf32>) outs(%b16 : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      gpu.return
    }
  }
}

// -----

// ttt.wait_other_group (ttt-gpu-output-warps{defer-output}): c = a^2 on
// group 1 touches nothing group 0 wrote, yet waits until group 0 has run
// every op before it (b = 2a, then e = 3a): group 0 arrives after the
// last of them, group 1 waits there first.
// CHECK-LABEL: gpu.func @wait_other_group
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i32
// CHECK-DAG: %[[N:.*]] = arith.constant 128 : i32
// CHECK: scf.if %[[FIRST:.*]] {
// CHECK: memref.store %{{.*}}, %arg1
// CHECK-NOT: nvvm.barrier
// CHECK: }
// CHECK: scf.if %[[FIRST]] {
// CHECK: memref.store %{{.*}}, %arg3
// CHECK: nvvm.barrier.arrive id = %[[C3]] number_of_threads = %[[N]]
// CHECK-NEXT: }
// CHECK: scf.if %[[SECOND:.*]] {
// CHECK-NEXT: nvvm.barrier id = %[[C3]] number_of_threads = %[[N]]
// CHECK: memref.store %{{.*}}, %arg2
#id = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @wait_other_group(%a: memref<64xf32>, %b: memref<64xf32>, %c: memref<64xf32>, %e: memref<64xf32>) kernel attributes {ttt.output_threads = 64 : i64} {
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%b : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%e : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %d = arith.addf %x, %x : f32
        %s = arith.addf %d, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%c : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64, ttt.wait_other_group} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.mulf %x, %x : f32
        linalg.yield %s : f32
      }
      gpu.return
    }
  }
}

// -----

// Three warp groups (ttt-gpu-output-warps{weight-warps}): threads 0-31 run
// ttt.warp_group 2 (the weights), 32-63 the unmarked ops (ids less 32),
// 64-127 ttt.warp_group 1. Named barriers 1-3 are the groups'; meetings
// take 4, 5, ...: each of two groups' threads. d = c + b (group 1) meets
// b = 2a (group 0) and c = a^2 (group 2): it waits at two barriers, one
// per group that arrives (96 threads each); a = 2d (group 2) waits for
// group 0, which read a (64 threads), and for group 1, which wrote d.
// CHECK-LABEL: gpu.func @three_groups
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : i32
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : i32
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : i32
// CHECK-DAG: %[[C7:.*]] = arith.constant 7 : i32
// CHECK-DAG: %[[N96:.*]] = arith.constant 96 : i32
// CHECK-DAG: %[[N64:.*]] = arith.constant 64 : i32
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[LO:.*]] = arith.cmpi ult, %[[TID]], %[[C64]] : index
// CHECK: %[[HI:.*]] = arith.cmpi uge, %[[TID]], %[[C32]] : index
// CHECK: %[[FIRST:.*]] = arith.andi %[[LO]], %[[HI]] : i1
// CHECK: scf.if %[[FIRST]] {
// CHECK: arith.subi %[[TID]], %[[C32]] : index
// CHECK: memref.store %{{.*}}, %arg1
// CHECK: nvvm.barrier.arrive id = %[[C4]] number_of_threads = %[[N96]]
// CHECK-NEXT: nvvm.barrier.arrive id = %[[C6]] number_of_threads = %[[N64]]
// CHECK-NEXT: }
// CHECK: %[[WEIGHTS:.*]] = arith.cmpi ult, %[[TID]], %[[C32]] : index
// CHECK: scf.if %[[WEIGHTS]] {
// CHECK-NOT: arith.subi
// CHECK: memref.store %{{.*}}, %arg2
// CHECK: nvvm.barrier.arrive id = %[[C5]] number_of_threads = %[[N96]]
// CHECK-NEXT: }
// CHECK: %[[OUT:.*]] = arith.cmpi uge, %[[TID]], %[[C64]] : index
// CHECK: scf.if %[[OUT]] {
// CHECK-NEXT: nvvm.barrier id = %[[C4]] number_of_threads = %[[N96]]
// CHECK-NEXT: nvvm.barrier id = %[[C5]] number_of_threads = %[[N96]]
// CHECK: memref.store %{{.*}}, %arg3
// CHECK: nvvm.barrier.arrive id = %[[C7]] number_of_threads = %[[N96]]
// CHECK-NEXT: }
// CHECK: scf.if %[[WEIGHTS]] {
// CHECK-NEXT: nvvm.barrier id = %[[C6]] number_of_threads = %[[N64]]
// CHECK-NEXT: nvvm.barrier id = %[[C7]] number_of_threads = %[[N96]]
// CHECK: memref.store %{{.*}}, %arg0
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: gpu.return
#id = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @three_groups(%a: memref<64xf32>, %b: memref<64xf32>, %c: memref<64xf32>, %d: memref<64xf32>) kernel attributes {ttt.output_threads = 64 : i64, ttt.weight_threads = 32 : i64} {
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%b : memref<64xf32>) {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%a : memref<64xf32>) outs(%c : memref<64xf32>) attrs = {ttt.warp_group = 2 : i64} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.mulf %x, %x : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
          ins(%c, %b : memref<64xf32>, memref<64xf32>) outs(%d : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%x: f32, %y: f32, %o: f32):
        %s = arith.addf %x, %y : f32
        linalg.yield %s : f32
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%d : memref<64xf32>) outs(%a : memref<64xf32>) attrs = {ttt.warp_group = 2 : i64} {
      ^bb0(%x: f32, %o: f32):
        %s = arith.addf %x, %x : f32
        linalg.yield %s : f32
      }
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @m {
    // expected-error @+1 {{ttt-gpu-distribute: ttt.weight_threads must be a positive multiple of 32, with ttt.output_threads, leaving threads for the first group}}
    gpu.func @too_many_weight_threads(%a: memref<64xf32>) kernel attributes {ttt.output_threads = 64 : i64, ttt.weight_threads = 64 : i64} {
      gpu.return
    }
  }
}

// -----

// A linalg.copy of a warp group (the refill copies ttt-gpu-output-warps
// marks) keeps its group when it is generalized: it runs on threads
// 64-127, element i on thread 64 + i.
// CHECK-LABEL: gpu.func @marked_copy
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[SECOND:.*]] = arith.cmpi uge, %[[TID]], %[[C64]] : index
// CHECK: scf.if %[[SECOND]] {
// CHECK: %[[GTID:.*]] = arith.subi %[[TID]], %[[C64]] : index
// CHECK: memref.load %arg0[%[[GTID]]]
// CHECK: memref.store %{{.*}}, %arg1[%[[GTID]]]
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @marked_copy(%a: memref<64xf32>, %b: memref<64xf32>) kernel attributes {ttt.output_threads = 64 : i64} {
      linalg.copy {ttt.warp_group = 1 : i64} ins(%a : memref<64xf32>) outs(%b : memref<64xf32>)
      gpu.return
    }
  }
}
