// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-narrow-carried-slices))' --split-input-file %s | FileCheck %s

// The loop carries the last row of %t = b - tril(e) g (the next bias),
// and the output reads %t whole: the row is computed by %t's op over row
// 15 alone (its operands sliced, linalg.index 0 offset by 15); the full op
// stays for the output. The row starts from a broadcast of its own (the
// bias broadcast over that row, into an empty tensor): a buffer of its own,
// not the row of the one the full op reads, which another warp group may
// still be reading.
// CHECK-LABEL: func.func @next_bias
// CHECK: scf.for
// CHECK: %[[T:.*]] = linalg.generic {{.*}} ins(%[[G:.*]], %[[E:.*]] : tensor<16x8xf32>, tensor<16x16xf32>) outs(%[[B:.*]] : tensor<16x8xf32>)
// CHECK: %[[O:.*]] = tensor.insert_slice %[[T]]
// CHECK: %[[GS:.*]] = tensor.extract_slice %[[G]][0, 0] [16, 8] [1, 1]
// CHECK: %[[ER:.*]] = tensor.extract_slice %[[E]][15, 0] [1, 16] [1, 1] : tensor<16x16xf32> to tensor<1x16xf32>
// CHECK: %[[BS:.*]] = tensor.extract_slice %[[BIAS:.*]][0] [8] [1] : tensor<8xf32> to tensor<8xf32>
// CHECK: %[[BE:.*]] = tensor.empty() : tensor<1x8xf32>
// CHECK: %[[BR:.*]] = linalg.generic {{.*}} ins(%[[BS]] : tensor<8xf32>) outs(%[[BE]] : tensor<1x8xf32>)
// CHECK: %[[ROW:.*]] = linalg.generic {{.*}} ins(%[[GS]], %[[ER]] : tensor<16x8xf32>, tensor<1x16xf32>) outs(%[[BR]] : tensor<1x8xf32>)
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: affine.apply {{.*}}()[%[[I]]]
// CHECK: %[[NEXT:.*]] = tensor.extract_slice %[[ROW]][0, 0] [1, 8] [1, 1] : tensor<1x8xf32> to tensor<8xf32>
// CHECK: scf.yield %[[NEXT]], %[[O]]
#col = affine_map<(i, j) -> (j)>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
#kj = affine_map<(i, j, k) -> (k, j)>
#ik = affine_map<(i, j, k) -> (i, k)>
#ij = affine_map<(i, j, k) -> (i, j)>
func.func @next_bias(%g0: tensor<64x8xf32>, %e: tensor<64xf32>, %b0: tensor<8xf32>, %out0: tensor<64x8xf32>, %n: index) -> (tensor<8xf32>, tensor<64x8xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %r:2 = scf.for %i = %c0 to %n step %c16 iter_args(%b = %b0, %out = %out0) -> (tensor<8xf32>, tensor<64x8xf32>) {
    %g = tensor.extract_slice %g0[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %es = tensor.extract_slice %e[%i] [16] [1] : tensor<64xf32> to tensor<16xf32>
    %e16 = tensor.empty() : tensor<16x16xf32>
    %eb = linalg.generic {indexing_maps = [#row, #id], iterator_types = ["parallel", "parallel"]} ins(%es : tensor<16xf32>) outs(%e16 : tensor<16x16xf32>) {
    ^bb0(%in: f32, %o: f32):
      linalg.yield %in : f32
    } -> tensor<16x16xf32>
    %e8 = tensor.empty() : tensor<16x8xf32>
    %bb = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<8xf32>) outs(%e8 : tensor<16x8xf32>) {
    ^bb0(%in: f32, %o: f32):
      linalg.yield %in : f32
    } -> tensor<16x8xf32>
    %t = linalg.generic {indexing_maps = [#kj, #ik, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g, %eb : tensor<16x8xf32>, tensor<16x16xf32>) outs(%bb : tensor<16x8xf32>) {
    ^bb0(%gv: f32, %ev: f32, %acc: f32):
      %ii = linalg.index 0 : index
      %kk = linalg.index 2 : index
      %le = arith.cmpi ule, %kk, %ii : index
      %p = arith.mulf %ev, %gv : f32
      %s = arith.select %le, %p, %zero : f32
      %d = arith.subf %acc, %s : f32
      linalg.yield %d : f32
    } -> tensor<16x8xf32>
    %o = tensor.insert_slice %t into %out[%i, 0] [16, 8] [1, 1] : tensor<16x8xf32> into tensor<64x8xf32>
    %next = tensor.extract_slice %t[15, 0] [1, 8] [1, 1] : tensor<16x8xf32> to tensor<8xf32>
    scf.yield %next, %o : tensor<8xf32>, tensor<64x8xf32>
  }
  return %r#0, %r#1 : tensor<8xf32>, tensor<64x8xf32>
}

// -----

// Unchanged: a slice that is not carried, and a carried slice of an op
// that nothing else reads (the op already computes only what is carried
// after canonicalization; nothing to take off another reader).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: affine.apply
// CHECK: return
#id = affine_map<(i, j) -> (i, j)>
func.func @left_alone(%x: tensor<64x8xf32>, %b0: tensor<8xf32>, %n: index) -> (tensor<8xf32>, tensor<8xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %r:2 = scf.for %i = %c0 to %n step %c16 iter_args(%b = %b0, %c = %b0) -> (tensor<8xf32>, tensor<8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %e = tensor.empty() : tensor<16x8xf32>
    %t = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%xs : tensor<16x8xf32>) outs(%e : tensor<16x8xf32>) {
    ^bb0(%in: f32, %o: f32):
      %s = arith.addf %in, %in : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    %row = tensor.extract_slice %t[15, 0] [1, 8] [1, 1] : tensor<16x8xf32> to tensor<8xf32>
    %u = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%xs : tensor<16x8xf32>) outs(%e : tensor<16x8xf32>) {
    ^bb0(%in: f32, %o: f32):
      %s = arith.mulf %in, %in : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    %urow = tensor.extract_slice %u[0, 0] [1, 8] [1, 1] : tensor<16x8xf32> to tensor<8xf32>
    %sum = arith.addf %row, %urow : tensor<8xf32>
    scf.yield %sum, %urow : tensor<8xf32>, tensor<8xf32>
  }
  return %r#0, %r#1 : tensor<8xf32>, tensor<8xf32>
}
