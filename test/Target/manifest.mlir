// RUN: ttt-translate --ttt-manifest --ttt-manifest-library=m.so %s | FileCheck %s
// RUN: not ttt-translate --ttt-manifest %S/Inputs/no-scan.mlir 2>&1 | FileCheck %s --check-prefix=NOSCAN

// Roles come from the scan: init -> state (paired with its returned final
// state), params -> param, over -> sequence, anything else -> shared.
// CHECK: "args": [
// CHECK: "kind": "sequence",
// CHECK-NEXT: "name": "x",
// CHECK: "kind": "state",
// CHECK-NEXT: "name": "w0",
// CHECK-NEXT: "result": 1,
// CHECK: "kind": "shared",
// CHECK-NEXT: "name": "arg2",
// CHECK: "chain_rank": 1,
// CHECK-NEXT: "chunk_size": 4,
// CHECK-NEXT: "entry": "_mlir_ciface_one_layer",
// CHECK: "library": "m.so",
// CHECK: "results": [
// CHECK: "kind": "sequence",
// CHECK-NEXT: "name": "y",
// CHECK: "arg": 1,
// CHECK: "kind": "state",
// CHECK: "version": 1
// NOSCAN: error: manifest: no function holding a ttt.scan
func.func @one_layer(%x: tensor<?x?x8xf32> {ttt.name = "x"}, %w0: tensor<?x8xf32> {ttt.name = "w0"},
                     %unused: tensor<4xf32>)
    -> (tensor<?x?x8xf32> {ttt.name = "y"}, tensor<?x8xf32>) {
  %w, %y = ttt.scan chunk(4) batch(1) init(%w0 : tensor<?x8xf32>) over(%x : tensor<?x?x8xf32>)
      -> (tensor<?x8xf32>, tensor<?x?x8xf32>) {
  ^bb0(%wi: tensor<8xf32>, %xc: tensor<?x8xf32>):
    ttt.yield %wi, %xc : tensor<8xf32>, tensor<?x8xf32>
  }
  return %y, %w : tensor<?x?x8xf32>, tensor<?x8xf32>
}
