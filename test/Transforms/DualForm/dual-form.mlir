// RUN: ttt-opt %s --ttt-dual-form --canonicalize --cse --split-input-file --mlir-print-local-scope | FileCheck %s
// RUN: ttt-opt %ttt_src_root/examples/ttt_mlp.mlir --ttt-dual-form --ttt-autodiff --convert-ttt-scan-to-scf --convert-ttt-to-linalg --canonicalize --cse | FileCheck %s --check-prefix=MLP

// The per-position weights of W disappear: q W_r becomes
// Q W - (eta o tril(Q X^T)) dZ, the next state W - X^T(eta[last] o dZ),
// with dZ from a scalar grad of the summed loss w.r.t. Z = X W.
// CHECK-LABEL: func @linear
// CHECK-NOT: ttt.update
// CHECK: %[[Z:[a-z0-9_]+]] = linalg.matmul ins(%[[K:[a-z0-9_]+]], %[[W:[a-z0-9_]+]] : tensor<?x8xf32>, tensor<8x8xf32>)
// CHECK: %[[DZ:[a-z0-9_]+]] = ttt.grad wrt(%[[Z]] : tensor<?x8xf32>) -> (tensor<?x8xf32>)
// CHECK: ttt.l2_loss {{.*}} reduce sum
// CHECK: %[[QW:[a-z0-9_]+]] = linalg.matmul ins(%[[Q:[a-z0-9_]+]], %[[W]] :
// CHECK: %[[A:[a-z0-9_]+]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]{{.*}} ins(%[[Q]], %[[K]] :
// CHECK: %[[M:[a-z0-9_]+]] = linalg.generic {{.*}} ins(%[[A]], %[[ETA:[a-z0-9_]+]] :
// CHECK: arith.cmpi ule
// CHECK: %[[C:[a-z0-9_]+]] = linalg.generic {{.*}} ins(%[[M]], %[[DZ]] :
// CHECK: %[[Y:[a-z0-9_]+]] = linalg.generic {{.*}} ins(%[[QW]], %[[C]] :
// CHECK: arith.subf
// CHECK: %[[ROW:[a-z0-9_]+]] = tensor.extract_slice %[[ETA]]
// CHECK: linalg.generic {{.*}} ins(%[[K]], %[[DZ]], %[[ROW]] :
// CHECK-NOT: tensor<?x8x8xf32>
// CHECK: return %[[Y]]
func.func @linear(%W0: tensor<8x8xf32>, %q: tensor<?x8xf32>, %k: tensor<?x8xf32>, %t: tensor<?x8xf32>,
                  %eta: tensor<?x?xf32>) -> (tensor<?x8xf32>, tensor<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f0 = arith.constant 0.0 : f32
  %n = tensor.dim %k, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %z0 = linalg.fill ins(%f0 : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %g = ttt.grad wrt(%W0 : tensor<8x8xf32>) -> (tensor<?x8x8xf32>) {
  ^bb0(%w: tensor<8x8xf32>):
    %z = linalg.matmul ins(%k, %w : tensor<?x8xf32>, tensor<8x8xf32>) outs(%z0 : tensor<?x8xf32>) -> tensor<?x8xf32>
    %l = ttt.l2_loss %z, %t : tensor<?x8xf32> -> tensor<?xf32>
    ttt.yield %l : tensor<?xf32>
  }
  %Wr = ttt.update sgd %W0, %g, %eta : (tensor<8x8xf32>, tensor<?x8x8xf32>, tensor<?x?xf32>) -> tensor<?x8x8xf32>
  %y = linalg.batch_vecmat ins(%q, %Wr : tensor<?x8xf32>, tensor<?x8x8xf32>) outs(%z0 : tensor<?x8xf32>) -> tensor<?x8xf32>
  %last = arith.subi %n, %c1 : index
  %Wn = tensor.extract_slice %Wr[%last, 0, 0] [1, 8, 8] [1, 1, 1] : tensor<?x8x8xf32> to tensor<8x8xf32>
  return %y, %Wn : tensor<?x8xf32>, tensor<8x8xf32>
}

// -----

// A use the dual form does not cover keeps the primal form.
// CHECK-LABEL: func @keeps_primal
// CHECK: ttt.update sgd
func.func @keeps_primal(%W0: tensor<8x8xf32>, %k: tensor<?x8xf32>, %t: tensor<?x8xf32>,
                        %eta: tensor<?x?xf32>) -> tensor<?x8x8xf32> {
  %c0 = arith.constant 0 : index
  %f0 = arith.constant 0.0 : f32
  %n = tensor.dim %k, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %z0 = linalg.fill ins(%f0 : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %g = ttt.grad wrt(%W0 : tensor<8x8xf32>) -> (tensor<?x8x8xf32>) {
  ^bb0(%w: tensor<8x8xf32>):
    %z = linalg.matmul ins(%k, %w : tensor<?x8xf32>, tensor<8x8xf32>) outs(%z0 : tensor<?x8xf32>) -> tensor<?x8xf32>
    %l = ttt.l2_loss %z, %t : tensor<?x8xf32> -> tensor<?xf32>
    ttt.yield %l : tensor<?xf32>
  }
  %Wr = ttt.update sgd %W0, %g, %eta : (tensor<8x8xf32>, tensor<?x8x8xf32>, tensor<?x?xf32>) -> tensor<?x8x8xf32>
  return %Wr : tensor<?x8x8xf32>
}

// After the whole pipeline, no per-position copy of either MLP weight is
// left: nothing of type ?x64x256 or ?x256x64.
// MLP-LABEL: func.func @ttt_mlp
// MLP-NOT: tensor<?x64x256xf32>
// MLP-NOT: tensor<?x256x64xf32>
// MLP: return
