// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-rotate-output-chain))' --split-input-file %s | FileCheck %s
// RUN: ttt-opt --pass-pipeline='builtin.module(func.func(ttt-gpu-rotate-output-chain{tail-only=true}))' --split-input-file %s | FileCheck %s --check-prefix=TAIL

// The chunk loop's output chain (%o: it reads the step's product %p and
// the input slice, and only feeds the output insert) moves to the start of
// the next iteration. %p is carried (starting at zero) and written in place
// of its carried argument (the fill now fills it); the chain re-reads the
// previous step's input slice and writes the previous step's rows
// (max(i - 16, 0): the first iteration's throwaway slice is overwritten
// later). A loop of zero or one iteration after it (one where the chunk
// loop ran) writes the last chunk's rows at 0 + ((n - 0 - 1) / 16) * 16.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[X:.*]]: tensor<64x8xf32>, %[[W0:.*]]: tensor<8x8xf32>, %[[OUT0:.*]]: tensor<64x8xf32>, %[[N:.*]]: index)
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<16x8xf32>)
// CHECK: %[[R:.*]]:3 = scf.for %[[I:.*]] = %[[C0:.*]] to %[[N]] step %[[C16:.*]] iter_args(%[[W:.*]] = %[[W0]], %[[OUT:.*]] = %[[OUT0]], %[[P:.*]] = %[[Z]])
// CHECK: %[[PREV0:.*]] = arith.subi %[[I]], %[[C16]]
// CHECK: %[[PREV:.*]] = arith.maxsi %[[PREV0]], %[[C0]]
// CHECK: %[[XPREV:.*]] = tensor.extract_slice %[[X]][%[[PREV]], 0] [16, 8]
// CHECK: %[[O:.*]] = linalg.generic {{.*}} ins(%[[P]], %[[XPREV]] :
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[O]] into %[[OUT]][%[[PREV]], 0] [16, 8]
// CHECK: %[[XS:.*]] = tensor.extract_slice %[[X]][%[[I]], 0] [16, 8]
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[P]] : tensor<16x8xf32>)
// CHECK: %[[NEWP:.*]] = linalg.matmul ins(%[[XS]], %[[W]] : {{.*}}) outs(%[[F]] :
// CHECK: %[[W2:.*]] = linalg.generic
// CHECK: scf.yield %[[W2]], %[[INS]], %[[NEWP]]
// CHECK: %[[RAN:.*]] = arith.cmpi slt, %[[C0]], %[[N]]
// CHECK: %[[TRIPS:.*]] = arith.select %[[RAN]]
// CHECK: %[[SPAN0:.*]] = arith.subi %[[N]], %[[C0]]
// CHECK: %[[SPAN:.*]] = arith.subi %[[SPAN0]]
// CHECK: %[[Q:.*]] = arith.divsi %[[SPAN]], %[[C16]]
// CHECK: %[[OFF:.*]] = arith.muli %[[Q]], %[[C16]]
// CHECK: %[[LAST:.*]] = arith.addi %[[C0]], %[[OFF]]
// CHECK: %[[EPI:.*]] = scf.for %{{.*}} = %{{.*}} to %[[TRIPS]] step %{{.*}} iter_args(%[[OUTE:.*]] = %[[R]]#1)
// CHECK: %[[XLAST:.*]] = tensor.extract_slice %[[X]][%[[LAST]], 0] [16, 8]
// CHECK: %[[OL:.*]] = linalg.generic {{.*}} ins(%[[R]]#2, %[[XLAST]] :
// CHECK: %[[INSL:.*]] = tensor.insert_slice %[[OL]] into %[[OUTE]][%[[LAST]], 0] [16, 8]
// CHECK: scf.yield %[[INSL]]
// CHECK: return %[[R]]#0, %[[EPI]]
#id = affine_map<(i, j) -> (i, j)>
func.func @chain(%x: tensor<64x8xf32>, %w0: tensor<8x8xf32>, %out0: tensor<64x8xf32>, %n: index) -> (tensor<8x8xf32>, tensor<64x8xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %r:2 = scf.for %i = %c0 to %n step %c16 iter_args(%w = %w0, %out = %out0) -> (tensor<8x8xf32>, tensor<64x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %e = tensor.empty() : tensor<16x8xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x8xf32>) -> tensor<16x8xf32>
    %p = linalg.matmul ins(%xs, %w : tensor<16x8xf32>, tensor<8x8xf32>) outs(%f : tensor<16x8xf32>) -> tensor<16x8xf32>
    %ew = tensor.empty() : tensor<8x8xf32>
    %w2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<8x8xf32>) outs(%ew : tensor<8x8xf32>) {
    ^bb0(%a: f32, %o: f32):
      %s = arith.addf %a, %a : f32
      linalg.yield %s : f32
    } -> tensor<8x8xf32>
    %e2 = tensor.empty() : tensor<16x8xf32>
    %o = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%p, %xs : tensor<16x8xf32>, tensor<16x8xf32>) outs(%e2 : tensor<16x8xf32>) {
    ^bb0(%a: f32, %b: f32, %o2: f32):
      %m = arith.mulf %a, %a : f32
      %s = arith.addf %m, %b : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    %ins = tensor.insert_slice %o into %out[%i, 0] [16, 8] [1, 1] : tensor<16x8xf32> into tensor<64x8xf32>
    scf.yield %w2, %ins : tensor<8x8xf32>, tensor<64x8xf32>
  }
  return %r#0, %r#1 : tensor<8x8xf32>, tensor<64x8xf32>
}

// -----

// Unchanged: the output slice has a dynamic size (the partial last chunk).
// CHECK-LABEL: func.func @partial
// CHECK: scf.for
// CHECK-NOT: arith.maxsi
// CHECK-NOT: scf.for
// CHECK: return
#id = affine_map<(i, j) -> (i, j)>
func.func @partial(%x: tensor<64x8xf32>, %out0: tensor<64x8xf32>, %lb: index, %n: index, %len: index) -> tensor<64x8xf32> {
  %c16 = arith.constant 16 : index
  %r = scf.for %i = %lb to %n step %c16 iter_args(%out = %out0) -> (tensor<64x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [%len, 8] [1, 1] : tensor<64x8xf32> to tensor<?x8xf32>
    %e = tensor.empty(%len) : tensor<?x8xf32>
    %o = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%xs : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
    ^bb0(%a: f32, %o2: f32):
      %m = arith.mulf %a, %a : f32
      linalg.yield %m : f32
    } -> tensor<?x8xf32>
    %ins = tensor.insert_slice %o into %out[%i, 0] [%len, 8] [1, 1] : tensor<?x8xf32> into tensor<64x8xf32>
    scf.yield %ins : tensor<64x8xf32>
  }
  return %r : tensor<64x8xf32>
}

// -----

// Unchanged: the op producing the output reads an iteration argument (the
// state), so nothing can move; the chain would be the insert alone.
// CHECK-LABEL: func.func @reads_state
// CHECK: scf.for
// CHECK-NOT: arith.maxsi
// CHECK-NOT: scf.for
// CHECK: return
#id = affine_map<(i, j) -> (i, j)>
func.func @reads_state(%out0: tensor<64x8xf32>, %s0: tensor<16x8xf32>, %n: index) -> (tensor<16x8xf32>, tensor<64x8xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %r:2 = scf.for %i = %c0 to %n step %c16 iter_args(%s = %s0, %out = %out0) -> (tensor<16x8xf32>, tensor<64x8xf32>) {
    %e = tensor.empty() : tensor<16x8xf32>
    %o = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<16x8xf32>) outs(%e : tensor<16x8xf32>) {
    ^bb0(%a: f32, %o2: f32):
      %m = arith.mulf %a, %a : f32
      linalg.yield %m : f32
    } -> tensor<16x8xf32>
    %ins = tensor.insert_slice %o into %out[%i, 0] [16, 8] [1, 1] : tensor<16x8xf32> into tensor<64x8xf32>
    scf.yield %o, %ins : tensor<16x8xf32>, tensor<64x8xf32>
  }
  return %r#0, %r#1 : tensor<16x8xf32>, tensor<64x8xf32>
}

// -----

// tail-only: the chain is cut after its last op that reads a step value
// from outside it (%a reads the product %p): only %o moves, and %a, not
// %p, is carried (written in place of its carried argument). The
// epilogue's ops are marked ttt.output_epilogue.
// TAIL-LABEL: func.func @tail
// TAIL: %[[R:.*]]:3 = scf.for %[[I:.*]] = %[[C0:.*]] to %{{.*}} step %[[C16:.*]] iter_args(%[[W:.*]] = %{{.*}}, %[[OUT:.*]] = %{{.*}}, %[[A:.*]] = %{{.*}})
// TAIL: %[[PREV:.*]] = arith.maxsi
// TAIL: %[[O:.*]] = linalg.generic {{.*}} ins(%[[A]] :
// TAIL: tensor.insert_slice %[[O]] into %[[OUT]][%[[PREV]], 0] [16, 8]
// TAIL: %[[P:.*]] = linalg.matmul
// TAIL: %[[NEWA:.*]] = linalg.generic {{.*}} ins(%[[P]], %{{.*}} : {{.*}}) outs(%[[A]] :
// TAIL: scf.yield %{{.*}}, %{{.*}}, %[[NEWA]]
// TAIL: scf.for
// TAIL: linalg.generic {{.*}} ins(%[[R]]#2 : {{.*}} attrs = {ttt.output_epilogue}
// The whole chain (%a and %o) moves without tail-only: %p is carried.
// CHECK-LABEL: func.func @tail
// CHECK: scf.for {{.*}} iter_args(%{{.*}}, %{{.*}}, %[[P:.*]] = %{{.*}})
// CHECK: linalg.generic {{.*}} ins(%[[P]], %{{.*}} :
#id = affine_map<(i, j) -> (i, j)>
func.func @tail(%x: tensor<64x8xf32>, %w0: tensor<8x8xf32>, %out0: tensor<64x8xf32>, %n: index) -> (tensor<8x8xf32>, tensor<64x8xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %r:2 = scf.for %i = %c0 to %n step %c16 iter_args(%w = %w0, %out = %out0) -> (tensor<8x8xf32>, tensor<64x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %e = tensor.empty() : tensor<16x8xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x8xf32>) -> tensor<16x8xf32>
    %p = linalg.matmul ins(%xs, %w : tensor<16x8xf32>, tensor<8x8xf32>) outs(%f : tensor<16x8xf32>) -> tensor<16x8xf32>
    %ew = tensor.empty() : tensor<8x8xf32>
    %w2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<8x8xf32>) outs(%ew : tensor<8x8xf32>) {
    ^bb0(%a: f32, %o: f32):
      %s = arith.addf %a, %a : f32
      linalg.yield %s : f32
    } -> tensor<8x8xf32>
    %e2 = tensor.empty() : tensor<16x8xf32>
    %a = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%p, %xs : tensor<16x8xf32>, tensor<16x8xf32>) outs(%e2 : tensor<16x8xf32>) {
    ^bb0(%u: f32, %v: f32, %o2: f32):
      %m = arith.mulf %u, %u : f32
      %s = arith.addf %m, %v : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    %e3 = tensor.empty() : tensor<16x8xf32>
    %o = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<16x8xf32>) outs(%e3 : tensor<16x8xf32>) {
    ^bb0(%u: f32, %o3: f32):
      %s = arith.mulf %u, %u : f32
      linalg.yield %s : f32
    } -> tensor<16x8xf32>
    %ins = tensor.insert_slice %o into %out[%i, 0] [16, 8] [1, 1] : tensor<16x8xf32> into tensor<64x8xf32>
    scf.yield %w2, %ins : tensor<8x8xf32>, tensor<64x8xf32>
  }
  return %r#0, %r#1 : tensor<8x8xf32>, tensor<64x8xf32>
}
