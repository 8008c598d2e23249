// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true channel-slots=0},canonicalize,cse)))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true channel-slots=0 replicate-state=false},canonicalize,cse)))' --split-input-file %s | FileCheck %s --check-prefix=STATE

// channel-slots=0: the writer copies straight into the reader's bytes (no
// staging area: 512 bytes of buffers, then the full barrier at 512 and the
// empty one at 520). Block 0 writes a, a block barrier, waits on the empty
// barrier, copies a (st.async) to the same bytes of block 1. Block 1 waits
// on the full barrier and expects the next copy's bytes, then reads a in
// place (no move, no barrier); after its last read of a in the step, a
// block barrier and thread 0 frees a (block 0's empty barrier).
// CHECK-LABEL: gpu.func @channel
// CHECK-SAME: ttt.shared_bytes = 528
// CHECK-DAG: %[[C512:.*]] = arith.constant 512 : index
// CHECK-DAG: %[[C520:.*]] = arith.constant 520 : index
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[BASE:.*]] = memref.extract_aligned_pointer_as_index
// CHECK: %[[T0:.*]] = arith.cmpi eq, %[[TID]]
// CHECK: arith.addi %[[BASE]], %[[C512]]
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;"
// CHECK: arith.addi %[[BASE]], %[[C520]]
// CHECK: "mbarrier.init.shared::cta.b64 [$0], $1;"
// CHECK-NEXT: "mbarrier.arrive.shared::cta.b64 _, [$0], $1;"
// CHECK: scf.for %[[I:.*]] =
// CHECK: memref.store %{{.*}}, %view[
// CHECK: gpu.barrier
// CHECK: arith.addi %[[BASE]], %[[C520]]
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: scf.for %[[OFF:.*]] = %{{.*}} to %c256
// CHECK-NEXT: %[[AT:.*]] = arith.addi %[[BASE]], %[[OFF]]
// CHECK-NEXT: %[[AT32:.*]] = arith.index_cast %[[AT]]
// CHECK-NEXT: st.async.shared::cluster.mbarrier::complete_tx::bytes.v4.b32{{.*}}%[[AT32]], %[[AT32]]
// CHECK: gpu.barrier
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: scf.if %[[T0]]
// CHECK-NEXT: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;"
// CHECK-NOT: st.shared.v4.b32
// CHECK: memref.load %view[
// CHECK: memref.store %{{.*}}, %view_0[
// CHECK-NOT: mbarrier.arrive.release
// CHECK: memref.load %view_0[
// CHECK-NEXT: memref.load %view[
// CHECK: memref.store %{{.*}}, %arg1[
// CHECK: gpu.barrier
// CHECK-NEXT: scf.if %[[T0]]
// CHECK: arith.addi %[[BASE]], %[[C520]]
// CHECK: mbarrier.arrive.release.cluster.shared::cluster.b64
// CHECK-NOT: st.shared.v4.b32
// CHECK: gpu.return
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
        linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
            ins(%b, %a : !v, !v) outs(%o : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %in2: f32, %out: f32):
          %y = arith.addf %in, %in2 : f32
          linalg.yield %y : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// A carried channel in place (b, from block 1 to block 0, read before it
// is written): its empty barrier (536) starts with no phase complete, since
// block 0 reads b's first value in step 0; block 0 frees b after its read
// in every step, step 0 included, and block 1 copies the next step's b once
// that is done.
// CHECK-LABEL: gpu.func @both_ways
// CHECK-SAME: ttt.shared_bytes = 544
// CHECK-DAG: %[[C528:.*]] = arith.constant 528 : index
// CHECK-DAG: %[[C536:.*]] = arith.constant 536 : index
// CHECK: arith.addi %{{.*}}, %[[C536]]
// CHECK-NEXT: arith.index_cast
// CHECK-NEXT: "mbarrier.init.shared::cta.b64 [$0], $1;"
// CHECK-NEXT: {{^ +}}}
// CHECK: "fence.mbarrier_init.release.cluster;"
// CHECK: scf.for %[[I:.*]] =
// CHECK: %[[LATER:.*]] = arith.cmpi ne, %[[I]]
// CHECK: scf.if %[[LATER]]
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;"
// CHECK: memref.load %view_0[
// CHECK: memref.store %{{.*}}, %view[
// CHECK-NEXT: {{^ +}}}
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: scf.if
// CHECK-NEXT: arith.addi %{{.*}}, %[[C536]]
// CHECK: mbarrier.arrive.release.cluster.shared::cluster.b64
// CHECK: st.async.shared::cluster
// CHECK: memref.store %{{.*}}, %view_0[
// CHECK: arith.addi %{{.*}}, %[[C536]]
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: st.async.shared::cluster
// CHECK: barrier.cluster.arrive.release.aligned
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

// Group 1 reads a both before block 0 writes it (last step's value) and
// after (this step's): the writer may not overwrite it in place, so the
// channel keeps a staging area (256 bytes at 256) and the take's move.
// CHECK-LABEL: gpu.func @reads_around
// CHECK-SAME: ttt.shared_bytes = 528
// CHECK: scf.for
// CHECK: st.async.shared::cluster
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: st.shared.v4.b32
// CHECK: gpu.barrier
// CHECK: mbarrier.arrive.release.cluster.shared::cluster.b64
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @reads_around(%x: memref<64xf32>, %o: memref<64xf32>, %p: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 256 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %a = memref.view %shm[%c0][] : !wg to !v
      scf.for %i = %c0 to %n step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%a : !v) outs(%p : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%a : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %out : f32
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

// A state update (4 KB in place) that group 1 reads: by default it also
// runs on block 1 (no channel); with replicate-state=false block 1 takes
// it in place through a channel instead (4096 bytes, then the barriers).
// CHECK-LABEL: gpu.func @replica
// CHECK-NOT: mbarrier
// CHECK: gpu.return
// STATE-LABEL: gpu.func @replica
// STATE-SAME: ttt.shared_bytes = 4112
// STATE: scf.for
// STATE: memref.store %{{.*}}, %view[
// STATE: mbarrier.try_wait.parity.acquire.cluster
// STATE: st.async.shared::cluster
// STATE: mbarrier.try_wait.parity.acquire.cluster
// STATE-NOT: st.shared.v4.b32
// STATE: memref.store %{{.*}}, %arg1[
// STATE: gpu.barrier
// STATE-NEXT: scf.if
// STATE: mbarrier.arrive.release.cluster.shared::cluster.b64
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
