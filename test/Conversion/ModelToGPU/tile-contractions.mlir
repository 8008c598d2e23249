// RUN: ttt-opt %s --split-input-file --ttt-gpu-tile-contractions | FileCheck %s
// RUN: ttt-opt %s --split-input-file --ttt-gpu-tile-contractions=tile=8 | FileCheck %s --check-prefix=TILE8

// x[m, k] @ w[n, k]^T accumulated into out[m, n] (nn.Linear's layout):
// ceil(N/16) x ceil(M/16) blocks of 16 x 16 threads, two padded 16 x 17
// tiles in shared memory, a k loop in steps of 16 staging both tiles
// (zero outside the bounds) between barriers, and a guarded
// read-add-write of the output element.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: memref<20x48xf32>, %[[W:.*]]: memref<40x48xf32>, %[[OUT:.*]]: memref<20x40xf32>)
// CHECK-DAG: %[[M:.*]] = arith.constant 20 : index
// CHECK-DAG: %[[N:.*]] = arith.constant 40 : index
// CHECK-DAG: %[[T:.*]] = arith.constant 16 : index
// CHECK: %[[GX:.*]] = arith.ceildivui %[[N]], %[[T]]
// CHECK: %[[GY:.*]] = arith.ceildivui %[[M]], %[[T]]
// CHECK: gpu.launch blocks({{.*}}) in (%{{[a-z0-9_]+}} = %[[GX]], %{{[a-z0-9_]+}} = %[[GY]], %{{[a-z0-9_]+}} = %{{[a-z0-9_]+}}) threads({{.*}}) in (%{{[a-z0-9_]+}} = %[[T]], %{{[a-z0-9_]+}} = %[[T]], %{{[a-z0-9_]+}} = %{{[a-z0-9_]+}})
// CHECK-SAME: workgroup(%[[AS:.*]] : memref<16x17xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<16x17xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[T]] iter_args(
// CHECK: scf.if
// CHECK: memref.load %[[X]]
// CHECK: memref.store {{.*}}, %[[AS]]
// CHECK: scf.if
// CHECK: memref.load %[[W]]
// CHECK: memref.store {{.*}}, %[[BS]]
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: memref.load %[[AS]]
// CHECK: memref.load %[[BS]]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK: %[[PREV:.*]] = memref.load %[[OUT]]
// CHECK: %[[SUM:.*]] = arith.addf %[[PREV]], %[[ACC]]
// CHECK: memref.store %[[SUM]], %[[OUT]]
// CHECK-NOT: linalg.generic
// TILE8-LABEL: func.func @linear
// TILE8: workgroup({{.*}} : memref<8x9xf32, #gpu.address_space<workgroup>>
func.func @linear(%x: memref<20x48xf32>, %w: memref<40x48xf32>, %out: memref<20x40xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                   affine_map<(m, n, k) -> (n, k)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<20x48xf32>, memref<40x48xf32>) outs(%out : memref<20x40xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not a GEMM: an elementwise op, a row reduction, and a contraction over
// four loops stay linalg (the flat-grid path takes them).
// CHECK-LABEL: func.func @others
// CHECK-NOT: gpu.launch
// CHECK-COUNT-3: linalg.generic
func.func @others(%a: memref<8x8xf32>, %b: memref<8x8xf32>, %r: memref<8xf32>, %c: memref<2x8x8xf32>, %d: memref<2x8x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<8x8xf32>) outs(%b : memref<8x8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<8x8xf32>) outs(%r : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                                   affine_map<(b, m, n, k) -> (b, k, n)>,
                                   affine_map<(b, m, n, k) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%c, %c : memref<2x8x8xf32>, memref<2x8x8xf32>) outs(%d : memref<2x8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %z, %p : f32
    linalg.yield %s : f32
  }
  return
}
