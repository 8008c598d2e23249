// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-chain-local-prologue))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_official.mlir --ttt-to-nvvm | FileCheck %s --check-prefix=OFFICIAL

// A [B, H, 16] broadcast before the chain loops, sliced per chain: each
// chain computes its own [1, 1, 16] part; the full-size op is gone.
#id = affine_map<(r) -> (r)>
#bc_in = affine_map<(b, h, r) -> (r)>
#bc_out = affine_map<(b, h, r) -> (b, h, r)>
// CHECK-LABEL: func.func @broadcast
// CHECK-NOT: tensor.empty(%
// CHECK: %[[TAU:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<16xf32>)
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x1x16xf32>
// CHECK: %[[T:.*]] = linalg.generic {{.*}} ins(%[[TAU]] : tensor<16xf32>) outs(%[[E]] : tensor<1x1x16xf32>)
// CHECK: tensor.extract_slice %[[T]][0, 0, 0] [1, 1, 16] [1, 1, 1] : tensor<1x1x16xf32> to tensor<16xf32>
func.func @broadcast(%x: tensor<16xf32>, %out: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %out, %c0 : tensor<?x?x16xf32>
  %h = tensor.dim %out, %c1 : tensor<?x?x16xf32>
  %e16 = tensor.empty() : tensor<16xf32>
  %tau = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<16xf32>) outs(%e16 : tensor<16xf32>) {
  ^bb0(%i: f32, %o: f32):
    %s = arith.mulf %i, %i : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %e = tensor.empty(%b, %h) : tensor<?x?x16xf32>
  %all = linalg.generic {indexing_maps = [#bc_in, #bc_out],
                         iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%tau : tensor<16xf32>) outs(%e : tensor<?x?x16xf32>) {
  ^bb0(%i: f32, %o: f32):
    linalg.yield %i : f32
  } -> tensor<?x?x16xf32>
  %r = scf.for %i = %c0 to %b step %c1 iter_args(%acc = %out) -> tensor<?x?x16xf32> {
    %r2 = scf.for %j = %c0 to %h step %c1 iter_args(%acc2 = %acc) -> tensor<?x?x16xf32> {
      %s = tensor.extract_slice %all[%i, %j, 0] [1, 1, 16] [1, 1, 1]
          : tensor<?x?x16xf32> to tensor<16xf32>
      %u = tensor.insert_slice %s into %acc2[%i, %j, 0] [1, 1, 16] [1, 1, 1]
          : tensor<16xf32> into tensor<?x?x16xf32>
      scf.yield %u : tensor<?x?x16xf32>
    }
    scf.yield %r2 : tensor<?x?x16xf32>
  }
  return %r : tensor<?x?x16xf32>
}

// -----

// A static-shaped prologue value is left alone (its buffer has a bound).
// CHECK-LABEL: func.func @static_source
// CHECK: linalg.fill {{.*}} outs(%{{.*}} : tensor<4x16xf32>)
// CHECK: scf.for
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0] [1, 16] [1, 1] : tensor<4x16xf32> to tensor<16xf32>
func.func @static_source(%out: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %all = linalg.fill ins(%f : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %out) -> tensor<4x16xf32> {
    %s = tensor.extract_slice %all[%i, 0] [1, 16] [1, 1] : tensor<4x16xf32> to tensor<16xf32>
    %u = tensor.insert_slice %s into %acc[%i, 0] [1, 16] [1, 1] : tensor<16xf32> into tensor<4x16xf32>
    scf.yield %u : tensor<4x16xf32>
  }
  return %r : tensor<4x16xf32>
}

// The official example (tau broadcast over [B, H, 16] before the scan)
// now lowers: every temporary has a bound.
// OFFICIAL: llvm.func @ttt_linear_official({{.*}}) attributes {gpu.kernel, gpu.known_block_size = array<i32: 128, 1, 1>, {{.*}}ttt.shared_bytes = {{[0-9]+}} : i64}
