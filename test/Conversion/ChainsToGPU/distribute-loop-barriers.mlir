// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=64})))' --split-input-file %s | FileCheck %s

// A loop body that starts with a block barrier (ttt-gpu-stage-inputs'
// wait for the prefetch) needs none at its end: the next iteration's
// orders the last op's accesses with the first's. The end barrier moves
// after the loop, for what follows it. The barrier between the two ops
// (the second reads X transposed) stays.
// CHECK-LABEL: gpu.func @top_barrier
// CHECK: scf.for
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK: memref.store %{{.*}}, %arg0
// CHECK: gpu.barrier
// CHECK: memref.store %{{.*}}, %arg1
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: gpu.return
#id = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @top_barrier(%x: memref<8x8xf32>, %y: memref<8x8xf32>, %s: memref<8x8xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      scf.for %i = %c0 to %c4 step %c1 {
        nvvm.cp.async.wait.group 0
        gpu.barrier
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%s : memref<8x8xf32>) outs(%x : memref<8x8xf32>) {
        ^bb0(%a: f32, %o: f32):
          %d = arith.addf %a, %a : f32
          linalg.yield %d : f32
        }
        linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
            ins(%x : memref<8x8xf32>) outs(%y : memref<8x8xf32>) {
        ^bb0(%a: f32, %o: f32):
          linalg.yield %a : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// Without a barrier at the top, the end barrier stays in the loop.
// CHECK-LABEL: gpu.func @no_top_barrier
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %arg1
// CHECK-NEXT: }
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: }
// CHECK-NEXT: gpu.return
#id = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @no_top_barrier(%x: memref<8x8xf32>, %y: memref<8x8xf32>, %s: memref<8x8xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      scf.for %i = %c0 to %c4 step %c1 {
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%s : memref<8x8xf32>) outs(%x : memref<8x8xf32>) {
        ^bb0(%a: f32, %o: f32):
          %d = arith.addf %a, %a : f32
          linalg.yield %d : f32
        }
        linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
            ins(%x : memref<8x8xf32>) outs(%y : memref<8x8xf32>) {
        ^bb0(%a: f32, %o: f32):
          linalg.yield %a : f32
        }
      }
      gpu.return
    }
  }
}

// -----

// A loop's result is one of the buffers it starts from or yields (views
// of shared memory at bytes 0-255 and 256-511 here): an op reading it
// (transposed: other threads' elements) after the loop meets an op writing
// bytes 512-767 nowhere, so no barrier between them; one writing bytes
// 256-511 (the yielded buffer) still gets one.
// CHECK-LABEL: gpu.func @loop_result
// CHECK: %[[B:.*]] = memref.view %{{.*}}[%c256{{.*}}]
// CHECK: %[[C:.*]] = memref.view %{{.*}}[%c512{{.*}}]
// CHECK: scf.for
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK-NOT: gpu.barrier
// CHECK: memref.store %{{.*}}, %[[C]][
// CHECK-NOT: gpu.barrier
// CHECK: memref.store %{{.*}}, %arg0[
// CHECK: gpu.barrier
// CHECK: memref.store %{{.*}}, %[[B]][
// CHECK: gpu.return
#id = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @loop_result(%out: memref<8x8xf32>) kernel {
      %one = arith.constant 1.0 : f32
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c256 = arith.constant 256 : index
      %c512 = arith.constant 512 : index
      %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %a = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<8x8xf32, #gpu.address_space<workgroup>>
      %b = memref.view %smem[%c256][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<8x8xf32, #gpu.address_space<workgroup>>
      %c = memref.view %smem[%c512][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<8x8xf32, #gpu.address_space<workgroup>>
      %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%cur = %a) -> (memref<8x8xf32, #gpu.address_space<workgroup>>) {
        linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
            ins(%cur : memref<8x8xf32, #gpu.address_space<workgroup>>) outs(%b : memref<8x8xf32, #gpu.address_space<workgroup>>) {
        ^bb0(%x: f32, %o: f32):
          linalg.yield %x : f32
        }
        scf.yield %b : memref<8x8xf32, #gpu.address_space<workgroup>>
      }
      linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
          outs(%c : memref<8x8xf32, #gpu.address_space<workgroup>>) {
      ^bb0(%o: f32):
        linalg.yield %one : f32
      }
      linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
          ins(%r : memref<8x8xf32, #gpu.address_space<workgroup>>) outs(%out : memref<8x8xf32>) {
      ^bb0(%x: f32, %o: f32):
        linalg.yield %x : f32
      }
      linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
          outs(%b : memref<8x8xf32, #gpu.address_space<workgroup>>) {
      ^bb0(%o: f32):
        linalg.yield %one : f32
      }
      gpu.return
    }
  }
}
