// RUN: ttt-opt --ttt-gpu-destination-args --split-input-file --verify-diagnostics %s | FileCheck %s

// The loop's initial values become writable out-arguments.
// CHECK-LABEL: func.func @f(
// CHECK-SAME: %[[X:.*]]: tensor<?x4xf32>, %[[OUT:.*]]: tensor<?x4xf32> {bufferization.writable = true, ttt.name = "y"})
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[OUT]])
func.func @f(%x: tensor<?x4xf32>) -> (tensor<?x4xf32> {ttt.name = "y"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<?x4xf32> {
    %row = tensor.extract_slice %x[%i, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<4xf32>
    %ins = tensor.insert_slice %row into %acc[%i, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<?x4xf32>
    scf.yield %ins : tensor<?x4xf32>
  }
  return %r : tensor<?x4xf32>
}

// -----

func.func @reads_its_result(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<?x4xf32> {
    // expected-error @+1 {{a chain loop reads its result while it writes it}}
    %row = tensor.extract_slice %acc[%i, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<4xf32>
    %ins = tensor.insert_slice %row into %acc[%i, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<?x4xf32>
    scf.yield %ins : tensor<?x4xf32>
  }
  return %r : tensor<?x4xf32>
}
