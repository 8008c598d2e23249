// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-fuse-conversions))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-fuse-conversions{input-ops=true}))' --split-input-file %s | FileCheck %s --check-prefix=INPUTS

// A chunk's bf16 input widened by a generic of its own and read by a
// contraction (K W) and an elementwise op (v - k): both read the bf16
// slice and widen it in their bodies; the conversion goes, and so does
// the widened copy a reader fused first would otherwise still yield.
// CHECK-LABEL: func.func @fused
// CHECK: scf.for
// CHECK: %[[KS:.*]] = tensor.extract_slice %{{.*}} : tensor<64x8xbf16> to tensor<16x8xbf16>
// CHECK-NOT: linalg.generic {{.*}} ins(%[[KS]] : tensor<16x8xbf16>) outs(%{{.*}} : tensor<16x8xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[KS]], %{{.*}} : tensor<16x8xbf16>, tensor<8x8xf32>)
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[KS]] : tensor<16x8xf32>, tensor<16x8xbf16>)
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.subf
// CHECK: } -> tensor<16x8xf32>
// CHECK-NEXT: scf.yield
#id = affine_map<(i, j) -> (i, j)>
#ik = affine_map<(i, j, k) -> (i, k)>
#kj = affine_map<(i, j, k) -> (k, j)>
#ij = affine_map<(i, j, k) -> (i, j)>
func.func @fused(%k: tensor<64x8xbf16>, %v: tensor<64x8xf32>, %w: tensor<8x8xf32>, %acc0: tensor<16x8xf32>, %n: index) -> tensor<16x8xf32> {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %r = scf.for %i = %c0 to %n step %c16 iter_args(%acc = %acc0) -> (tensor<16x8xf32>) {
    %ks = tensor.extract_slice %k[%i, 0] [16, 8] [1, 1] : tensor<64x8xbf16> to tensor<16x8xbf16>
    %vs = tensor.extract_slice %v[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %e = tensor.empty() : tensor<16x8xf32>
    %kf = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%ks : tensor<16x8xbf16>) outs(%e : tensor<16x8xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %x = arith.extf %in : bf16 to f32
      linalg.yield %x : f32
    } -> tensor<16x8xf32>
    %kw = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%kf, %w : tensor<16x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<16x8xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %m = arith.mulf %a, %b : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    %d = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%vs, %kf : tensor<16x8xf32>, tensor<16x8xf32>) outs(%kw : tensor<16x8xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %s = arith.subf %a, %b : f32
      %t = arith.addf %o, %s : f32
      linalg.yield %t : f32
    } -> tensor<16x8xf32>
    scf.yield %d : tensor<16x8xf32>
  }
  return %r : tensor<16x8xf32>
}

// -----

// Untouched: a conversion outside a loop, and one that also scales (not a
// conversion alone).
// CHECK-LABEL: func.func @kept
// CHECK: arith.extf
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<16x8xf32>, tensor<8x8xf32>)
// CHECK: scf.for
// CHECK: arith.extf
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<8x8xf32>)
#id = affine_map<(i, j) -> (i, j)>
#ik = affine_map<(i, j, k) -> (i, k)>
#kj = affine_map<(i, j, k) -> (k, j)>
#ij = affine_map<(i, j, k) -> (i, j)>
func.func @kept(%k: tensor<16x8xbf16>, %w: tensor<8x8xf32>, %acc0: tensor<16x8xf32>, %n: index) -> (tensor<16x8xf32>, tensor<16x8xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %two = arith.constant 2.0 : f32
  %e = tensor.empty() : tensor<16x8xf32>
  %kf = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%k : tensor<16x8xbf16>) outs(%e : tensor<16x8xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %x = arith.extf %in : bf16 to f32
    linalg.yield %x : f32
  } -> tensor<16x8xf32>
  %kw = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%kf, %w : tensor<16x8xf32>, tensor<8x8xf32>) outs(%acc0 : tensor<16x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  %r = scf.for %i = %c0 to %n step %c16 iter_args(%acc = %acc0) -> (tensor<16x8xf32>) {
    %k2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%k : tensor<16x8xbf16>) outs(%e : tensor<16x8xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %x = arith.extf %in : bf16 to f32
      %y = arith.mulf %x, %two : f32
      linalg.yield %y : f32
    } -> tensor<16x8xf32>
    %kw2 = linalg.generic {indexing_maps = [#ik, #kj, #ij], iterator_types = ["parallel", "parallel", "reduction"]} ins(%k2, %w : tensor<16x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<16x8xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %m = arith.mulf %a, %b : f32
      %s = arith.addf %o, %m : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    scf.yield %kw2 : tensor<16x8xf32>
  }
  return %kw, %r : tensor<16x8xf32>, tensor<16x8xf32>
}

// -----

// Without input-ops v - k stays an op of its own. With them, v - k
// (computed from the chunk's slices alone) is fused into its reader too; an op reading a value of the step (%y) is not an
// input op and stays.
// CHECK-LABEL: func.func @input_ops
// CHECK: %[[VK:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<16x8xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[VK]] : tensor<16x8xf32>, tensor<16x8xf32>)
// INPUTS-LABEL: func.func @input_ops
// INPUTS: scf.for
// INPUTS: %[[VS:.*]] = tensor.extract_slice %{{.*}} : tensor<64x8xf32> to tensor<16x8xf32>
// INPUTS: %[[KS:.*]] = tensor.extract_slice %{{.*}} : tensor<64x8xf32> to tensor<16x8xf32>
// INPUTS: %[[Y:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<16x8xf32>)
// INPUTS: math.tanh
// INPUTS: linalg.generic {{.*}} ins(%[[Y]], %[[VS]], %[[KS]] : tensor<16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>)
// INPUTS: arith.subf
// INPUTS: arith.subf
// INPUTS: } -> tensor<16x8xf32>
// INPUTS-NEXT: scf.yield
#id = affine_map<(i, j) -> (i, j)>
func.func @input_ops(%v: tensor<64x8xf32>, %k: tensor<64x8xf32>, %acc0: tensor<16x8xf32>, %n: index) -> tensor<16x8xf32> {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %r = scf.for %i = %c0 to %n step %c16 iter_args(%acc = %acc0) -> (tensor<16x8xf32>) {
    %vs = tensor.extract_slice %v[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %ks = tensor.extract_slice %k[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %e = tensor.empty() : tensor<16x8xf32>
    %vk = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%vs, %ks : tensor<16x8xf32>, tensor<16x8xf32>) outs(%e : tensor<16x8xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %s = arith.subf %a, %b : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%acc : tensor<16x8xf32>) outs(%e : tensor<16x8xf32>) {
    ^bb0(%a: f32, %o: f32):
      %t = math.tanh %a : f32
      linalg.yield %t : f32
    } -> tensor<16x8xf32>
    %d = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%y, %vk : tensor<16x8xf32>, tensor<16x8xf32>) outs(%e : tensor<16x8xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %s = arith.subf %a, %b : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    scf.yield %d : tensor<16x8xf32>
  }
  return %r : tensor<16x8xf32>
}
