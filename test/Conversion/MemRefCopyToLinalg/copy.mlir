// RUN: ttt-opt %s --convert-memref-copy-to-linalg | FileCheck %s
// RUN: ttt-opt %s --convert-memref-copy-to-linalg --convert-linalg-to-loops --expand-strided-metadata --finalize-memref-to-llvm --convert-arith-to-llvm --convert-scf-to-cf --convert-cf-to-llvm --convert-func-to-llvm --reconcile-unrealized-casts | FileCheck %s --check-prefix=LLVM

// A strided copy becomes linalg.copy, then loops: no call to memrefCopy
// (MLIR's runner library) is left in the artifact.
// CHECK-LABEL: func @strided_copy
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%arg0 : memref<4x8xf32, strided<[16, 1]>>) outs(%arg1 : memref<4x8xf32>)
// LLVM-NOT: memrefCopy
func.func @strided_copy(%a: memref<4x8xf32, strided<[16, 1]>>, %b: memref<4x8xf32>) {
  memref.copy %a, %b : memref<4x8xf32, strided<[16, 1]>> to memref<4x8xf32>
  return
}
