// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-rotate-weight-update))' --split-input-file %s | FileCheck %s

// The weight update (%w2 = %w + xs^T g: a contraction accumulating into the
// iteration argument it yields) moves to the start of the next iteration.
// What it reads from the step is carried, starting at zero: the gradient
// %g (written in place of its carried argument: it depends on %w) and the
// input slice %xs (copied into its argument at the step's end: an input
// slice is not re-read, its buffer is refilled by the prefetch, and a
// write in place would wait for the update's reads). The rest of the step reads the
// updated weights; the loop yields them as they are, and a loop of zero or
// one iteration after it applies the last step's update.
// CHECK-LABEL: func.func @update
// CHECK-SAME: (%[[X:.*]]: tensor<64x8xf32>, %[[W0:.*]]: tensor<8x8xf32>, %[[N:.*]]: index)
// CHECK: %[[X0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<16x8xf32>)
// CHECK: %[[G0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<16x8xf32>)
// CHECK: %[[R:.*]]:3 = scf.for %[[I:.*]] = %[[C0:.*]] to %[[N]] step %[[C16:.*]] iter_args(%[[W:.*]] = %[[W0]], %[[XC:.*]] = %[[X0]], %[[G:.*]] = %[[G0]])
// CHECK: %[[WT:.*]] = linalg.generic {{.*}} ins(%[[XC]], %[[G]] : {{.*}}) outs(%[[W]] : tensor<8x8xf32>)
// CHECK: %[[XS:.*]] = tensor.extract_slice %[[X]][%[[I]], 0] [16, 8]
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[G]] : tensor<16x8xf32>)
// CHECK: %[[NEWG:.*]] = linalg.matmul ins(%[[XS]], %[[WT]] : {{.*}}) outs(%[[F]] :
// CHECK: %[[XNEXT:.*]] = linalg.copy ins(%[[XS]] : tensor<16x8xf32>) outs(%[[XC]] : tensor<16x8xf32>)
// CHECK: scf.yield %[[WT]], %[[XNEXT]], %[[NEWG]]
// CHECK: %[[RAN:.*]] = arith.cmpi slt, %[[C0]], %[[N]]
// CHECK: %[[TRIPS:.*]] = arith.select %[[RAN]]
// CHECK: %[[EPI:.*]] = scf.for %{{.*}} = %{{.*}} to %[[TRIPS]] step %{{.*}} iter_args(%[[WE:.*]] = %[[R]]#0)
// CHECK: %[[WL:.*]] = linalg.generic {{.*}} ins(%[[R]]#1, %[[R]]#2 : {{.*}}) outs(%[[WE]] : tensor<8x8xf32>)
// CHECK: scf.yield %[[WL]]
// CHECK: return %[[EPI]]
func.func @update(%x: tensor<64x8xf32>, %w0: tensor<8x8xf32>, %n: index) -> tensor<8x8xf32> {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %n step %c16 iter_args(%w = %w0) -> (tensor<8x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %e = tensor.empty() : tensor<16x8xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x8xf32>) -> tensor<16x8xf32>
    %g = linalg.matmul ins(%xs, %w : tensor<16x8xf32>, tensor<8x8xf32>) outs(%f : tensor<16x8xf32>) -> tensor<16x8xf32>
    %w2 = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (k, i)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %g : tensor<16x8xf32>, tensor<16x8xf32>) outs(%w : tensor<8x8xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %m = arith.mulf %a, %b : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<8x8xf32>
    scf.yield %w2 : tensor<8x8xf32>
  }
  return %r : tensor<8x8xf32>
}

// -----

// Unchanged: the yielded value is not an update of its own argument (an
// elementwise op writing a new tensor), or the gradient has a dynamic size.
// CHECK-LABEL: func.func @not_an_update
// CHECK: scf.for
// CHECK-NOT: arith.maxsi
// CHECK-NOT: scf.for
// CHECK: return
func.func @not_an_update(%w0: tensor<8x8xf32>, %n: index) -> tensor<8x8xf32> {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %r = scf.for %i = %c0 to %n step %c16 iter_args(%w = %w0) -> (tensor<8x8xf32>) {
    %e = tensor.empty() : tensor<8x8xf32>
    %w2 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<8x8xf32>) outs(%e : tensor<8x8xf32>) {
    ^bb0(%a: f32, %o: f32):
      %s = arith.addf %a, %a : f32
      linalg.yield %s : f32
    } -> tensor<8x8xf32>
    scf.yield %w2 : tensor<8x8xf32>
  }
  return %r : tensor<8x8xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic_gradient
// CHECK: scf.for
// CHECK-NOT: arith.maxsi
// CHECK-NOT: scf.for
// CHECK: return
func.func @dynamic_gradient(%x: tensor<64x8xf32>, %w0: tensor<8x8xf32>, %n: index, %len: index) -> tensor<8x8xf32> {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %n step %c16 iter_args(%w = %w0) -> (tensor<8x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [%len, 8] [1, 1] : tensor<64x8xf32> to tensor<?x8xf32>
    %e = tensor.empty(%len) : tensor<?x8xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
    %g = linalg.matmul ins(%xs, %w : tensor<?x8xf32>, tensor<8x8xf32>) outs(%f : tensor<?x8xf32>) -> tensor<?x8xf32>
    %w2 = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (k, i)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xs, %g : tensor<?x8xf32>, tensor<?x8xf32>) outs(%w : tensor<8x8xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %m = arith.mulf %a, %b : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<8x8xf32>
    scf.yield %w2 : tensor<8x8xf32>
  }
  return %r : tensor<8x8xf32>
}
