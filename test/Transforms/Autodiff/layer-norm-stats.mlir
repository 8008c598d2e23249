// RUN: ttt-opt %s --ttt-autodiff --convert-ttt-to-linalg --cse --mlir-print-local-scope | FileCheck %s

// The LayerNorm VJP recomputes the row statistics exactly as the forward
// lowering computes them (buildLayerNormStats), so CSE leaves one set: the
// two shifted row sums (x - x[row, 0] and its square) once, the mean and
// 1/std once; the backward adds only its own two row sums (of g and of
// g * xhat).
// CHECK-LABEL: func @ln_grad
// CHECK: %[[SHIFT:.*]] = tensor.extract_slice %[[X:.*]][0, 0] [%{{.*}}, 1] [1, 1]
// CHECK: %[[S1:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[SHIFT]] :
// CHECK: %[[S2:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[SHIFT]] :
// CHECK: arith.mulf
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}}iterator_types = ["parallel"]} ins(%[[S1]] :
// CHECK: %[[INV:.*]] = linalg.generic {{.*}}iterator_types = ["parallel"]} ins(%[[S1]], %[[S2]] :
// CHECK: math.rsqrt
// CHECK-NOT: ins(%[[X]], %[[SHIFT]] :
// CHECK-COUNT-2: iterator_types = ["parallel", "reduction"]
// CHECK-NOT: iterator_types = ["parallel", "reduction"]
// CHECK-NOT: math.rsqrt
// CHECK: return
func.func @ln_grad(%x0: tensor<?x64xf32>, %g: tensor<64xf32>, %b: tensor<64xf32>, %t: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %dx = ttt.grad wrt(%x0 : tensor<?x64xf32>) -> (tensor<?x64xf32>) {
  ^bb0(%x: tensor<?x64xf32>):
    %y = ttt.layer_norm %x, %g, %b : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>
    %l = ttt.l2_loss %y, %t reduce sum : tensor<?x64xf32> -> tensor<f32>
    ttt.yield %l : tensor<f32>
  }
  return %dx : tensor<?x64xf32>
}
