// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-lookahead-products))' --split-input-file %s | FileCheck %s

// A chunk loop with the TTT-Linear recurrence: Y = bcast(b) + X W, a
// gradient G of Y, the update W' = W - sum_k [k <= 15] e[k] X[k, i] G[k, j]
// and b' = b + 1. A loop of zero or one iteration computes the first
// chunk's Y; the chunk loop carries Y, computes the next chunk's X W from
// the W it starts with (X at min(i + 16, n - 16)) and X_next X^T, and after
// G the next Y: (P + bcast(b')) plus the update's body with A for X.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[X:.*]]: tensor<64x8xf32>, %[[E:.*]]: tensor<64xf32>, %[[W0:.*]]: tensor<8x8xf32>, %[[B0:.*]]: tensor<8xf32>, %[[N:.*]]: index)
// CHECK: %[[FIRST0:.*]] = arith.addi %[[C0:.*]], %[[C16:.*]] : index
// CHECK: %[[FIRST:.*]] = arith.minsi %[[FIRST0]], %[[N]]
// CHECK: %[[UNSET:.*]] = tensor.empty() : tensor<16x8xf32>
// CHECK: %[[Y0:.*]] = scf.for %[[P:.*]] = %[[C0]] to %[[FIRST]] step %[[C16]] iter_args(%{{.*}} = %[[UNSET]])
// CHECK: %[[XP:.*]] = tensor.extract_slice %[[X]][%[[P]], 0] [16, 8]
// CHECK: %[[BP:.*]] = linalg.generic {{.*}} ins(%[[B0]] : tensor<8xf32>)
// CHECK: %[[YP:.*]] = linalg.generic {{.*}} ins(%[[XP]], %[[W0]] : {{.*}}) outs(%[[BP]] : tensor<16x8xf32>)
// CHECK: scf.yield %[[YP]]
// CHECK: %[[R:.*]]:3 = scf.for %[[I:.*]] = %[[C0]] to %[[N]] step %[[C16]] iter_args(%[[W:.*]] = %[[W0]], %[[B:.*]] = %[[B0]], %[[Y:.*]] = %[[Y0]])
// CHECK: %[[NEXT0:.*]] = arith.addi %[[I]], %[[C16]]
// CHECK: %[[LAST:.*]] = arith.subi %[[N]], %[[C16]]
// CHECK: %[[NEXT:.*]] = arith.minsi %[[NEXT0]], %[[LAST]]
// CHECK: %[[XS:.*]] = tensor.extract_slice %[[X]][%[[I]], 0] [16, 8]
// CHECK: %[[XN:.*]] = tensor.extract_slice %[[X]][%[[NEXT]], 0] [16, 8]
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<16x8xf32>)
// CHECK: %[[EARLY:.*]] = linalg.generic {{.*}} ins(%[[XN]], %[[W]] : {{.*}}) outs(%[[ZERO]] : tensor<16x8xf32>)
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<16x8xf32>)
// CHECK: %[[AZ:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<16x16xf32>)
// CHECK: %[[A:.*]] = linalg.generic {indexing_maps = [#[[MIK:.*]], #[[MJK:.*]], #[[MIJ:.*]]], {{.*}}} ins(%[[XN]], %[[XS]] : tensor<16x8xf32>, tensor<16x8xf32>) outs(%[[AZ]] : tensor<16x16xf32>)
// CHECK: %[[W2:.*]] = linalg.generic {{.*}} ins(%[[XS]], %[[G]], %[[ES:.*]] : {{.*}}) outs(%[[W]] : tensor<8x8xf32>)
// CHECK: %[[B2:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<8xf32>)
// CHECK: %[[BN:.*]] = linalg.generic {{.*}} ins(%[[B2]] : tensor<8xf32>)
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[EARLY]], %[[BN]] : tensor<16x8xf32>, tensor<16x8xf32>) outs(%[[Y]] : tensor<16x8xf32>)
// CHECK: %[[YN:.*]] = linalg.generic {indexing_maps = [#[[MIK]], #{{.*}}, #{{.*}}, #[[MIJ]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[A]], %[[G]], %[[ES]] : tensor<16x16xf32>, tensor<16x8xf32>, tensor<16xf32>) outs(%[[S]] : tensor<16x8xf32>)
// CHECK: linalg.index 2
// CHECK: arith.select
// CHECK: arith.negf
// CHECK: scf.yield %[[W2]], %[[B2]], %[[YN]]
// CHECK: return %[[R]]#0, %[[R]]#1
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#ik = affine_map<(i, j, k) -> (i, k)>
#kj = affine_map<(i, j, k) -> (k, j)>
#ki = affine_map<(i, j, k) -> (k, i)>
#k = affine_map<(i, j, k) -> (k)>
#ij = affine_map<(i, j, k) -> (i, j)>
func.func @chain(%x: tensor<64x8xf32>, %e: tensor<64xf32>, %w0: tensor<8x8xf32>, %b0: tensor<8xf32>, %n: index) -> (tensor<8x8xf32>, tensor<8xf32>) {
  %c0 = arith.constant 0 : index
  %c15 = arith.constant 15 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %r:2 = scf.for %i = %c0 to %n step %c16 iter_args(%w = %w0, %b = %b0) -> (tensor<8x8xf32>, tensor<8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %es = tensor.extract_slice %e[%i] [16] [1] : tensor<64xf32> to tensor<16xf32>
    %ey = tensor.empty() : tensor<16x8xf32>
    %bb = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<8xf32>) outs(%ey : tensor<16x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<16x8xf32>
    %y = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %w : tensor<16x8xf32>, tensor<8x8xf32>) outs(%bb : tensor<16x8xf32>) {
    ^bb0(%a: f32, %bw: f32, %out: f32):
      %m = arith.mulf %a, %bw : f32
      %s = arith.addf %out, %m : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<16x8xf32>) outs(%ey : tensor<16x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %t = math.tanh %in : f32
      linalg.yield %t : f32
    } -> tensor<16x8xf32>
    %w2 = linalg.generic {indexing_maps = [#ki, #kj, #k, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %g, %es : tensor<16x8xf32>, tensor<16x8xf32>, tensor<16xf32>) outs(%w : tensor<8x8xf32>) {
    ^bb0(%a: f32, %gv: f32, %ev: f32, %out: f32):
      %kk = linalg.index 2 : index
      %in = arith.cmpi ule, %kk, %c15 : index
      %p = arith.mulf %ev, %a : f32
      %q = arith.mulf %p, %gv : f32
      %sel = arith.select %in, %q, %zero : f32
      %neg = arith.negf %sel : f32
      %s = arith.addf %out, %neg : f32
      linalg.yield %s : f32
    } -> tensor<8x8xf32>
    %eb = tensor.empty() : tensor<8xf32>
    %b2 = linalg.generic {indexing_maps = [affine_map<(j) -> (j)>, affine_map<(j) -> (j)>], iterator_types = ["parallel"]} ins(%b : tensor<8xf32>) outs(%eb : tensor<8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %one : f32
      linalg.yield %s : f32
    } -> tensor<8xf32>
    scf.yield %w2, %b2 : tensor<8x8xf32>, tensor<8xf32>
  }
  return %r#0, %r#1 : tensor<8x8xf32>, tensor<8xf32>
}

// -----

// Unchanged: the update is not linear in X (X[k, i]^2 G[k, j]).
// CHECK-LABEL: func.func @not_linear
// CHECK-NOT: arith.minsi
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: return
#ik = affine_map<(i, j, k) -> (i, k)>
#kj = affine_map<(i, j, k) -> (k, j)>
#ki = affine_map<(i, j, k) -> (k, i)>
#ij = affine_map<(i, j, k) -> (i, j)>
func.func @not_linear(%x: tensor<64x8xf32>, %w0: tensor<8x8xf32>, %n: index) -> tensor<8x8xf32> {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %n step %c16 iter_args(%w = %w0) -> (tensor<8x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %ey = tensor.empty() : tensor<16x8xf32>
    %f = linalg.fill ins(%zero : f32) outs(%ey : tensor<16x8xf32>) -> tensor<16x8xf32>
    %y = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %w : tensor<16x8xf32>, tensor<8x8xf32>) outs(%f : tensor<16x8xf32>) {
    ^bb0(%a: f32, %bw: f32, %out: f32):
      %m = arith.mulf %a, %bw : f32
      %s = arith.addf %out, %m : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    %w2 = linalg.generic {indexing_maps = [#ki, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %y : tensor<16x8xf32>, tensor<16x8xf32>) outs(%w : tensor<8x8xf32>) {
    ^bb0(%a: f32, %gv: f32, %out: f32):
      %aa = arith.mulf %a, %a : f32
      %q = arith.mulf %aa, %gv : f32
      %s = arith.subf %out, %q : f32
      linalg.yield %s : f32
    } -> tensor<8x8xf32>
    scf.yield %w2 : tensor<8x8xf32>
  }
  return %r : tensor<8x8xf32>
}

// -----

// Unchanged: the update's gradient does not depend on X W (an output
// product, off the recurrence).
// CHECK-LABEL: func.func @not_recurrence
// CHECK-NOT: arith.minsi
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: return
#ik = affine_map<(i, j, k) -> (i, k)>
#kj = affine_map<(i, j, k) -> (k, j)>
#ki = affine_map<(i, j, k) -> (k, i)>
#ij = affine_map<(i, j, k) -> (i, j)>
func.func @not_recurrence(%x: tensor<64x8xf32>, %v: tensor<64x8xf32>, %w0: tensor<8x8xf32>, %out0: tensor<16x8xf32>, %n: index) -> (tensor<8x8xf32>, tensor<16x8xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %r:2 = scf.for %i = %c0 to %n step %c16 iter_args(%w = %w0, %o = %out0) -> (tensor<8x8xf32>, tensor<16x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %vs = tensor.extract_slice %v[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %y = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %w : tensor<16x8xf32>, tensor<8x8xf32>) outs(%o : tensor<16x8xf32>) {
    ^bb0(%a: f32, %bw: f32, %out: f32):
      %m = arith.mulf %a, %bw : f32
      %s = arith.addf %out, %m : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    %w2 = linalg.generic {indexing_maps = [#ki, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %vs : tensor<16x8xf32>, tensor<16x8xf32>) outs(%w : tensor<8x8xf32>) {
    ^bb0(%a: f32, %gv: f32, %out: f32):
      %q = arith.mulf %a, %gv : f32
      %s = arith.subf %out, %q : f32
      linalg.yield %s : f32
    } -> tensor<8x8xf32>
    scf.yield %w2, %y : tensor<8x8xf32>, tensor<16x8xf32>
  }
  return %r#0, %r#1 : tensor<8x8xf32>, tensor<16x8xf32>
}

// -----

// Unchanged: the chunk has a dynamic number of rows (the partial chunk).
// CHECK-LABEL: func.func @partial
// CHECK-NOT: arith.minsi
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: return
#ik = affine_map<(i, j, k) -> (i, k)>
#kj = affine_map<(i, j, k) -> (k, j)>
#ki = affine_map<(i, j, k) -> (k, i)>
#ij = affine_map<(i, j, k) -> (i, j)>
func.func @partial(%x: tensor<64x8xf32>, %w0: tensor<8x8xf32>, %n: index, %len: index) -> tensor<8x8xf32> {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %n step %c16 iter_args(%w = %w0) -> (tensor<8x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [%len, 8] [1, 1] : tensor<64x8xf32> to tensor<?x8xf32>
    %ey = tensor.empty(%len) : tensor<?x8xf32>
    %f = linalg.fill ins(%zero : f32) outs(%ey : tensor<?x8xf32>) -> tensor<?x8xf32>
    %y = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %w : tensor<?x8xf32>, tensor<8x8xf32>) outs(%f : tensor<?x8xf32>) {
    ^bb0(%a: f32, %bw: f32, %out: f32):
      %m = arith.mulf %a, %bw : f32
      %s = arith.addf %out, %m : f32
      linalg.yield %s : f32
    } -> tensor<?x8xf32>
    %w2 = linalg.generic {indexing_maps = [#ki, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %y : tensor<?x8xf32>, tensor<?x8xf32>) outs(%w : tensor<8x8xf32>) {
    ^bb0(%a: f32, %gv: f32, %out: f32):
      %q = arith.mulf %a, %gv : f32
      %s = arith.subf %out, %q : f32
      linalg.yield %s : f32
    } -> tensor<8x8xf32>
    scf.yield %w2 : tensor<8x8xf32>
  }
  return %r : tensor<8x8xf32>
}
