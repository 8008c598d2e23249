// RUN: ttt-opt %s --convert-ttt-scan-to-scf --canonicalize --cse --split-input-file | FileCheck %s

// One loop per batch dim, then the chunk loops carrying the state and the
// full output: full chunks of exactly 16 positions (static slices), then
// the partial last chunk (zero or one trip) of min(16, T - t0) positions.
// CHECK-LABEL: func @batched
// CHECK-SAME: (%[[S0:.*]]: tensor<2x8xf32>, %[[P:.*]]: tensor<2x8xf32>, %[[X:.*]]: tensor<2x?x8xf32>)
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[T:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[OUT:.*]] = tensor.empty(%[[T]]) : tensor<2x?x8xf32>
// CHECK: %[[R:.*]]:2 = scf.for %[[B:.*]] = %c0 to %{{.*}} step %c1 iter_args(%[[SACC:.*]] = %[[S0]], %[[OACC:.*]] = %[[OUT]])
// CHECK: %[[SI:.*]] = tensor.extract_slice %[[S0]][%[[B]], 0] [1, 8] [1, 1] : tensor<2x8xf32> to tensor<8xf32>
// CHECK: %[[PI:.*]] = tensor.extract_slice %[[P]][%[[B]], 0] [1, 8] [1, 1] : tensor<2x8xf32> to tensor<8xf32>
// CHECK: %[[REM:.*]] = arith.remui %[[T]], %[[C16]]
// CHECK: %[[FULL:.*]] = arith.subi %[[T]], %[[REM]]
// CHECK: %[[M:.*]]:2 = scf.for %[[T0:.*]] = %c0 to %[[FULL]] step %[[C16]] iter_args(%[[W:.*]] = %[[SI]], %[[O:.*]] = %[[OACC]])
// CHECK: %[[XS:.*]] = tensor.extract_slice %[[X]][%[[B]], %[[T0]], 0] [1, 16, 8] [1, 1, 1] : tensor<2x?x8xf32> to tensor<16x8xf32>
// CHECK: %[[NS:.*]] = ttt.layer_norm %[[W]], %[[PI]], %[[PI]]
// CHECK: %[[INSS:.*]] = tensor.insert_slice %[[XS]] into %[[O]][%[[B]], %[[T0]], 0] [1, 16, 8]
// CHECK: scf.yield %[[NS]], %[[INSS]]
// CHECK: %[[C:.*]]:2 = scf.for %[[T1:.*]] = %[[FULL]] to %[[T]] step %[[C16]] iter_args(%[[W1:.*]] = %[[M]]#0, %[[O1:.*]] = %[[M]]#1)
// CHECK: %[[LEFT:.*]] = arith.subi %[[T]], %[[T1]]
// CHECK: %[[LEN:.*]] = arith.minui %[[LEFT]], %[[C16]]
// CHECK: %[[XC:.*]] = tensor.extract_slice %[[X]][%[[B]], %[[T1]], 0] [1, %[[LEN]], 8] [1, 1, 1] : tensor<2x?x8xf32> to tensor<?x8xf32>
// CHECK: %[[N:.*]] = ttt.layer_norm %[[W1]], %[[PI]], %[[PI]]
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[XC]] into %[[O1]][%[[B]], %[[T1]], 0]
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

// A static chunk dimension slices exactly chunk_size positions; with a
// static T that is a multiple of it, no partial-chunk loop is left.
// CHECK-LABEL: func @static_chunks
// CHECK: scf.for %[[T0:.*]] = %c0 to %c64 step %c16
// CHECK: tensor.extract_slice %{{.*}}[%[[T0]], 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
// CHECK: ttt.gelu_tanh %{{.*}} : tensor<16x8xf32>
// CHECK-NOT: scf.for
func.func @static_chunks(%x: tensor<64x8xf32>) -> tensor<64x8xf32> {
  %y = ttt.scan chunk(16) over(%x : tensor<64x8xf32>) -> (tensor<64x8xf32>) {
  ^bb0(%xc: tensor<16x8xf32>):
    %g = ttt.gelu_tanh %xc : tensor<16x8xf32>
    ttt.yield %g : tensor<16x8xf32>
  }
  return %y : tensor<64x8xf32>
}
