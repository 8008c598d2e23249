// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-inline-row-stats))' %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-inline-row-stats{max-elements=8}))' %s | FileCheck %s --check-prefix=SMALL

// The per-row rstd (16 elements) is recomputed inside the normalisation
// that broadcasts it over the rows: one generic is left, its body holding
// the rsqrt. With max-elements=8 the 16-element producer stays.
// CHECK-LABEL: func.func @rows
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK: math.rsqrt
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// SMALL-LABEL: func.func @rows
// SMALL-COUNT-2: linalg.generic
#row = affine_map<(i) -> (i)>
#id = affine_map<(i, j) -> (i, j)>
#bc = affine_map<(i, j) -> (i)>
func.func @rows(%var: tensor<16xf32>, %x: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %e = tensor.empty() : tensor<16xf32>
  %rstd = linalg.generic {indexing_maps = [#row, #row], iterator_types = ["parallel"]}
      ins(%var : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = math.rsqrt %v : f32
    linalg.yield %r : f32
  } -> tensor<16xf32>
  %e2 = tensor.empty() : tensor<16x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #bc, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %rstd : tensor<16x64xf32>, tensor<16xf32>) outs(%e2 : tensor<16x64xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<16x64xf32>
  return %y : tensor<16x64xf32>
}
