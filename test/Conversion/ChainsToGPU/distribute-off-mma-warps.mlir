// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true mma=tf32 off-mma-warps=true},canonicalize,cse)))' %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(gpu.func(ttt-gpu-distribute{threads=128 distinct-args=true cluster-groups=true mma=tf32},canonicalize,cse)))' %s | FileCheck %s --check-prefix=OFF

// off-mma-warps: between two block barriers of block 0, Z = Q W takes
// warps 0-1 (two 16 x 8 tensor-core tiles of 4 warps); e = x + x, which
// touches nothing the other ops there write, runs on threads 64-127 (point
// i on thread 64 + i) instead of 0-63, beside the tiles. u = x * x and
// f = u * u stay: f reads u on the threads that wrote it (no barrier
// between them), so neither may move alone. No barrier between the ops.
// CHECK-LABEL: gpu.func @off_mma
// CHECK: scf.for
// CHECK: nvgpu.mma.sync
// CHECK-NOT: gpu.barrier
// CHECK: %[[ON:.*]] = arith.cmpi uge, %thread_id_x, %c64 : index
// CHECK-NEXT: scf.if %[[ON]] {
// CHECK-NEXT: %[[P:.*]] = arith.subi %thread_id_x, %c64 : index
// CHECK-NEXT: memref.load %arg2[%[[P]]] : memref<64xf32>
// CHECK-NEXT: arith.addf
// CHECK-NEXT: memref.store %{{.*}}, %view[%[[P]]]
// CHECK-NOT: gpu.barrier
// CHECK: arith.cmpi ult, %thread_id_x, %c64 : index
// CHECK-NEXT: scf.if
// CHECK-NEXT: memref.load %arg2[%thread_id_x]
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: memref.store %{{.*}}, %view_0[%thread_id_x]
// CHECK-NOT: gpu.barrier
// CHECK: arith.cmpi ult, %thread_id_x, %c64 : index
// CHECK-NEXT: scf.if
// CHECK-NEXT: memref.load %view_0[%thread_id_x]
// Without the option every op starts at thread 0.
// OFF-LABEL: gpu.func @off_mma
// OFF-NOT: arith.cmpi uge
// OFF-NOT: arith.subi %thread_id_x
// OFF: gpu.return

#mk = affine_map<(i, j, k) -> (i, k)>
#kn = affine_map<(i, j, k) -> (k, j)>
#mn = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i) -> (i)>
!wg = memref<?xi8, #gpu.address_space<workgroup>>
!v = memref<64xf32, #gpu.address_space<workgroup>>
!z = memref<16x16xf32, #gpu.address_space<workgroup>>
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @off_mma(%q: memref<16x8xf32>, %w: memref<8x16xf32>, %x: memref<64xf32>, %o: memref<64xf32>, %n: index) kernel attributes {ttt.output_threads = 64 : i64, ttt.shared_bytes = 2048 : i64} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c256 = arith.constant 256 : index
      %c512 = arith.constant 512 : index
      %c768 = arith.constant 768 : index
      %c1024 = arith.constant 1024 : index
      %shm = gpu.dynamic_shared_memory : !wg
      %e = memref.view %shm[%c0][] : !wg to !v
      %u = memref.view %shm[%c256][] : !wg to !v
      %f = memref.view %shm[%c512][] : !wg to !v
      %g = memref.view %shm[%c768][] : !wg to !v
      %z = memref.view %shm[%c1024][] : !wg to !z
      scf.for %i = %c0 to %n step %c1 {
        gpu.barrier
        linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%q, %w : memref<16x8xf32>, memref<8x16xf32>) outs(%z : !z) {
        ^bb0(%a: f32, %b: f32, %acc: f32):
          %m = arith.mulf %a, %b : f32
          %r = arith.addf %acc, %m : f32
          linalg.yield %r : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%e : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.addf %in, %in : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%u : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %in : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%u : !v) outs(%f : !v) {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %in : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%x : memref<64xf32>) outs(%g : !v) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          %y = arith.mulf %in, %in : f32
          linalg.yield %y : f32
        }
        linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
            ins(%g : !v) outs(%o : memref<64xf32>) attrs = {ttt.warp_group = 1 : i64} {
        ^bb0(%in: f32, %out: f32):
          linalg.yield %in : f32
        }
      }
      gpu.return
    }
  }
}
