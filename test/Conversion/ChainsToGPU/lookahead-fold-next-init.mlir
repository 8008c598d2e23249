// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-lookahead-products{fold-next-init=true}))' --split-input-file %s | FileCheck %s

// TTT-Linear's bias: Y = bcast(b) + X W, G from Y, W' = W - sum_k [k <= 15]
// e[k] X[k, i] G[k, j], and b' = Q[15, :] with Q = bcast(b) - sum_k
// [k <= i] E[i, k] G[k, j] (the per-token bias). Folded: the next X W
// starts from this step's bcast(b), and one product after G adds the
// update's coefficients with A = X' X^T for X and Q's at row 15:
// C[i, k] = -[k <= 15] e[k] A[i, k] - [k <= 15] E[15, k].
// CHECK-LABEL: func.func @fold
// CHECK-SAME: (%[[X:.*]]: tensor<64x8xf32>, %[[E:.*]]: tensor<64xf32>, %[[EB:.*]]: tensor<64x16xf32>, %[[W0:.*]]: tensor<8x8xf32>, %[[B0:.*]]: tensor<8xf32>, %[[N:.*]]: index)
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[W:.*]] = %[[W0]], %[[B:.*]] = %[[B0]], %[[Y:.*]] = %{{.*}})
// CHECK: %[[BB:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<8xf32>)
// CHECK: %[[XN:.*]] = tensor.extract_slice %[[X]][%{{.*}}, 0] [16, 8]
// CHECK: %[[EARLY:.*]] = linalg.generic {{.*}} ins(%[[XN]], %[[W]] : {{.*}}) outs(%[[BB]] : tensor<16x8xf32>)
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<16x8xf32>)
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%[[XN]], %{{.*}} : tensor<16x8xf32>, tensor<16x8xf32>) outs(%{{.*}} : tensor<16x16xf32>)
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} ins(%[[G]], %[[EBS:.*]] : tensor<16x8xf32>, tensor<16x16xf32>)
// CHECK: %[[BN:.*]] = tensor.extract_slice %[[Q]][15, 0] [1, 8] [1, 1]
// CHECK: %[[EROW:.*]] = tensor.extract_slice %[[EBS]][15, 0] [1, 16] [1, 1] : tensor<16x16xf32> to tensor<16xf32>
// CHECK: %[[COEF:.*]] = linalg.generic {indexing_maps = [#[[IK:.*]], #[[K:.*]], #[[K]], #[[IK]]], iterator_types = ["parallel", "parallel"]} ins(%[[A]], %[[ES:.*]], %[[EROW]] : tensor<16x16xf32>, tensor<16xf32>, tensor<16xf32>) outs(%{{.*}} : tensor<16x16xf32>)
// CHECK: %[[ONE:.*]] = arith.constant 1.0
// CHECK: %[[UK:.*]] = linalg.index 1 : index
// CHECK: arith.mulf %{{.*}}, %[[ONE]]
// CHECK: %[[R15:.*]] = arith.constant 15 : index
// CHECK: %[[QK:.*]] = linalg.index 1 : index
// CHECK: arith.cmpi ule, %[[QK]], %[[R15]]
// CHECK: %[[FROMQ:.*]] = arith.addf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %{{.*}}, %[[FROMQ]] : f32
// CHECK-NEXT: linalg.yield %[[SUM]]
// CHECK: %[[START:.*]] = linalg.copy ins(%[[EARLY]] : tensor<16x8xf32>)
// CHECK: %[[YN:.*]] = linalg.generic {{.*}} ins(%[[COEF]], %[[G]] : tensor<16x16xf32>, tensor<16x8xf32>) outs(%[[START]] : tensor<16x8xf32>) attrs =  {ttt.lookahead_correction}
// CHECK: scf.yield %{{.*}}, %[[BN]], %[[YN]]
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#ik = affine_map<(i, j, k) -> (i, k)>
#kj = affine_map<(i, j, k) -> (k, j)>
#ki = affine_map<(i, j, k) -> (k, i)>
#k = affine_map<(i, j, k) -> (k)>
#ij = affine_map<(i, j, k) -> (i, j)>
func.func @fold(%x: tensor<64x8xf32>, %e: tensor<64xf32>, %eb: tensor<64x16xf32>, %w0: tensor<8x8xf32>, %b0: tensor<8xf32>, %n: index) -> (tensor<8x8xf32>, tensor<8xf32>) {
  %c0 = arith.constant 0 : index
  %c15 = arith.constant 15 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %r:2 = scf.for %i = %c0 to %n step %c16 iter_args(%w = %w0, %b = %b0) -> (tensor<8x8xf32>, tensor<8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %es = tensor.extract_slice %e[%i] [16] [1] : tensor<64xf32> to tensor<16xf32>
    %ebs = tensor.extract_slice %eb[%i, 0] [16, 16] [1, 1] : tensor<64x16xf32> to tensor<16x16xf32>
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
    %bq = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<8xf32>) outs(%ey : tensor<16x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<16x8xf32>
    %q = linalg.generic {indexing_maps = [#kj, #ik, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g, %ebs : tensor<16x8xf32>, tensor<16x16xf32>) outs(%bq : tensor<16x8xf32>) {
    ^bb0(%gv: f32, %ev: f32, %out: f32):
      %ii = linalg.index 0 : index
      %kk = linalg.index 2 : index
      %in = arith.cmpi ule, %kk, %ii : index
      %p = arith.mulf %ev, %gv : f32
      %sel = arith.select %in, %p, %zero : f32
      %neg = arith.negf %sel : f32
      %s = arith.addf %out, %neg : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    %bn = tensor.extract_slice %q[15, 0] [1, 8] [1, 1] : tensor<16x8xf32> to tensor<8xf32>
    scf.yield %w2, %bn : tensor<8x8xf32>, tensor<8xf32>
  }
  return %r#0, %r#1 : tensor<8x8xf32>, tensor<8xf32>
}

// -----

// Not folded: Q also reads a scale along j (its coefficient of G would
// differ by column); the lookahead is the plain one (P + bcast(b')).
// CHECK-LABEL: func.func @scaled_columns
// CHECK-NOT: ttt.lookahead_correction
// CHECK: arith.minsi
// CHECK-NOT: ttt.lookahead_correction
// CHECK: return
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#ik = affine_map<(i, j, k) -> (i, k)>
#kj = affine_map<(i, j, k) -> (k, j)>
#ki = affine_map<(i, j, k) -> (k, i)>
#j = affine_map<(i, j, k) -> (j)>
#ij = affine_map<(i, j, k) -> (i, j)>
func.func @scaled_columns(%x: tensor<64x8xf32>, %s: tensor<8xf32>, %w0: tensor<8x8xf32>, %b0: tensor<8xf32>, %n: index) -> (tensor<8x8xf32>, tensor<8xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %r:2 = scf.for %i = %c0 to %n step %c16 iter_args(%w = %w0, %b = %b0) -> (tensor<8x8xf32>, tensor<8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %ey = tensor.empty() : tensor<16x8xf32>
    %bb = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<8xf32>) outs(%ey : tensor<16x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<16x8xf32>
    %y = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %w : tensor<16x8xf32>, tensor<8x8xf32>) outs(%bb : tensor<16x8xf32>) {
    ^bb0(%a: f32, %bw: f32, %out: f32):
      %m = arith.mulf %a, %bw : f32
      %t = arith.addf %out, %m : f32
      linalg.yield %t : f32
    } -> tensor<16x8xf32>
    %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<16x8xf32>) outs(%ey : tensor<16x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %t = math.tanh %in : f32
      linalg.yield %t : f32
    } -> tensor<16x8xf32>
    %w2 = linalg.generic {indexing_maps = [#ki, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %g : tensor<16x8xf32>, tensor<16x8xf32>) outs(%w : tensor<8x8xf32>) {
    ^bb0(%a: f32, %gv: f32, %out: f32):
      %q = arith.mulf %a, %gv : f32
      %t = arith.subf %out, %q : f32
      linalg.yield %t : f32
    } -> tensor<8x8xf32>
    %bq = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<8xf32>) outs(%ey : tensor<16x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<16x8xf32>
    %q = linalg.generic {indexing_maps = [#kj, #j, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g, %s : tensor<16x8xf32>, tensor<8xf32>) outs(%bq : tensor<16x8xf32>) {
    ^bb0(%gv: f32, %sv: f32, %out: f32):
      %p = arith.mulf %sv, %gv : f32
      %t = arith.subf %out, %p : f32
      linalg.yield %t : f32
    } -> tensor<16x8xf32>
    %bn = tensor.extract_slice %q[15, 0] [1, 8] [1, 1] : tensor<16x8xf32> to tensor<8xf32>
    scf.yield %w2, %bn : tensor<8x8xf32>, tensor<8xf32>
  }
  return %r#0, %r#1 : tensor<8x8xf32>, tensor<8xf32>
}
