// RUN: ttt-opt %s --convert-ttt-scan-to-scf --canonicalize --cse --split-input-file | FileCheck %s

// One loop per batch dim, then a loop over the chunks carrying the state
// and the full output; a chunk has min(16, T - t0) positions.
// CHECK-LABEL: func @batched
// CHECK-SAME: (%[[S0:.*]]: tensor<2x8xf32>, %[[P:.*]]: tensor<2x8xf32>, %[[X:.*]]: tensor<2x?x8xf32>)
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[T:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[OUT:.*]] = tensor.empty(%[[T]]) : tensor<2x?x8xf32>
// CHECK: %[[R:.*]]:2 = scf.for %[[B:.*]] = %c0 to %{{.*}} step %c1 iter_args(%[[SACC:.*]] = %[[S0]], %[[OACC:.*]] = %[[OUT]])
// CHECK: %[[SI:.*]] = tensor.extract_slice %[[S0]][%[[B]], 0] [1, 8] [1, 1] : tensor<2x8xf32> to tensor<8xf32>
// CHECK: %[[PI:.*]] = tensor.extract_slice %[[P]][%[[B]], 0] [1, 8] [1, 1] : tensor<2x8xf32> to tensor<8xf32>
// CHECK: %[[C:.*]]:2 = scf.for %[[T0:.*]] = %c0 to %[[T]] step %[[C16]] iter_args(%[[W:.*]] = %[[SI]], %[[O:.*]] = %[[OACC]])
// CHECK: %[[LEFT:.*]] = arith.subi %[[T]], %[[T0]]
// CHECK: %[[LEN:.*]] = arith.minui %[[LEFT]], %[[C16]]
// CHECK: %[[XC:.*]] = tensor.extract_slice %[[X]][%[[B]], %[[T0]], 0] [1, %[[LEN]], 8] [1, 1, 1] : tensor<2x?x8xf32> to tensor<?x8xf32>
// CHECK: %[[N:.*]] = ttt.layer_norm %[[W]], %[[PI]], %[[PI]]
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[XC]] into %[[O]][%[[B]], %[[T0]], 0]
// CHECK: scf.yield %[[N]], %[[INS]]
// CHECK: %[[FIN:.*]] = tensor.insert_slice %[[C]]#0 into %[[SACC]][%[[B]], 0] [1, 8] [1, 1]
// CHECK: scf.yield %[[FIN]], %[[C]]#1
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @batched(%s0: tensor<2x8xf32>, %p: tensor<2x8xf32>, %x: tensor<2x?x8xf32>)
    -> (tensor<2x8xf32>, tensor<2x?x8xf32>) {
  %s, %y = ttt.scan chunk(16) batch(1) init(%s0 : tensor<2x8xf32>) params(%p : tensor<2x8xf32>)
      over(%x : tensor<2x?x8xf32>) -> (tensor<2x8xf32>, tensor<2x?x8xf32>) {
  ^bb0(%si: tensor<8xf32>, %pi: tensor<8xf32>, %xc: tensor<?x8xf32>):
    %n = ttt.layer_norm %si, %pi, %pi : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
    ttt.yield %n, %xc : tensor<8xf32>, tensor<?x8xf32>
  }
  return %s, %y : tensor<2x8xf32>, tensor<2x?x8xf32>
}

// -----

// A static chunk dimension slices exactly chunk_size positions.
// CHECK-LABEL: func @static_chunks
// CHECK: scf.for %[[T0:.*]] = %c0 to %c64 step %c16
// CHECK: tensor.extract_slice %{{.*}}[%[[T0]], 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
// CHECK: ttt.gelu_tanh %{{.*}} : tensor<16x8xf32>
func.func @static_chunks(%x: tensor<64x8xf32>) -> tensor<64x8xf32> {
  %y = ttt.scan chunk(16) over(%x : tensor<64x8xf32>) -> (tensor<64x8xf32>) {
  ^bb0(%xc: tensor<16x8xf32>):
    %g = ttt.gelu_tanh %xc : tensor<16x8xf32>
    ttt.yield %g : tensor<16x8xf32>
  }
  return %y : tensor<64x8xf32>
}
