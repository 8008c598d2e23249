// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true},canonicalize,cse)))' --split-input-file --verify-diagnostics %s | FileCheck %s

// cluster-groups: warp group g on block g of a cluster (cluster_block_id
// y); group 0 writes a (shared bytes [0, 256)) and group 1 reads it in the
// same step: a channel. Thread 0 of block 1 initializes the full barrier
// (slot 0, byte 512 after the 512 bytes of buffers) and expects 256 bytes;
// block 0 the empty barrier (slot 1, byte 520) for 4 warps, its phase 0
// complete (nothing read before the first copy); a cluster barrier, then
// the loop. Block 0 waits on the empty barrier (parity of the iteration)
// before it writes a; group 1 is read by none (an output chain), so its
// copies are deferred to the end of the writer's
// step and made by the bulk copy engine: every thread fences the async
// proxy, a block barrier, thread 0 issues cp.async.bulk counted on block
// 1's full barrier. Block 1 waits on the full barrier, expects the next
// phase's bytes, reads a, and each warp's lane 0 arrives on block 0's
// empty barrier. A cluster barrier before the return.
// CHECK-LABEL: gpu.func @channel
// CHECK-SAME: known_cluster_size = array<i32: 1, 2, 1>
// CHECK-SAME: ttt.shared_bytes = 528
// CHECK-DAG: %[[C512:.*]] = arith.constant 512 : index
// CHECK-DAG: %[[C520:.*]] = arith.constant 520 : index
// CHECK-DAG: %[[B1:.*]] = arith.constant 1 : index
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[RANK:.*]] = gpu.cluster_block_id y
// CHECK: %[[BASE:.*]] = memref.extract_aligned_pointer_as_index
// CHECK: %[[T0:.*]] = arith.cmpi eq, %[[TID]]
// CHECK: scf.if %[[T0]]
// CHECK: arith.cmpi eq, %[[RANK]], %[[B1]]
// CHECK: "mbarrier.init.shared::cta.b64 [$0], $1;"
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;"
// CHECK: "mbarrier.init.shared::cta.b64 [$0], $1;"
// CHECK: "mbarrier.arrive.shared::cta.b64 _, [$0], $1;"
// CHECK: "fence.mbarrier_init.release.cluster;"
// CHECK: barrier.cluster.arrive.release.aligned
// CHECK: scf.for %[[I:.*]] =
// CHECK: arith.addi %[[BASE]], %[[C520]]
// CHECK: arith.remui %[[I]]
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: memref.store %{{.*}}, %view[
// CHECK-NEXT: }
// CHECK-NEXT: "fence.proxy.async.shared::cta;"
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: scf.if %[[T0]]
// CHECK: cp.async.bulk.shared::cluster.shared::cta.mbarrier::complete_tx::bytes
// CHECK: arith.cmpi eq, %[[RANK]], %[[B1]]
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;"
// CHECK: memref.load %view[
// CHECK: nvvm.bar.warp.sync
// CHECK: arith.remui %[[TID]]
// CHECK: mbarrier.arrive.release.cluster.shared::cluster.b64
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
          %y = arith.addf %in, %in : f32
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

// Channels both ways (0 -> 1 within the step, 1 -> 0 carried to the
// next): neither group is a sink, so each copy follows its write at once,
// by st.async from every thread (16 bytes each) between block barriers;
// before writing, each waits for the other's free of the last value. b,
// read after the loop, is copied from block 1 to block 0 between two
// cluster barriers (plain remote stores); the final store of the global
// result runs on block 0 only.
// CHECK-LABEL: gpu.func @both_ways
// CHECK-SAME: known_cluster_size = array<i32: 1, 2, 1>
// CHECK: scf.for
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: mbarrier.try_wait.parity.acquire.cluster
// CHECK: memref.store %{{.*}}, %view[
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: st.async.shared::cluster.mbarrier::complete_tx::bytes.v4.b32
// CHECK: gpu.barrier
// CHECK: mbarrier.arrive.release.cluster.shared::cluster.b64
// CHECK: memref.store %{{.*}}, %view_0[
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
