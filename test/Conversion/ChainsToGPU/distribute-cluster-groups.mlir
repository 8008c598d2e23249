// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true channel-slots=2},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s --check-prefix=SLOTS
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 cluster-groups=true channel-slots=3})))' --split-input-file %s 2>&1 | FileCheck %s --check-prefix=BADSLOTS
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true direct-channels=true fewer-block-barriers=true},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s --check-prefix=DIRECT
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true direct-channels=true},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s --check-prefix=DIRECTLAST
// RUN: not ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 cluster-groups=true direct-channels=true channel-slots=2})))' --split-input-file %s 2>&1 | FileCheck %s --check-prefix=BADDIRECT
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true group-sections=true},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s --check-prefix=SECT
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true fewer-block-barriers=true},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s --check-prefix=FEWER
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true group-sections=true fewer-block-barriers=true},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s --check-prefix=FEWERSECT
// BADSLOTS: ttt-gpu-distribute: channel-slots must be 1 or 2
// BADDIRECT: ttt-gpu-distribute: direct-channels needs channel-slots=1

// cluster-groups: warp group g on block g of a cluster (cluster_block_id
// y); group 0 updates a (shared bytes [0, 256)) and group 1 reads it in the
// same step: a channel, staged at byte 512 (after the 512 bytes of
// buffers), its full barrier at 768 and its empty barrier at 776. Thread 0
// of block 1 initializes the full barrier and expects 256 bytes, thread 0
// of block 0 the empty one with its phase 0 complete (no copy to take
// before the first); a cluster barrier, then the loop. Block 0 writes a,
// a block barrier, waits on the empty barrier (parity of the iteration),
// copies a into block 1's staging area (st.async counted on its full
// barrier), a block barrier. Block 1 waits on the full barrier, expects
// the next copy's bytes, moves the staged bytes to a, a block barrier,
// thread 0 frees the staging area (block 0's empty barrier), then reads
// a. A cluster barrier before the return.
// With channel-slots=2 two staging areas (512 and 768) and a full and an
// empty barrier for each (1024, 1032; 1040, 1048), all four initialized;
// step i's copy goes to slot i mod 2 (staging 512 + 256 (i mod 2), full
// barrier 1024 + 16 (i mod 2)), the writer waiting on that slot's empty
// barrier for phase parity (i / 2) mod 2: for the take of step i - 2.
// With direct-channels no staging area (the barriers at 512 and 520): block
// 0 copies a straight into block 1's a (byte 0); block 1 waits on the full
// barrier, expects the next copy's bytes and reads a where it is (no
// move); after that read, its last of a in the step, a block barrier and
// thread 0 frees a for block 0's next copy (block 0's empty barrier).
// DIRECT-LABEL: gpu.func @channel
// DIRECT-SAME: ttt.shared_bytes = 528
// DIRECT: scf.for
// DIRECT: mbarrier.try_wait.parity.acquire.cluster
// DIRECT: scf.for
// DIRECT: st.async.shared::cluster.mbarrier::complete_tx::bytes.v4.b32
// DIRECT: mbarrier.try_wait.parity.acquire.cluster
// DIRECT: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;"
// DIRECT-NOT: st.shared.v4.b32
// DIRECT: memref.load %view[
// DIRECT: memref.store %{{.*}}, %view_0[
// DIRECT: gpu.barrier
// DIRECT-NEXT: scf.if
// DIRECT: mbarrier.arrive.release.cta.shared::cluster.b64
// DIRECT: memref.load %view_0[
// DIRECT: memref.store %{{.*}}, %arg1[
// SLOTS-LABEL: gpu.func @channel
// SLOTS-SAME: ttt.shared_bytes = 1056
// SLOTS-COUNT-2: mbarrier.arrive.expect_tx.shared::cta.b64
// SLOTS: scf.for %[[I:.*]] =
// SLOTS: %[[SLOT:.*]] = arith.remui %[[I]], %c2
// SLOTS: %[[HALF:.*]] = arith.divui %[[I]], %c2
// SLOTS: %[[PAR:.*]] = arith.remui %[[HALF]], %c2
// SLOTS: mbarrier.try_wait.parity.acquire.cluster
// SLOTS: arith.muli %[[SLOT]], %c256
// SLOTS: st.async.shared::cluster.mbarrier::complete_tx::bytes.v4.b32
// SLOTS: mbarrier.try_wait.parity.acquire.cluster
// SLOTS: arith.muli %{{.*}}, %c256
// SLOTS: st.shared.v4.b32
// SLOTS: mbarrier.arrive.release.cta.shared::cluster.b64
// CHECK-LABEL: gpu.func @channel
// CHECK-SAME: known_cluster_size = array<i32: 1, 2, 1>
// CHECK-SAME: ttt.shared_bytes = 784
// CHECK-DAG: %[[C512:.*]] = arith.constant 512 : index
// CHECK-DAG: %[[C768:.*]] = arith.constant 768 : index
// CHECK-DAG: %[[C776:.*]] = arith.constant 776 : index
// CHECK-DAG: %[[B1:.*]] = arith.constant 1 : index
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[RANK:.*]] = gpu.cluster_block_id y
// CHECK: %[[BASE:.*]] = memref.extract_aligned_pointer_as_index
// CHECK: %[[T0:.*]] = arith.cmpi eq, %[[TID]]
// CHECK: scf.if %[[T0]]
// CHECK: arith.cmpi eq, %[[RANK]], %[[B1]]
// CHECK: arith.addi %[[BASE]], %[[C768]]
// CHECK: "mbarrier.init.shared::cta.b64 [$0], $1;"
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;"
// CHECK: arith.addi %[[BASE]], %[[C776]]
// CHECK: "mbarrier.init.shared::cta.b64 [$0], $1;"
// CHECK: "mbarrier.arrive.shared::cta.b64 _, [$0], $1;"
// CHECK: "fence.mbarrier_init.release.cluster;"
// CHECK: barrier.cluster.arrive.release.aligned
// CHECK: scf.for %[[I:.*]] =
// CHECK: memref.store %{{.*}}, %view[
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK: arith.addi %[[BASE]], %[[C776]]
// CHECK: arith.remui %[[I]]
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: scf.for
// CHECK: arith.addi %{{.*}}, %[[C512]]
// CHECK: st.async.shared::cluster.mbarrier::complete_tx::bytes.v4.b32
// CHECK: gpu.barrier
// CHECK: arith.cmpi eq, %[[RANK]], %[[B1]]
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;"
// CHECK: scf.for
// CHECK: st.shared.v4.b32
// CHECK: gpu.barrier
// CHECK-NEXT: scf.if %[[T0]]
// CHECK: mbarrier.arrive.release.cta.shared::cluster.b64
// CHECK: memref.load %view[
// CHECK: memref.store %{{.*}}, %arg1[
// CHECK: barrier.cluster.arrive.release.aligned
// CHECK-NEXT: gpu.return

#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @channel(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 512 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %b = memref.view %shm[%c256][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%b : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %in : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%b : !v) outs(%o : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// The copy of a goes after block 0's next op (c = x * x): the two need no
// barrier between them, so the copy's barrier is the one after both.
// After the copy no barrier: block 0's next op (d, reading c reversed)
// does not write a and is followed by a barrier anyway.
// CHECK-LABEL: gpu.func @deferred_copy
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %view[
// CHECK-NOT: gpu.barrier
// CHECK: memref.store %{{.*}}, %view_1[
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: st.async.shared::cluster
// CHECK-NOT: gpu.barrier
// CHECK: memref.load %view_1[
// CHECK: memref.store %{{.*}}, %view_2[
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: st.shared.v4.b32

#id = affine_map<(i) -> (i)>
#rev = affine_map<(i) -> (63 - i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @deferred_copy(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 1024 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %c512 = arith.constant 512 : index
      %c768 = arith.constant 768 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %b = memref.view %shm[%c256][] : !wg to !v
      %c = memref.view %shm[%c512][] : !wg to !v
      %d = memref.view %shm[%c768][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%c : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#rev, #id], iterator_types = ["parallel"]}
            ins(%c : !v) outs(%d : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.subf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%b : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %in : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%b : !v) outs(%o : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// No copy past the reader's take in program order: block 0's second op
// (c = x * x) needs no barrier after a's write but comes after block 1's
// read of a, so a's copy stays after the write (every wait is for an
// earlier event).
// CHECK-LABEL: gpu.func @copy_before_take
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %view[
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: st.async.shared::cluster
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: st.shared.v4.b32
// CHECK: memref.load %view[
// CHECK: memref.store %{{.*}}, %view_0[
// CHECK: memref.store %{{.*}}, %arg1[
// CHECK: memref.store %{{.*}}, %view_1[

#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @copy_before_take(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 768 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %c512 = arith.constant 512 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %b = memref.view %shm[%c256][] : !wg to !v
      %c = memref.view %shm[%c512][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%b : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %in : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%b : !v) outs(%o : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%c : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %out : f32
          linalg.yield %y : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// @channel with a body that starts with a block barrier (as the prefetch's
// wait does): the next step's barrier orders what each block's last op
// and a's copy did, so neither is followed by a barrier of its own; one
// after the loop orders the last step's.
// CHECK-LABEL: gpu.func @step_barrier
// CHECK: scf.for
// CHECK-NEXT: gpu.barrier
// CHECK: st.async.shared::cluster
// CHECK-NOT: gpu.barrier
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: st.shared.v4.b32
// CHECK: gpu.barrier
// CHECK: memref.store %{{.*}}, %arg1[
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: barrier.cluster.arrive.release.aligned

#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @step_barrier(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 512 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %b = memref.view %shm[%c256][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%b : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %in : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%b : !v) outs(%o : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}


// -----

// A channel of padded rows (private-buffers' 4 x 16 of rows of 20 floats,
// bytes [0, 320)): only the rows' 256 bytes are copied and counted (16
// chunks; chunk k at row k / 4, column chunk k mod 4 of 80-byte rows), the
// staging area keeping the padded layout (320 bytes at 640).
// CHECK-LABEL: gpu.func @padded_rows
// CHECK-SAME: ttt.shared_bytes = 976
// CHECK-DAG: %[[C80:.*]] = arith.constant 80 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[BYTES:.*]] = llvm.mlir.constant(256 : i32) : i32
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}" %{{.*}}, %[[BYTES]]
// CHECK: scf.for
// CHECK: scf.for %[[K:.*]] = %thread_id_x to %[[C16]] step
// CHECK-NEXT: %[[ROW:.*]] = arith.divui %[[K]], %[[C4]]
// CHECK-NEXT: %[[COL:.*]] = arith.remui %[[K]], %[[C4]]
// CHECK-NEXT: arith.muli %[[ROW]], %[[C80]]
// CHECK-NEXT: arith.muli %[[COL]], %[[C16]]
// CHECK: st.async.shared::cluster
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}" %{{.*}}, %[[BYTES]]
// CHECK: scf.for %[[K2:.*]] = %thread_id_x to %[[C16]] step
// CHECK-NEXT: arith.divui %[[K2]], %[[C4]]
// CHECK: st.shared.v4.b32

#id2 = affine_map<(i, j) -> (i, j)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!pad = memref<4x20xf32, #gpu.address_space<workgroup>>
!rows = memref<4x16xf32, strided<[20, 1]>, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @padded_rows(%x: memref<4x16xf32>, %o: memref<4x16xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 640 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c320 = arith.constant 320 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %pa = memref.view %shm[%c0][] : !wg to !pad
      %a = memref.subview %pa[0, 0] [4, 16] [1, 1] {ttt.padded_rows} : !pad to !rows
      %pb = memref.view %shm[%c320][] : !wg to !pad
      %b = memref.subview %pb[0, 0] [4, 16] [1, 1] {ttt.padded_rows} : !pad to !rows
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
            ins(%x : memref<4x16xf32>) outs(%a : !rows) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
            ins(%a : !rows) outs(%b : !rows) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %in : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
            ins(%b : !rows) outs(%o : memref<4x16xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// Channels both ways (0 -> 1 within the step, 1 -> 0 carried to the
// next): block 0 takes b from the second step on (the first reads b's
// initial value; the phase of the last step's copy), writes a and copies it;
// block 1 takes a, writes b and copies it where there is a next step (no
// copy left untaken). b, read after the loop, is
// copied from block 1 to block 0 between two cluster barriers (plain
// remote stores); the final store of the global result runs on block 0.
// With direct-channels block 0 reads b where block 1's copy put it and
// frees it after that read in every step, the first too (the initial
// value's: b's empty barrier starts with no phase complete, a's with one).
// DIRECT-LABEL: gpu.func @both_ways
// DIRECT: "mbarrier.arrive.shared::cta.b64 _, [$0], $1;"
// DIRECT-NOT: "mbarrier.arrive.shared::cta.b64 _, [$0], $1;"
// DIRECT: scf.for %[[I:.*]] =
// DIRECT: %[[LATER:.*]] = arith.cmpi ne, %[[I]]
// DIRECT: scf.if %[[LATER]]
// DIRECT: mbarrier.try_wait.parity.acquire.cluster
// DIRECT-NOT: st.shared.v4.b32
// DIRECT: memref.load %view_0[
// DIRECT: memref.store %{{.*}}, %view[
// DIRECT-NEXT: }
// DIRECT-NEXT: gpu.barrier
// DIRECT-NEXT: scf.if
// DIRECT: mapa.shared::cluster.u32 remote
// CHECK-LABEL: gpu.func @both_ways
// CHECK-SAME: known_cluster_size = array<i32: 1, 2, 1>
// CHECK: scf.for %[[I:.*]] =
// CHECK: %[[LATER:.*]] = arith.cmpi ne, %[[I]]
// CHECK: scf.if %[[LATER]]
// CHECK: %[[PREV:.*]] = arith.subi %[[I]], %c1
// CHECK: arith.remui %[[PREV]], %c2
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: st.shared.v4.b32
// CHECK: mbarrier.arrive.release.cta.shared::cluster.b64
// CHECK: memref.store %{{.*}}, %view[
// CHECK: st.async.shared::cluster.mbarrier::complete_tx::bytes.v4.b32
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: st.shared.v4.b32
// CHECK: mbarrier.arrive.release.cta.shared::cluster.b64
// CHECK: memref.store %{{.*}}, %view_0[
// CHECK: %[[NEXT:.*]] = arith.addi %[[I]], %c1
// CHECK: %[[MORE:.*]] = arith.cmpi slt, %[[NEXT]], %arg2
// CHECK: scf.if %[[MORE]]
// CHECK: st.async.shared::cluster.mbarrier::complete_tx::bytes.v4.b32
// CHECK: barrier.cluster.arrive.release.aligned
// CHECK: scf.for
// CHECK: st.shared::cluster.v4.b32
// CHECK: barrier.cluster.arrive.release.aligned
// CHECK: memref.store %{{.*}}, %arg1[
// CHECK: barrier.cluster.arrive.release.aligned
// CHECK-NEXT: gpu.return
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @both_ways(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 512 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %b = memref.view %shm[%c256][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
            ins(%x, %b : memref<64xf32>, !v) outs(%a : !v) {
        ^bb0(%in: f32, %in2: f32, %out: f32):
          %y = arith.addf %in, %in2 : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%b : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %in : f32
          linalg.yield %y : f32
        }
      }
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%b : !v) outs(%o : memref<64xf32>) {
      ^bb0(%in: f32, %out: f32):
        linalg.yield %in : f32
      }
      gpu.return
    }
  }
}

// -----

// An op computing from a step's inputs alone (here 2 x from global
// memory) runs on every block that reads its result instead of a channel.
// CHECK-LABEL: gpu.func @input_only
// CHECK-NOT: mbarrier
// CHECK: scf.for
// CHECK: %[[ON0:.*]] = arith.cmpi eq, %cluster_block_id_y, %c0
// CHECK: %[[ON1:.*]] = arith.cmpi eq, %cluster_block_id_y, %c1
// CHECK: %[[BOTH:.*]] = arith.ori %[[ON0]], %[[ON1]]
// CHECK: scf.if %[[BOTH]]
// CHECK-NOT: st.async
// CHECK: gpu.return
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @input_only(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 256 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %in : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%o : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// A state update (4 KB updated in place from a global input) that group 1
// reads runs on both blocks instead of a channel: each keeps its copy of
// the state current; no barriers, copies or takes.
// With group-sections each block's ops are one run of code: the replica
// (on blocks 0 and 1) copied into block 0's run and block 1's, each
// guarded by its own rank, block 1's own op after its copy.
// SECT-LABEL: gpu.func @replica
// SECT: scf.for
// SECT: %[[ON1:.*]] = arith.cmpi eq, %cluster_block_id_y, %c1
// SECT: %[[ON0:.*]] = arith.cmpi eq, %cluster_block_id_y, %c0
// SECT: scf.if %[[ON0]]
// SECT: memref.store %{{.*}}, %view[
// SECT: scf.if %[[ON1]]
// SECT: memref.store %{{.*}}, %view[
// SECT: scf.if %[[ON1]]
// SECT: memref.store %{{.*}}, %arg1[
// SECT-NOT: ttt.group_guard
// SECT: gpu.return
// CHECK-LABEL: gpu.func @replica
// CHECK-NOT: mbarrier
// CHECK: scf.for
// CHECK: %[[ON0:.*]] = arith.cmpi eq, %cluster_block_id_y, %c0
// CHECK: %[[ON1:.*]] = arith.cmpi eq, %cluster_block_id_y, %c1
// CHECK: %[[BOTH:.*]] = arith.ori %[[ON0]], %[[ON1]]
// CHECK: scf.if %[[BOTH]]
// CHECK: memref.store %{{.*}}, %view[
// CHECK: scf.if %[[ON1]]
// CHECK: memref.store %{{.*}}, %arg1[
// CHECK-NOT: st.async
// CHECK: gpu.return
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!s = memref<1024xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @replica(%x: memref<1024xf32>, %o: memref<1024xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 4096 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %st = memref.view %shm[%c0][] : !wg to !s
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<1024xf32>) outs(%st : !s) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%st : !s) outs(%o : memref<1024xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// An op on two blocks (a replica) whose blocks need different syncs after
// it: block 1's next op reads its result on other threads (a block
// barrier), block 0's on the same threads (none). Both wait (the strongest
// sync either needs); with fewer-block-barriers only block 1 does, and
// with group-sections each block's copy has its own, block 0's none.
// CHECK-LABEL: gpu.func @replica_syncs
// CHECK: scf.for
// CHECK: %[[ON0:.*]] = arith.cmpi eq, %cluster_block_id_y, %c0
// CHECK: %[[ON1:.*]] = arith.cmpi eq, %cluster_block_id_y, %c1
// CHECK: %[[BOTH:.*]] = arith.ori %[[ON0]], %[[ON1]]
// CHECK: scf.if %[[BOTH]]
// CHECK: memref.store %{{.*}}, %view[
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: }
// CHECK-NEXT: scf.if %[[ON0]]
// SECT-LABEL: gpu.func @replica_syncs
// SECT: scf.for
// SECT: %[[ON0:.*]] = arith.cmpi eq, %cluster_block_id_y, %c0
// SECT-NEXT: %[[ON1:.*]] = arith.cmpi eq, %cluster_block_id_y, %c1
// SECT-NEXT: scf.if %[[ON0]] {
// SECT: memref.store %{{.*}}, %view[
// SECT-NEXT: }
// SECT-NEXT: gpu.barrier
// SECT-NEXT: }
// FEWER-LABEL: gpu.func @replica_syncs
// FEWER: scf.for
// FEWER: %[[ON0:.*]] = arith.cmpi eq, %cluster_block_id_y, %c0
// FEWER: %[[ON1:.*]] = arith.cmpi eq, %cluster_block_id_y, %c1
// FEWER: %[[BOTH:.*]] = arith.ori %[[ON0]], %[[ON1]]
// FEWER: scf.if %[[BOTH]]
// FEWER: memref.store %{{.*}}, %view[
// FEWER-NEXT: }
// FEWER-NEXT: scf.if %[[ON1]] {
// FEWER-NEXT: gpu.barrier
// FEWER-NEXT: }
// FEWER-NEXT: }
// FEWER-NEXT: scf.if %[[ON0]]
// FEWERSECT-LABEL: gpu.func @replica_syncs
// FEWERSECT: scf.for
// FEWERSECT: %[[ON0:.*]] = arith.cmpi eq, %cluster_block_id_y, %c0
// FEWERSECT: %[[ON1:.*]] = arith.cmpi eq, %cluster_block_id_y, %c1
// FEWERSECT-NEXT: scf.if %[[ON0]] {
// FEWERSECT: memref.store %{{.*}}, %view[
// FEWERSECT-NEXT: }
// FEWERSECT-NEXT: }
// FEWERSECT-NEXT: scf.if %[[ON0]] {
// FEWERSECT: scf.if %[[ON1]] {
// FEWERSECT: memref.store %{{.*}}, %view[
// FEWERSECT-NEXT: }
// FEWERSECT-NEXT: gpu.barrier
// FEWERSECT-NEXT: }
// FEWERSECT-NOT: ttt.rank_guard
// FEWERSECT: gpu.return
#id = affine_map<(i) -> (i)>
#rev = affine_map<(i) -> (63 - i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @replica_syncs(%x: memref<64xf32>, %o0: memref<64xf32>, %o1: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 256 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %in : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%o0 : memref<64xf32>) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
        linalg.generic {indexing_maps = [#rev, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%o1 : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// Two groups writing disjoint halves of one buffer (static subviews): no
// conflict; the channel from group 1 to group 0 copies group 1's half
// alone, bytes [128, 256): 8 chunks of 16 bytes from byte 128.
// CHECK-LABEL: gpu.func @row_halves
// CHECK: scf.for
// CHECK: scf.for %[[CHUNK:.*]] = %thread_id_x to %c8 step %c128
// CHECK: %[[AT:.*]] = arith.muli %[[CHUNK]], %c16
// CHECK: arith.addi %[[AT]], %c128
// CHECK: st.async
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @row_halves(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 256 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %lo = memref.subview %a[0] [32] [1] : !v to memref<32xf32, strided<[1]>, #gpu.address_space<workgroup>>
      %hi = memref.subview %a[32] [32] [1] : !v to memref<32xf32, strided<[1], offset: 32>, #gpu.address_space<workgroup>>
      %xlo = memref.subview %x[0] [32] [1] : memref<64xf32> to memref<32xf32, strided<[1]>>
      %xhi = memref.subview %x[32] [32] [1] : memref<64xf32> to memref<32xf32, strided<[1], offset: 32>>
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%xlo : memref<32xf32, strided<[1]>>) outs(%lo : memref<32xf32, strided<[1]>, #gpu.address_space<workgroup>>) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%xhi : memref<32xf32, strided<[1], offset: 32>>) outs(%hi : memref<32xf32, strided<[1], offset: 32>, #gpu.address_space<workgroup>>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %s = arith.addf %in, %out : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%o : memref<64xf32>) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// A copy to the recurrence's block (block 0) does not wait for a product
// after the last write on the writer's block (which needs no barrier
// between them): block 1 writes a, copies it, then runs p = u w.
// CHECK-LABEL: gpu.func @copy_before_product
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %view[%thread_id_x]
// CHECK: gpu.barrier
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: st.async.shared::cluster
// CHECK: arith.mulf
// CHECK: memref.store %{{.*}}, %view_0[
#id = affine_map<(i) -> (i)>
#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
!m = memref<8x8xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @copy_before_product(%x: memref<64xf32>, %u: memref<8x8xf32>, %w: memref<8x8xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 512 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %p = memref.view %shm[%c256][] : !wg to !m
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%u, %w : memref<8x8xf32>, memref<8x8xf32>) outs(%p : !m) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%l: f32, %r: f32, %acc: f32):
          %m = arith.mulf %l, %r : f32
          %s = arith.addf %acc, %m : f32
          linalg.yield %s : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%o : memref<64xf32>) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// Two groups writing the same shared bytes in a loop: no single value to
// copy.
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @two_writers(%x: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 256 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      // expected-error @+1 {{cluster-groups: warp groups 0 and 1 both write shared bytes [0, 256) in this loop}}
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// A read between two writes of another group would need the value in
// between.
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @between(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 256 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
        // expected-error @+1 {{this op reads shared bytes another group writes both before and after it in the step}}
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%o : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// Global memory one group writes and another reads has no channel.
#id = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @global(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%o : memref<64xf32>) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
        // expected-error @+1 {{cluster-groups: this op touches global memory another warp group writes in the loop}}
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%o : memref<64xf32>) outs(%x : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// An op of a warp group outside a loop of the kernel's body.
#id = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @outside(%x: memref<64xf32>, %o: memref<64xf32>) kernel attributes {ttt.output_threads = 64 : i64} {
      // expected-error @+1 {{cluster-groups needs each op of a warp group directly in a loop of the kernel's body}}
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%x : memref<64xf32>) outs(%o : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
      ^bb0(%in: f32, %out: f32):
        linalg.yield %in : f32
      }
      gpu.return
    }
  }
}

// -----

// Without warp groups there is nothing to put on blocks.
#id = affine_map<(i) -> (i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    // expected-error @+1 {{cluster-groups needs warp groups (ttt.output_threads)}}
    gpu.func @no_groups(%x: memref<64xf32>, %o: memref<64xf32>) kernel {
      linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
          ins(%x : memref<64xf32>) outs(%o : memref<64xf32>) {
      ^bb0(%in: f32, %out: f32):
        linalg.yield %in : f32
      }
      gpu.return
    }
  }
}

// -----

// Channels copy 16-byte chunks: 15 floats another group reads are not.
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<15xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @odd_bytes(%x: memref<15xf32>, %o: memref<15xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 64 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      // expected-error @+1 {{cluster-groups: shared bytes [0, 60) another group reads are not in 16-byte chunks}}
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<15xf32>) outs(%a : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%o : memref<15xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// A prefetch copy (ttt.async_copy) only on the blocks whose ops read what
// it writes: a (read by group 1) on block 1, b (group 0) on block 0; each
// commit on every block, so that every thread counts the same groups.
// CHECK-LABEL: gpu.func @copy_blocks
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[RANK:.*]] = gpu.cluster_block_id y
// CHECK: scf.for
// CHECK: %[[ON1:.*]] = arith.cmpi eq, %[[RANK]], %[[C1]] : index
// CHECK-NEXT: scf.if %[[ON1]] {
// CHECK: nvgpu.device_async_copy %arg0{{.*}}workgroup>>{{$}}
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK: %[[ON0:.*]] = arith.cmpi eq, %[[RANK]], %[[C0]] : index
// CHECK-NEXT: scf.if %[[ON0]] {
// CHECK: nvgpu.device_async_copy %arg1{{.*}}workgroup>>{{$}}
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: nvvm.cp.async.commit.group
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @copy_blocks(%x: memref<64xf32>, %y: memref<64xf32>, %o: memref<64xf32>, %p: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 512 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %b = memref.view %shm[%c256][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        linalg.copy {ttt.async_copy = 4 : i64} ins(%x : memref<64xf32>) outs(%a : !v)
        linalg.copy {ttt.async_copy = 4 : i64} ins(%y : memref<64xf32>) outs(%b : !v)
        gpu.barrier
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%b : !v) outs(%p : memref<64xf32>) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%o : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// direct-channels, two carried channels (read before they are written in
// the body) read last by one op (a + b, block 0's only op, after a
// body-leading barrier, so no barrier of its own after it): one block
// barrier, then thread 0 frees a (block 1's empty barrier) and b (block
// 2's), with no barrier between the frees. (A carried channel's writer
// waits for the free in the same step: it is not moved to a later
// barrier.)
// DIRECT-LABEL: gpu.func @two_frees
// DIRECT: scf.for
// DIRECT: memref.store %{{.*}}, %arg1[
// DIRECT-NEXT: }
// DIRECT-NEXT: gpu.barrier
// DIRECT-NEXT: scf.if
// DIRECT: mbarrier.arrive.release.cta.shared::cluster.b64
// DIRECT-NOT: gpu.barrier
// DIRECT: mbarrier.arrive.release.cta.shared::cluster.b64
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @two_frees(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 32 : i64, ttt.weight_threads = 32 : i64, ttt.shared_bytes = 512 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %b = memref.view %shm[%c256][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
            ins(%a, %b : !v, !v) outs(%o : memref<64xf32>) {
        ^bb0(%p: f32, %q: f32, %out: f32):
          %y = arith.addf %p, %q : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%b : !v) attrs = {ttt.warp_group = 2 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %out : f32
          linalg.yield %y : f32
        }
      }
      gpu.return
    }
  }
}


// -----

// The same channels read last by block 0's last op of a step that starts
// with a block barrier: freed after the next step's barrier (from the
// second step on), not behind a barrier of their own after the op.
// DIRECT-LABEL: gpu.func @free_next_step
// DIRECT: scf.for %[[I:.*]] = %c0
// DIRECT-NEXT: gpu.barrier
// DIRECT-NEXT: %[[ON0:.*]] = arith.cmpi eq, %cluster_block_id_y, %c0
// DIRECT-NEXT: scf.if %[[ON0]] {
// DIRECT-NEXT: %[[LATER:.*]] = arith.cmpi ne, %[[I]], %c0
// DIRECT-NEXT: scf.if %[[LATER]] {
// DIRECT: mbarrier.arrive.release.cta.shared::cluster.b64
// DIRECT: mbarrier.arrive.release.cta.shared::cluster.b64
// DIRECT: memref.store %{{.*}}, %arg1[
// DIRECT-NEXT: }
// DIRECT-NEXT: }
// DIRECT-NEXT: }
// DIRECT-NEXT: gpu.barrier
// DIRECT-NEXT: llvm.inline_asm {{.*}}barrier.cluster.arrive
// Without fewer-block-barriers: freed after the op, behind a block barrier.
// DIRECTLAST-LABEL: gpu.func @free_next_step
// DIRECTLAST: scf.for
// DIRECTLAST: memref.store %{{.*}}, %arg1[
// DIRECTLAST-NEXT: }
// DIRECTLAST-NEXT: gpu.barrier
// DIRECTLAST-NEXT: scf.if
// DIRECTLAST: mbarrier.arrive.release.cta.shared::cluster.b64
// DIRECTLAST: mbarrier.arrive.release.cta.shared::cluster.b64
// DIRECTLAST-NOT: mbarrier.arrive.release
// DIRECTLAST: gpu.return
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @free_next_step(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 32 : i64, ttt.weight_threads = 32 : i64, ttt.shared_bytes = 512 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %b = memref.view %shm[%c256][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%b : !v) attrs = {ttt.warp_group = 2 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
            ins(%a, %b : !v, !v) outs(%o : memref<64xf32>) {
        ^bb0(%p: f32, %q: f32, %out: f32):
          %y = arith.addf %p, %q : f32
          linalg.yield %y : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// Two channels into block 0 (a from block 1, b from block 2) taken before
// the same op share one full barrier: three barriers set up (two empty,
// one full counting both copies' 512 bytes), one wait on block 0.
// DIRECT-LABEL: gpu.func @shared_take
// DIRECT: %[[BYTES:.*]] = llvm.mlir.constant(512 : i32) : i32
// DIRECT-COUNT-3: mbarrier.init.shared::cta.b64
// DIRECT-NOT: mbarrier.init
// DIRECT: scf.for
// DIRECT: %[[ON0:.*]] = arith.cmpi eq, %cluster_block_id_y, %c0
// DIRECT: scf.if %[[ON0]] {
// DIRECT-NOT: scf.if %[[ON0]] {
// DIRECT: scf.if %[[ON0]] {
// DIRECT-NOT: arith.addf
// DIRECT: mbarrier.try_wait.parity
// DIRECT-NEXT: scf.if
// DIRECT-NEXT: mbarrier.arrive.expect_tx{{.*}} %[[BYTES]]
// DIRECT-NOT: try_wait
// DIRECT: arith.addf
// Without fewer-block-barriers: a full barrier each, two waits.
// DIRECTLAST-LABEL: gpu.func @shared_take
// DIRECTLAST-COUNT-4: mbarrier.init.shared::cta.b64
// DIRECTLAST-NOT: mbarrier.init
// DIRECTLAST: scf.for
// DIRECTLAST: arith.cmpi eq, %cluster_block_id_y, %c0
// DIRECTLAST-NEXT: scf.if
// DIRECTLAST-NOT: arith.addf
// DIRECTLAST: mbarrier.try_wait.parity
// DIRECTLAST-NOT: arith.addf
// DIRECTLAST: mbarrier.try_wait.parity
// DIRECTLAST: arith.addf
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @shared_take(%x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 32 : i64, ttt.weight_threads = 32 : i64, ttt.shared_bytes = 512 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %b = memref.view %shm[%c256][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%b : !v) attrs = {ttt.warp_group = 2 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
            ins(%a, %b : !v, !v) outs(%o : memref<64xf32>) {
        ^bb0(%p: f32, %q: f32, %out: f32):
          %y = arith.addf %p, %q : f32
          linalg.yield %y : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// Block 0's op reading the channels last (a + b) is followed by one with
// a block barrier after it (c, read reversed next): the frees go behind
// that barrier, none after a + b.
// DIRECT-LABEL: gpu.func @free_at_later_barrier
// DIRECT: scf.for
// DIRECT: memref.store %{{.*}}, %arg1[
// DIRECT-NEXT: }
// DIRECT-NEXT: }
// DIRECT: memref.store %{{.*}}, %view_1[
// DIRECT-NEXT: }
// DIRECT-NEXT: gpu.barrier
// DIRECT-NEXT: scf.if
// DIRECT: mbarrier.arrive.release.cta.shared::cluster.b64
// DIRECT-NOT: gpu.barrier
// DIRECT: mbarrier.arrive.release.cta.shared::cluster.b64
// DIRECT: memref.store %{{.*}}, %arg2[
#id = affine_map<(i) -> (i)>
#rev = affine_map<(i) -> (63 - i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @free_at_later_barrier(%x: memref<64xf32>, %o: memref<64xf32>, %o2: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 32 : i64, ttt.weight_threads = 32 : i64, ttt.shared_bytes = 768 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %c512 = arith.constant 512 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      %b = memref.view %shm[%c256][] : !wg to !v
      %c = memref.view %shm[%c512][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%b : !v) attrs = {ttt.warp_group = 2 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %out : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
            ins(%a, %b : !v, !v) outs(%o : memref<64xf32>) {
        ^bb0(%p: f32, %q: f32, %out: f32):
          %y = arith.addf %p, %q : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%c : !v) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
        linalg.generic {indexing_maps = [#rev, #id], iterator_types = ["parallel"]}
            ins(%c : !v) outs(%o2 : memref<64xf32>) {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}
