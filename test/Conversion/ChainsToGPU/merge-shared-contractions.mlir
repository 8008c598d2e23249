// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-merge-shared-contractions))' --split-input-file %s | FileCheck %s

// Z = (Y - A G) + (B - tril(E) G): two contractions against G, added. M
// over (i, k) is each body with G = 1 and out = 0 (the mask's linalg.index
// 2 renumbered 1), added; the inits are added; one contraction
// Z = I + sum_k M[i, k] G[k, j] replaces the three ops.
// CHECK-LABEL: func.func @attention_and_bias
// CHECK-SAME: (%[[A:.*]]: tensor<16x16xf32>, %[[E:.*]]: tensor<16x16xf32>, %[[G:.*]]: tensor<16x8xf32>, %[[Y:.*]]: tensor<16x8xf32>, %[[B:.*]]: tensor<16x8xf32>)
// CHECK: %[[M:.*]] = linalg.generic {indexing_maps = [#[[ID:.*]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[A]], %[[E]] : tensor<16x16xf32>, tensor<16x16xf32>) outs(%{{.*}} : tensor<16x16xf32>)
// CHECK: ^bb0(%[[AV:.*]]: f32, %[[EV:.*]]: f32, %{{.*}}: f32):
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[P:.*]] = arith.mulf %[[AV]], %[[ONE]]
// CHECK: %[[N:.*]] = arith.negf %[[P]]
// CHECK: %[[T0:.*]] = arith.addf %[[ZERO]], %[[N]]
// CHECK: %[[I0:.*]] = linalg.index 0
// CHECK: %[[K:.*]] = linalg.index 1
// CHECK: arith.cmpi ule, %[[K]], %[[I0]]
// CHECK: %[[T1:.*]] = arith.subf
// CHECK: %[[S:.*]] = arith.addf %[[T0]], %[[T1]]
// CHECK: linalg.yield %[[S]]
// CHECK: %[[I:.*]] = linalg.generic {{.*}} ins(%[[Y]], %[[B]] : tensor<16x8xf32>, tensor<16x8xf32>)
// CHECK: %[[Z:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[M]], %[[G]] : tensor<16x16xf32>, tensor<16x8xf32>) outs(%[[I]] : tensor<16x8xf32>)
// CHECK: return %[[Z]]
#ik = affine_map<(i, j, k) -> (i, k)>
#kj = affine_map<(i, j, k) -> (k, j)>
#ij = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
func.func @attention_and_bias(%a: tensor<16x16xf32>, %e: tensor<16x16xf32>, %g: tensor<16x8xf32>, %y: tensor<16x8xf32>, %b: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %zero = arith.constant 0.0 : f32
  %c1 = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %g : tensor<16x16xf32>, tensor<16x8xf32>) outs(%y : tensor<16x8xf32>) {
  ^bb0(%av: f32, %gv: f32, %out: f32):
    %p = arith.mulf %av, %gv : f32
    %n = arith.negf %p : f32
    %s = arith.addf %out, %n : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  %c2 = linalg.generic {indexing_maps = [#kj, #ik, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g, %e : tensor<16x8xf32>, tensor<16x16xf32>) outs(%b : tensor<16x8xf32>) {
  ^bb0(%gv: f32, %ev: f32, %out: f32):
    %i = linalg.index 0 : index
    %k = linalg.index 2 : index
    %le = arith.cmpi ule, %k, %i : index
    %p = arith.mulf %ev, %gv : f32
    %sel = arith.select %le, %p, %zero : f32
    %s = arith.subf %out, %sel : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  %empty = tensor.empty() : tensor<16x8xf32>
  %z = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%c1, %c2 : tensor<16x8xf32>, tensor<16x8xf32>) outs(%empty : tensor<16x8xf32>) {
  ^bb0(%x: f32, %w: f32, %o: f32):
    %s = arith.addf %x, %w : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  return %z : tensor<16x8xf32>
}

// -----

// Unchanged: %c1 is read twice (as the per-token bias is while the next
// bias is its row), %c3 + %c3 is one contraction, and %c3 is not linear
// in G.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: arith.constant 1.0
// CHECK-COUNT-6: linalg.generic
// CHECK-NOT: linalg.generic
#ik = affine_map<(i, j, k) -> (i, k)>
#kj = affine_map<(i, j, k) -> (k, j)>
#ij = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
func.func @left_alone(%a: tensor<16x16xf32>, %g: tensor<16x8xf32>, %h: tensor<16x8xf32>, %y: tensor<16x8xf32>) -> (tensor<16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) {
  %c1 = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %g : tensor<16x16xf32>, tensor<16x8xf32>) outs(%y : tensor<16x8xf32>) {
  ^bb0(%av: f32, %gv: f32, %out: f32):
    %p = arith.mulf %av, %gv : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  %c2 = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %h : tensor<16x16xf32>, tensor<16x8xf32>) outs(%y : tensor<16x8xf32>) {
  ^bb0(%av: f32, %gv: f32, %out: f32):
    %p = arith.mulf %av, %gv : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  %c3 = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %g : tensor<16x16xf32>, tensor<16x8xf32>) outs(%y : tensor<16x8xf32>) {
  ^bb0(%av: f32, %gv: f32, %out: f32):
    %p = arith.mulf %gv, %gv : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  %empty = tensor.empty() : tensor<16x8xf32>
  %z1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%c1, %c2 : tensor<16x8xf32>, tensor<16x8xf32>) outs(%empty : tensor<16x8xf32>) {
  ^bb0(%x: f32, %w: f32, %o: f32):
    %s = arith.addf %x, %w : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  %z2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%c3, %c3 : tensor<16x8xf32>, tensor<16x8xf32>) outs(%empty : tensor<16x8xf32>) {
  ^bb0(%x: f32, %w: f32, %o: f32):
    %s = arith.addf %x, %w : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  %z3 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%c1, %z1 : tensor<16x8xf32>, tensor<16x8xf32>) outs(%empty : tensor<16x8xf32>) {
  ^bb0(%x: f32, %w: f32, %o: f32):
    %s = arith.addf %x, %w : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  return %z1, %z2, %z3 : tensor<16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>
}
