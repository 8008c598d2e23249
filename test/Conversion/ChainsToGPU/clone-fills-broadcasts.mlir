// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-clone-fills{broadcasts=true}))' %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-clone-fills))' %s | FileCheck %s --check-prefix=OFF

// A bias broadcast that is the init of two contractions (Z = b + X W and
// the bias update): with `broadcasts`, the second gets a broadcast of its
// own right before it, which ttt-gpu-fold-init-copies can then fold into
// it; without, both share the one broadcast.
// CHECK-LABEL: func.func @bias
// CHECK: %[[B0:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<8xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x2xf32>, tensor<2x8xf32>) outs(%[[B0]] : tensor<4x8xf32>)
// CHECK: %[[B1:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<8xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x2xf32>, tensor<2x8xf32>) outs(%[[B1]] : tensor<4x8xf32>)
// OFF-LABEL: func.func @bias
// OFF: %[[B:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<8xf32>)
// OFF-NOT: ins(%arg0 : tensor<8xf32>)
// OFF: outs(%[[B]] : tensor<4x8xf32>)
// OFF: outs(%[[B]] : tensor<4x8xf32>)
#col = affine_map<(i, j) -> (j)>
#id = affine_map<(i, j) -> (i, j)>
func.func @bias(%b: tensor<8xf32>, %a: tensor<4x2xf32>, %w: tensor<2x8xf32>, %g: tensor<2x8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %bb = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  } -> tensor<4x8xf32>
  %z = linalg.matmul ins(%a, %w : tensor<4x2xf32>, tensor<2x8xf32>) outs(%bb : tensor<4x8xf32>) -> tensor<4x8xf32>
  %u = linalg.matmul ins(%a, %g : tensor<4x2xf32>, tensor<2x8xf32>) outs(%bb : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %z, %u : tensor<4x8xf32>, tensor<4x8xf32>
}
